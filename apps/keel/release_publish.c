/* keel release publish: make what `add` staged visible to devices. The order of the writes is
 * the order in which a device reads (targets, then snapshot, then timestamp), each file
 * replaced atomically: until the new timestamp is in place a device refreshing meanwhile is
 * led by the old timestamp and snapshot to the old, still consistent, targets (5.3-2). Every
 * publish renews the snapshot's and the timestamp's expiry, so a timer runs it at least
 * daily; --renew re-signs the root or the targets before they expire (5.3-7: a device
 * refuses expired metadata, the defence against a freeze). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "release.h"

#define CMD "release publish"

/* The snapshot and timestamp for targets_env (the bytes of targets.json to serve). */
static keel_err sign_pair(struct release_repo *repo, struct release_keyring *kr, int64_t now,
                          const char *targets_env, size_t targets_len, uint64_t targets_version,
                          char **snap_env, size_t *snap_len, char **ts_env, size_t *ts_len,
                          struct release_err *e)
{
    EVP_PKEY *keys[KEEL_UPDATE_MAX_KEYS];
    keel_update_snapshot snap;
    keel_update_timestamp ts;
    size_t n;
    keel_err ret;

    memset(&snap, 0, sizeof(snap));
    memset(&ts, 0, sizeof(ts));
    snap.header.type = KEEL_UPDATE_ROLE_SNAPSHOT;
    snap.header.version = repo->snapshot_version + 1;
    snap.header.expires = release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_SNAPSHOT]);
    snap.targets.version = targets_version;
    snap.targets.length = targets_len;
    snap.targets.has_sha256 = 1;
    if ((ret = release_sha256(targets_env, targets_len, snap.targets.sha256, e)) != KEEL_OK)
        return ret;
    n = release_keyring_signers(kr, &repo->root, KEEL_UPDATE_ROLE_SNAPSHOT, keys,
                                KEEL_UPDATE_MAX_KEYS);
    ret = release_sign_snapshot(&snap, &repo->root, keys, n, snap_env, snap_len, e);
    if (ret != KEEL_OK)
        return ret;
    ts.header.type = KEEL_UPDATE_ROLE_TIMESTAMP;
    ts.header.version = repo->timestamp_version + 1;
    ts.header.expires = release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_TIMESTAMP]);
    ts.snapshot.version = snap.header.version;
    ts.snapshot.length = *snap_len;
    ts.snapshot.has_sha256 = 1;
    if ((ret = release_sha256(*snap_env, *snap_len, ts.snapshot.sha256, e)) != KEEL_OK)
        return ret;
    n = release_keyring_signers(kr, &repo->root, KEEL_UPDATE_ROLE_TIMESTAMP, keys,
                                KEEL_UPDATE_MAX_KEYS);
    return release_sign_timestamp(&ts, &repo->root, keys, n, ts_env, ts_len, e);
}

static keel_err drop_staged(struct release_repo *repo, struct release_err *e)
{
    char path[RELEASE_PATH_MAX];

    if (release_path(path, repo->dir, RELEASE_STAGED_FILE) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s: path too long", repo->dir);
    if ((unlink(path) != 0 && errno != ENOENT) || keel_file_sync_parent(path) != KEEL_OK)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    keel_update_targets_free(&repo->targets);
    repo->targets = repo->staged;
    memset(&repo->staged, 0, sizeof(repo->staged));
    repo->has_staged = 0;
    return KEEL_OK;
}

/* Write targets (when staged), snapshot, timestamp: the order a device reads them in. */
static keel_err write_all(struct release_repo *repo, const char *targets_env, size_t targets_len,
                          const char *snap_env, size_t snap_len, const char *ts_env, size_t ts_len,
                          struct release_err *e)
{
    keel_err ret = KEEL_OK;

    if (repo->has_staged)
        ret = release_write(repo->dir, "targets.json", targets_env, targets_len, e);
    if (ret == KEEL_OK)
        ret = release_write(repo->dir, "snapshot.json", snap_env, snap_len, e);
    if (ret == KEEL_OK)
        ret = release_write(repo->dir, "timestamp.json", ts_env, ts_len, e);
    if (ret == KEEL_OK && repo->has_staged)
        ret = drop_staged(repo, e);
    return ret;
}

/* The targets about to be served must open under the newest root: after a rotation of the
 * targets key that stopped halfway they may still carry the old key's signature only. */
static keel_err served_targets_check(const struct release_repo *repo, const char *source,
                                     const char *env, size_t len, struct release_err *e)
{
    uint8_t *payload = NULL;
    size_t plen = 0;
    keel_err ret =
        keel_update_envelope_open(env, len, &repo->root, KEEL_UPDATE_ROLE_TARGETS, &payload, &plen);

    free(payload);
    if (ret != KEEL_OK)
        return release_fail(e, ret,
                            "%s: not signed by the targets keys of root v%llu (a rotation that "
                            "stopped halfway?): run 'keel release publish --renew targets'",
                            source, (unsigned long long)repo->root.header.version);
    return KEEL_OK;
}

keel_err release_publish_run(struct release_repo *repo, struct release_keyring *kr, int64_t now,
                             struct release_err *e)
{
    const char *source = repo->has_staged ? RELEASE_STAGED_FILE : "targets.json";
    uint64_t version =
        repo->has_staged ? repo->staged.header.version : repo->targets.header.version;
    char *targets_env = NULL, *snap_env = NULL, *ts_env = NULL;
    size_t targets_len = 0, snap_len = 0, ts_len = 0;
    keel_err ret;

    /* Every key first: nothing is written unless all of it can be signed. */
    if ((ret = release_keyring_require(kr, &repo->root, KEEL_UPDATE_ROLE_SNAPSHOT, e)) != KEEL_OK ||
        (ret = release_keyring_require(kr, &repo->root, KEEL_UPDATE_ROLE_TIMESTAMP, e)) !=
            KEEL_OK ||
        (ret = release_read(repo->dir, source, (size_t)KEEL_UPDATE_META_MAX, &targets_env,
                            &targets_len, e)) != KEEL_OK)
        return ret;
    ret = served_targets_check(repo, source, targets_env, targets_len, e);
    if (ret == KEEL_OK)
        ret = sign_pair(repo, kr, now, targets_env, targets_len, version, &snap_env, &snap_len,
                        &ts_env, &ts_len, e);
    if (ret == KEEL_OK)
        ret = write_all(repo, targets_env, targets_len, snap_env, snap_len, ts_env, ts_len, e);
    if (ret == KEEL_OK) {
        repo->snapshot_version++;
        repo->timestamp_version++;
    }
    keel_file_free(targets_env, targets_len);
    free(snap_env);
    free(ts_env);
    return ret;
}

struct options {
    const char *repo;
    const char *keys;
    const char *renew;
    const char *providers[RELEASE_PROVIDERS_MAX];
    size_t nproviders;
    int renew_root, renew_targets;
    int help;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel release publish --repo DIR --keys KEYDIR [--renew root,targets]\n"
            "                            [--provider NAME]...\n\n"
            "Publish what 'keel release add' staged: targets.json becomes the staged targets,\n"
            "then a new snapshot (naming targets.json's version, length and SHA-256) and a new\n"
            "timestamp (naming the snapshot's) are signed, versions one higher and expiries\n"
            "renewed from the policy. Files are replaced atomically in the order a device\n"
            "reads them (targets, snapshot, timestamp), so a device refreshing meanwhile sees\n"
            "the old or the new release, whole. With nothing staged, publish renews the\n"
            "snapshot and the timestamp only: run it from a timer more often than the\n"
            "timestamp expires (default daily expiry), or devices refuse the repository as\n"
            "frozen (5.3-7). Needs the snapshot and timestamp keys.\n\n"
            "  --repo DIR        the repository directory\n"
            "  --keys KEYDIR     the key directory\n"
            "  --renew ROLES     also re-sign these before publishing, with fresh expiries:\n"
            "                    root (a new root version; needs the root keys) and/or targets\n"
            "                    (needs the targets keys)\n"
            "  --provider NAME   load this OpenSSL provider (tpm2, pkcs11) for keys named by URI\n"
            "  --help            this text\n");
}

static int parse_renew(struct options *o)
{
    const char *p = o->renew;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

        if (n == 4 && strncmp(p, "root", 4) == 0)
            o->renew_root = 1;
        else if (n == 7 && strncmp(p, "targets", 7) == 0)
            o->renew_targets = 1;
        else
            return cli_usage_error(CMD,
                                   "--renew '%s': root and/or targets (snapshot and timestamp "
                                   "are renewed by every publish)",
                                   o->renew);
        if (comma == NULL)
            return CLI_EXIT_OK;
        p = comma + 1;
    }
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"repo", required_argument, NULL, 'r'},  {"keys", required_argument, NULL, 'k'},
        {"renew", required_argument, NULL, 'n'}, {"provider", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->repo = optarg; break;
        case 'k': o->keys = optarg; break;
        case 'n': o->renew = optarg; break;
        case 'p':
            if (o->nproviders == RELEASE_PROVIDERS_MAX)
                return cli_usage_error(CMD, "too many --provider");
            o->providers[o->nproviders++] = optarg;
            break;
        case 'h': o->help = 1; break;
        default: return cli_option_error(CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unknown argument '%s'", argv[optind]);
    if (o->help)
        return CLI_EXIT_OK;
    if (o->repo == NULL || o->keys == NULL)
        return cli_usage_error(CMD, "--repo DIR and --keys KEYDIR are required");
    return o->renew != NULL ? parse_renew(o) : CLI_EXIT_OK;
}

static keel_err renew(struct release_repo *repo, struct release_keyring *kr,
                      const struct options *o, int64_t now, struct release_err *e)
{
    keel_update_targets doc;
    keel_update_root next;
    keel_err ret = KEEL_OK;

    if (o->renew_root && (ret = release_root_copy(&repo->root, &next, e)) == KEEL_OK) {
        next.header.expires = release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_ROOT]);
        ret = release_root_publish(repo, kr, &next, e);
        keel_update_root_free(&next);
    }
    if (ret == KEEL_OK && o->renew_targets &&
        (ret = release_targets_copy(repo->has_staged ? &repo->staged : &repo->targets, &doc, e)) ==
            KEEL_OK) {
        ret = release_stage(repo, kr, &doc, now, e);
        keel_update_targets_free(&doc);
    }
    return ret;
}

static void report(const struct release_repo *repo, int64_t now)
{
    char expires[21];

    if (keel_update_time_format(
            release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_TIMESTAMP]), expires) !=
        KEEL_OK)
        expires[0] = '\0';
    printf("published: root v%llu, targets v%llu (%zu targets), snapshot v%llu, timestamp v%llu "
           "(expires %s)\n",
           (unsigned long long)repo->root.header.version,
           (unsigned long long)repo->targets.header.version, repo->targets.ntargets,
           (unsigned long long)repo->snapshot_version, (unsigned long long)repo->timestamp_version,
           expires);
}

int release_publish(int argc, char **argv)
{
    struct options o;
    struct release_repo repo;
    struct release_keyring kr;
    struct release_err e = {""};
    int64_t now = (int64_t)time(NULL);
    keel_err ret;
    int rc;

    memset(&o, 0, sizeof(o));
    if ((rc = parse(argc, argv, &o)) != CLI_EXIT_OK || o.help) {
        if (o.help)
            usage(stdout);
        return rc;
    }
    if (release_repo_open(&repo, o.repo, &e) != KEEL_OK) {
        fprintf(stderr, "keel %s: %s: %s\n", CMD, o.repo, e.text);
        return CLI_EXIT_ERROR;
    }
    ret = release_keyring_open(&kr, o.keys, o.repo, 0, &e);
    if (ret == KEEL_OK)
        ret = release_keyring_providers(&kr, o.providers, o.nproviders, &e);
    if (ret == KEEL_OK)
        ret = renew(&repo, &kr, &o, now, &e);
    if (ret == KEEL_OK)
        ret = release_publish_run(&repo, &kr, now, &e);
    if (ret == KEEL_OK)
        report(&repo, now);
    else
        fprintf(stderr, "keel %s: %s: %s\n", CMD, o.repo, e.text);
    release_keyring_close(&kr);
    release_repo_close(&repo);
    return ret == KEEL_OK ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
