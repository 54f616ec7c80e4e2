/* keel release add: stage an image. The image is copied into targets/ while it is hashed,
 * and its entry (length, SHA-256, hardware id, version, security version and the owner's
 * notice) goes into a new targets document signed with the targets keys and kept staged
 * until `publish` (5.3-2); a device checks every image against these signed facts before it
 * installs it (5.3-9, 5.3-10). The notice says what the update fixes and which risks it
 * mitigates (5.3-11) and whether installing it interrupts the device's basic function, for
 * how long (5.3-12). The security version is the anti-rollback number a device's floor is
 * raised to once it has confirmed the update, so that an older signed image cannot be
 * installed again (5.3-2). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "release.h"

#define CMD "release add"

struct options {
    const char *repo, *keys, *file;
    const char *name, *hwid, *version, *security, *fixes, *risks, *interrupts;
    int no_interruption, replace, help;
    const char *providers[RELEASE_PROVIDERS_MAX];
    size_t nproviders;
    keel_update_target entry; /* the entry, as far as the command line gives it */
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel release add --repo DIR --keys KEYDIR --file IMAGE --name NAME\n"
            "                        --hardware-id HW --version X.Y.Z --security-version N\n"
            "                        --fixes TEXT --risks TEXT\n"
            "                        (--interrupts SECONDS | --no-interruption)\n"
            "                        [--replace] [--provider NAME]...\n\n"
            "Stage IMAGE as the target NAME for devices of hardware HW: it is copied to\n"
            "DIR/targets/NAME (atomically) and its length and SHA-256, computed while copying,\n"
            "go into a new targets document signed with the targets keys. Staged is not\n"
            "served: devices keep the release named by the current timestamp and snapshot\n"
            "until 'keel release publish' (which needs no targets key) publishes it. Several\n"
            "adds before one publish go into the same new targets version. A name already\n"
            "published never changes its bytes: a new build gets a new name.\n\n"
            "  --repo DIR              the repository directory\n"
            "  --keys KEYDIR           the key directory (targets keys)\n"
            "  --file IMAGE            the image (a regular file, at least one byte)\n"
            "  --name NAME             its file name under targets/: 1-%u of A-Z a-z 0-9 . _ -\n"
            "                          not starting with '.'\n"
            "  --hardware-id HW        the device model it is for: 1-%u of A-Z a-z 0-9 . _ -\n"
            "  --version X.Y.Z         1 to 4 dot-separated numbers (devices install the newest)\n"
            "  --security-version N    anti-rollback number (0-%u, 5.3-2): once a device has\n"
            "                          confirmed this image it refuses every image below N.\n"
            "                          Raise it by one for a release that fixes a vulnerability\n"
            "  --fixes TEXT            for the owner: what the update fixes (5.3-11)\n"
            "  --risks TEXT            for the owner: which risks it mitigates (5.3-11)\n"
            "  --interrupts SECONDS    installing interrupts the basic function for at most\n"
            "                          this long (5.3-12)\n"
            "  --no-interruption       installing does not interrupt the basic function\n"
            "  --replace               replace a staged, unpublished image of this name\n"
            "  --provider NAME         load this OpenSSL provider (tpm2, pkcs11)\n"
            "  --help                  this text\n"
            "Texts: UTF-8 without control characters, 1 to %u bytes.\n",
            KEEL_UPDATE_NAME_MAX - 1, KEEL_UPDATE_HWID_MAX - 1, RELEASE_SECURITY_VERSION_MAX,
            KEEL_UPDATE_TEXT_MAX - 1);
}

static int check_text(const char *option, const char *text, char *out)
{
    if (text == NULL)
        return cli_usage_error(CMD, "%s TEXT is required (the owner's notice, 5.3-11)", option);
    if (text[0] == '\0' || keel_update_text_check(text) != KEEL_OK)
        return cli_usage_error(CMD,
                               "%s: 1 to %u bytes of UTF-8 without control characters (no "
                               "newlines)",
                               option, KEEL_UPDATE_TEXT_MAX - 1);
    (void)keel_str_copy(out, KEEL_UPDATE_TEXT_MAX, text);
    return CLI_EXIT_OK;
}

static int check_notice(struct options *o)
{
    keel_update_notice *n = &o->entry.notice;
    uint64_t v = 0;
    int rc;

    if ((rc = check_text("--fixes", o->fixes, n->fixes)) != CLI_EXIT_OK ||
        (rc = check_text("--risks", o->risks, n->risks_mitigated)) != CLI_EXIT_OK)
        return rc;
    if ((o->interrupts != NULL) == o->no_interruption)
        return cli_usage_error(CMD, "say whether installing interrupts the device's function "
                                    "(5.3-12): --interrupts SECONDS or --no-interruption");
    if (o->interrupts != NULL) {
        if (keel_str_to_u64(o->interrupts, 1, UINT32_MAX, &v) != KEEL_OK)
            return cli_usage_error(CMD, "--interrupts '%s': seconds, from 1 to %u", o->interrupts,
                                   UINT32_MAX);
        n->interrupts_function = 1;
        n->interruption_seconds = (uint32_t)v;
    }
    return CLI_EXIT_OK;
}

static int check(struct options *o)
{
    keel_update_target *t = &o->entry;

    if (o->repo == NULL || o->keys == NULL || o->file == NULL || o->name == NULL ||
        o->hwid == NULL || o->version == NULL || o->security == NULL)
        return cli_usage_error(CMD, "--repo, --keys, --file, --name, --hardware-id, --version "
                                    "and --security-version are required");
    /* Not starting with '.': it would hide among the repository's own files (.keel-release)
     * and servers that refuse dot files would not serve it. */
    if (keel_update_name_check(o->name, KEEL_UPDATE_NAME_MAX) != KEEL_OK || o->name[0] == '.')
        return cli_usage_error(CMD, "--name '%s': 1-%u of A-Z a-z 0-9 . _ - not starting with '.'",
                               o->name, KEEL_UPDATE_NAME_MAX - 1);
    if (keel_update_name_check(o->hwid, KEEL_UPDATE_HWID_MAX) != KEEL_OK)
        return cli_usage_error(CMD, "--hardware-id '%s': 1-%u of A-Z a-z 0-9 . _ -", o->hwid,
                               KEEL_UPDATE_HWID_MAX - 1);
    if (keel_update_version_check(o->version) != KEEL_OK)
        return cli_usage_error(CMD,
                               "--version '%s': 1 to 4 dot-separated numbers of 1 to 9 "
                               "digits, such as 1.4.2",
                               o->version);
    if (keel_str_to_u64(o->security, 0, RELEASE_SECURITY_VERSION_MAX, &t->security_version) !=
        KEEL_OK)
        return cli_usage_error(CMD, "--security-version '%s': a number from 0 to %u", o->security,
                               RELEASE_SECURITY_VERSION_MAX);
    (void)keel_str_copy(t->name, sizeof(t->name), o->name);
    (void)keel_str_copy(t->hardware_id, sizeof(t->hardware_id), o->hwid);
    (void)keel_str_copy(t->version, sizeof(t->version), o->version);
    return check_notice(o);
}

static const struct option longopts[] = {{"repo", required_argument, NULL, 'r'},
                                         {"keys", required_argument, NULL, 'k'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"hardware-id", required_argument, NULL, 'H'},
                                         {"version", required_argument, NULL, 'v'},
                                         {"security-version", required_argument, NULL, 's'},
                                         {"fixes", required_argument, NULL, 'x'},
                                         {"risks", required_argument, NULL, 'R'},
                                         {"interrupts", required_argument, NULL, 'i'},
                                         {"no-interruption", no_argument, NULL, 'I'},
                                         {"replace", no_argument, NULL, 'P'},
                                         {"provider", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

static int parse(int argc, char **argv, struct options *o)
{
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->repo = optarg; break;
        case 'k': o->keys = optarg; break;
        case 'f': o->file = optarg; break;
        case 'n': o->name = optarg; break;
        case 'H': o->hwid = optarg; break;
        case 'v': o->version = optarg; break;
        case 's': o->security = optarg; break;
        case 'x': o->fixes = optarg; break;
        case 'R': o->risks = optarg; break;
        case 'i': o->interrupts = optarg; break;
        case 'I': o->no_interruption = 1; break;
        case 'P': o->replace = 1; break;
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

/* The entry a targets document carries under name, or NULL. */
static const keel_update_target *find(const keel_update_targets *doc, const char *name)
{
    for (size_t i = 0; i < doc->ntargets; i++) {
        if (strcmp(doc->targets[i].name, name) == 0)
            return &doc->targets[i];
    }
    return NULL;
}

/* Among the targets of one hardware, a newer version never has a lower security version
 * (a device would refuse the newest as a downgrade) and no version appears twice. */
static keel_err consistent(const keel_update_targets *doc, const keel_update_target *t,
                           struct release_err *e)
{
    for (size_t i = 0; i < doc->ntargets; i++) {
        const keel_update_target *o = &doc->targets[i];
        int cmp = keel_update_version_compare(t->version, o->version);

        if (strcmp(o->name, t->name) == 0 || strcmp(o->hardware_id, t->hardware_id) != 0)
            continue;
        if (cmp == 0)
            return release_fail(e, KEEL_ERR_EXISTS, "%s has version %s for %s already", o->name,
                                o->version, o->hardware_id);
        if ((cmp > 0 && t->security_version < o->security_version) ||
            (cmp < 0 && t->security_version > o->security_version))
            return release_fail(e, KEEL_ERR_ARG,
                                "security version %llu for %s %s contradicts %s (%s, security "
                                "version %llu): a newer version never has a lower one",
                                (unsigned long long)t->security_version, t->hardware_id, t->version,
                                o->name, o->version, (unsigned long long)o->security_version);
    }
    return KEEL_OK;
}

/* doc with t in place of its entry of the same name, or added. */
static keel_err put(keel_update_targets *doc, const keel_update_target *t, struct release_err *e)
{
    keel_update_target *grown;

    for (size_t i = 0; i < doc->ntargets; i++) {
        if (strcmp(doc->targets[i].name, t->name) == 0) {
            doc->targets[i] = *t;
            return KEEL_OK;
        }
    }
    if (doc->ntargets == KEEL_UPDATE_MAX_TARGETS)
        return release_fail(e, KEEL_ERR_TOO_LARGE, "targets: already %u, the most a device reads",
                            KEEL_UPDATE_MAX_TARGETS);
    grown = realloc(doc->targets, (doc->ntargets + 1) * sizeof(*grown));
    if (grown == NULL)
        return release_fail(e, KEEL_ERR_NOMEM, "targets: out of memory");
    grown[doc->ntargets++] = *t;
    doc->targets = grown;
    return KEEL_OK;
}

static keel_err stage(const struct options *o, struct release_repo *repo,
                      struct release_keyring *kr, struct release_err *e)
{
    keel_update_targets doc;
    keel_update_target t = o->entry;
    int existed = 0;
    keel_err ret = release_targets_copy(repo->has_staged ? &repo->staged : &repo->targets, &doc, e);

    if (ret != KEEL_OK)
        return ret;
    if ((ret = consistent(&doc, &t, e)) == KEEL_OK)
        ret = release_image_place(repo->dir, t.name, o->file, o->replace,
                                  find(&repo->targets, t.name), &t.length, t.sha256, &existed, e);
    if (ret == KEEL_OK)
        ret = put(&doc, &t, e);
    if (ret == KEEL_OK)
        ret = release_stage(repo, kr, &doc, (int64_t)time(NULL), e);
    keel_update_targets_free(&doc);
    return ret;
}

static void report(const struct release_repo *repo, const keel_update_target *t)
{
    char hex[KEEL_UPDATE_KEYID_SIZE];

    if (keel_hex_encode(t->sha256, 32, hex, sizeof(hex)) != KEEL_OK)
        hex[0] = '\0';
    printf("staged targets v%llu: %s (%llu bytes, sha256 %s) for %s, version %s, security "
           "version %llu\n",
           (unsigned long long)repo->staged.header.version, t->name, (unsigned long long)t->length,
           hex, t->hardware_id, t->version, (unsigned long long)t->security_version);
    printf("not served yet: devices see it after 'keel release publish'\n");
}

int release_add(int argc, char **argv)
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
    ret = release_keyring_open(&kr, o.keys, o.repo, 0, &e);
    if (ret == KEEL_OK)
        ret = release_keyring_providers(&kr, o.providers, o.nproviders, &e);
    /* the keys before the image: nothing is copied that cannot be signed */
    if (ret == KEEL_OK)
        ret = release_keyring_require(&kr, &repo.root, KEEL_UPDATE_ROLE_TARGETS, &e);
    if (ret == KEEL_OK)
        ret = stage(&o, &repo, &kr, &e);
    if (ret == KEEL_OK) {
        for (size_t i = 0; i < repo.staged.ntargets; i++) {
            if (strcmp(repo.staged.targets[i].name, o.entry.name) == 0)
                report(&repo, &repo.staged.targets[i]);
        }
    } else {
        fprintf(stderr, "keel %s: %s: %s\n", CMD, o.repo, e.text);
    }
    release_keyring_close(&kr);
    release_repo_close(&repo);
    return ret == KEEL_OK ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
