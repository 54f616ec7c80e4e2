/* The root chain, walked as a device walks it (5.3-2): 1.root.json must be signed by its own
 * root keys, and every N.root.json after it by the threshold of its predecessor's root keys
 * and of its own, carrying exactly version N. A root that a device would refuse is refused
 * here too, so the release tool never builds on a repository a device would not trust. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "release.h"

static keel_err open_with(const char *name, const char *env, size_t len, const keel_update_root *by,
                          const char *whose, struct release_err *e)
{
    uint8_t *payload = NULL;
    size_t plen = 0;
    keel_err ret = keel_update_envelope_open(env, len, by, KEEL_UPDATE_ROLE_ROOT, &payload, &plen);

    free(payload);
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: not signed by the threshold (%u) of %s root keys: %s",
                            name, by->roles[KEEL_UPDATE_ROLE_ROOT].threshold, whose,
                            keel_strerror(ret));
    return KEEL_OK;
}

static keel_err parse_root(const char *name, const char *env, size_t len, keel_update_root *out,
                           struct release_err *e)
{
    uint8_t *payload = NULL;
    size_t plen = 0;
    keel_err ret = keel_update_envelope_payload(env, len, &payload, &plen);

    if (ret == KEEL_OK)
        ret = keel_update_root_parse(payload, plen, out);
    free(payload);
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: not a root document: %s", name, keel_strerror(ret));
    return KEEL_OK;
}

/* dir/N.root.json into *out, checked against prev (NULL for version 1) and itself. */
static keel_err load(const char *dir, uint64_t version, const keel_update_root *prev,
                     keel_update_root *out, struct release_err *e)
{
    char name[40], whose[48];
    char *env = NULL;
    size_t len = 0;
    keel_err ret;

    (void)keel_str_format(name, sizeof(name), "%llu.root.json", (unsigned long long)version);
    ret = release_read(dir, name, (size_t)KEEL_UPDATE_ROOT_MAX, &env, &len, e);
    if (ret == KEEL_OK)
        ret = parse_root(name, env, len, out, e);
    if (ret != KEEL_OK)
        goto out;
    ret = release_fail(e, KEEL_ERR_UPDATE_MISMATCH, "%s: carries version %llu, not %llu", name,
                       (unsigned long long)out->header.version, (unsigned long long)version);
    if (out->header.version != version)
        goto out;
    (void)keel_str_format(whose, sizeof(whose), "root v%llu's", (unsigned long long)(version - 1));
    ret = prev != NULL ? open_with(name, env, len, prev, whose, e) : KEEL_OK;
    if (ret == KEEL_OK)
        ret = open_with(name, env, len, out, "its own", e);
out:
    if (ret != KEEL_OK)
        keel_update_root_free(out);
    keel_file_free(env, len);
    return ret;
}

static int exists(const char *dir, uint64_t version)
{
    char path[RELEASE_PATH_MAX];
    struct stat st;

    if (keel_str_format(path, sizeof(path), "%s/%llu.root.json", dir,
                        (unsigned long long)version) != KEEL_OK)
        return 0;
    return lstat(path, &st) == 0 || errno != ENOENT;
}

keel_err release_chain_walk(const char *dir, keel_update_root *root, keel_update_root *prev,
                            struct release_err *e)
{
    keel_update_root next;
    keel_err ret;

    memset(root, 0, sizeof(*root));
    memset(prev, 0, sizeof(*prev));
    ret = load(dir, 1, NULL, root, e);
    for (uint64_t v = 2; ret == KEEL_OK && exists(dir, v); v++) {
        if (v > RELEASE_CHAIN_MAX)
            return release_fail(e, KEEL_ERR_TOO_LARGE, "%s: more than %d root versions", dir,
                                RELEASE_CHAIN_MAX);
        memset(&next, 0, sizeof(next));
        ret = load(dir, v, root, &next, e);
        if (ret != KEEL_OK)
            break;
        keel_update_root_free(prev);
        *prev = *root;
        *root = next;
    }
    return ret;
}
