/* The ICS of the device under test (ics.h): Table B.1 of EN 303 645 as the device maker
 * filled it in. The file is untrusted: every size is bounded, every member is known (a
 * misspelt "justifcation" would otherwise vanish), and every refusal names the provision and
 * the member, so that the maker can fix the file. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ics.h"
#include "ixit_int.h"

typedef keel_audit_ixit_parser parse;

#define STANDARD "ETSI EN 303 645"
#define NAME_SHOWN 40 /* bytes of an unknown member's name shown in a refusal */

static const char *const top_members[] = {"$schema", "standard", "version", "device", "provisions"};
static const char *const device_members[] = {"manufacturer", "model", "software_version",
                                             "hardware_version"};
static const char *const provision_members[] = {
    "id", "support", "detail", "justification", "status", "condition", "requirement"};

const char *keel_audit_support_name(keel_audit_support s)
{
    switch (s) {
    case KEEL_AUDIT_SUPPORT_YES: return "Y";
    case KEEL_AUDIT_SUPPORT_NO: return "N";
    case KEEL_AUDIT_SUPPORT_NA: return "N/A";
    }
    return NULL;
}

/* A member name as it may be shown: printable ASCII, '?' for anything else, cut. */
static void shown_name(const char *name, char out[NAME_SHOWN + 4])
{
    size_t n = 0;

    for (; n < NAME_SHOWN && name[n] != '\0'; n++) {
        unsigned char c = (unsigned char)name[n];

        out[n] = '?';
        if (c >= ' ' && c <= '~')
            out[n] = name[n];
    }
    if (n == NAME_SHOWN && name[n] != '\0') {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Every member of obj is one of names[] (n <= 16), none twice. */
static keel_err check_members(parse *p, const cJSON *obj, const char *const *names, size_t n,
                              const char *what)
{
    unsigned seen = 0;
    char name[NAME_SHOWN + 4];

    for (const cJSON *m = obj->child; m != NULL; m = m->next) {
        size_t i = 0;

        while (i < n && strcmp(m->string, names[i]) != 0)
            i++;
        shown_name(m->string, name);
        if (i == n)
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "unknown member (%s)", what);
        if (seen & (1u << i))
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "appears twice");
        seen |= 1u << i;
    }
    return KEEL_OK;
}

/* An optional string member that may be empty ("" when absent), of at most outsz - 1 bytes
 * without control characters. */
static keel_err get_text(parse *p, const cJSON *obj, const char *name, char *out, size_t outsz)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    size_t n;

    out[0] = '\0';
    if (m == NULL)
        return KEEL_OK;
    if (!cJSON_IsString(m) || m->valuestring == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be a string");
    n = strlen(m->valuestring);
    if (n >= outsz)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, name, "longer than %zu bytes",
                                      outsz - 1);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)m->valuestring[i] < 0x20 || m->valuestring[i] == 0x7f)
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name,
                                          "must not hold control characters (one line)");
    }
    return keel_str_copy(out, outsz, m->valuestring);
}

/* A required string member with exactly the value want. */
static keel_err get_exact(parse *p, const cJSON *obj, const char *name, const char *want,
                          const char *rule)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing");
    if (!cJSON_IsString(m) || m->valuestring == NULL || strcmp(m->valuestring, want) != 0)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "%s", rule);
    return KEEL_OK;
}

static keel_err get_version(parse *p, const cJSON *root, keel_catalog_version *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "version");

    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "version", "missing");
    if (cJSON_IsString(m) && m->valuestring != NULL) {
        if (strcmp(m->valuestring, "3.1.3") == 0) {
            *out = KEEL_EN303645_V3_1_3;
            return KEEL_OK;
        }
        if (strcmp(m->valuestring, "2.1.1") == 0) {
            *out = KEEL_EN303645_V2_1_1;
            return KEEL_OK;
        }
    }
    return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "version", "must be \"3.1.3\" or \"2.1.1\"");
}

static keel_err get_device(parse *p, const cJSON *root, keel_audit_ics *ics)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "device");
    keel_err ret;

    if (d == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "device", "missing");
    if (!cJSON_IsObject(d))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "device", "must be an object");
    (void)keel_str_copy(p->where, sizeof(p->where), "device");
    if ((ret =
             check_members(p, d, device_members, sizeof(device_members) / sizeof(device_members[0]),
                           "a device has manufacturer, model, software_version and "
                           "hardware_version")) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, d, "manufacturer", ics->manufacturer,
                                          sizeof(ics->manufacturer))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, d, "model", ics->model, sizeof(ics->model))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, d, "software_version", ics->software_version,
                                          sizeof(ics->software_version))) != KEEL_OK ||
        (ret = get_text(p, d, "hardware_version", ics->hardware_version,
                        sizeof(ics->hardware_version))) != KEEL_OK)
        return ret;
    p->where[0] = '\0';
    return KEEL_OK;
}

static keel_err get_support(parse *p, const cJSON *obj, keel_audit_support *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "support");
    const char *v = cJSON_IsString(m) ? m->valuestring : NULL;

    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "support", "missing");
    for (int s = KEEL_AUDIT_SUPPORT_YES; v != NULL && s <= KEEL_AUDIT_SUPPORT_NA; s++) {
        if (strcmp(v, keel_audit_support_name((keel_audit_support)s)) == 0) {
            *out = (keel_audit_support)s;
            return KEEL_OK;
        }
    }
    return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "support", "must be \"Y\", \"N\" or \"N/A\"%s",
                                  v != NULL && v[0] == '\0' ? " (the template's \"\" is to be "
                                                              "filled in)"
                                                            : "");
}

/* The read-only help members of the template: status must be the catalog's, the others are
 * strings that are not read. */
static keel_err check_help(parse *p, const cJSON *obj, const keel_provision *prov,
                           keel_catalog_version v)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
    static const char *const texts[] = {"condition", "requirement"};

    if (status != NULL && (!cJSON_IsString(status) || status->valuestring == NULL ||
                           strcmp(status->valuestring, prov->status) != 0))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "status",
                                      "is \"%s\" in EN 303 645 V%s (a read-only help member: "
                                      "leave it as keel audit init wrote it, or remove it)",
                                      prov->status, keel_catalog_version_name(v));
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, texts[i]);
        if (m != NULL && !cJSON_IsString(m))
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, texts[i], "must be a string");
    }
    return KEEL_OK;
}

/* The provision's id: in the catalog and not seen before. seen[k] is 1 + the array index
 * that named catalog provision k, 0 when none did. */
static keel_err get_id(parse *p, const cJSON *obj, keel_audit_ics *ics, size_t index, size_t *seen,
                       size_t *k)
{
    char id[KEEL_AUDIT_TEST_ID_MAX];
    const keel_provision *prov;
    keel_err ret = keel_audit_ixit_get_string(p, obj, "id", id, sizeof(id));

    if (ret != KEEL_OK)
        return ret;
    prov = keel_catalog_find(ics->version, id);
    if (prov == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "id",
                                      "\"%s\" is not a provision of EN 303 645 V%s", id,
                                      keel_catalog_version_name(ics->version));
    for (*k = 0; keel_catalog_at(ics->version, *k) != prov; (*k)++)
        ;
    (void)keel_str_format(p->where, sizeof(p->where), "provisions[%zu] (%s)", index, prov->id);
    if (seen[*k] != 0)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "id", "duplicate of provisions[%zu]",
                                      seen[*k] - 1);
    seen[*k] = index + 1;
    return KEEL_OK;
}

static keel_err parse_provision(parse *p, const cJSON *obj, keel_audit_ics *ics, size_t index,
                                size_t *seen)
{
    keel_audit_ics_entry *e;
    keel_err ret;
    size_t k = 0;

    (void)keel_str_format(p->where, sizeof(p->where), "provisions[%zu]", index);
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = get_id(p, obj, ics, index, seen, &k)) != KEEL_OK)
        return ret;
    e = &ics->entries[k];
    e->provision = keel_catalog_at(ics->version, k);
    if ((ret = check_members(p, obj, provision_members,
                             sizeof(provision_members) / sizeof(provision_members[0]),
                             "a provision has id, support, detail, justification, and the "
                             "help members status, condition, requirement")) != KEEL_OK ||
        (ret = get_support(p, obj, &e->support)) != KEEL_OK ||
        (ret = get_text(p, obj, "detail", e->detail, sizeof(e->detail))) != KEEL_OK ||
        (ret = get_text(p, obj, "justification", e->justification, sizeof(e->justification))) !=
            KEEL_OK ||
        (ret = check_help(p, obj, e->provision, ics->version)) != KEEL_OK)
        return ret;
    if (e->support == KEEL_AUDIT_SUPPORT_NA && e->justification[0] == '\0')
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "justification",
                                      "required when support is N/A (say why the condition or "
                                      "feature does not apply)");
    return KEEL_OK;
}

/* Every provision of the version exactly once. */
static keel_err get_provisions(parse *p, const cJSON *root, keel_audit_ics *ics)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "provisions"), *item;
    size_t n = keel_catalog_count(ics->version), index = 0, missing = 0, first = 0;
    size_t *seen;
    keel_err ret = KEEL_OK;

    if (list == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "provisions", "missing");
    if (!cJSON_IsArray(list))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "provisions", "must be an array");
    seen = calloc(n, sizeof(*seen));
    ics->entries = calloc(n, sizeof(*ics->entries));
    if (seen == NULL || ics->entries == NULL) {
        free(seen);
        return KEEL_ERR_NOMEM;
    }
    ics->count = n;
    cJSON_ArrayForEach(item, list)
    {
        if ((ret = parse_provision(p, item, ics, index++, seen)) != KEEL_OK)
            break;
    }
    for (size_t k = 0; ret == KEEL_OK && k < n; k++) {
        if (seen[k] == 0 && missing++ == 0)
            first = k;
    }
    free(seen);
    if (ret != KEEL_OK || missing == 0)
        return ret;
    p->where[0] = '\0';
    return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "provisions",
                                  "%s is missing%s (an ICS lists every provision of EN 303 645 "
                                  "V%s exactly once)",
                                  keel_catalog_at(ics->version, first)->id,
                                  missing > 1 ? ", and more" : "",
                                  keel_catalog_version_name(ics->version));
}

/* Only white space may follow the JSON value. */
static int trailing_space(const char *at, const char *end)
{
    for (; at < end; at++) {
        if (*at != ' ' && *at != '\t' && *at != '\r' && *at != '\n')
            return 0;
    }
    return 1;
}

static keel_err parse_root(parse *p, const cJSON *root, keel_audit_ics *out)
{
    keel_err ret;

    if ((ret = check_members(p, root, top_members, sizeof(top_members) / sizeof(top_members[0]),
                             "an ICS has standard, version, device and provisions")) != KEEL_OK ||
        (ret = get_exact(p, root, "standard", STANDARD, "must be \"" STANDARD "\"")) != KEEL_OK ||
        (ret = get_version(p, root, &out->version)) != KEEL_OK ||
        (ret = get_device(p, root, out)) != KEEL_OK)
        return ret;
    return get_provisions(p, root, out);
}

keel_err keel_audit_ics_parse(const void *text, size_t len, keel_audit_ics *out, char *why,
                              size_t whysz)
{
    parse p = {.why = why, .whysz = whysz};
    const char *end = NULL;
    cJSON *root = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (text == NULL)
        return KEEL_ERR_ARG;
    if (len > KEEL_AUDIT_ICS_FILE_MAX)
        return keel_audit_ixit_refuse(&p, KEEL_ERR_TOO_LARGE, "", "larger than %zu bytes",
                                      KEEL_AUDIT_ICS_FILE_MAX);
    /* cJSON would cut a string at an escaped NUL, so that "Y\u0000..." read as "Y". */
    if (memmem(text, len, "\\u0000", 6) != NULL)
        return keel_audit_ixit_refuse(&p, KEEL_ERR_PARSE, "", "holds an escaped NUL (\\u0000)");
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL || !trailing_space(end, (const char *)text + len)) {
        ret = keel_audit_ixit_refuse(&p, KEEL_ERR_PARSE, "", "%s",
                                     root == NULL ? "not valid JSON"
                                                  : "not valid JSON: something follows the object");
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        ret = keel_audit_ixit_refuse(&p, KEEL_ERR_PARSE, "", "must be a JSON object");
        goto out;
    }
    ret = parse_root(&p, root, out);
out:
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        keel_audit_ics_free(out);
    return ret;
}

keel_err keel_audit_ics_load(const char *path, keel_audit_ics *out, char *why, size_t whysz)
{
    char *buf = NULL;
    size_t len = 0;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (path == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    errno = 0;
    ret = keel_file_read(path, KEEL_AUDIT_ICS_FILE_MAX, &buf, &len);
    if (ret != KEEL_OK) {
        int e = errno;

        if (why != NULL && whysz > 0)
            (void)keel_str_format(why, whysz, "%s",
                                  ret == KEEL_ERR_NOT_FOUND ? "no such file"
                                  : ret != KEEL_ERR_IO      ? keel_strerror(ret)
                                  : e != 0                  ? strerror(e)
                                                            : "not a regular file");
        if (ret == KEEL_ERR_TOO_LARGE && why != NULL && whysz > 0)
            (void)keel_str_format(why, whysz, "larger than %zu bytes", KEEL_AUDIT_ICS_FILE_MAX);
        return ret == KEEL_ERR_NOT_FOUND ? KEEL_ERR_IO : ret;
    }
    ret = keel_audit_ics_parse(buf, len, out, why, whysz);
    keel_file_free(buf, len);
    return ret;
}

void keel_audit_ics_free(keel_audit_ics *ics)
{
    if (ics == NULL)
        return;
    free(ics->entries);
    memset(ics, 0, sizeof(*ics));
}

const keel_audit_ics_entry *keel_audit_ics_find(const keel_audit_ics *ics, const char *id)
{
    if (ics == NULL || id == NULL)
        return NULL;
    for (size_t i = 0; i < ics->count; i++) {
        if (ics->entries[i].provision != NULL && strcmp(ics->entries[i].provision->id, id) == 0)
            return &ics->entries[i];
    }
    return NULL;
}

int keel_audit_ics_na_allowed(const keel_provision *p)
{
    /* "M C (1)", "R C (12)", "M F (a)", "M C F (14, e)": a C or F word after M or R. */
    return p != NULL && p->status != NULL && (p->status[0] == 'M' || p->status[0] == 'R') &&
           p->status[1] == ' ' && (p->status[2] == 'C' || p->status[2] == 'F') &&
           p->status[3] == ' ';
}

int keel_audit_ics_skips(const keel_audit_ics *ics, const char *id)
{
    const keel_audit_ics_entry *e = keel_audit_ics_find(ics, id);

    return e != NULL && e->support == KEEL_AUDIT_SUPPORT_NA &&
           keel_audit_ics_na_allowed(e->provision);
}
