/* keel release init: a new repository and its signing keys. One key per role (more when a
 * role's threshold asks for several signatures), each role's key its own, so that the
 * online timestamp key can sign nothing but timestamps (5.3-7). Everything is signed in
 * memory before the first file is written, and a failure midway removes what was written:
 * no half repository, no orphan key. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "release.h"

#define CMD "release init"
#define GIVEN_MAX 16

struct given_key {
    keel_update_role role;
    const char *spec;
};

struct options {
    const char *repo;
    const char *keys;
    struct release_policy policy;
    uint32_t threshold[KEEL_UPDATE_ROLES];
    struct given_key given[GIVEN_MAX];
    size_t ngiven;
    const char *providers[RELEASE_PROVIDERS_MAX];
    size_t nproviders;
    int help;
};

/* What init made, to be undone on failure. */
struct made {
    int repo_dir; /* the repository directory itself (else it was there, empty) */
    int sub_dirs; /* targets/ and the state directory */
    int files[8]; /* which of init_files[] were written */
    char *keys[GIVEN_MAX + KEEL_UPDATE_MAX_KEYS]; /* key directory entries */
    size_t nkeys;
};

static const char *const init_files[] = {RELEASE_POLICY_FILE, "1.root.json",   "root.json",
                                         "targets.json",      "snapshot.json", "timestamp.json"};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel release init --repo DIR --keys KEYDIR\n"
            "                         [--expires-days root=365,targets=90,snapshot=7,timestamp=1]\n"
            "                         [--threshold root=1,targets=1,snapshot=1,timestamp=1]\n"
            "                         [--key-type ed25519|ecdsa-p256] [--key ROLE=FILE|URI]...\n"
            "                         [--provider NAME]...\n\n"
            "Make a new update repository in DIR (absent or empty): root.json and 1.root.json\n"
            "(the root every device trusts first: install it at the factory), and an empty\n"
            "targets v1, snapshot v1 and timestamp v1. Each role gets its own signing keys, as\n"
            "many as its threshold, made in KEYDIR (created 0700; it must hold no keys yet and\n"
            "lie outside DIR) as <role>-<n>.pem: unencrypted PKCS#8 PEM, mode 0600. Keep the\n"
            "root and targets keys offline (docs/release.md). The expiry periods and the key\n"
            "type are kept in DIR/%s/policy.json for later signing.\n\n"
            "  --repo DIR           the repository directory (served as it is)\n"
            "  --keys KEYDIR        the key directory\n"
            "  --expires-days LIST  days each role's metadata stays valid (1-%u)\n"
            "  --threshold LIST     signatures each role needs (1-%u; default 1)\n"
            "  --key-type TYPE      ed25519 (default) or ecdsa-p256 for the keys made here\n"
            "  --key ROLE=FILE|URI  use this key for ROLE instead of making one: a PEM file, or\n"
            "                       an OpenSSL store URI for a key held by a TPM or a token\n"
            "                       (\"handle:0x81000001\" with --provider tpm2, \"pkcs11:...\"):\n"
            "                       such keys are ECDSA P-256. Recorded as <role>-<n>.ref.\n"
            "                       Repeat it for more keys than the threshold.\n"
            "  --provider NAME      load this OpenSSL provider (tpm2, pkcs11)\n"
            "  --help               this text\n",
            RELEASE_STATE_DIR, RELEASE_DAYS_MAX, KEEL_UPDATE_MAX_KEYS);
}

static int add_given(struct options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char role[16];
    keel_update_role r;

    if (eq == NULL || (size_t)(eq - arg) >= sizeof(role) || eq[1] == '\0')
        return cli_usage_error(CMD, "--key '%s': ROLE=FILE or ROLE=URI", arg);
    memcpy(role, arg, (size_t)(eq - arg));
    role[eq - arg] = '\0';
    if (release_role_parse(role, &r) != KEEL_OK)
        return cli_usage_error(CMD, "--key '%s': '%s' is no role", arg, role);
    if (o->ngiven == GIVEN_MAX)
        return cli_usage_error(CMD, "more than %d --key", GIVEN_MAX);
    o->given[o->ngiven].role = r;
    o->given[o->ngiven++].spec = eq + 1;
    return CLI_EXIT_OK;
}

static size_t given_for(const struct options *o, keel_update_role role)
{
    size_t n = 0;

    for (size_t i = 0; i < o->ngiven; i++)
        n += o->given[i].role == role;
    return n;
}

static int check(struct options *o)
{
    size_t total = 0;

    if (o->repo == NULL || o->keys == NULL)
        return cli_usage_error(CMD, "--repo DIR and --keys KEYDIR are required");
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        size_t given = given_for(o, (keel_update_role)r);

        total += given > o->threshold[r] ? given : o->threshold[r];
    }
    if (total > KEEL_UPDATE_MAX_KEYS)
        return cli_usage_error(CMD, "%zu keys in all; a root lists at most %u", total,
                               KEEL_UPDATE_MAX_KEYS);
    return CLI_EXIT_OK;
}

static int parse_values(int c, struct options *o)
{
    struct release_err e = {""};

    if (c == 'e' && release_role_values_parse(optarg, 1, RELEASE_DAYS_MAX, o->policy.expires_days,
                                              &e) != KEEL_OK)
        return cli_usage_error(CMD, "--expires-days: %s", e.text);
    if (c == 't' &&
        release_role_values_parse(optarg, 1, KEEL_UPDATE_MAX_KEYS, o->threshold, &e) != KEEL_OK)
        return cli_usage_error(CMD, "--threshold: %s", e.text);
    if (c == 'T' && release_key_type_parse(optarg, &o->policy.key_type) != KEEL_OK)
        return cli_usage_error(CMD, "--key-type '%s': ed25519 or ecdsa-p256", optarg);
    if (c == 'p') {
        if (o->nproviders == RELEASE_PROVIDERS_MAX)
            return cli_usage_error(CMD, "too many --provider");
        o->providers[o->nproviders++] = optarg;
    }
    return c == 'K' ? add_given(o, optarg) : CLI_EXIT_OK;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {{"repo", required_argument, NULL, 'r'},
                                             {"keys", required_argument, NULL, 'k'},
                                             {"expires-days", required_argument, NULL, 'e'},
                                             {"threshold", required_argument, NULL, 't'},
                                             {"key-type", required_argument, NULL, 'T'},
                                             {"key", required_argument, NULL, 'K'},
                                             {"provider", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->repo = optarg; break;
        case 'k': o->keys = optarg; break;
        case 'h': o->help = 1; break;
        case 'e':
        case 't':
        case 'T':
        case 'K':
        case 'p':
            if ((rc = parse_values(c, o)) != CLI_EXIT_OK)
                return rc;
            break;
        default: return cli_option_error(CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unknown argument '%s'", argv[optind]);
    return o->help ? CLI_EXIT_OK : check(o);
}

/* DIR must be absent or an empty directory: init never writes over a repository. */
static keel_err repo_check(const char *dir, struct release_err *e)
{
    struct stat st;
    struct dirent *ent;
    DIR *d;
    int empty = 1;

    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? KEEL_OK
                               : release_fail(e, KEEL_ERR_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return release_fail(e, KEEL_ERR_EXISTS, "%s: exists and is not a directory", dir);
    if ((d = opendir(dir)) == NULL)
        return release_fail(e, KEEL_ERR_IO, "%s: %s", dir, strerror(errno));
    while ((ent = readdir(d)) != NULL)
        empty = empty && (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0);
    closedir(d);
    if (!empty)
        return release_fail(e, KEEL_ERR_EXISTS,
                            "%s: not empty (already a repository?); init makes a new repository "
                            "only and never writes over one",
                            dir);
    return KEEL_OK;
}

/* One key directory serves one repository: init refuses one that holds keys. */
static keel_err keydir_check(const struct release_keyring *kr, struct release_err *e)
{
    DIR *d = opendir(kr->dir);
    struct dirent *ent;
    keel_err ret = KEEL_OK;

    if (d == NULL)
        return release_fail(e, KEEL_ERR_IO, "%s: %s", kr->dir, strerror(errno));
    while (ret == KEEL_OK && (ent = readdir(d)) != NULL) {
        for (int r = 0; r < KEEL_UPDATE_ROLES && ret == KEEL_OK; r++) {
            const char *name = keel_update_role_name((keel_update_role)r);
            size_t n = strlen(name);

            if (strncmp(ent->d_name, name, n) == 0 && ent->d_name[n] == '-')
                ret = release_fail(e, KEEL_ERR_EXISTS,
                                   "%s: holds keys already (%s); a key directory serves one "
                                   "repository",
                                   kr->dir, ent->d_name);
        }
    }
    closedir(d);
    return ret;
}

static keel_err make_dirs(const char *dir, struct made *m, struct release_err *e)
{
    char path[RELEASE_PATH_MAX];

    if (mkdir(dir, 0755) == 0)
        m->repo_dir = 1;
    else if (errno != EEXIST)
        return release_fail(e, KEEL_ERR_IO, "%s: cannot make: %s", dir, strerror(errno));
    m->sub_dirs = 1;
    if (release_path(path, dir, RELEASE_TARGETS_DIR) != KEEL_OK || mkdir(path, 0755) != 0)
        return release_fail(e, KEEL_ERR_IO, "%s/%s: cannot make: %s", dir, RELEASE_TARGETS_DIR,
                            strerror(errno));
    if (release_path(path, dir, RELEASE_STATE_DIR) != KEEL_OK || mkdir(path, 0700) != 0)
        return release_fail(e, KEEL_ERR_IO, "%s/%s: cannot make: %s", dir, RELEASE_STATE_DIR,
                            strerror(errno));
    return KEEL_OK;
}

static void undo(const char *dir, struct release_keyring *kr, struct made *m)
{
    char path[RELEASE_PATH_MAX];

    for (size_t i = 0; i < sizeof(init_files) / sizeof(init_files[0]); i++) {
        if (m->files[i] && release_path(path, dir, init_files[i]) == KEEL_OK)
            unlink(path);
    }
    if (m->sub_dirs && release_path(path, dir, RELEASE_TARGETS_DIR) == KEEL_OK)
        rmdir(path);
    if (m->sub_dirs && release_path(path, dir, RELEASE_STATE_DIR) == KEEL_OK)
        rmdir(path);
    if (m->repo_dir)
        rmdir(dir);
    for (size_t i = 0; i < m->nkeys; i++)
        release_keyring_unstore(kr, m->keys[i]);
}

/* Give role its keys: those given with --key, then new ones up to the threshold. */
static keel_err role_keys(const struct options *o, keel_update_role role,
                          struct release_keyring *kr, struct made *m, struct release_err *e)
{
    size_t given = given_for(o, role);
    EVP_PKEY *pkey = NULL;
    keel_err ret = KEEL_OK;

    for (size_t i = 0; ret == KEEL_OK && i < o->ngiven; i++) {
        if (o->given[i].role != role)
            continue;
        ret = release_key_load(kr, o->given[i].spec, &pkey, e);
        if (ret == KEEL_OK)
            ret = release_keyring_store(kr, role, pkey, o->given[i].spec, e);
        if (ret == KEEL_OK)
            m->keys[m->nkeys++] = kr->keys[kr->nkeys - 1].file;
    }
    for (size_t i = given; ret == KEEL_OK && i < o->threshold[role]; i++) {
        ret = release_key_generate(o->policy.key_type, &pkey, e);
        if (ret == KEEL_OK)
            ret = release_keyring_store(kr, role, pkey, NULL, e);
        if (ret == KEEL_OK)
            m->keys[m->nkeys++] = kr->keys[kr->nkeys - 1].file;
    }
    return ret;
}

/* root v1 listing the keyring's keys for each role with the thresholds asked for. */
static keel_err build_root(const struct options *o, const struct release_keyring *kr, int64_t now,
                           keel_update_root *root, struct release_err *e)
{
    keel_err ret = KEEL_OK;

    memset(root, 0, sizeof(*root));
    root->header.type = KEEL_UPDATE_ROLE_ROOT;
    root->header.version = 1;
    root->header.expires = release_expiry(now, o->policy.expires_days[KEEL_UPDATE_ROLE_ROOT]);
    for (size_t i = 0; ret == KEEL_OK && i < kr->nkeys; i++) {
        for (size_t j = 0; j < root->roles[kr->keys[i].role].nkeyids; j++) {
            if (strcmp(root->roles[kr->keys[i].role].keyids[j], kr->keys[i].id) == 0)
                ret = release_fail(e, KEEL_ERR_EXISTS, "%s: the same key is given twice for %s",
                                   kr->keys[i].file, keel_update_role_name(kr->keys[i].role));
        }
        if (ret == KEEL_OK)
            ret = release_root_replace_key(root, kr->keys[i].role, NULL, kr->keys[i].pkey, e);
    }
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++)
        root->roles[r].threshold = o->threshold[r];
    return ret == KEEL_OK ? release_root_check(root, e) : ret;
}

static keel_err write_file(struct release_repo *repo, struct made *m, size_t which,
                           const char *data, size_t len, struct release_err *e)
{
    keel_err ret = release_write(repo->dir, init_files[which], data, len, e);

    m->files[which] = ret == KEEL_OK;
    return ret;
}

/* Sign root v1 and an empty targets v1, write them, then publish snapshot and timestamp. */
static keel_err write_repo(struct release_repo *repo, struct release_keyring *kr, struct made *m,
                           int64_t now, struct release_err *e)
{
    EVP_PKEY *keys[KEEL_UPDATE_MAX_KEYS];
    char *root_env = NULL, *targets_env = NULL;
    size_t root_len = 0, targets_len = 0, n;
    keel_err ret;

    n = release_keyring_signers(kr, &repo->root, KEEL_UPDATE_ROLE_ROOT, keys, KEEL_UPDATE_MAX_KEYS);
    ret = release_sign_root(&repo->root, keys, n, &root_env, &root_len, e);
    memset(&repo->targets, 0, sizeof(repo->targets));
    repo->targets.header.type = KEEL_UPDATE_ROLE_TARGETS;
    repo->targets.header.version = 1;
    repo->targets.header.expires =
        release_expiry(now, repo->policy.expires_days[KEEL_UPDATE_ROLE_TARGETS]);
    n = release_keyring_signers(kr, &repo->root, KEEL_UPDATE_ROLE_TARGETS, keys,
                                KEEL_UPDATE_MAX_KEYS);
    if (ret == KEEL_OK)
        ret = release_sign_targets(&repo->targets, &repo->root, keys, n, &targets_env, &targets_len,
                                   e);
    if (ret == KEEL_OK)
        ret = release_policy_write(repo->dir, &repo->policy, e);
    m->files[0] = ret == KEEL_OK;
    if (ret == KEEL_OK)
        ret = write_file(repo, m, 1, root_env, root_len, e);
    if (ret == KEEL_OK)
        ret = write_file(repo, m, 2, root_env, root_len, e);
    if (ret == KEEL_OK)
        ret = write_file(repo, m, 3, targets_env, targets_len, e);
    m->files[4] = m->files[5] = ret == KEEL_OK; /* publish may leave either */
    if (ret == KEEL_OK)
        ret = release_publish_run(repo, kr, now, e);
    free(root_env);
    free(targets_env);
    return ret;
}

static void report(const struct release_repo *repo, const struct release_keyring *kr)
{
    printf("made the repository %s: root v1, targets v1 (empty), snapshot v1, timestamp v1\n",
           repo->dir);
    printf("signing keys in %s:\n", kr->dir);
    for (size_t i = 0; i < kr->nkeys; i++)
        printf("  %-9s  %-16s  %s\n", keel_update_role_name(kr->keys[i].role), kr->keys[i].file,
               kr->keys[i].id);
    printf("devices trust %s/1.root.json first: install it in their trust directory at the "
           "factory\n",
           repo->dir);
}

static keel_err run(const struct options *o, struct release_repo *repo, struct release_keyring *kr,
                    struct made *m, struct release_err *e)
{
    int64_t now = (int64_t)time(NULL);
    keel_err ret = repo_check(o->repo, e);

    if (ret != KEEL_OK)
        return ret;
    if ((ret = make_dirs(o->repo, m, e)) != KEEL_OK)
        return ret;
    if ((ret = release_keyring_open(kr, o->keys, o->repo, 1, e)) != KEEL_OK ||
        (ret = keydir_check(kr, e)) != KEEL_OK)
        return ret;
    if (ret == KEEL_OK)
        ret = release_keyring_providers(kr, o->providers, o->nproviders, e);
    for (int r = 0; ret == KEEL_OK && r < KEEL_UPDATE_ROLES; r++)
        ret = role_keys(o, (keel_update_role)r, kr, m, e);
    if (ret == KEEL_OK)
        ret = build_root(o, kr, now, &repo->root, e);
    if (ret == KEEL_OK)
        ret = write_repo(repo, kr, m, now, e);
    return ret;
}

int release_init(int argc, char **argv)
{
    struct options o;
    struct release_repo repo;
    struct release_keyring kr;
    struct made m;
    struct release_err e = {""};
    keel_err ret;
    int rc;

    memset(&o, 0, sizeof(o));
    memset(&m, 0, sizeof(m));
    memset(&repo, 0, sizeof(repo));
    memset(&kr, 0, sizeof(kr));
    release_policy_default(&o.policy);
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++)
        o.threshold[r] = 1;
    if ((rc = parse(argc, argv, &o)) != CLI_EXIT_OK || o.help) {
        if (o.help)
            usage(stdout);
        return rc;
    }
    repo.policy = o.policy;
    (void)keel_str_copy(repo.dir, sizeof(repo.dir), o.repo);
    ret = run(&o, &repo, &kr, &m, &e);
    if (ret == KEEL_OK) {
        report(&repo, &kr);
    } else {
        fprintf(stderr, "keel %s: %s\n", CMD, e.text);
        undo(o.repo, &kr, &m);
    }
    release_keyring_close(&kr);
    release_repo_close(&repo);
    return ret == KEEL_OK ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
