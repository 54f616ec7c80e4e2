/* The 29 IXIT tables of TS 103 701 (src/audit/ixit_tables.c): the C specs against
 * data/schemas/ixit.schema.json (same tables, same fields, same required and conditionally
 * required fields, same enumerations, ranges and bounds, both ways), keeld's shipped answers
 * (docs/conformance/keeld-ixit.json) against the specs, and the validator's refusals through
 * keel_audit_ixit_parse, each naming the field in full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ixit_int.h"

#define PATH_LEN 4096

/* TS 103 701 V1.1.1's tables, in order. */
static const char *const ts_names[KEEL_AUDIT_IXIT_TABLES] = {
    "1-AuthMech",  "2-UserInfo", "3-VulnTypes", "4-Conf",      "5-VulnMon",    "6-SoftComp",
    "7-UpdMech",   "8-UpdProc",  "9-ReplSup",   "10-SecParam", "11-ComMech",   "12-NetSecImpl",
    "13-SoftServ", "14-SecMgmt", "15-Intf",     "16-CodeMin",  "17-PrivlCtrl", "18-AccCtrl",
    "19-SecDev",   "20-SecBoot", "21-PersData", "22-ExtSens",  "23-ResMech",   "24-TelData",
    "25-DelFunc",  "26-UserDec", "27-UserIntf", "28-ExtAPI",   "29-InpVal"};

/* Top-level members of the schema that are not one of the 29 tables: the routes (13-SoftServ's
 * HTTP part) and what the laboratory is given for the functional test cases. */
static const char *const not_tables[] = {"routes",      "update",        "security_txt",
                                         "publication", "consent_check", "outage"};

static cJSON *load_json(const char *relative)
{
    char path[PATH_LEN], *text = NULL;
    size_t len = 0;
    const char *src = getenv("KEEL_SOURCE_DIR");
    cJSON *root;

    assert_non_null(src);
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/%s", src, relative), KEEL_OK);
    assert_int_equal(keel_file_read(path, KEEL_AUDIT_IXIT_FILE_MAX, &text, &len), KEEL_OK);
    root = cJSON_ParseWithLength(text, len);
    keel_file_free(text, len);
    if (root == NULL)
        fail_msg("%s is not JSON", relative);
    return root;
}

/* ---- what a schema node allows, with $ref, oneOf and allOf followed ---- */

enum { T_STR = 1, T_BOOL = 2, T_INT = 4, T_OBJ = 8, T_ARR = 16, T_NULL = 32 };

typedef struct shape {
    unsigned types;
    long long max_len; /* -1: none */
    double min, max;
    int has_min, has_max;
    const cJSON *choices; /* enum */
    const cJSON *object;  /* the schema with "properties" */
    const cJSON *array;   /* the schema with "items" */
    long long max_items;  /* -1: none */
    int provision;
} shape;

static unsigned type_bit(const char *t)
{
    if (strcmp(t, "string") == 0)
        return T_STR;
    if (strcmp(t, "boolean") == 0)
        return T_BOOL;
    if (strcmp(t, "integer") == 0)
        return T_INT;
    if (strcmp(t, "object") == 0)
        return T_OBJ;
    if (strcmp(t, "array") == 0)
        return T_ARR;
    if (strcmp(t, "null") == 0)
        return T_NULL;
    fail_msg("unknown schema type %s", t);
    return 0;
}

static void resolve(const cJSON *schema, const cJSON *node, shape *s, int depth)
{
    const cJSON *m, *b;

    assert_true(depth < 16);
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "$ref")) != NULL) {
        const char *prefix = "#/$defs/";
        assert_true(cJSON_IsString(m) && strncmp(m->valuestring, prefix, strlen(prefix)) == 0);
        const char *def = m->valuestring + strlen(prefix);
        if (strcmp(def, "provision") == 0)
            s->provision = 1;
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(schema, "$defs"), def);
        if (d == NULL)
            fail_msg("$ref %s has no definition", m->valuestring);
        resolve(schema, d, s, depth + 1);
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "type")) != NULL) {
        if (cJSON_IsString(m))
            s->types |= type_bit(m->valuestring);
        else
            cJSON_ArrayForEach(b, m) s->types |= type_bit(b->valuestring);
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "enum")) != NULL) {
        s->types |= T_STR;
        s->choices = m;
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "maxLength")) != NULL &&
        (s->max_len < 0 || m->valuedouble < (double)s->max_len))
        s->max_len = (long long)m->valuedouble;
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "maxItems")) != NULL)
        s->max_items = (long long)m->valuedouble;
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "minimum")) != NULL) {
        s->min = m->valuedouble;
        s->has_min = 1;
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "maximum")) != NULL) {
        s->max = m->valuedouble;
        s->has_max = 1;
    }
    if (cJSON_GetObjectItemCaseSensitive(node, "properties") != NULL)
        s->object = node;
    if (cJSON_GetObjectItemCaseSensitive(node, "items") != NULL)
        s->array = node;
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "oneOf")) != NULL)
        cJSON_ArrayForEach(b, m) resolve(schema, b, s, depth + 1);
    if ((m = cJSON_GetObjectItemCaseSensitive(node, "allOf")) != NULL)
        cJSON_ArrayForEach(b, m)
        {
            if (cJSON_GetObjectItemCaseSensitive(b, "if") == NULL)
                resolve(schema, b, s, depth + 1);
        }
}

static shape shape_of(const cJSON *schema, const cJSON *node)
{
    shape s = {.max_len = -1, .max_items = -1};

    resolve(schema, node, &s, 0);
    return s;
}

static int in_array(const cJSON *array, const char *name)
{
    const cJSON *m;

    cJSON_ArrayForEach(m, array)
    {
        if (cJSON_IsString(m) && strcmp(m->valuestring, name) == 0)
            return 1;
    }
    return 0;
}

static const keel_audit_ixit_field *field_named(const keel_audit_ixit_field *fields,
                                                const char *name)
{
    for (const keel_audit_ixit_field *f = fields; f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static void same_object(const cJSON *schema, const char *where, const cJSON *obj,
                        const keel_audit_ixit_field *fields);

static void same_string(const char *where, const keel_audit_ixit_field *f, const shape *s)
{
    if (!(s->types & T_STR) || s->max_len != (long long)f->max)
        fail_msg("%s.%s: C says a string of at most %zu bytes, the schema %s of %lld", where,
                 f->name, f->max, (s->types & T_STR) ? "a string" : "no string", s->max_len);
}

/* One field: the schema's property node against the C spec. */
static void same_field(const cJSON *schema, const char *where, const keel_audit_ixit_field *f,
                       const cJSON *node)
{
    shape s = shape_of(schema, node);
    char inner[PATH_LEN];

    if (f->nullable != ((s.types & T_NULL) != 0))
        fail_msg("%s.%s: C and the schema disagree on null", where, f->name);
    (void)keel_str_format(inner, sizeof(inner), "%s.%s", where, f->name);
    switch (f->kind) {
    case KEEL_AUDIT_IXIT_STRING: same_string(where, f, &s); break;
    case KEEL_AUDIT_IXIT_BOOL:
        if (s.types != T_BOOL)
            fail_msg("%s: C says boolean, the schema does not", inner);
        break;
    case KEEL_AUDIT_IXIT_INTEGER:
        if (!(s.types & T_INT) || !s.has_min || !s.has_max || s.min != (double)f->min ||
            s.max != (double)f->max_int)
            fail_msg("%s: C says an integer %lld-%lld, the schema differs", inner, f->min,
                     f->max_int);
        break;
    case KEEL_AUDIT_IXIT_ENUM: {
        size_t n = 0;
        assert_non_null(s.choices);
        for (; f->choices[n] != NULL; n++) {
            if (!in_array(s.choices, f->choices[n]))
                fail_msg("%s: \"%s\" is not in the schema's enum", inner, f->choices[n]);
        }
        if ((size_t)cJSON_GetArraySize(s.choices) != n)
            fail_msg("%s: the schema's enum has values C does not", inner);
        break;
    }
    case KEEL_AUDIT_IXIT_PROVISION:
        if (!s.provision)
            fail_msg("%s: C says a provision ID, the schema does not", inner);
        break;
    case KEEL_AUDIT_IXIT_STRINGS: {
        if (s.array == NULL || s.max_items != (long long)f->items)
            fail_msg("%s: C says an array of at most %zu strings, the schema differs", inner,
                     f->items);
        shape item = shape_of(schema, cJSON_GetObjectItemCaseSensitive(s.array, "items"));
        same_string(inner, &(keel_audit_ixit_field){.name = "[]", .max = f->max}, &item);
        break;
    }
    case KEEL_AUDIT_IXIT_OBJECT:
        if (s.object == NULL)
            fail_msg("%s: C says an object, the schema does not", inner);
        same_object(schema, inner, s.object, f->fields);
        break;
    case KEEL_AUDIT_IXIT_OBJECTS: {
        if (s.array == NULL || s.max_items != (long long)f->items)
            fail_msg("%s: C says an array of at most %zu objects, the schema differs", inner,
                     f->items);
        shape item = shape_of(schema, cJSON_GetObjectItemCaseSensitive(s.array, "items"));
        if (item.object == NULL)
            fail_msg("%s: the schema's items are not objects", inner);
        same_object(schema, inner, item.object, f->fields);
        break;
    }
    case KEEL_AUDIT_IXIT_ANY_OBJECT:
        if (!(s.types & T_OBJ))
            fail_msg("%s: C says an object, the schema does not", inner);
        break;
    case KEEL_AUDIT_IXIT_ANY_ARRAY:
        if (!(s.types & T_ARR) || s.max_items != (long long)f->items)
            fail_msg("%s: C says an array of at most %zu, the schema differs", inner, f->items);
        break;
    }
}

/* The schema's "if X is (not) V then required [F]" entries against the C fields' conditions,
 * both ways. */
static void same_conditions(const char *where, const cJSON *obj,
                            const keel_audit_ixit_field *fields)
{
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(obj, "allOf"), *c;
    size_t schema_n = 0, c_n = 0;

    cJSON_ArrayForEach(c, all)
    {
        const cJSON *cond = cJSON_GetObjectItemCaseSensitive(c, "if");
        const cJSON *then = cJSON_GetObjectItemCaseSensitive(c, "then");
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(cond, "properties");
        const cJSON *on, *req;

        if (cond == NULL)
            continue;
        assert_non_null(props);
        on = props->child;
        assert_non_null(on);
        req = cJSON_GetObjectItemCaseSensitive(then, "required");
        assert_int_equal(cJSON_GetArraySize(req), 1);
        const keel_audit_ixit_field *f = field_named(fields, req->child->valuestring);
        if (f == NULL || f->if_field == NULL || strcmp(f->if_field, on->string) != 0)
            fail_msg("%s: the schema requires %s when %s is ..., C does not", where,
                     req->child->valuestring, on->string);
        const cJSON *not_ = cJSON_GetObjectItemCaseSensitive(on, "not");
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(not_ != NULL ? not_ : on, "const");
        int match = cJSON_IsBool(k) ? (strcmp(f->if_value, "true") == 0) == cJSON_IsTrue(k)
                                    : cJSON_IsString(k) && strcmp(k->valuestring, f->if_value) == 0;
        if (!match || (not_ != NULL) != (f->if_not != 0))
            fail_msg("%s.%s: C and the schema require it under different conditions", where,
                     f->name);
        if (!in_array(cJSON_GetObjectItemCaseSensitive(cond, "required"), on->string))
            fail_msg("%s: the schema's condition on %s does not require it", where, on->string);
        schema_n++;
    }
    for (const keel_audit_ixit_field *f = fields; f->name != NULL; f++)
        c_n += f->if_field != NULL;
    if (c_n != schema_n)
        fail_msg("%s: C has %zu conditionally required fields, the schema %zu", where, c_n,
                 schema_n);
}

static void same_object(const cJSON *schema, const char *where, const cJSON *obj,
                        const keel_audit_ixit_field *fields)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(obj, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(obj, "required"), *m;

    assert_non_null(props);
    for (const keel_audit_ixit_field *f = fields; f->name != NULL; f++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(props, f->name);
        if (p == NULL)
            fail_msg("%s.%s: in C, not in the schema", where, f->name);
        if ((f->required != 0) != in_array(req, f->name))
            fail_msg("%s.%s: required in %s only", where, f->name,
                     f->required ? "C" : "the schema");
        same_field(schema, where, f, p);
    }
    cJSON_ArrayForEach(m, props)
    {
        if (field_named(fields, m->string) == NULL)
            fail_msg("%s.%s: in the schema, not in C", where, m->string);
    }
    same_conditions(where, obj, fields);
}

static void test_tables_are_ts_103_701s(void **state)
{
    size_t n = 0;
    const keel_audit_ixit_table *t = keel_audit_ixit_tables(&n);

    (void)state;
    assert_int_equal(n, 29);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].number, (int)i + 1);
        assert_string_equal(t[i].name, ts_names[i]);
        assert_ptr_equal(keel_audit_ixit_table_named(t[i].key), &t[i]);
        assert_non_null(t[i].fields);
    }
    assert_null(keel_audit_ixit_table_named("outage"));
    assert_null(keel_audit_ixit_table_named(NULL));
}

static void test_c_and_schema_agree(void **state)
{
    cJSON *schema = load_json("data/schemas/ixit.schema.json");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties"), *m;
    size_t n = 0;
    const keel_audit_ixit_table *t = keel_audit_ixit_tables(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const cJSON *node = cJSON_GetObjectItemCaseSensitive(props, t[i].key);
        if (node == NULL)
            fail_msg("%s (%s): in C, not in the schema", t[i].key, t[i].name);
        shape s = shape_of(schema, node);
        if (t[i].shape == KEEL_AUDIT_IXIT_TABLE_ARRAY) {
            if (s.array == NULL || s.max_items != (long long)t[i].max_items)
                fail_msg("%s: C says an array of at most %zu entries, the schema differs", t[i].key,
                         t[i].max_items);
            shape item = shape_of(schema, cJSON_GetObjectItemCaseSensitive(s.array, "items"));
            assert_non_null(item.object);
            same_object(schema, t[i].key, item.object, t[i].fields);
        } else {
            if (s.object == NULL || (t[i].nullable != 0) != ((s.types & T_NULL) != 0))
                fail_msg("%s: C and the schema disagree on its shape", t[i].key);
            same_object(schema, t[i].key, s.object, t[i].fields);
        }
    }
    /* Both ways: every top-level member of the schema is a table or one of the others. */
    cJSON_ArrayForEach(m, props)
    {
        int known = keel_audit_ixit_table_named(m->string) != NULL;
        for (size_t i = 0; i < sizeof(not_tables) / sizeof(not_tables[0]); i++)
            known |= strcmp(m->string, not_tables[i]) == 0;
        if (!known)
            fail_msg("%s: in the schema, neither a table of C nor a known member", m->string);
    }
    assert_true(in_array(cJSON_GetObjectItemCaseSensitive(schema, "required"), "interfaces"));
    cJSON_Delete(schema);
}

/* keeld's IXIT file answers every table keeld --describe does not print, and each answer
 * follows its spec. */
static void test_keeld_answers_every_table(void **state)
{
    static const char *const from_describe[] = {"interfaces", "personal_data", "telemetry",
                                                "sensing"};
    cJSON *x = load_json("docs/conformance/keeld-ixit.json");
    size_t n = 0;
    const keel_audit_ixit_table *t = keel_audit_ixit_tables(&n);
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, t[i].key);
        keel_audit_ixit_parser p = {.why = why, .whysz = sizeof(why)};
        int described = 0;

        for (size_t k = 0; k < sizeof(from_describe) / sizeof(from_describe[0]); k++)
            described |= strcmp(t[i].key, from_describe[k]) == 0;
        if (v == NULL && !described)
            fail_msg("docs/conformance/keeld-ixit.json has no %s (%s)", t[i].key, t[i].name);
        if (v != NULL && keel_audit_ixit_table_check(&p, &t[i], v) != KEEL_OK)
            fail_msg("docs/conformance/keeld-ixit.json: %s", why);
    }
    cJSON_Delete(x);
}

/* ---- refusals through keel_audit_ixit_parse ---- */

/* keeld's tables (those keeld-ixit.json holds) with empty interfaces and routes. */
static cJSON *base(void)
{
    cJSON *x = load_json("docs/conformance/keeld-ixit.json");
    cJSON *doc = cJSON_CreateObject();
    size_t n = 0;
    const keel_audit_ixit_table *t = keel_audit_ixit_tables(&n);

    assert_non_null(cJSON_AddArrayToObject(doc, "interfaces"));
    assert_non_null(cJSON_AddArrayToObject(doc, "routes"));
    for (size_t i = 0; i < n; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(x, t[i].key);
        if (v != NULL && strcmp(t[i].key, "deletion") != 0 && strcmp(t[i].key, "user_info") != 0)
            assert_true(cJSON_AddItemToObject(doc, t[i].key, cJSON_Duplicate(v, 1)));
    }
    cJSON_Delete(x);
    return doc;
}

static keel_err parse_doc(const cJSON *doc, char *why, size_t whysz)
{
    char *text = cJSON_PrintUnformatted(doc);
    keel_audit_ixit x;
    keel_err ret;

    assert_non_null(text);
    ret = keel_audit_ixit_parse(text, strlen(text), &x, why, whysz);
    if (ret == KEEL_OK)
        keel_audit_ixit_free(&x);
    free(text);
    return ret;
}

static cJSON *entry(cJSON *doc, const char *table, int i)
{
    cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, table), i);

    assert_non_null(e);
    return e;
}

/* Apply change to a fresh base; expect err and exactly the reason want. */
static void expect(void (*change)(cJSON *doc), keel_err err, const char *want)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    cJSON *doc = base();

    change(doc);
    assert_int_equal(parse_doc(doc, why, sizeof(why)), err);
    if (want != NULL)
        assert_string_equal(why, want);
    cJSON_Delete(doc);
}

static void no_storage(cJSON *doc)
{
    cJSON_DeleteItemFromObject(
        cJSON_GetObjectItemCaseSensitive(entry(doc, "security_parameters", 2), "lifecycle"),
        "storage");
}
static void bad_kind(cJSON *doc)
{
    cJSON_ReplaceItemInObject(entry(doc, "auth_mechanisms", 0), "kind",
                              cJSON_CreateString("passphrase"));
}
static void zero_days(cJSON *doc)
{
    cJSON_ReplaceItemInObject(entry(doc, "update_procedures", 0), "security_fix_days",
                              cJSON_CreateNumber(0));
}
static void fractional_steps(cJSON *doc)
{
    cJSON_ReplaceItemInObject(entry(doc, "update_mechanisms", 0), "user_steps",
                              cJSON_CreateNumber(1.5));
}
static void identity_untampered(cJSON *doc)
{
    cJSON_DeleteItemFromObject(entry(doc, "security_parameters", 3), "tamper_protection");
}
static void transit_missing(cJSON *doc)
{
    cJSON_DeleteItemFromObject(entry(doc, "security_parameters", 0), "transit_protection");
}
static void updatable_without_mechanism(cJSON *doc)
{
    cJSON_DeleteItemFromObject(entry(doc, "software_components", 1), "update_mechanism");
}
static void fixed_component(cJSON *doc)
{
    cJSON *c = entry(doc, "software_components", 1);
    cJSON_DeleteItemFromObject(c, "update_mechanism");
    cJSON_ReplaceItemInObject(c, "updatable", cJSON_CreateFalse());
    /* and a password the user defines needs no generation */
    cJSON_DeleteItemFromObject(entry(doc, "auth_mechanisms", 2), "generation");
    cJSON_DeleteItemFromObject(entry(doc, "security_parameters", 3), "transit_protection");
    /* a table may be left out, and an empty one is a table */
    cJSON_DeleteItemFromObject(doc, "external_apis");
    cJSON_ReplaceItemInObject(doc, "code_minimisation", cJSON_CreateArray());
    /* unknown members are allowed */
    cJSON_AddStringToObject(entry(doc, "confirmations", 0), "note", "more");
}
static void unique_without_generation(cJSON *doc)
{
    cJSON_DeleteItemFromObject(entry(doc, "auth_mechanisms", 0), "generation");
}
static void bad_provision(cJSON *doc)
{
    cJSON_ReplaceItemInObject(entry(doc, "confirmations", 1), "provision",
                              cJSON_CreateString("5.3"));
}
static void empty_carry(cJSON *doc)
{
    cJSON_ReplaceItemInArray(
        cJSON_GetObjectItemCaseSensitive(entry(doc, "communication_mechanisms", 0), "carries"), 1,
        cJSON_CreateString(""));
}
static void table_not_array(cJSON *doc)
{
    cJSON_ReplaceItemInObject(doc, "auth_mechanisms", cJSON_CreateObject());
}
static void entry_not_object(cJSON *doc)
{
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "input_validation"),
                         cJSON_CreateString("all of it"));
}
static void long_description(cJSON *doc)
{
    char text[KEEL_AUDIT_IXIT_PROSE_LEN + 2];
    memset(text, 'a', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    cJSON_ReplaceItemInObject(entry(doc, "secure_boot", 0), "description",
                              cJSON_CreateString(text));
}
static void control_character(cJSON *doc)
{
    cJSON_ReplaceItemInObject(entry(doc, "user_decisions", 0), "how",
                              cJSON_CreateString("press\tthe button"));
}
static void string_as_bool(cJSON *doc)
{
    cJSON_ReplaceItemInObject(entry(doc, "update_mechanisms", 0), "automatic",
                              cJSON_CreateString("yes"));
}
static void too_many_sources(cJSON *doc)
{
    cJSON *s =
        cJSON_GetObjectItemCaseSensitive(entry(doc, "vulnerability_monitoring", 0), "sources");
    for (int i = 0; i < 16; i++)
        cJSON_AddItemToArray(s, cJSON_CreateString("a mailing list"));
}

static void test_refusals_name_the_field(void **state)
{
    (void)state;
    expect(no_storage, KEEL_ERR_PARSE, "security_parameters[2].lifecycle.storage: required string");
    expect(bad_kind, KEEL_ERR_PARSE,
           "auth_mechanisms[0].kind: must be one of \"password\", \"pin\", \"token\", "
           "\"certificate\", \"key\", \"other\"");
    expect(zero_days, KEEL_ERR_PARSE,
           "update_procedures[0].security_fix_days: must be an integer 1-3650");
    expect(fractional_steps, KEEL_ERR_PARSE,
           "update_mechanisms[0].user_steps: must be an integer 0-100");
    expect(identity_untampered, KEEL_ERR_PARSE,
           "security_parameters[3].tamper_protection: required string when purpose is "
           "\"identity\"");
    expect(transit_missing, KEEL_ERR_PARSE,
           "security_parameters[0].transit_protection: required string when leaves_device is "
           "true");
    expect(updatable_without_mechanism, KEEL_ERR_PARSE,
           "software_components[1].update_mechanism: required string when updatable is true");
    expect(unique_without_generation, KEEL_ERR_PARSE,
           "auth_mechanisms[0].generation: required string when credential is not "
           "\"user_defined\"");
    expect(bad_provision, KEEL_ERR_PARSE,
           "confirmations[1].provision: must be a provision ID of EN 303 645 (5.3-8, 5.13-1A, "
           "6-3B, 4-1)");
    expect(empty_carry, KEEL_ERR_PARSE,
           "communication_mechanisms[0].carries[1]: must not be empty");
    expect(table_not_array, KEEL_ERR_PARSE, "auth_mechanisms: must be an array of objects");
    expect(entry_not_object, KEEL_ERR_PARSE, NULL);
    expect(long_description, KEEL_ERR_TOO_LARGE,
           "secure_boot[0].description: longer than 1023 bytes");
    expect(control_character, KEEL_ERR_PARSE,
           "user_decisions[0].how: must not hold control characters");
    expect(string_as_bool, KEEL_ERR_PARSE, "update_mechanisms[0].automatic: must be true or false");
    expect(too_many_sources, KEEL_ERR_TOO_LARGE,
           "vulnerability_monitoring[0].sources: more than 16 entries");
    expect(fixed_component, KEEL_OK, "");
}

static void test_entry_not_object_names_it(void **state)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX], want[64];
    cJSON *doc = base();
    int last = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "input_validation"));

    (void)state;
    entry_not_object(doc);
    assert_int_equal(parse_doc(doc, why, sizeof(why)), KEEL_ERR_PARSE);
    (void)snprintf(want, sizeof(want), "input_validation[%d]: must be an object", last);
    assert_string_equal(why, want);
    cJSON_Delete(doc);
}

/* 21-PersData's "sensitive" and 24-TelData's null, through the table check. */
static void test_personal_data_and_telemetry(void **state)
{
    static const char datum[] =
        "{\"controller\":\"the maker\",\"consent\":[],\"data\":[{\"id\":\"log\",\"datum\":\"a "
        "log\","
        "\"purpose\":\"p\",\"legal_basis\":\"contract\",\"retention\":\"90 days\","
        "\"retention_days\":null,\"recipients\":[],\"stored\":\"lock.db\",\"sealed\":false,"
        "\"consent_purpose\":null,\"sensitive\":%s}]}";
    const keel_audit_ixit_table *pd = keel_audit_ixit_table_named("personal_data");
    const keel_audit_ixit_table *tel = keel_audit_ixit_table_named("telemetry");
    char text[1024], why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit_parser p = {.why = why, .whysz = sizeof(why)};
    cJSON *v;

    (void)state;
    (void)snprintf(text, sizeof(text), datum, "true");
    v = cJSON_Parse(text);
    assert_int_equal(keel_audit_ixit_table_check(&p, pd, v), KEEL_OK);
    cJSON_Delete(v);
    (void)snprintf(text, sizeof(text), datum, "\"yes\"");
    v = cJSON_Parse(text);
    assert_int_equal(keel_audit_ixit_table_check(&p, pd, v), KEEL_ERR_PARSE);
    assert_string_equal(why, "personal_data.data[0].sensitive: must be true or false");
    cJSON_Delete(v);
    v = cJSON_CreateNull();
    assert_int_equal(keel_audit_ixit_table_check(&p, tel, v), KEEL_OK);
    assert_int_equal(keel_audit_ixit_table_check(&p, pd, v), KEEL_ERR_PARSE);
    assert_string_equal(why, "personal_data: must be an object");
    cJSON_Delete(v);
}

static void test_provision_ids(void **state)
{
    static const char *const good[] = {"4-1", "5.0-1", "5.1-1", "5.13-1A", "5.3-16", "6-3B", "6-8"};
    static const char *const bad[] = {"",       "5.3", "5.3-",    "5.01-1", "5.3-0",  "6-10",
                                      "5.3-8a", "7-1", "5.3-8-1", "4-2x",   "5.100-1"};

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(keel_audit_ixit_provision_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_audit_ixit_provision_valid(bad[i]))
            fail_msg("'%s' taken for a provision ID", bad[i]);
    }
    assert_false(keel_audit_ixit_provision_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_are_ts_103_701s),
        cmocka_unit_test(test_c_and_schema_agree),
        cmocka_unit_test(test_keeld_answers_every_table),
        cmocka_unit_test(test_refusals_name_the_field),
        cmocka_unit_test(test_entry_not_object_names_it),
        cmocka_unit_test(test_personal_data_and_telemetry),
        cmocka_unit_test(test_provision_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
