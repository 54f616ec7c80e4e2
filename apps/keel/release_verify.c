/* The repository checked as a device would check it (5.3-2): the root chain, each role's
 * signatures against the newest root only (a device knows no other), the versions, lengths
 * and hashes that timestamp, snapshot and targets give each other, the expiries (5.3-7: a
 * device refuses expired metadata) and every target's bytes on disk. Unlike a device, the
 * check goes on after a problem, so that the release team sees all of them at once. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "release.h"

__attribute__((format(printf, 2, 3))) static void problem(struct release_report *r, const char *fmt,
                                                          ...)
{
    va_list ap;

    if (r->nproblems == RELEASE_REPORT_MSGS)
        return;
    va_start(ap, fmt);
    if (vsnprintf(r->problems[r->nproblems], RELEASE_MSG_MAX, fmt, ap) >= 0)
        r->nproblems++;
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void warning(struct release_report *r, const char *fmt,
                                                          ...)
{
    va_list ap;

    if (r->nwarnings == RELEASE_REPORT_MSGS)
        return;
    va_start(ap, fmt);
    if (vsnprintf(r->warnings[r->nwarnings], RELEASE_MSG_MAX, fmt, ap) >= 0)
        r->nwarnings++;
    va_end(ap);
}

static const char *const renew_hint[KEEL_UPDATE_ROLES] = {
    "keel release publish --renew root", "keel release publish --renew targets",
    "keel release publish", "keel release publish"};

static void expiry(struct release_report *r, const char *what, keel_update_role role,
                   int64_t expires)
{
    char when[21];

    if (keel_update_time_format(expires, when) != KEEL_OK)
        (void)keel_str_copy(when, sizeof(when), "?");
    if (expires <= r->at)
        problem(r, "%s: expired at %s; devices refuse it (run '%s')", what, when, renew_hint[role]);
    else if (expires - r->at < r->warn_window[role])
        warning(r, "%s: expires at %s, within %lld hours (run '%s')", what, when,
                (long long)((expires - r->at + 3599) / 3600), renew_hint[role]);
}

/* A week's warning, or half the role's period when that is shorter: a timestamp valid for
 * a day is renewed daily, and warning about it all the time would hide a real lapse. */
static void warn_windows(const char *dir, struct release_report *r)
{
    struct release_policy p;

    if (release_policy_read(dir, &p, NULL) != KEEL_OK)
        release_policy_default(&p);
    for (int role = 0; role < KEEL_UPDATE_ROLES; role++) {
        int64_t half = (int64_t)p.expires_days[role] * RELEASE_DAY / 2;
        int64_t week = (int64_t)RELEASE_WARN_DAYS * RELEASE_DAY;

        r->warn_window[role] = half < week ? half : week;
    }
}

/* Read name and open it for role under the newest root; its bytes stay in *env. */
static keel_err open_role(const char *dir, const char *name, struct release_report *r,
                          keel_update_role role, char **env, size_t *len, uint8_t **payload,
                          size_t *plen)
{
    struct release_err e = {""};
    keel_err ret = release_read(dir, name, release_role_max(role), env, len, &e);

    *payload = NULL;
    if (ret != KEEL_OK) {
        problem(r, "%s", e.text);
        return ret;
    }
    ret = keel_update_envelope_open(*env, *len, &r->root, role, payload, plen);
    if (ret != KEEL_OK)
        problem(r, "%s: not signed by the threshold (%u) of root v%llu's %s keys: %s", name,
                r->root.roles[role].threshold, (unsigned long long)r->root.header.version,
                keel_update_role_name(role), keel_strerror(ret));
    return ret;
}

/* The bytes of name against what the role above says of them (version checked later). */
static void meta_ref(struct release_report *r, const char *name, const char *by,
                     const keel_update_meta_ref *ref, const char *env, size_t len)
{
    uint8_t digest[32];

    if (ref->length != 0 && ref->length != len)
        problem(r, "%s: %zu bytes, but %s says %llu", name, len, by,
                (unsigned long long)ref->length);
    if (ref->has_sha256 &&
        (release_sha256(env, len, digest, NULL) != KEEL_OK || memcmp(digest, ref->sha256, 32) != 0))
        problem(r, "%s: its SHA-256 differs from the one %s gives", name, by);
}

static void version_ref(struct release_report *r, const char *name, const char *by, uint64_t have,
                        uint64_t want)
{
    if (have != want)
        problem(r, "%s: version %llu, but %s names version %llu (mix-and-match)", name,
                (unsigned long long)have, by, (unsigned long long)want);
}

static void check_root(const char *dir, struct release_report *r)
{
    struct release_err e = {""};
    keel_update_root prev;

    if (release_chain_walk(dir, &r->root, &prev, &e) != KEEL_OK)
        problem(r, "root chain: %s", e.text);
    keel_update_root_free(&prev);
    r->has_root = r->root.header.version != 0;
    if (!r->has_root)
        return;
    if (release_current_root_check(dir, r->root.header.version, &e) != KEEL_OK)
        problem(r, "%s", e.text);
    r->headers[KEEL_UPDATE_ROLE_ROOT] = r->root.header;
    r->has_header[KEEL_UPDATE_ROLE_ROOT] = 1;
    expiry(r, "root", KEEL_UPDATE_ROLE_ROOT, r->root.header.expires);
}

/* timestamp -> snapshot: *snap_ref receives what the timestamp says (version 0 if unknown). */
static void check_timestamp(const char *dir, struct release_report *r,
                            keel_update_meta_ref *snap_ref)
{
    keel_update_timestamp ts;
    char *env = NULL;
    uint8_t *payload = NULL;
    size_t len = 0, plen = 0;
    keel_err ret;

    memset(snap_ref, 0, sizeof(*snap_ref));
    ret = open_role(dir, "timestamp.json", r, KEEL_UPDATE_ROLE_TIMESTAMP, &env, &len, &payload,
                    &plen);
    if (ret == KEEL_OK && (ret = keel_update_timestamp_parse(payload, plen, &ts)) != KEEL_OK)
        problem(r, "timestamp.json: not a timestamp document: %s", keel_strerror(ret));
    if (ret == KEEL_OK) {
        *snap_ref = ts.snapshot;
        r->headers[KEEL_UPDATE_ROLE_TIMESTAMP] = ts.header;
        r->has_header[KEEL_UPDATE_ROLE_TIMESTAMP] = 1;
        expiry(r, "timestamp", KEEL_UPDATE_ROLE_TIMESTAMP, ts.header.expires);
    }
    free(payload);
    keel_file_free(env, len);
}

static void check_snapshot(const char *dir, struct release_report *r,
                           const keel_update_meta_ref *snap_ref, keel_update_meta_ref *targets_ref)
{
    keel_update_snapshot snap;
    char *env = NULL;
    uint8_t *payload = NULL;
    size_t len = 0, plen = 0;
    keel_err ret;

    memset(targets_ref, 0, sizeof(*targets_ref));
    ret =
        open_role(dir, "snapshot.json", r, KEEL_UPDATE_ROLE_SNAPSHOT, &env, &len, &payload, &plen);
    if (env != NULL && snap_ref->version != 0)
        meta_ref(r, "snapshot.json", "timestamp.json", snap_ref, env, len);
    if (ret == KEEL_OK && (ret = keel_update_snapshot_parse(payload, plen, &snap)) != KEEL_OK)
        problem(r, "snapshot.json: not a snapshot document: %s", keel_strerror(ret));
    if (ret == KEEL_OK) {
        if (snap_ref->version != 0)
            version_ref(r, "snapshot.json", "timestamp.json", snap.header.version,
                        snap_ref->version);
        *targets_ref = snap.targets;
        r->headers[KEEL_UPDATE_ROLE_SNAPSHOT] = snap.header;
        r->has_header[KEEL_UPDATE_ROLE_SNAPSHOT] = 1;
        expiry(r, "snapshot", KEEL_UPDATE_ROLE_SNAPSHOT, snap.header.expires);
    }
    free(payload);
    keel_file_free(env, len);
}

static void check_targets(const char *dir, struct release_report *r,
                          const keel_update_meta_ref *targets_ref)
{
    char *env = NULL;
    uint8_t *payload = NULL;
    size_t len = 0, plen = 0;
    keel_err ret;

    ret = open_role(dir, "targets.json", r, KEEL_UPDATE_ROLE_TARGETS, &env, &len, &payload, &plen);
    if (env != NULL && targets_ref->version != 0)
        meta_ref(r, "targets.json", "snapshot.json", targets_ref, env, len);
    if (ret == KEEL_OK && (ret = keel_update_targets_parse(payload, plen, &r->targets)) != KEEL_OK)
        problem(r, "targets.json: not a targets document: %s", keel_strerror(ret));
    if (ret == KEEL_OK) {
        r->has_targets = 1;
        if (targets_ref->version != 0)
            version_ref(r, "targets.json", "snapshot.json", r->targets.header.version,
                        targets_ref->version);
        r->headers[KEEL_UPDATE_ROLE_TARGETS] = r->targets.header;
        r->has_header[KEEL_UPDATE_ROLE_TARGETS] = 1;
        expiry(r, "targets", KEEL_UPDATE_ROLE_TARGETS, r->targets.header.expires);
    }
    free(payload);
    keel_file_free(env, len);
}

/* The file of target t: its length and SHA-256 against the entry. */
static enum release_file_state check_file(const char *dir, struct release_report *r,
                                          const char *doc, const keel_update_target *t)
{
    char path[RELEASE_PATH_MAX];
    struct release_err e = {""};
    uint8_t digest[32];
    uint64_t length = 0;

    if (keel_str_format(path, sizeof(path), "%s/%s/%s", dir, RELEASE_TARGETS_DIR, t->name) !=
        KEEL_OK) {
        problem(r, "targets/%s: path too long", t->name);
        return RELEASE_FILE_MISSING;
    }
    if (release_image_hash(path, &length, digest, &e) != KEEL_OK) {
        problem(r, "targets/%s (in %s): %s", t->name, doc, e.text);
        return RELEASE_FILE_MISSING;
    }
    if (length != t->length || memcmp(digest, t->sha256, 32) != 0) {
        problem(r, "targets/%s: %s differs from %s (%llu bytes on disk, %llu signed)", t->name,
                length != t->length ? "its length" : "its SHA-256", doc, (unsigned long long)length,
                (unsigned long long)t->length);
        return RELEASE_FILE_DIFFERS;
    }
    return RELEASE_FILE_OK;
}

static keel_err check_files(const char *dir, struct release_report *r)
{
    if (!r->has_targets || r->targets.ntargets == 0)
        return KEEL_OK;
    r->files = calloc(r->targets.ntargets, sizeof(*r->files));
    if (r->files == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < r->targets.ntargets; i++)
        r->files[i] = check_file(dir, r, "targets.json", &r->targets.targets[i]);
    return KEEL_OK;
}

/* What add staged: signed, one version above the published targets, its files in place. */
static void check_staged(const char *dir, struct release_report *r)
{
    char *env = NULL;
    uint8_t *payload = NULL;
    size_t len = 0, plen = 0;
    char path[RELEASE_PATH_MAX];
    struct stat st;

    if (release_path(path, dir, RELEASE_STAGED_FILE) != KEEL_OK || lstat(path, &st) != 0)
        return;
    if (open_role(dir, RELEASE_STAGED_FILE, r, KEEL_UPDATE_ROLE_TARGETS, &env, &len, &payload,
                  &plen) == KEEL_OK) {
        if (keel_update_targets_parse(payload, plen, &r->staged) != KEEL_OK)
            problem(r, "%s: not a targets document", RELEASE_STAGED_FILE);
        else
            r->has_staged = 1;
    }
    free(payload);
    keel_file_free(env, len);
    if (!r->has_staged)
        return;
    if (r->has_targets && r->staged.header.version != r->targets.header.version + 1)
        problem(r, "%s: staged targets v%llu do not follow the published v%llu",
                RELEASE_STAGED_FILE, (unsigned long long)r->staged.header.version,
                (unsigned long long)r->targets.header.version);
    for (size_t i = 0; i < r->staged.ntargets; i++)
        (void)check_file(dir, r, "the staged targets", &r->staged.targets[i]);
}

static int named(const keel_update_targets *doc, const char *name)
{
    for (size_t i = 0; i < doc->ntargets; i++) {
        if (strcmp(doc->targets[i].name, name) == 0)
            return 1;
    }
    return 0;
}

/* Files under targets/ that no document names: left by an interrupted add, or stray. */
static void check_strays(const char *dir, struct release_report *r)
{
    char path[RELEASE_PATH_MAX];
    struct dirent *ent;
    DIR *d;

    if (release_path(path, dir, RELEASE_TARGETS_DIR) != KEEL_OK || (d = opendir(path)) == NULL) {
        problem(r, "%s/: missing", RELEASE_TARGETS_DIR);
        return;
    }
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0 ||
            (r->has_targets && named(&r->targets, ent->d_name)) ||
            (r->has_staged && named(&r->staged, ent->d_name)))
            continue;
        warning(r, "targets/%s: named by no targets document", ent->d_name);
    }
    closedir(d);
}

keel_err release_verify(const char *dir, int64_t at, struct release_report *r)
{
    keel_update_meta_ref snap_ref, targets_ref;

    memset(r, 0, sizeof(*r));
    r->at = at;
    warn_windows(dir, r);
    check_root(dir, r);
    if (!r->has_root)
        return KEEL_OK;
    check_timestamp(dir, r, &snap_ref);
    check_snapshot(dir, r, &snap_ref, &targets_ref);
    check_targets(dir, r, &targets_ref);
    if (check_files(dir, r) != KEEL_OK)
        return KEEL_ERR_NOMEM;
    check_staged(dir, r);
    check_strays(dir, r);
    return KEEL_OK;
}

void release_report_free(struct release_report *r)
{
    if (r == NULL)
        return;
    keel_update_root_free(&r->root);
    keel_update_targets_free(&r->targets);
    keel_update_targets_free(&r->staged);
    free(r->files);
    r->files = NULL;
}
