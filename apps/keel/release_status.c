/* keel release status: the repository as a device sees it, for the release team and for
 * monitoring (exit status 3 when anything is wrong). It prints each role's version, expiry
 * and keys, and each target with its hardware id, versions and the owner's notice (5.3-11,
 * 5.3-12), in text or JSON. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "release.h"

#define CMD "release status"

struct options {
    const char *repo;
    const char *at;
    int json, help;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel release status --repo DIR [--json] [--at TIME]\n\n"
            "Verify the repository as a device would: the root chain from 1.root.json (each\n"
            "root signed by the threshold of the previous root's keys and of its own), root.json\n"
            "equal to the newest, the signatures and threshold of timestamp, snapshot and\n"
            "targets under the newest root, the versions, lengths and SHA-256 they give each\n"
            "other, every target's bytes in targets/, and the staged targets. Prints each\n"
            "role's version, expiry and key ids, and each target with its hardware id,\n"
            "version, security version and the owner's notice. A role expiring within %d\n"
            "days (or half its period, when shorter: 12 hours for a daily timestamp) is a\n"
            "warning; an expired one a problem. Needs no keys.\n\n"
            "  --repo DIR   the repository directory\n"
            "  --json       print the report as JSON\n"
            "  --at TIME    judge expiries at TIME (YYYY-MM-DDTHH:MM:SSZ) instead of now\n"
            "  --help       this text\n\n"
            "Exit status: 0 when the repository is consistent, 3 when a check fails (each\n"
            "problem named), 1 when it cannot be read at all, 2 for a bad command line.\n",
            RELEASE_WARN_DAYS);
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {{"repo", required_argument, NULL, 'r'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"at", required_argument, NULL, 'a'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->repo = optarg; break;
        case 'j': o->json = 1; break;
        case 'a': o->at = optarg; break;
        case 'h': o->help = 1; break;
        default: return cli_option_error(CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unknown argument '%s'", argv[optind]);
    if (!o->help && o->repo == NULL)
        return cli_usage_error(CMD, "--repo DIR is required");
    return CLI_EXIT_OK;
}

static const char *const file_states[] = {"ok", "missing", "differs"};

static void time_text(int64_t t, char out[21])
{
    if (keel_update_time_format(t, out) != KEEL_OK)
        (void)keel_str_copy(out, 21, "?");
}

static void print_role(const struct release_report *r, keel_update_role role)
{
    const keel_update_role_keys *rk = &r->root.roles[role];
    char when[21];

    if (!r->has_header[role]) {
        printf("  %-9s  (not verified)\n", keel_update_role_name(role));
        return;
    }
    time_text(r->headers[role].expires, when);
    printf("  %-9s  v%-6llu  expires %s  threshold %u of", keel_update_role_name(role),
           (unsigned long long)r->headers[role].version, when, rk->threshold);
    for (size_t i = 0; i < rk->nkeyids; i++)
        printf(" %.16s", rk->keyids[i]);
    printf("\n");
}

static void print_target(const keel_update_target *t, const char *state)
{
    char hex[KEEL_UPDATE_KEYID_SIZE];

    if (keel_hex_encode(t->sha256, 32, hex, sizeof(hex)) != KEEL_OK)
        hex[0] = '\0';
    printf("  %s  for %s  version %s  security version %llu  %llu bytes  file %s\n", t->name,
           t->hardware_id, t->version, (unsigned long long)t->security_version,
           (unsigned long long)t->length, state);
    printf("    sha256 %s\n    fixes: %s\n    risks mitigated: %s\n", hex, t->notice.fixes,
           t->notice.risks_mitigated);
    if (t->notice.interrupts_function)
        printf("    installing interrupts the basic function for up to %u s\n",
               t->notice.interruption_seconds);
    else
        printf("    installing does not interrupt the basic function\n");
}

static void print_text(const char *dir, const struct release_report *r)
{
    char at[21];

    time_text(r->at, at);
    printf("repository %s (checked at %s)\n", dir, at);
    if (r->has_root) {
        printf("roles (root chain 1..%llu):\n", (unsigned long long)r->root.header.version);
        for (int role = 0; role < KEEL_UPDATE_ROLES; role++)
            print_role(r, (keel_update_role)role);
    }
    if (r->has_targets) {
        printf("targets v%llu: %zu\n", (unsigned long long)r->targets.header.version,
               r->targets.ntargets);
        for (size_t i = 0; i < r->targets.ntargets; i++)
            print_target(&r->targets.targets[i], file_states[r->files[i]]);
    }
    if (r->has_staged)
        printf("staged: targets v%llu (%zu targets), not served until 'keel release publish'\n",
               (unsigned long long)r->staged.header.version, r->staged.ntargets);
    for (size_t i = 0; i < r->nwarnings; i++)
        printf("warning: %s\n", r->warnings[i]);
    for (size_t i = 0; i < r->nproblems; i++)
        printf("problem: %s\n", r->problems[i]);
    if (r->nproblems == 0)
        printf("consistent\n");
    else
        printf("%zu problem%s\n", r->nproblems, r->nproblems == 1 ? "" : "s");
}

static cJSON *role_json(const struct release_report *r, keel_update_role role)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *ids = cJSON_CreateArray();
    char when[21];

    time_text(r->headers[role].expires, when);
    cJSON_AddNumberToObject(o, "version", (double)r->headers[role].version);
    cJSON_AddStringToObject(o, "expires", when);
    cJSON_AddNumberToObject(o, "threshold", r->root.roles[role].threshold);
    for (size_t i = 0; i < r->root.roles[role].nkeyids; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateString(r->root.roles[role].keyids[i]));
    cJSON_AddItemToObject(o, "keyids", ids);
    return o;
}

static cJSON *target_json(const keel_update_target *t, const char *state)
{
    cJSON *o = cJSON_CreateObject();
    char hex[KEEL_UPDATE_KEYID_SIZE];

    if (keel_hex_encode(t->sha256, 32, hex, sizeof(hex)) != KEEL_OK)
        hex[0] = '\0';
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddNumberToObject(o, "length", (double)t->length);
    cJSON_AddStringToObject(o, "sha256", hex);
    cJSON_AddStringToObject(o, "hardware_id", t->hardware_id);
    cJSON_AddStringToObject(o, "version", t->version);
    cJSON_AddNumberToObject(o, "security_version", (double)t->security_version);
    cJSON_AddStringToObject(o, "fixes", t->notice.fixes);
    cJSON_AddStringToObject(o, "risks_mitigated", t->notice.risks_mitigated);
    cJSON_AddBoolToObject(o, "interrupts_function", t->notice.interrupts_function);
    cJSON_AddNumberToObject(o, "interruption_seconds", t->notice.interruption_seconds);
    cJSON_AddStringToObject(o, "file", state);
    return o;
}

static cJSON *messages_json(const char (*msgs)[RELEASE_MSG_MAX], size_t n)
{
    cJSON *a = cJSON_CreateArray();

    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(msgs[i]));
    return a;
}

static cJSON *staged_json(const struct release_report *r)
{
    cJSON *staged;

    if (!r->has_staged)
        return cJSON_CreateNull();
    staged = cJSON_CreateObject();
    cJSON_AddNumberToObject(staged, "version", (double)r->staged.header.version);
    cJSON_AddNumberToObject(staged, "targets", (double)r->staged.ntargets);
    return staged;
}

static cJSON *report_json(const char *dir, const struct release_report *r)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *roles = cJSON_CreateObject();
    cJSON *targets = cJSON_CreateArray();
    char at[21];

    time_text(r->at, at);
    cJSON_AddStringToObject(doc, "repository", dir);
    cJSON_AddStringToObject(doc, "checked_at", at);
    cJSON_AddBoolToObject(doc, "consistent", r->nproblems == 0);
    for (int role = 0; role < KEEL_UPDATE_ROLES; role++) {
        if (r->has_header[role])
            cJSON_AddItemToObject(roles, keel_update_role_name((keel_update_role)role),
                                  role_json(r, (keel_update_role)role));
    }
    cJSON_AddItemToObject(doc, "roles", roles);
    for (size_t i = 0; r->has_targets && i < r->targets.ntargets; i++)
        cJSON_AddItemToArray(targets,
                             target_json(&r->targets.targets[i], file_states[r->files[i]]));
    cJSON_AddItemToObject(doc, "targets", targets);
    cJSON_AddItemToObject(doc, "staged", staged_json(r));
    cJSON_AddItemToObject(doc, "warnings", messages_json(r->warnings, r->nwarnings));
    cJSON_AddItemToObject(doc, "problems", messages_json(r->problems, r->nproblems));
    return doc;
}

static int print_json(const char *dir, const struct release_report *r)
{
    cJSON *doc = report_json(dir, r);
    char *text = doc != NULL ? cJSON_Print(doc) : NULL;

    cJSON_Delete(doc);
    if (text == NULL) {
        fprintf(stderr, "keel %s: out of memory\n", CMD);
        return CLI_EXIT_ERROR;
    }
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

int release_status(int argc, char **argv)
{
    struct options o;
    struct release_report *r;
    int64_t at = (int64_t)time(NULL);
    struct stat st;
    int rc;

    memset(&o, 0, sizeof(o));
    if ((rc = parse(argc, argv, &o)) != CLI_EXIT_OK || o.help) {
        if (o.help)
            usage(stdout);
        return rc;
    }
    if (o.at != NULL && release_time_arg(o.at, &at) != KEEL_OK)
        return cli_usage_error(CMD, "--at '%s': YYYY-MM-DDTHH:MM:SSZ", o.at);
    if (o.repo == NULL || stat(o.repo, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "keel %s: %s: no such repository directory\n", CMD, o.repo);
        return CLI_EXIT_ERROR;
    }
    if ((r = calloc(1, sizeof(*r))) == NULL || release_verify(o.repo, at, r) != KEEL_OK) {
        fprintf(stderr, "keel %s: %s: out of memory\n", CMD, o.repo);
        release_report_free(r);
        free(r);
        return CLI_EXIT_ERROR;
    }
    rc = o.json ? print_json(o.repo, r) : (print_text(o.repo, r), CLI_EXIT_OK);
    if (rc == CLI_EXIT_OK && r->nproblems > 0) {
        fprintf(stderr, "keel %s: %s: %zu problem%s\n", CMD, o.repo, r->nproblems,
                r->nproblems == 1 ? "" : "s");
        rc = CLI_EXIT_FAILED;
    }
    release_report_free(r);
    free(r);
    return rc;
}
