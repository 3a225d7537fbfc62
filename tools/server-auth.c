/* fractalvid-server: Basic authentication against an htpasswd file (see server-auth.h). */

#include "server-auth.h"

#include <crypt.h>
#include <string.h>

struct _FvAuth {
    GstRTSPAuth parent;
    GHashTable *users; /* user -> hash, from the htpasswd file */
    GstRTSPToken *token;
};

G_DEFINE_TYPE(FvAuth, fv_auth, GST_TYPE_RTSP_AUTH)

/* ---- Hashes ---- */

/* Equal strings, in a time that does not tell how much of them matched. */
static gboolean same_text(const gchar *a, const gchar *b)
{
    gsize la = strlen(a), lb = strlen(b);
    guchar diff = la != lb;

    for (gsize i = 0; i < MIN(la, lb); i++)
        diff |= (guchar)a[i] ^ (guchar)b[i];
    return diff == 0;
}

static void md5_text(GChecksum *md5, const gchar *text, gsize len)
{
    g_checksum_update(md5, (const guchar *)text, (gssize)len);
}

static void md5_digest(GChecksum *md5, guint8 out[16])
{
    gsize len = 16;
    g_checksum_get_digest(md5, out, &len);
}

/* Apache's MD5 ($apr1$salt$digest): the MD5-based crypt of FreeBSD with "$apr1$" as its
 * magic, which is part of what is hashed (so crypt(3)'s "$1$" cannot do it). */
static gchar *apr1_hash(const gchar *password, const gchar *salt, gsize salt_len)
{
    static const gchar magic[] = "$apr1$";
    static const gchar itoa64[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static const guint8 order[5][3] = {{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}};
    gsize pw_len = strlen(password);
    GChecksum *ctx = g_checksum_new(G_CHECKSUM_MD5);
    GChecksum *alt = g_checksum_new(G_CHECKSUM_MD5);
    guint8 final[16];
    GString *out;

    salt_len = MIN(salt_len, 8);
    md5_text(ctx, password, pw_len);
    md5_text(ctx, magic, strlen(magic));
    md5_text(ctx, salt, salt_len);

    md5_text(alt, password, pw_len);
    md5_text(alt, salt, salt_len);
    md5_text(alt, password, pw_len);
    md5_digest(alt, final);
    for (gssize left = (gssize)pw_len; left > 0; left -= 16)
        g_checksum_update(ctx, final, MIN(left, 16));
    for (gsize bits = pw_len; bits; bits >>= 1) {
        if (bits & 1)
            g_checksum_update(ctx, (const guchar *)"", 1); /* a zero byte */
        else
            md5_text(ctx, password, 1);
    }
    md5_digest(ctx, final);

    /* A thousand rounds, to make guessing slow. */
    for (guint i = 0; i < 1000; i++) {
        GChecksum *round = g_checksum_new(G_CHECKSUM_MD5);
        if (i & 1)
            md5_text(round, password, pw_len);
        else
            g_checksum_update(round, final, 16);
        if (i % 3)
            md5_text(round, salt, salt_len);
        if (i % 7)
            md5_text(round, password, pw_len);
        if (i & 1)
            g_checksum_update(round, final, 16);
        else
            md5_text(round, password, pw_len);
        md5_digest(round, final);
        g_checksum_free(round);
    }

    out = g_string_new(magic);
    g_string_append_len(out, salt, (gssize)salt_len);
    g_string_append_c(out, '$');
    for (guint g = 0; g < 5; g++) {
        guint32 v = ((guint32) final[order[g][0]] << 16) | ((guint32) final[order[g][1]] << 8) |
                    final[order[g][2]];
        for (guint k = 0; k < 4; k++, v >>= 6)
            g_string_append_c(out, itoa64[v & 0x3f]);
    }
    for (guint32 v = final[11], k = 0; k < 2; k++, v >>= 6)
        g_string_append_c(out, itoa64[v & 0x3f]);
    g_checksum_free(alt);
    g_checksum_free(ctx);
    return g_string_free(out, FALSE);
}

/* {SHA}base64(SHA-1(password)), as htpasswd -s writes. */
static gchar *sha1_hash(const gchar *password)
{
    GChecksum *sha = g_checksum_new(G_CHECKSUM_SHA1);
    guint8 digest[20];
    gsize len = sizeof digest;
    gchar *b64, *text;

    md5_text(sha, password, strlen(password));
    g_checksum_get_digest(sha, digest, &len);
    b64 = g_base64_encode(digest, len);
    text = g_strconcat("{SHA}", b64, NULL);
    g_free(b64);
    g_checksum_free(sha);
    return text;
}

/* crypt(3) of password with hash as its setting (bcrypt, SHA-crypt, yescrypt, DES, ...),
 * or NULL when libcrypt does not know the kind of hash. */
static gchar *crypt_hash(const gchar *hash, const gchar *password)
{
    struct crypt_data *data = g_new0(struct crypt_data, 1);
    const gchar *r = crypt_r(password, hash, data);
    /* A failure is NULL or a string starting with '*' (never a valid hash). */
    gchar *text = r && r[0] != '*' ? g_strdup(r) : NULL;

    g_free(data);
    return text;
}

static gchar *hash_like(const gchar *hash, const gchar *password)
{
    if (g_str_has_prefix(hash, "$apr1$")) {
        const gchar *salt = hash + strlen("$apr1$");
        const gchar *end = strchr(salt, '$');
        return end ? apr1_hash(password, salt, (gsize)(end - salt)) : NULL;
    }
    if (g_str_has_prefix(hash, "{SHA}"))
        return sha1_hash(password);
    return crypt_hash(hash, password);
}

gboolean fv_htpasswd_check(const gchar *hash, const gchar *password)
{
    gchar *computed = hash_like(hash, password);
    gboolean ok = computed && same_text(computed, hash);

    g_free(computed);
    return ok;
}

/* ---- The file ---- */

gboolean fv_auth_load_htpasswd(FvAuth *self, const gchar *path, GstRTSPToken *token, GError **error)
{
    gchar *text = NULL;
    gchar **lines;
    gboolean ok = TRUE;
    guint n = 0;

    if (!g_file_get_contents(path, &text, NULL, error))
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; ok && lines[i]; i++) {
        gchar *line = g_strstrip(lines[i]);
        gchar *colon = strchr(line, ':');
        gchar *probe;

        if (*line == '\0' || *line == '#')
            continue;
        if (!colon || colon == line || colon[1] == '\0') {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s line %u: not a user:hash line",
                        path, i + 1);
            ok = FALSE;
            break;
        }
        *colon = '\0';
        /* A hash this server can check: one made from any password can be. */
        probe = hash_like(colon + 1, "");
        if (!probe || strlen(probe) != strlen(colon + 1)) {
            g_free(probe);
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "%s line %u (user %s): a password hash of a kind not known (htpasswd "
                        "-B, -2, -5, -m or -s make known ones; plain text is not taken)",
                        path, i + 1, line);
            ok = FALSE;
            break;
        }
        g_free(probe);
        g_hash_table_replace(self->users, g_strdup(line), g_strdup(colon + 1));
        n++;
    }
    if (ok && n == 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no user:hash line", path);
        ok = FALSE;
    }
    if (ok) {
        if (self->token)
            gst_rtsp_token_unref(self->token);
        self->token = gst_rtsp_token_ref(token);
    }
    g_strfreev(lines);
    g_free(text);
    return ok;
}

/* ---- Authentication ---- */

/* The user of a Basic credential, if the htpasswd file has it with this password. */
static gboolean basic_matches(FvAuth *self, const gchar *b64)
{
    gsize len = 0;
    guchar *decoded = g_base64_decode(b64, &len);
    gchar *pair = g_strndup((const gchar *)decoded, len);
    gchar *colon = strchr(pair, ':');
    const gchar *hash;
    gboolean ok = FALSE;

    if (colon) {
        *colon = '\0';
        hash = g_hash_table_lookup(self->users, pair);
        ok = hash && fv_htpasswd_check(hash, colon + 1);
    }
    g_free(pair);
    g_free(decoded);
    return ok;
}

/* gst-rtsp-server's own check first (--user/--password, --htdigest), then the file's users. */
static gboolean fv_auth_authenticate(GstRTSPAuth *auth, GstRTSPContext *ctx)
{
    FvAuth *self = FV_AUTH(auth);
    GstRTSPAuthCredential **credentials;

    if (!GST_RTSP_AUTH_CLASS(fv_auth_parent_class)->authenticate(auth, ctx))
        return FALSE;
    if (ctx->token || !self->token || !ctx->request)
        return TRUE;
    credentials = gst_rtsp_message_parse_auth_credentials(ctx->request, GST_RTSP_HDR_AUTHORIZATION);
    for (GstRTSPAuthCredential **c = credentials; c && *c; c++) {
        if ((*c)->scheme == GST_RTSP_AUTH_BASIC && (*c)->authorization &&
            basic_matches(self, (*c)->authorization)) {
            /* Borrowed, as gst-rtsp-server's own tokens are: the auth outlives the request. */
            ctx->token = self->token;
            break;
        }
    }
    gst_rtsp_auth_credentials_free(credentials);
    return TRUE;
}

static void fv_auth_finalize(GObject *object)
{
    FvAuth *self = FV_AUTH(object);

    g_hash_table_unref(self->users);
    if (self->token)
        gst_rtsp_token_unref(self->token);
    G_OBJECT_CLASS(fv_auth_parent_class)->finalize(object);
}

static void fv_auth_class_init(FvAuthClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = fv_auth_finalize;
    GST_RTSP_AUTH_CLASS(klass)->authenticate = fv_auth_authenticate;
}

static void fv_auth_init(FvAuth *self)
{
    self->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

FvAuth *fv_auth_new(void)
{
    return g_object_new(FV_TYPE_AUTH, NULL);
}
