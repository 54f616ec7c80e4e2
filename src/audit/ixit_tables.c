/* The 29 IXIT tables of TS 103 701 (1-AuthMech .. 29-InpVal) as data: one spec per table, the
 * fields of its entries, and one generic validator that walks a table present in the IXIT
 * and refuses the first field that breaks its spec, naming it in full
 * ("security_parameters[2].lifecycle.storage: required string"). A table the IXIT leaves out
 * is not an error: the conceptual test cases that read it are INCONCLUSIVE and name it.
 *
 * What is checked here is the tables' shape (types, required members, enumerations, ranges,
 * bounds); whether the answers are good enough (an update mechanism that exists, a key that is
 * unique, an input that is validated) is for the conceptual test cases, which report it as a
 * FAIL with the reason rather than refusing the file. data/schemas/ixit.schema.json says the
 * same, and tests/unit/audit/test_ixit_tables.c holds the two to each other. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ixit_int.h"

#define ID KEEL_AUDIT_IXIT_ID_LEN
#define TEXT KEEL_AUDIT_IXIT_TEXT_LEN
#define PROSE KEEL_AUDIT_IXIT_PROSE_LEN

/* A field of an entry, by kind; the macros keep the table below one line per field. */
#define F_STR(n, mx_, req)                                                                         \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_STRING, .required = (req), .max = (mx_)               \
    }
#define F_STR_NULL(n, mx_)                                                                         \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_STRING, .required = 1, .max = (mx_), .nullable = 1    \
    }
#define F_BOOL(n, req)                                                                             \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_BOOL, .required = (req)                               \
    }
#define F_INT(n, lo, hi)                                                                           \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_INTEGER, .required = 1, .min = (lo), .max_int = (hi)  \
    }
#define F_INT_NULL(n, lo, hi)                                                                      \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_INTEGER, .required = 1, .min = (lo), .max_int = (hi), \
        .nullable = 1                                                                              \
    }
#define F_ENUM(n, c)                                                                               \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_ENUM, .required = 1, .choices = (c)                   \
    }
#define F_STRS(n, it_, mx_)                                                                        \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_STRINGS, .required = 1, .items = (it_), .max = (mx_)  \
    }
#define F_OBJ(n, f)                                                                                \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_OBJECT, .required = 1, .fields = (f)                  \
    }
#define F_OBJS(n, it_, f)                                                                          \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_OBJECTS, .required = 1, .items = (it_), .fields = (f) \
    }
#define F_ANY_OBJ(n, null)                                                                         \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_ANY_OBJECT, .required = 1, .nullable = (null)         \
    }
#define F_ANY_ARRAY(n, it_)                                                                        \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_ANY_ARRAY, .required = 1, .items = (it_)              \
    }
/* Required only when another field of the same entry has (or, with not_, has not) a value. */
#define F_STR_IF(n, mx_, f, v, not_)                                                               \
    {                                                                                              \
        .name = (n), .kind = KEEL_AUDIT_IXIT_STRING, .max = (mx_), .if_field = (f),                \
        .if_value = (v), .if_not = (not_)                                                          \
    }
#define F_END                                                                                      \
    {                                                                                              \
        .name = NULL                                                                               \
    }
#define ID_DESC F_STR("id", ID, 1), F_STR("description", PROSE, 1)

static const char *const auth_kinds[] = {"password", "pin",   "token", "certificate",
                                         "key",      "other", NULL};
static const char *const users[] = {"user", "machine", NULL};
static const char *const credentials[] = {"user_defined", "unique_per_device", "none", NULL};
static const char *const deliveries[] = {"network", "local", NULL};
static const char *const param_kinds[] = {"private_key", "secret_key", "public_key", "certificate",
                                          "password",    "seed",       "other",      NULL};
static const char *const param_purposes[] = {
    "identity",  "update_integrity",     "service_communication",
    "user_data", "local_authentication", "other",
    NULL};
static const char *const ui_kinds[] = {"web", "app", "physical", "voice", "other", NULL};
static const char *const directions[] = {"inbound", "outbound", NULL};
static const char *const transports[] = {"tcp", "udp", NULL};
static const char *const legal_bases[] = {"contract", "consent", "legitimate_interest",
                                          "legal_obligation", NULL};

static const keel_audit_ixit_field auth_mechanisms[] = {
    ID_DESC,
    F_ENUM("kind", auth_kinds),
    F_ENUM("used_by", users),
    F_STR("interface", TEXT, 1),
    F_ENUM("credential", credentials),
    F_STR_IF("generation", PROSE, "credential", "user_defined", 1),
    F_STR("crypto", PROSE, 1),
    F_STR("brute_force", PROSE, 1),
    F_END};

static const keel_audit_ixit_field documents[] = {F_STR("title", TEXT, 1), F_STR("path", TEXT, 1),
                                                  F_END};
static const keel_audit_ixit_field user_info[] = {F_OBJS("documents", 16, documents), F_END};

static const keel_audit_ixit_field vulnerability_types[] = {ID_DESC, F_STR("action", PROSE, 1),
                                                            F_END};

static const keel_audit_ixit_field confirmations[] = {
    {.name = "provision", .kind = KEEL_AUDIT_IXIT_PROVISION, .required = 1},
    F_STR("statement", PROSE, 1),
    F_END};

static const keel_audit_ixit_field vulnerability_monitoring[] = {
    ID_DESC, F_STRS("sources", 16, TEXT), F_END};

static const keel_audit_ixit_field software_components[] = {
    F_STR("name", TEXT, 1),           F_STR("version", TEXT, 1),
    F_BOOL("updatable", 1),           F_STR_IF("update_mechanism", ID, "updatable", "true", 0),
    F_STR("justification", PROSE, 0), F_END};

static const keel_audit_ixit_field update_mechanisms[] = {ID_DESC,
                                                          F_ENUM("delivery", deliveries),
                                                          F_BOOL("automatic", 1),
                                                          F_INT("user_steps", 0, 100),
                                                          F_STR("authenticity", PROSE, 1),
                                                          F_STR("integrity", PROSE, 1),
                                                          F_STR("confidentiality", PROSE, 0),
                                                          F_END};

static const keel_audit_ixit_field update_procedures[] = {
    ID_DESC, F_INT("security_fix_days", 1, 3650), F_STR("notification", PROSE, 1), F_END};

static const keel_audit_ixit_field replacement_support[] = {ID_DESC, F_STR("isolation", PROSE, 1),
                                                            F_STR("replacement", PROSE, 1), F_END};

static const keel_audit_ixit_field lifecycle[] = {
    F_STR("generation", PROSE, 1),  F_STR("provisioning", PROSE, 1),
    F_STR("storage", PROSE, 1),     F_STR("use", PROSE, 1),
    F_STR("update", PROSE, 1),      F_STR("revocation", PROSE, 1),
    F_STR("destruction", PROSE, 1), F_END};

static const keel_audit_ixit_field security_parameters[] = {
    ID_DESC,
    F_ENUM("kind", param_kinds),
    F_ENUM("purpose", param_purposes),
    F_BOOL("unique_per_device", 1),
    F_STR("generation", PROSE, 1),
    F_STR("storage", PROSE, 1),
    F_STR_IF("tamper_protection", PROSE, "purpose", "identity", 0),
    F_BOOL("leaves_device", 1),
    F_STR_IF("transit_protection", PROSE, "leaves_device", "true", 0),
    F_OBJ("lifecycle", lifecycle),
    F_END};

static const keel_audit_ixit_field communication_mechanisms[] = {
    F_STR("id", ID, 1),
    F_STR("description", PROSE, 0),
    F_STR("interface", TEXT, 1),
    F_STR("protocol", TEXT, 1),
    F_STR("security", PROSE, 1),
    F_STRS("carries", 64, KEEL_AUDIT_IXIT_CARRY_LEN),
    F_END};

static const keel_audit_ixit_field network_security[] = {ID_DESC, F_STR("implementation", TEXT, 1),
                                                         F_STR("evaluation", PROSE, 1), F_END};

static const keel_audit_ixit_field software_services[] = {ID_DESC, F_STR("interface", TEXT, 1),
                                                          F_BOOL("enabled_by_default", 1),
                                                          F_STR("authentication", PROSE, 1), F_END};

static const keel_audit_ixit_field security_management[] = {F_STR("parameter", ID, 1),
                                                            F_STR("process", PROSE, 1), F_END};

static const keel_audit_ixit_field interfaces[] = {
    F_STR("id", ID, 1),        F_ENUM("direction", directions),  F_ENUM("transport", transports),
    F_STR("address", 253, 1),  F_INT("port", 1, 65535),          F_STR("protocol", TEXT, 1),
    F_STR("purpose", TEXT, 1), F_STR("authentication", TEXT, 1), F_END};

static const keel_audit_ixit_field code_minimisation[] = {ID_DESC, F_STR("measure", PROSE, 1),
                                                          F_END};

static const keel_audit_ixit_field privilege_control[] = {ID_DESC, F_STR("component", TEXT, 1),
                                                          F_STR("privileges", PROSE, 1), F_END};

static const keel_audit_ixit_field access_control[] = {ID_DESC, F_STR("mechanism", PROSE, 1),
                                                       F_END};

static const keel_audit_ixit_field secure_development[] = {ID_DESC, F_STR("evidence", PROSE, 1),
                                                           F_END};

static const keel_audit_ixit_field secure_boot[] = {ID_DESC, F_STR("verifies", PROSE, 1),
                                                    F_STR("when", PROSE, 1),
                                                    F_STR("on_failure", PROSE, 1), F_END};

static const keel_audit_ixit_field personal_datum[] = {F_STR("id", ID, 1),
                                                       F_STR("datum", TEXT, 1),
                                                       F_STR("purpose", TEXT, 1),
                                                       F_ENUM("legal_basis", legal_bases),
                                                       F_STR("retention", TEXT, 1),
                                                       F_INT_NULL("retention_days", 0, 36500),
                                                       F_STRS("recipients", 16, 127),
                                                       F_STR("stored", TEXT, 1),
                                                       F_BOOL("sealed", 1),
                                                       F_STR_NULL("consent_purpose", ID),
                                                       F_BOOL("sensitive", 0),
                                                       F_END};
static const keel_audit_ixit_field consent_purpose[] = {
    F_STR("purpose", ID, 1), F_STR("description", TEXT, 1), F_BOOL("default", 1),
    F_STR("route", 255, 1), F_END};
static const keel_audit_ixit_field personal_data[] = {
    F_STR("controller", TEXT, 1), F_OBJS("data", 64, personal_datum),
    F_OBJS("consent", 16, consent_purpose), F_END};

static const keel_audit_ixit_field sensing[] = {
    F_STR("capability", TEXT, 1), F_STR("what", TEXT, 1), F_STR("documented_in", TEXT, 1), F_END};

static const keel_audit_ixit_field resilience_mechanisms[] = {ID_DESC, F_STR("threat", PROSE, 1),
                                                              F_STR("behaviour", PROSE, 1), F_END};

static const keel_audit_ixit_field telemetry_field[] = {
    F_STR("name", ID, 1), F_STR("meaning", TEXT, 1), F_BOOL("personal", 1),
    F_STR("justification", TEXT, 0), F_END};
static const keel_audit_ixit_field telemetry[] = {
    F_STR("topic", 255, 1),        F_STR("recipient", TEXT, 1),           F_STR("purpose", TEXT, 1),
    F_STR("examined_by", TEXT, 1), F_OBJS("fields", 64, telemetry_field), F_END};

/* The requests of 25-DelFunc are checked member by member by ixit_privacy.c. */
static const keel_audit_ixit_field deletion[] = {
    F_ANY_OBJ("reset", 0), F_ANY_ARRAY("user_data", 16), F_ANY_OBJ("service", 1),
    F_STR("instructions", TEXT, 1), F_END};

static const keel_audit_ixit_field user_decisions[] = {ID_DESC, F_STR("default", PROSE, 1),
                                                       F_STR("how", PROSE, 1), F_END};

static const keel_audit_ixit_field user_interfaces[] = {
    F_STR("id", ID, 1), F_STR("description", PROSE, 0), F_ENUM("kind", ui_kinds),
    F_STRS("inputs", 64, 255), F_END};

static const keel_audit_ixit_field external_apis[] = {ID_DESC, F_STR("interface", TEXT, 1),
                                                      F_STR("authentication", PROSE, 1), F_END};

static const keel_audit_ixit_field input_validation[] = {
    F_STR("interface", ID, 1), F_STR("input", 255, 1), F_STR("validation", PROSE, 1), F_END};

#define ARRAY(num, nm, key, items, f)                                                              \
    {                                                                                              \
        num, nm, key, KEEL_AUDIT_IXIT_TABLE_ARRAY, 0, items, f                                     \
    }
#define OBJECT(num, nm, key, null, f)                                                              \
    {                                                                                              \
        num, nm, key, KEEL_AUDIT_IXIT_TABLE_OBJECT, null, 0, f                                     \
    }

static const keel_audit_ixit_table tables[KEEL_AUDIT_IXIT_TABLES] = {
    ARRAY(1, "1-AuthMech", "auth_mechanisms", 64, auth_mechanisms),
    OBJECT(2, "2-UserInfo", "user_info", 0, user_info),
    ARRAY(3, "3-VulnTypes", "vulnerability_types", 64, vulnerability_types),
    ARRAY(4, "4-Conf", "confirmations", 128, confirmations),
    ARRAY(5, "5-VulnMon", "vulnerability_monitoring", 32, vulnerability_monitoring),
    ARRAY(6, "6-SoftComp", "software_components", 256, software_components),
    ARRAY(7, "7-UpdMech", "update_mechanisms", 16, update_mechanisms),
    ARRAY(8, "8-UpdProc", "update_procedures", 16, update_procedures),
    ARRAY(9, "9-ReplSup", "replacement_support", 16, replacement_support),
    ARRAY(10, "10-SecParam", "security_parameters", 64, security_parameters),
    ARRAY(11, "11-ComMech", "communication_mechanisms", 32, communication_mechanisms),
    ARRAY(12, "12-NetSecImpl", "network_security", 32, network_security),
    ARRAY(13, "13-SoftServ", "software_services", 64, software_services),
    ARRAY(14, "14-SecMgmt", "security_management", 64, security_management),
    ARRAY(15, "15-Intf", "interfaces", 64, interfaces),
    ARRAY(16, "16-CodeMin", "code_minimisation", 32, code_minimisation),
    ARRAY(17, "17-PrivlCtrl", "privilege_control", 32, privilege_control),
    ARRAY(18, "18-AccCtrl", "access_control", 32, access_control),
    ARRAY(19, "19-SecDev", "secure_development", 32, secure_development),
    ARRAY(20, "20-SecBoot", "secure_boot", 16, secure_boot),
    OBJECT(21, "21-PersData", "personal_data", 0, personal_data),
    ARRAY(22, "22-ExtSens", "sensing", 32, sensing),
    ARRAY(23, "23-ResMech", "resilience_mechanisms", 32, resilience_mechanisms),
    OBJECT(24, "24-TelData", "telemetry", 1, telemetry),
    OBJECT(25, "25-DelFunc", "deletion", 0, deletion),
    ARRAY(26, "26-UserDec", "user_decisions", 32, user_decisions),
    ARRAY(27, "27-UserIntf", "user_interfaces", 16, user_interfaces),
    ARRAY(28, "28-ExtAPI", "external_apis", 32, external_apis),
    ARRAY(29, "29-InpVal", "input_validation", 256, input_validation),
};

const keel_audit_ixit_table *keel_audit_ixit_tables(size_t *n)
{
    if (n != NULL)
        *n = KEEL_AUDIT_IXIT_TABLES;
    return tables;
}

const keel_audit_ixit_table *keel_audit_ixit_table_named(const char *key)
{
    for (size_t i = 0; key != NULL && i < KEEL_AUDIT_IXIT_TABLES; i++) {
        if (strcmp(tables[i].key, key) == 0)
            return &tables[i];
    }
    return NULL;
}

/* ---- the validator ---- */

/* The path of what is being looked at: "security_parameters[2].lifecycle". */
typedef struct walk {
    keel_audit_ixit_parser *p;
    char path[KEEL_AUDIT_IXIT_PATH_MAX];
} walk;

KEEL_PRINTF(4, 5)
static keel_err refuse(walk *w, keel_err err, const char *field, const char *fmt, ...)
{
    char rule[KEEL_AUDIT_IXIT_WHY_MAX], full[KEEL_AUDIT_IXIT_PATH_MAX + 64];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(rule, sizeof(rule), fmt, ap) < 0)
        rule[0] = '\0';
    va_end(ap);
    if (snprintf(full, sizeof(full), "%s%s%s", w->path, w->path[0] != '\0' && field[0] ? "." : "",
                 field) < 0)
        full[0] = '\0';
    w->p->where[0] = '\0';
    return keel_audit_ixit_refuse(w->p, err, full, "%s", rule);
}

/* Append ".name" or "[i]" to the path; its old length into *mark, to be put back. */
static keel_err push(walk *w, size_t *mark, const char *name, long index)
{
    size_t n = strlen(w->path);
    int k = name != NULL
                ? snprintf(w->path + n, sizeof(w->path) - n, "%s%s", n > 0 ? "." : "", name)
                : snprintf(w->path + n, sizeof(w->path) - n, "[%ld]", index);

    *mark = n;
    if (k < 0 || (size_t)k >= sizeof(w->path) - n) {
        w->path[n] = '\0';
        return refuse(w, KEEL_ERR_TOO_LARGE, "", "nested too deep to name");
    }
    return KEEL_OK;
}

static void pop(walk *w, size_t mark)
{
    w->path[mark] = '\0';
}

static const char *type_name(keel_audit_ixit_kind k)
{
    switch (k) {
    case KEEL_AUDIT_IXIT_STRING: return "string";
    case KEEL_AUDIT_IXIT_BOOL: return "boolean";
    case KEEL_AUDIT_IXIT_INTEGER: return "integer";
    case KEEL_AUDIT_IXIT_ENUM: return "string";
    case KEEL_AUDIT_IXIT_PROVISION: return "provision";
    case KEEL_AUDIT_IXIT_STRINGS: return "array of strings";
    case KEEL_AUDIT_IXIT_OBJECT: return "object";
    case KEEL_AUDIT_IXIT_OBJECTS: return "array of objects";
    case KEEL_AUDIT_IXIT_ANY_OBJECT: return "object";
    case KEEL_AUDIT_IXIT_ANY_ARRAY: return "array";
    }
    return "value";
}

/* A non-empty string of at most max bytes without control characters: NULL, or the rule it
 * breaks. */
static const char *text_rule(const cJSON *m, size_t max, char *buf, size_t bufsz)
{
    size_t n;

    if (!cJSON_IsString(m) || m->valuestring == NULL)
        return "must be a string";
    n = strlen(m->valuestring);
    if (n == 0)
        return "must not be empty";
    if (n > max) {
        (void)snprintf(buf, bufsz, "longer than %zu bytes", max);
        return buf;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)m->valuestring[i] < 0x20 || m->valuestring[i] == 0x7f)
            return "must not hold control characters";
    }
    return NULL;
}

/* An EN 303 645 provision ID: 4-1, 5.<clause>-<n>[A-Z], 6-<n>[A-Z] (V2.1.1 and V3.1.3). */
static int digits(const char **s, int max_digits)
{
    int n = 0;

    if (**s < '1' || **s > '9')
        return 0;
    while (n < max_digits && **s >= '0' && **s <= '9') {
        (*s)++;
        n++;
    }
    return 1;
}

int keel_audit_ixit_provision_valid(const char *id)
{
    const char *s = id;

    if (s == NULL)
        return 0;
    if (strcmp(s, "4-1") == 0)
        return 1;
    if (strncmp(s, "5.", 2) == 0) {
        s += 2;
        if (*s == '0')
            s++;
        else if (!digits(&s, 2))
            return 0;
        if (*s++ != '-' || !digits(&s, 2))
            return 0;
    } else if (strncmp(s, "6-", 2) == 0) {
        s += 2;
        if (!digits(&s, 1))
            return 0;
    } else {
        return 0;
    }
    if (*s >= 'A' && *s <= 'Z')
        s++;
    return *s == '\0';
}

/* Recursion as deep as the static specs nest (a table, its entry, an object in it): the input
 * cannot deepen it. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static keel_err check_fields(walk *w, const cJSON *obj, const keel_audit_ixit_field *fields);

static keel_err check_enum(walk *w, const keel_audit_ixit_field *f, const cJSON *m)
{
    char list[KEEL_AUDIT_IXIT_WHY_MAX] = "";
    size_t n = 0;

    for (size_t i = 0; f->choices[i] != NULL; i++) {
        if (cJSON_IsString(m) && strcmp(m->valuestring, f->choices[i]) == 0)
            return KEEL_OK;
        int k = snprintf(list + n, sizeof(list) - n, "%s\"%s\"", i > 0 ? ", " : "", f->choices[i]);
        if (k > 0 && (size_t)k < sizeof(list) - n)
            n += (size_t)k;
    }
    return refuse(w, KEEL_ERR_PARSE, f->name, "must be one of %s", list);
}

static keel_err check_strings(walk *w, const keel_audit_ixit_field *f, const cJSON *m)
{
    char buf[48];
    const cJSON *item;
    long i = 0;

    if (!cJSON_IsArray(m))
        return refuse(w, KEEL_ERR_PARSE, f->name, "must be an array of strings");
    if ((size_t)cJSON_GetArraySize(m) > f->items)
        return refuse(w, KEEL_ERR_TOO_LARGE, f->name, "more than %zu entries", f->items);
    cJSON_ArrayForEach(item, m)
    {
        const char *rule = text_rule(item, f->max, buf, sizeof(buf));
        char at[KEEL_AUDIT_IXIT_NAME_MAX + 24];

        if (rule != NULL) {
            (void)snprintf(at, sizeof(at), "%s[%ld]", f->name, i);
            return refuse(w, strncmp(rule, "longer", 6) == 0 ? KEEL_ERR_TOO_LARGE : KEEL_ERR_PARSE,
                          at, "%s", rule);
        }
        i++;
    }
    return KEEL_OK;
}

/* Recursion as deep as the static specs nest (a table, its entry, an object in it): the input
 * cannot deepen it. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static keel_err check_objects(walk *w, const cJSON *m, size_t max_items, const char *field,
                              const keel_audit_ixit_field *fields)
{
    const cJSON *item;
    size_t mark, inner;
    long i = 0;
    keel_err ret;

    if (!cJSON_IsArray(m))
        return refuse(w, KEEL_ERR_PARSE, field, "must be an array of objects");
    if ((size_t)cJSON_GetArraySize(m) > max_items)
        return refuse(w, KEEL_ERR_TOO_LARGE, field, "more than %zu entries", max_items);
    if (field[0] != '\0' && (ret = push(w, &mark, field, 0)) != KEEL_OK)
        return ret;
    cJSON_ArrayForEach(item, m)
    {
        if ((ret = push(w, &inner, NULL, i++)) != KEEL_OK)
            return ret;
        ret = cJSON_IsObject(item) ? check_fields(w, item, fields)
                                   : refuse(w, KEEL_ERR_PARSE, "", "must be an object");
        if (ret != KEEL_OK)
            return ret;
        pop(w, inner);
    }
    if (field[0] != '\0')
        pop(w, mark);
    return KEEL_OK;
}

/* The value m of field f (present, not an allowed null). */
/* Recursion as deep as the static specs nest (a table, its entry, an object in it): the input
 * cannot deepen it. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static keel_err check_value(walk *w, const keel_audit_ixit_field *f, const cJSON *m)
{
    char buf[48];
    const char *rule;
    size_t mark;
    keel_err ret;
    double d;

    switch (f->kind) {
    case KEEL_AUDIT_IXIT_STRING:
        rule = text_rule(m, f->max, buf, sizeof(buf));
        if (rule == NULL)
            return KEEL_OK;
        return refuse(w, strncmp(rule, "longer", 6) == 0 ? KEEL_ERR_TOO_LARGE : KEEL_ERR_PARSE,
                      f->name, "%s", rule);
    case KEEL_AUDIT_IXIT_BOOL:
        return cJSON_IsBool(m) ? KEEL_OK
                               : refuse(w, KEEL_ERR_PARSE, f->name, "must be true or false");
    case KEEL_AUDIT_IXIT_INTEGER:
        d = cJSON_IsNumber(m) ? m->valuedouble : -1e300;
        if (d >= (double)f->min && d <= (double)f->max_int && d == (double)(long long)d)
            return KEEL_OK;
        return refuse(w, KEEL_ERR_PARSE, f->name, "must be an integer %lld-%lld", f->min,
                      f->max_int);
    case KEEL_AUDIT_IXIT_ENUM: return check_enum(w, f, m);
    case KEEL_AUDIT_IXIT_PROVISION:
        if (cJSON_IsString(m) && keel_audit_ixit_provision_valid(m->valuestring))
            return KEEL_OK;
        return refuse(w, KEEL_ERR_PARSE, f->name,
                      "must be a provision ID of EN 303 645 (5.3-8, 5.13-1A, 6-3B, 4-1)");
    case KEEL_AUDIT_IXIT_STRINGS: return check_strings(w, f, m);
    case KEEL_AUDIT_IXIT_OBJECT:
        if (!cJSON_IsObject(m))
            return refuse(w, KEEL_ERR_PARSE, f->name, "must be an object");
        if ((ret = push(w, &mark, f->name, 0)) != KEEL_OK)
            return ret;
        if ((ret = check_fields(w, m, f->fields)) == KEEL_OK)
            pop(w, mark);
        return ret;
    case KEEL_AUDIT_IXIT_OBJECTS: return check_objects(w, m, f->items, f->name, f->fields);
    case KEEL_AUDIT_IXIT_ANY_OBJECT:
        return cJSON_IsObject(m) ? KEEL_OK
                                 : refuse(w, KEEL_ERR_PARSE, f->name, "must be an object");
    case KEEL_AUDIT_IXIT_ANY_ARRAY:
        if (!cJSON_IsArray(m))
            return refuse(w, KEEL_ERR_PARSE, f->name, "must be an array");
        if ((size_t)cJSON_GetArraySize(m) > f->items)
            return refuse(w, KEEL_ERR_TOO_LARGE, f->name, "more than %zu entries", f->items);
        return KEEL_OK;
    }
    return refuse(w, KEEL_ERR_PARSE, f->name, "has no known kind");
}

/* 1 when f is required in obj: always, or because of another member's value. */
static int required_here(const keel_audit_ixit_field *f, const cJSON *obj)
{
    const cJSON *c;
    int match;

    if (f->required)
        return 1;
    if (f->if_field == NULL)
        return 0;
    c = cJSON_GetObjectItemCaseSensitive(obj, f->if_field);
    if (c == NULL)
        return 0; /* the condition's own field is missing: refused as such when required */
    if (strcmp(f->if_value, "true") == 0)
        match = cJSON_IsTrue(c);
    else
        match = cJSON_IsString(c) && strcmp(c->valuestring, f->if_value) == 0;
    return f->if_not ? !match : match;
}

/* NOLINTNEXTLINE(misc-no-recursion) */
static keel_err check_fields(walk *w, const cJSON *obj, const keel_audit_ixit_field *fields)
{
    keel_err ret;

    for (const keel_audit_ixit_field *f = fields; f->name != NULL; f++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, f->name);

        if (m == NULL) {
            if (!required_here(f, obj))
                continue;
            if (f->if_field == NULL)
                return refuse(w, KEEL_ERR_PARSE, f->name, "required %s", type_name(f->kind));
            return refuse(w, KEEL_ERR_PARSE, f->name, "required %s when %s is %s%s%s%s",
                          type_name(f->kind), f->if_field, f->if_not ? "not " : "",
                          strcmp(f->if_value, "true") == 0 ? "" : "\"", f->if_value,
                          strcmp(f->if_value, "true") == 0 ? "" : "\"");
        }
        if (f->nullable && cJSON_IsNull(m))
            continue;
        if ((ret = check_value(w, f, m)) != KEEL_OK)
            return ret;
    }
    return KEEL_OK;
}

keel_err keel_audit_ixit_table_check(keel_audit_ixit_parser *p, const keel_audit_ixit_table *t,
                                     const cJSON *value)
{
    walk w = {.p = p};
    keel_err ret;

    (void)keel_str_copy(w.path, sizeof(w.path), t->key);
    if (t->shape == KEEL_AUDIT_IXIT_TABLE_ARRAY) {
        w.path[0] = '\0';
        return check_objects(&w, value, t->max_items, t->key, t->fields);
    }
    if (t->nullable && cJSON_IsNull(value))
        return KEEL_OK;
    if (!cJSON_IsObject(value))
        return refuse(&w, KEEL_ERR_PARSE, "",
                      t->nullable ? "must be an object or null" : "must be an object");
    ret = check_fields(&w, value, t->fields);
    return ret;
}

keel_err keel_audit_ixit_tables_validate(keel_audit_ixit_parser *p, const cJSON *root)
{
    keel_err ret;

    for (size_t i = 0; i < KEEL_AUDIT_IXIT_TABLES; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, tables[i].key);

        if (v != NULL && (ret = keel_audit_ixit_table_check(p, &tables[i], v)) != KEEL_OK)
            return ret;
    }
    return KEEL_OK;
}
