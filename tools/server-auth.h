/* fractalvid-server: Basic authentication against an Apache htpasswd file.
 *
 * gst-rtsp-server checks Basic credentials against passwords it was given in clear and Digest
 * ones against an htdigest file; an htpasswd file holds password hashes, which only a check
 * of the password a client sends can use. FvAuth is gst-rtsp-server's GstRTSPAuth plus that
 * check: the hashes `htpasswd` writes (bcrypt -B, SHA-256 -2, SHA-512 -5, Apache MD5, the
 * default, and SHA-1 -s), and crypt(3)'s others. */
#ifndef FV_SERVER_AUTH_H
#define FV_SERVER_AUTH_H

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define FV_TYPE_AUTH (fv_auth_get_type())
G_DECLARE_FINAL_TYPE(FvAuth, fv_auth, FV, AUTH, GstRTSPAuth)

FvAuth *fv_auth_new(void);

/* Read path's user:hash lines (blank lines and # comments skipped); a client sending one of
 * these users with its password by Basic authentication gets token. FALSE, and an error
 * naming the line, for a file that cannot be read or a hash of a kind not known. */
gboolean fv_auth_load_htpasswd(FvAuth *auth, const gchar *path, GstRTSPToken *token,
                               GError **error);

/* TRUE if password matches hash, an htpasswd hash. */
gboolean fv_htpasswd_check(const gchar *hash, const gchar *password);

G_END_DECLS

#endif
