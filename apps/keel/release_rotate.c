/* keel release rotate-key: replace one signing key of a role, the answer to a lost or
 * compromised key and routine hygiene (5.3-7). A new root version lists the new key in the
 * old one's place; it is signed by the threshold of the old root's root keys and of the new
 * root's (both sets when the root key itself changes), so a device follows the rotation
 * only when the keys it already trusts vouch for it. Metadata of the rotated role is then
 * signed again with the new key and published. The old key's file is renamed
 * "<name>.retired", never deleted. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "release.h"

#define CMD "release rotate-key"

struct options {
    const char *repo, *keys, *role_name, *new_key, *retire, *key_type;
    keel_update_role role;
    const char *providers[RELEASE_PROVIDERS_MAX];
    size_t nproviders;
    int help;
};

static void usage(FILE *to)
{
    fprintf(
        to,
        "usage: keel release rotate-key --repo DIR --keys KEYDIR --role ROLE\n"
        "                               [--new-key FILE|URI] [--retire KEYID]\n"
        "                               [--key-type ed25519|ecdsa-p256] [--provider NAME]...\n\n"
        "Replace one key of ROLE (root, targets, snapshot or timestamp). A new root version\n"
        "N+1 lists the new key instead of the old one; it is signed by the threshold of\n"
        "root N's root keys and of its own (both the old and the new root key when ROLE is\n"
        "root) and written as N+1.root.json and root.json: devices walk the chain and\n"
        "follow. For targets, snapshot and timestamp the role's metadata is then signed\n"
        "again with the new key and published (snapshot and timestamp renewed; anything\n"
        "staged by 'add' is published with it). The old key's file is renamed\n"
        "<role>-<n>.pem.retired (or .ref.retired); a lost key needs no file: the root keys\n"
        "alone replace it. A lost root key below the root threshold cannot be replaced:\n"
        "that is the point of the root keys; keep them offline and backed up.\n\n"
        "  --repo DIR          the repository directory\n"
        "  --keys KEYDIR       the key directory: the root keys, and the keys of the roles\n"
        "                      re-signed (snapshot and timestamp for publishing)\n"
        "  --role ROLE         the role whose key changes\n"
        "  --new-key FILE|URI  the new key: a PEM file (recorded by its path), or an\n"
        "                      OpenSSL store URI for a key held by a TPM or a token\n"
        "                      (\"handle:0x81000001\" with --provider tpm2: TPMs hold ECDSA\n"
        "                      P-256 keys, not Ed25519); recorded as <role>-<n>.ref.\n"
        "                      Without it a new key is made as <role>-<n>.pem\n"
        "  --retire KEYID      which key to replace (8 or more leading hex digits of its\n"
        "                      id, as 'keel release status' lists them); needed only when\n"
        "                      the role has several keys\n"
        "  --key-type TYPE     type of a key made here (default: the policy's)\n"
        "  --provider NAME     load this OpenSSL provider (tpm2, pkcs11)\n"
        "  --help              this text\n");
}

static int check(struct options *o)
{
    enum release_key_type type;
    size_t n;

    if (o->repo == NULL || o->keys == NULL || o->role_name == NULL)
        return cli_usage_error(CMD, "--repo DIR, --keys KEYDIR and --role ROLE are required");
    if (release_role_parse(o->role_name, &o->role) != KEEL_OK)
        return cli_usage_error(CMD, "--role '%s': root, targets, snapshot or timestamp",
                               o->role_name);
    if (o->key_type != NULL && release_key_type_parse(o->key_type, &type) != KEEL_OK)
        return cli_usage_error(CMD, "--key-type '%s': ed25519 or ecdsa-p256", o->key_type);
    if (o->key_type != NULL && o->new_key != NULL)
        return cli_usage_error(CMD, "--key-type is for a key made here, not with --new-key");
    if (o->new_key != NULL && o->new_key[0] == '\0')
        return cli_usage_error(CMD, "--new-key needs a file or a URI");
    if (o->retire != NULL) {
        n = strlen(o->retire);
        for (size_t i = 0; i < n; i++) {
            if (!isxdigit((unsigned char)o->retire[i]) || isupper((unsigned char)o->retire[i]))
                n = 0;
        }
        if (n < 8 || n >= KEEL_UPDATE_KEYID_SIZE)
            return cli_usage_error(CMD, "--retire '%s': 8 to 64 lower-case hex digits of a key id",
                                   o->retire);
    }
    return CLI_EXIT_OK;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {{"repo", required_argument, NULL, 'r'},
                                             {"keys", required_argument, NULL, 'k'},
                                             {"role", required_argument, NULL, 'o'},
                                             {"new-key", required_argument, NULL, 'n'},
                                             {"retire", required_argument, NULL, 'R'},
                                             {"key-type", required_argument, NULL, 'T'},
                                             {"provider", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->repo = optarg; break;
        case 'k': o->keys = optarg; break;
        case 'o': o->role_name = optarg; break;
        case 'n': o->new_key = optarg; break;
        case 'R': o->retire = optarg; break;
        case 'T': o->key_type = optarg; break;
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
    return o->help ? CLI_EXIT_OK : check(o);
}

/* The id of the key to replace: --retire's match, or the role's only key. */
static keel_err old_key(const struct options *o, const keel_update_root *root, char *id,
                        struct release_err *e)
{
    const keel_update_role_keys *rk = &root->roles[o->role];
    const char *name = keel_update_role_name(o->role);
    size_t found = 0;

    if (o->retire == NULL && rk->nkeyids != 1)
        return release_fail(e, KEEL_ERR_ARG,
                            "%s has %zu keys: name the one to replace with "
                            "--retire KEYID ('keel release status' lists them)",
                            name, rk->nkeyids);
    for (size_t i = 0; i < rk->nkeyids; i++) {
        if (o->retire == NULL || strncmp(rk->keyids[i], o->retire, strlen(o->retire)) == 0) {
            (void)keel_str_copy(id, KEEL_UPDATE_KEYID_SIZE, rk->keyids[i]);
            found++;
        }
    }
    if (found != 1)
        return release_fail(e, KEEL_ERR_NOT_FOUND, "--retire %s: %s among root v%llu's %s keys",
                            o->retire, found == 0 ? "no such key" : "ambiguous",
                            (unsigned long long)root->header.version, name);
    return KEEL_OK;
}

/* Make or load the new key and keep it in the key directory; *file names its entry. */
static keel_err new_key(const struct options *o, struct release_repo *repo,
                        struct release_keyring *kr, struct release_key **out, struct release_err *e)
{
    enum release_key_type type = repo->policy.key_type;
    EVP_PKEY *pkey = NULL;
    char id[KEEL_UPDATE_KEYID_SIZE];
    keel_err ret;

    if (o->new_key != NULL)
        ret = release_key_load(kr, o->new_key, &pkey, e);
    else if (o->key_type == NULL || (ret = release_key_type_parse(o->key_type, &type)) == KEEL_OK)
        ret = release_key_generate(type, &pkey, e);
    if (ret != KEEL_OK)
        return ret;
    if (keel_update_key_id(pkey, id) != KEEL_OK || release_keyring_find(kr, id) != NULL) {
        EVP_PKEY_free(pkey);
        return release_fail(e, KEEL_ERR_EXISTS,
                            "%s: the new key is one the key directory "
                            "holds already",
                            o->new_key != NULL ? o->new_key : "a new key");
    }
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        for (size_t i = 0; i < repo->root.roles[r].nkeyids; i++) {
            if (strcmp(repo->root.roles[r].keyids[i], id) == 0) {
                EVP_PKEY_free(pkey);
                return release_fail(e, KEEL_ERR_EXISTS,
                                    "%s: root v%llu trusts this key for %s "
                                    "already; a rotated key must be new",
                                    o->new_key != NULL ? o->new_key : "a new key",
                                    (unsigned long long)repo->root.header.version,
                                    keel_update_role_name((keel_update_role)r));
            }
        }
    }
    ret = release_keyring_store(kr, o->role, pkey, o->new_key, e);
    if (ret == KEEL_OK)
        *out = &kr->keys[kr->nkeys - 1];
    return ret;
}

/* Whether N+1.root.json (N the repository's root) is on disk: once it is, a device may
 * trust the new key, and its file must stay. */
static int root_written(const struct release_repo *repo)
{
    char path[RELEASE_PATH_MAX];
    struct stat st;

    if (keel_str_format(path, sizeof(path), "%s/%llu.root.json", repo->dir,
                        (unsigned long long)repo->root.header.version + 1) != KEEL_OK)
        return 1;
    return lstat(path, &st) == 0 || errno != ENOENT;
}

/* The new root, then the role's metadata under it. */
static keel_err rotate(const struct options *o, struct release_repo *repo,
                       struct release_keyring *kr, const char *old_id, struct release_key *k,
                       int64_t now, struct release_err *e)
{
    keel_update_root next;
    keel_update_targets doc;
    keel_err ret = release_root_copy(&repo->root, &next, e);

    if (ret != KEEL_OK)
        return ret;
    next.header.expires = release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_ROOT]);
    ret = release_root_replace_key(&next, o->role, old_id, k->pkey, e);
    if (ret == KEEL_OK)
        ret = release_root_publish(repo, kr, &next, e);
    keel_update_root_free(&next);
    if (ret != KEEL_OK) {
        if (!root_written(repo))
            release_keyring_unstore(kr, k->file); /* nothing trusts it: leave no orphan */
        return ret;
    }
    printf("root v%llu: %s key %.16s... replaces %.16s... (%s)\n",
           (unsigned long long)repo->root.header.version, keel_update_role_name(o->role), k->id,
           old_id, k->file);
    if (o->role == KEEL_UPDATE_ROLE_ROOT)
        return KEEL_OK;
    if (o->role == KEEL_UPDATE_ROLE_TARGETS &&
        (ret = release_targets_copy(repo->has_staged ? &repo->staged : &repo->targets, &doc, e)) ==
            KEEL_OK) {
        ret = release_stage(repo, kr, &doc, now, e);
        keel_update_targets_free(&doc);
    }
    if (ret == KEEL_OK)
        ret = release_publish_run(repo, kr, now, e);
    if (ret == KEEL_OK)
        printf("published: targets v%llu, snapshot v%llu, timestamp v%llu\n",
               (unsigned long long)repo->targets.header.version,
               (unsigned long long)repo->snapshot_version,
               (unsigned long long)repo->timestamp_version);
    return ret;
}

static void retire(struct release_keyring *kr, keel_update_role role, const char *old_id)
{
    char file[256];
    struct release_err e = {""};

    if (release_keyring_locate(kr, role, old_id, file, sizeof(file)) != KEEL_OK) {
        printf("the old key %.16s... has no file in %s (lost?): nothing to retire\n", old_id,
               kr->dir);
        return;
    }
    if (release_keyring_retire(kr, file, &e) != KEEL_OK)
        fprintf(stderr, "keel %s: warning: %s\n", CMD, e.text);
    else
        printf("retired %s/%s as %s.retired\n", kr->dir, file, file);
}

/* A rotation stopped after its root was written: say how to finish it. */
static void unfinished(const struct options *o, const struct release_repo *repo,
                       struct release_keyring *kr, const char *old_id)
{
    char file[256];

    fprintf(stderr,
            "keel %s: root v%llu is written; once the problem below is fixed, finish the "
            "rotation with 'keel release publish%s'",
            CMD, (unsigned long long)repo->root.header.version,
            o->role == KEEL_UPDATE_ROLE_TARGETS ? " --renew targets" : "");
    if (release_keyring_locate(kr, o->role, old_id, file, sizeof(file)) == KEEL_OK)
        fprintf(stderr, " and retire the old key: mv %s/%s %s/%s.retired", kr->dir, file, kr->dir,
                file);
    fprintf(stderr, "\n");
}

static keel_err run(const struct options *o, struct release_repo *repo, struct release_keyring *kr,
                    struct release_err *e)
{
    char old_id[KEEL_UPDATE_KEYID_SIZE];
    struct release_key *k = NULL;
    uint64_t root_version = repo->root.header.version;
    keel_err ret = release_keyring_open(kr, o->keys, o->repo, 0, e);

    if (ret == KEEL_OK)
        ret = release_keyring_providers(kr, o->providers, o->nproviders, e);
    if (ret == KEEL_OK)
        ret = old_key(o, &repo->root, old_id, e);
    /* the old root keys before anything is made: a rotation they cannot sign stops here */
    if (ret == KEEL_OK)
        ret = release_keyring_require(kr, &repo->root, KEEL_UPDATE_ROLE_ROOT, e);
    if (ret == KEEL_OK)
        ret = new_key(o, repo, kr, &k, e);
    if (ret == KEEL_OK)
        ret = k != NULL ? rotate(o, repo, kr, old_id, k, (int64_t)time(NULL), e) : KEEL_ERR_ARG;
    if (ret == KEEL_OK)
        retire(kr, o->role, old_id);
    else if (repo->root.header.version != root_version)
        unfinished(o, repo, kr, old_id);
    return ret;
}

int release_rotate(int argc, char **argv)
{
    struct options o;
    struct release_repo repo;
    struct release_keyring kr;
    struct release_err e = {""};
    keel_err ret;
    int rc;

    memset(&o, 0, sizeof(o));
    memset(&kr, 0, sizeof(kr));
    if ((rc = parse(argc, argv, &o)) != CLI_EXIT_OK || o.help) {
        if (o.help)
            usage(stdout);
        return rc;
    }
    if (release_repo_open(&repo, o.repo, &e) != KEEL_OK) {
        fprintf(stderr, "keel %s: %s: %s\n", CMD, o.repo, e.text);
        return CLI_EXIT_ERROR;
    }
    ret = run(&o, &repo, &kr, &e);
    if (ret != KEEL_OK)
        fprintf(stderr, "keel %s: %s: %s\n", CMD, o.repo, e.text);
    release_keyring_close(&kr);
    release_repo_close(&repo);
    return ret == KEEL_OK ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
