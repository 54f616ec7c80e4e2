/* The repository directory as the release commands find it and leave it. Opening verifies
 * everything a device would (the root chain, each role's signatures and threshold) before a
 * command signs anything on top of it: a repository changed behind the release team's back
 * is refused, never re-signed. Every served file is replaced atomically (5.3-2: a client
 * fetching meanwhile gets the old or the new copy, never half of one). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "release.h"

keel_err release_read(const char *dir, const char *name, size_t max, char **out, size_t *len,
                      struct release_err *e)
{
    char path[RELEASE_PATH_MAX];
    keel_err ret = release_path(path, dir, name);

    *out = NULL;
    *len = 0;
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s/%s: path too long", dir, name);
    ret = keel_file_read(path, max, out, len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return release_fail(e, ret, "%s: missing", name);
    if (ret == KEEL_ERR_TOO_LARGE)
        return release_fail(e, ret, "%s: larger than the %zu bytes a device accepts", name, max);
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s: cannot read: %s", name, strerror(errno));
    return KEEL_OK;
}

size_t release_role_max(keel_update_role role)
{
    switch (role) {
    case KEEL_UPDATE_ROLE_ROOT: return (size_t)KEEL_UPDATE_ROOT_MAX;
    case KEEL_UPDATE_ROLE_TIMESTAMP: return (size_t)KEEL_UPDATE_TIMESTAMP_MAX;
    default: return (size_t)KEEL_UPDATE_META_MAX;
    }
}

keel_err release_role_open(const char *dir, const char *name, const keel_update_root *root,
                           const keel_update_root *prev, keel_update_role role, uint8_t **payload,
                           size_t *payload_len, struct release_err *e)
{
    char *env = NULL;
    size_t len = 0;
    keel_err ret = release_read(dir, name, release_role_max(role), &env, &len, e);

    *payload = NULL;
    if (ret != KEEL_OK)
        return ret;
    /* With a fallback below, a refusal here is no news: keep the log for the last word. */
    release_log_quiet(prev != NULL);
    ret = keel_update_envelope_open(env, len, root, role, payload, payload_len);
    release_log_quiet(0);
    /* A rotation that stopped after writing the new root leaves this role signed under the
     * old one: the commands may still read it (and re-sign it); status reports it. */
    if ((ret == KEEL_ERR_UPDATE_UNSIGNED || ret == KEEL_ERR_UPDATE_THRESHOLD) && prev != NULL)
        ret = keel_update_envelope_open(env, len, prev, role, payload, payload_len);
    keel_file_free(env, len);
    if (ret != KEEL_OK)
        return release_fail(e, ret,
                            "%s: not signed by the threshold (%u) of the %s keys of root "
                            "v%llu: %s",
                            name, root->roles[role].threshold, keel_update_role_name(role),
                            (unsigned long long)root->header.version, keel_strerror(ret));
    return KEEL_OK;
}

keel_err release_current_root_check(const char *dir, uint64_t version, struct release_err *e)
{
    char name[40];
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    keel_err ret;

    (void)keel_str_format(name, sizeof(name), "%llu.root.json", (unsigned long long)version);
    ret = release_read(dir, "root.json", (size_t)KEEL_UPDATE_ROOT_MAX, &a, &alen, e);
    if (ret == KEEL_OK)
        ret = release_read(dir, name, (size_t)KEEL_UPDATE_ROOT_MAX, &b, &blen, e);
    if (ret == KEEL_OK && (a == NULL || b == NULL || alen != blen || memcmp(a, b, alen) != 0))
        ret = release_fail(e, KEEL_ERR_UPDATE_MISMATCH,
                           "root.json: differs from %s, the newest "
                           "root",
                           name);
    keel_file_free(a, alen);
    keel_file_free(b, blen);
    return ret;
}

static keel_err open_targets(struct release_repo *repo, const char *name, keel_update_targets *out,
                             struct release_err *e)
{
    uint8_t *payload = NULL;
    size_t len = 0;
    keel_err ret =
        release_role_open(repo->dir, name, &repo->root, repo->has_prev ? &repo->prev : NULL,
                          KEEL_UPDATE_ROLE_TARGETS, &payload, &len, e);

    if (ret == KEEL_OK && (ret = keel_update_targets_parse(payload, len, out)) != KEEL_OK)
        release_fail(e, ret, "%s: not a targets document: %s", name, keel_strerror(ret));
    free(payload);
    return ret;
}

static keel_err open_versions(struct release_repo *repo, struct release_err *e)
{
    const keel_update_root *prev = repo->has_prev ? &repo->prev : NULL;
    keel_update_snapshot snap;
    keel_update_timestamp ts;
    uint8_t *payload = NULL;
    size_t len = 0;
    keel_err ret = release_role_open(repo->dir, "snapshot.json", &repo->root, prev,
                                     KEEL_UPDATE_ROLE_SNAPSHOT, &payload, &len, e);

    if (ret == KEEL_OK && (ret = keel_update_snapshot_parse(payload, len, &snap)) != KEEL_OK)
        release_fail(e, ret, "snapshot.json: not a snapshot document: %s", keel_strerror(ret));
    free(payload);
    if (ret != KEEL_OK)
        return ret;
    repo->snapshot_version = snap.header.version;
    ret = release_role_open(repo->dir, "timestamp.json", &repo->root, prev,
                            KEEL_UPDATE_ROLE_TIMESTAMP, &payload, &len, e);
    if (ret == KEEL_OK && (ret = keel_update_timestamp_parse(payload, len, &ts)) != KEEL_OK)
        release_fail(e, ret, "timestamp.json: not a timestamp document: %s", keel_strerror(ret));
    free(payload);
    if (ret == KEEL_OK)
        repo->timestamp_version = ts.header.version;
    return ret;
}

static keel_err open_staged(struct release_repo *repo, struct release_err *e)
{
    char path[RELEASE_PATH_MAX];
    struct stat st;
    keel_err ret;

    if (release_path(path, repo->dir, RELEASE_STAGED_FILE) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s: path too long", repo->dir);
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return KEEL_OK;
    ret = open_targets(repo, RELEASE_STAGED_FILE, &repo->staged, e);
    if (ret != KEEL_OK)
        return ret;
    repo->has_staged = 1;
    if (repo->staged.header.version != repo->targets.header.version + 1)
        return release_fail(e, KEEL_ERR_UPDATE_MISMATCH,
                            "%s: staged targets v%llu do not follow the published v%llu",
                            RELEASE_STAGED_FILE, (unsigned long long)repo->staged.header.version,
                            (unsigned long long)repo->targets.header.version);
    return KEEL_OK;
}

keel_err release_repo_open(struct release_repo *repo, const char *dir, struct release_err *e)
{
    struct stat st;
    keel_err ret;

    memset(repo, 0, sizeof(*repo));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return release_fail(e, KEEL_ERR_NOT_FOUND, "%s: no such repository directory", dir);
    if (keel_str_copy(repo->dir, sizeof(repo->dir), dir) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s: path too long", dir);
    ret = release_chain_walk(dir, &repo->root, &repo->prev, e);
    repo->has_prev = repo->prev.header.version != 0;
    if (ret == KEEL_OK)
        ret = release_current_root_check(dir, repo->root.header.version, e);
    if (ret == KEEL_OK)
        ret = open_targets(repo, "targets.json", &repo->targets, e);
    if (ret == KEEL_OK)
        ret = open_versions(repo, e);
    if (ret == KEEL_OK)
        ret = open_staged(repo, e);
    if (ret == KEEL_OK)
        ret = release_policy_read(dir, &repo->policy, e);
    if (ret != KEEL_OK)
        release_repo_close(repo);
    return ret;
}

void release_repo_close(struct release_repo *repo)
{
    if (repo == NULL)
        return;
    keel_update_root_free(&repo->root);
    keel_update_root_free(&repo->prev);
    keel_update_targets_free(&repo->targets);
    keel_update_targets_free(&repo->staged);
    repo->has_prev = 0;
    repo->has_staged = 0;
}

keel_err release_write(const char *dir, const char *name, const void *data, size_t len,
                       struct release_err *e)
{
    char path[RELEASE_PATH_MAX];
    keel_err ret = release_path(path, dir, name);

    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, data, len, 0644);
    if (ret != KEEL_OK)
        return release_fail(e, ret, "%s/%s: cannot write: %s", dir, name, keel_strerror(ret));
    return KEEL_OK;
}
