/* How much memory this process can still take, so a render that cannot fit is refused
 * with a message before it starts, instead of growing until the OOM killer ends it. Three
 * limits, the least one binds: the kernel's MemAvailable (other processes count), the
 * process's cgroup (a container's or a service's limit, at every level of the hierarchy)
 * and its address-space rlimit. */
#include "fv_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* cgroup files say "max" (v2) or a number near 2^63 (v1) for no limit. */
#define NO_LIMIT (UINT64_C(1) << 60)

/* The first word of file dir/name as an unsigned number; false if absent or not one. */
static bool read_number(const char *dir, const char *name, uint64_t *out)
{
    char path[4096], line[64];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return false;
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    if (!ok)
        return false;
    line[strcspn(line, " \n")] = '\0';
    if (!strcmp(line, "max")) {
        *out = UINT64_MAX;
        return true;
    }
    return fv_parse_uint(line, 0, UINT64_MAX, out) == 0;
}

/* The value of "key N" (or "key: N kB") in a file of such lines; false if absent. */
static bool read_keyed(const char *path, const char *key, uint64_t *out)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[256];
    size_t n = strlen(key);
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, n) != 0 || (line[n] != ' ' && line[n] != ':'))
            continue;
        char *end = NULL;
        const char *p = line + n + (line[n] == ':');
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p)
            break;
        *out = (uint64_t)v * (strstr(end, "kB") ? 1024 : 1);
        found = true;
    }
    fclose(f);
    return found;
}

static void tighten(FvMemoryRoom *room, uint64_t bytes, const char *limit)
{
    if (bytes < room->bytes) {
        room->bytes = bytes;
        room->limit = limit;
    }
}

/* Room under the limit of one cgroup directory: the limit less what the group uses, the
 * page cache it can drop (inactive files) not counted as used, as the kernel's own
 * reclaim and the container runtimes' "working set" see it. */
static void cgroup_level(FvMemoryRoom *room, const char *dir, bool v2)
{
    uint64_t limit, usage, inactive = 0;
    if (!read_number(dir, v2 ? "memory.max" : "memory.limit_in_bytes", &limit) ||
        limit >= NO_LIMIT)
        return;
    if (!read_number(dir, v2 ? "memory.current" : "memory.usage_in_bytes", &usage))
        usage = 0;
    char stat[4096];
    if (snprintf(stat, sizeof(stat), "%s/memory.stat", dir) < (int)sizeof(stat))
        read_keyed(stat, v2 ? "inactive_file" : "total_inactive_file", &inactive);
    uint64_t used = usage > inactive ? usage - inactive : 0;
    tighten(room, limit > used ? limit - used : 0,
            v2 ? "cgroup memory.max" : "cgroup memory.limit_in_bytes");
}

/* Every level of the cgroup at path under mount: the group, its parent, ... the mount's
 * root. In a cgroup namespace the path may not exist under the mount: then its root is the
 * group. */
static void cgroup_levels(FvMemoryRoom *room, const char *mount, const char *path, bool v2)
{
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s%s", mount, path) >= (int)sizeof(dir))
        return;
    size_t base = strlen(mount);
    for (;;) {
        /* without a trailing slash */
        size_t len = strlen(dir);
        while (len > base && dir[len - 1] == '/')
            dir[--len] = '\0';
        cgroup_level(room, dir, v2);
        char *slash = strrchr(dir + base, '/');
        if (len <= base || !slash)
            break;
        *slash = '\0';
    }
}

FvMemoryRoom fv_memory_room_at(const char *root)
{
    FvMemoryRoom room = {UINT64_MAX, NULL};
    char path[4096];
    uint64_t avail;
    if (snprintf(path, sizeof(path), "%s/proc/meminfo", root) < (int)sizeof(path) &&
        read_keyed(path, "MemAvailable", &avail))
        tighten(&room, avail, "MemAvailable");

    /* /proc/self/cgroup: "0::/path" (v2), "N:a,memory,b:/path" (v1) */
    if (snprintf(path, sizeof(path), "%s/proc/self/cgroup", root) >= (int)sizeof(path))
        return room;
    FILE *f = fopen(path, "re");
    if (!f)
        return room;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2[1] != '/')
            continue;
        *c1 = *c2 = '\0';
        const char *controllers = c1 + 1, *group = c2 + 1;
        char mount[4096];
        if (!strcmp(line, "0") && !*controllers) {
            snprintf(mount, sizeof(mount), "%s/sys/fs/cgroup", root);
            cgroup_levels(&room, mount, group, true);
        } else {
            /* v1: the memory controller, alone or mounted with others */
            char list[512];
            snprintf(list, sizeof(list), ",%s,", controllers);
            if (!strstr(list, ",memory,"))
                continue;
            snprintf(mount, sizeof(mount), "%s/sys/fs/cgroup/memory", root);
            cgroup_levels(&room, mount, group, false);
        }
    }
    fclose(f);
    return room;
}

FvMemoryRoom fv_memory_room(void)
{
    FvMemoryRoom room = fv_memory_room_at("");
    /* the address-space limit counts what is mapped, touched or not */
    struct rlimit as;
    uint64_t pages;
    long page = sysconf(_SC_PAGESIZE);
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY && page > 0 &&
        read_number("/proc/self", "statm", &pages)) {
        uint64_t mapped = pages * (uint64_t)page;
        tighten(&room, (uint64_t)as.rlim_cur > mapped ? (uint64_t)as.rlim_cur - mapped : 0,
                "RLIMIT_AS");
    }
    return room;
}

uint64_t fv_memory_available(void)
{
    return fv_memory_room().bytes;
}
