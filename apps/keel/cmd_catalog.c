/*
 * keel catalog: list the provisions of EN 303 645 (V3.1.3 by default, or V2.1.1), all or
 * only the mandatory or recommended ones, as a table grouped by clause or as JSON for tools.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "keel/catalog.h"

#define TEXT_WIDTH 100
#define ID_WIDTH 9
#define STATUS_WIDTH 15
#define TEXT_INDENT (2 + ID_WIDTH + STATUS_WIDTH)

typedef enum filter { FILTER_ALL, FILTER_MANDATORY, FILTER_RECOMMENDED } filter;
typedef enum format { FORMAT_TEXT, FORMAT_JSON } format;

typedef struct options {
    keel_catalog_version version;
    filter which;
    format fmt;
    int help;
} options;

static void usage(FILE *to)
{
    fprintf(to, "usage: keel catalog [--version 2.1.1|3.1.3] [--mandatory | --recommended]\n"
                "                    [--format text|json]\n\n"
                "List the provisions of ETSI EN 303 645 with their status (M mandatory, R\n"
                "recommended; C (n) conditional, F (x) feature-dependent), the condition or\n"
                "feature they depend on, and what each one asks for.\n\n"
                "  --version V     2.1.1 or 3.1.3 (default 3.1.3)\n"
                "  --mandatory     only the mandatory provisions\n"
                "  --recommended   only the recommended provisions\n"
                "  --format F      text (default) or json\n"
                "  --help          this text\n");
}

static int set_filter(options *o, filter f, const char *arg)
{
    if (o->which != FILTER_ALL && o->which != f)
        return cli_usage_error("catalog", "%s and %s exclude each other",
                               o->which == FILTER_MANDATORY ? "--mandatory" : "--recommended", arg);
    o->which = f;
    return CLI_EXIT_OK;
}

static int set_format(options *o, const char *v)
{
    if (strcmp(v, "text") == 0)
        o->fmt = FORMAT_TEXT;
    else if (strcmp(v, "json") == 0)
        o->fmt = FORMAT_JSON;
    else
        return cli_usage_error("catalog", "unknown format '%s' (choose text or json)", v);
    return CLI_EXIT_OK;
}

static int parse_options(options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"version", required_argument, NULL, 'v'}, {"format", required_argument, NULL, 'f'},
        {"mandatory", no_argument, NULL, 'm'},     {"recommended", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;
    int rc = CLI_EXIT_OK;

    *o = (options){.version = KEEL_CATALOG_DEFAULT, .which = FILTER_ALL, .fmt = FORMAT_TEXT};
    optind = 1;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (keel_catalog_version_parse(optarg, &o->version) != KEEL_OK)
                rc = cli_usage_error("catalog", "unknown version '%s' (choose 2.1.1 or 3.1.3)",
                                     optarg);
            break;
        case 'f': rc = set_format(o, optarg); break;
        case 'm': rc = set_filter(o, FILTER_MANDATORY, "--mandatory"); break;
        case 'r': rc = set_filter(o, FILTER_RECOMMENDED, "--recommended"); break;
        case 'h': o->help = 1; break;
        default: rc = cli_option_error("catalog", c, argv);
        }
    }
    if (rc == CLI_EXIT_OK && optind < argc)
        rc = cli_usage_error("catalog", "unknown argument '%s'", argv[optind]);
    return rc;
}

static int listed(const options *o, const keel_provision *p)
{
    return o->which == FILTER_ALL || (o->which == FILTER_MANDATORY) == (p->mandatory != 0);
}

typedef struct tally {
    size_t count;
    size_t mandatory;
} tally;

static tally count_listed(const options *o)
{
    tally t = {0, 0};
    const keel_provision *p;

    for (size_t i = 0; (p = keel_catalog_at(o->version, i)) != NULL; i++) {
        if (listed(o, p)) {
            t.count++;
            t.mandatory += p->mandatory != 0;
        }
    }
    return t;
}

/* ---- JSON ---- */

static cJSON *provision_json(const keel_provision *p)
{
    cJSON *obj = cJSON_CreateObject();

    if (obj == NULL || cJSON_AddStringToObject(obj, "id", p->id) == NULL ||
        cJSON_AddStringToObject(obj, "section", p->section) == NULL ||
        cJSON_AddStringToObject(obj, "status", p->status) == NULL ||
        cJSON_AddBoolToObject(obj, "mandatory", p->mandatory != 0) == NULL ||
        cJSON_AddStringToObject(obj, "condition", p->condition) == NULL ||
        cJSON_AddStringToObject(obj, "requirement", p->requirement) == NULL) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *catalog_json(const options *o)
{
    tally t = count_listed(o);
    cJSON *root = cJSON_CreateObject();
    cJSON *list = NULL;
    const keel_provision *p;

    if (root == NULL || cJSON_AddStringToObject(root, "standard", "ETSI EN 303 645") == NULL ||
        cJSON_AddStringToObject(root, "version", keel_catalog_version_name(o->version)) == NULL ||
        cJSON_AddNumberToObject(root, "count", (double)t.count) == NULL ||
        cJSON_AddNumberToObject(root, "mandatory", (double)t.mandatory) == NULL ||
        cJSON_AddNumberToObject(root, "recommended", (double)(t.count - t.mandatory)) == NULL ||
        (list = cJSON_AddArrayToObject(root, "provisions")) == NULL)
        goto fail;
    for (size_t i = 0; (p = keel_catalog_at(o->version, i)) != NULL; i++) {
        cJSON *item;
        if (!listed(o, p))
            continue;
        if ((item = provision_json(p)) == NULL)
            goto fail;
        cJSON_AddItemToArray(list, item);
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

static int print_json(const options *o)
{
    cJSON *root = catalog_json(o);
    char *text = root != NULL ? cJSON_Print(root) : NULL;
    int rc = CLI_EXIT_ERROR;

    if (text == NULL) {
        fprintf(stderr, "keel catalog: out of memory\n");
        goto out;
    }
    if (puts(text) == EOF)
        goto out;
    rc = CLI_EXIT_OK;
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

/* ---- text ---- */

/* Print s from the current column (indent) on, breaking lines between words so that no line
 * passes TEXT_WIDTH; a word longer than a line is printed whole. */
static void print_wrapped(const char *s, size_t indent)
{
    size_t col = indent;

    while (*s != '\0') {
        size_t word = strcspn(s, " ");
        if (col > indent && col + 1 + word > TEXT_WIDTH) {
            printf("\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)word, s);
        col += word;
        s += word;
        s += strspn(s, " ");
    }
    putchar('\n');
}

static void print_provision(const keel_provision *p)
{
    printf("  %-*s%-*s", ID_WIDTH, p->id, STATUS_WIDTH, p->status);
    if (strlen(p->id) >= ID_WIDTH || strlen(p->status) >= STATUS_WIDTH)
        printf("\n%*s", TEXT_INDENT, "");
    print_wrapped(p->requirement, TEXT_INDENT);
    if (p->condition[0] != '\0') {
        printf("%*sapplies if: ", TEXT_INDENT, "");
        print_wrapped(p->condition, TEXT_INDENT + 12);
    }
}

static int print_text(const options *o)
{
    tally t = count_listed(o);
    const char *section = NULL;
    const keel_provision *p;

    printf("ETSI EN 303 645 V%s: %zu provisions (%zu mandatory, %zu recommended)\n",
           keel_catalog_version_name(o->version), t.count, t.mandatory, t.count - t.mandatory);
    for (size_t i = 0; (p = keel_catalog_at(o->version, i)) != NULL; i++) {
        if (!listed(o, p))
            continue;
        if (section == NULL || strcmp(section, p->section) != 0) {
            const char *title = keel_catalog_section_title(o->version, p->section);
            section = p->section;
            printf("\n%s %s\n", section, title != NULL ? title : "");
        }
        print_provision(p);
    }
    return CLI_EXIT_OK;
}

int cli_catalog(int argc, char **argv)
{
    options o;
    int rc = parse_options(&o, argc, argv);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (o.help) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    rc = o.fmt == FORMAT_JSON ? print_json(&o) : print_text(&o);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "keel catalog: cannot write the output\n");
        return CLI_EXIT_ERROR;
    }
    return rc;
}
