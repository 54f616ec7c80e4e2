/* keel audit list: every TS 103 701 test case keel audit can run for one version of
 * EN 303 645, with the provision it serves, its kind, the inputs it needs and what it checks
 * (src/audit/catalog_tests.c), as a table or as JSON for tools. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog_tests.h"
#include "cli.h"

typedef struct options {
    keel_catalog_version version;
    int json;
} options;

static void usage(FILE *to)
{
    fprintf(to, "usage: keel audit list [--version 3.1.3|2.1.1] [--format text|json]\n\n"
                "Lists the test cases keel audit runs (ETSI TS 103 701 numbering: <provision>-1\n"
                "conceptual, judging what the ICS and IXIT declare; <provision>-2 functional,\n"
                "exercising the device): the provision each serves, its kind, what it needs\n"
                "(a live device at --target, --ics, --ixit and the IXIT members it reads,\n"
                "--password, --labels, --firmware, --device-data) and what it checks.\n"
                "With --ics, a provision declared N/A (where its status allows it) has its test\n"
                "cases recorded N/A (<provision>-1 when none is listed), and a mandatory one\n"
                "declared N has <provision>-1 recorded FAIL. Every provision without a test\n"
                "case is reported NOT TESTED.\n");
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {{"version", required_argument, NULL, 'v'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;

    *o = (options){.version = KEEL_CATALOG_DEFAULT, .json = 0};
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (keel_catalog_version_parse(optarg, &o->version) != KEEL_OK)
                return cli_usage_error("audit list", "--version '%s' is not 3.1.3 or 2.1.1",
                                       optarg);
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
                return cli_usage_error("audit list", "--format takes text or json");
            o->json = strcmp(optarg, "json") == 0;
            break;
        case 'h': usage(stdout); return -1;
        default: return cli_option_error("audit list", c, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("audit list", "unknown argument '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

/* ---- JSON ---- */

static int add_inputs(cJSON *obj, const char *name, unsigned bits)
{
    cJSON *list = cJSON_AddArrayToObject(obj, name);

    for (unsigned bit = 1; list != NULL && bit < (1u << KEEL_AUDIT_INPUT_COUNT); bit <<= 1) {
        cJSON *s;
        if ((bits & bit) == 0)
            continue;
        s = cJSON_CreateString(keel_audit_input_name(bit));
        if (s == NULL || !cJSON_AddItemToArray(list, s)) {
            cJSON_Delete(s);
            return -1;
        }
    }
    return list != NULL ? 0 : -1;
}

static cJSON *test_case_json(const keel_audit_test_case *t)
{
    char prov[KEEL_AUDIT_TEST_ID_MAX];
    cJSON *o = cJSON_CreateObject(), *ixit;

    if (o == NULL || keel_audit_test_case_provision(t->id, prov, sizeof(prov)) != KEEL_OK ||
        cJSON_AddStringToObject(o, "id", t->id) == NULL ||
        cJSON_AddStringToObject(o, "provision", prov) == NULL ||
        cJSON_AddStringToObject(o, "kind", keel_audit_kind_name(t->kind)) == NULL ||
        add_inputs(o, "needs", t->needs) != 0 || add_inputs(o, "optional", t->optional) != 0 ||
        (ixit = cJSON_AddArrayToObject(o, "ixit")) == NULL)
        goto fail;
    for (size_t i = 0; i < KEEL_AUDIT_TEST_IXIT_MAX && t->ixit[i] != NULL; i++) {
        cJSON *s = cJSON_CreateString(t->ixit[i]);
        if (s == NULL || !cJSON_AddItemToArray(ixit, s)) {
            cJSON_Delete(s);
            goto fail;
        }
    }
    if (cJSON_AddStringToObject(o, "checks", t->checks) == NULL)
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static int print_json(const options *o)
{
    cJSON *root = cJSON_CreateObject(), *list = NULL;
    const keel_audit_test_case *t;
    size_t n = 0;
    char *text = NULL;
    int rc = CLI_EXIT_ERROR;

    for (size_t i = 0; (t = keel_audit_test_case_at(i)) != NULL; i++)
        n += (size_t)keel_audit_test_case_in(t, o->version);
    if (root == NULL || cJSON_AddStringToObject(root, "standard", "ETSI EN 303 645") == NULL ||
        cJSON_AddStringToObject(root, "version", keel_catalog_version_name(o->version)) == NULL ||
        cJSON_AddNumberToObject(root, "count", (double)n) == NULL ||
        (list = cJSON_AddArrayToObject(root, "test_cases")) == NULL)
        goto out;
    for (size_t i = 0; (t = keel_audit_test_case_at(i)) != NULL; i++) {
        cJSON *item;
        if (!keel_audit_test_case_in(t, o->version))
            continue;
        if ((item = test_case_json(t)) == NULL || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            goto out;
        }
    }
    if ((text = cJSON_Print(root)) == NULL)
        goto out;
    rc = puts(text) == EOF ? CLI_EXIT_ERROR : CLI_EXIT_OK;
out:
    if (rc != CLI_EXIT_OK)
        fprintf(stderr, "keel audit list: cannot print the list\n");
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

/* ---- text ---- */

/* "live device, --ixit (update), --password; optional: --labels". */
static void print_inputs(const keel_audit_test_case *t)
{
    const char *sep = "";

    for (int pass = 0; pass < 2; pass++) {
        unsigned bits = pass == 0 ? t->needs : t->optional;
        if (pass == 1 && bits != 0) {
            printf("%s", t->needs != 0 ? "; optional: " : "optional: ");
            sep = "";
        }
        for (unsigned bit = 1; bit < (1u << KEEL_AUDIT_INPUT_COUNT); bit <<= 1) {
            if ((bits & bit) == 0)
                continue;
            printf("%s%s", sep, keel_audit_input_name(bit));
            sep = ", ";
            if (bit != KEEL_AUDIT_INPUT_IXIT || t->ixit[0] == NULL)
                continue;
            printf(" (");
            for (size_t i = 0; i < KEEL_AUDIT_TEST_IXIT_MAX && t->ixit[i] != NULL; i++)
                printf("%s%s", i > 0 ? ", " : "", t->ixit[i]);
            printf(")");
        }
    }
    putchar('\n');
}

static int print_text(const options *o)
{
    const keel_audit_test_case *t;
    size_t n[2] = {0, 0};

    for (size_t i = 0; (t = keel_audit_test_case_at(i)) != NULL; i++)
        n[t->kind == KEEL_AUDIT_CONCEPTUAL ? 0 : 1] += keel_audit_test_case_in(t, o->version);
    printf("keel audit: %zu TS 103 701 test cases for EN 303 645 V%s (%zu conceptual, %zu "
           "functional)\n\n%-10s %-9s %-11s %s\n",
           n[0] + n[1], keel_catalog_version_name(o->version), n[0], n[1], "test case", "provision",
           "kind", "needs");
    for (size_t i = 0; (t = keel_audit_test_case_at(i)) != NULL; i++) {
        char prov[KEEL_AUDIT_TEST_ID_MAX];
        if (!keel_audit_test_case_in(t, o->version) ||
            keel_audit_test_case_provision(t->id, prov, sizeof(prov)) != KEEL_OK)
            continue;
        printf("%-10s %-9s %-11s ", t->id, prov, keel_audit_kind_name(t->kind));
        print_inputs(t);
        printf("%-10s %s\n", "", t->checks);
    }
    return CLI_EXIT_OK;
}

int cli_audit_list(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);

    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    rc = o.json ? print_json(&o) : print_text(&o);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "keel audit list: cannot write the output\n");
        return CLI_EXIT_ERROR;
    }
    return rc;
}
