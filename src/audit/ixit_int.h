/* The IXIT parser's shared rules (private to src/audit): every member of the IXIT is read by
 * these, so that each refusal names the field and the rule the same way. */
#ifndef KEEL_AUDIT_IXIT_INT_H
#define KEEL_AUDIT_IXIT_INT_H

#include <cjson/cJSON.h>

#include "audit.h"

typedef struct keel_audit_ixit_parser {
    char *why; /* may be NULL */
    size_t whysz;
    char where[48]; /* the entry being read: "interfaces[1]", "deletion.service" */
} keel_audit_ixit_parser;

/* Write "<where>.<field>: <rule>" into p->why and return err. */
KEEL_PRINTF(4, 5)
keel_err keel_audit_ixit_refuse(keel_audit_ixit_parser *p, keel_err err, const char *field,
                                const char *fmt, ...);

/* A required string member of at most outsz - 1 bytes, non-empty, without control
 * characters. */
keel_err keel_audit_ixit_get_string(keel_audit_ixit_parser *p, const cJSON *obj, const char *name,
                                    char *out, size_t outsz);

/* The same, optional: "" when absent. */
keel_err keel_audit_ixit_get_optional_string(keel_audit_ixit_parser *p, const cJSON *obj,
                                             const char *name, char *out, size_t outsz);

/* A required boolean member. */
keel_err keel_audit_ixit_get_bool(keel_audit_ixit_parser *p, const cJSON *obj, const char *name,
                                  int *out);

/* A required route path (keel_audit_http_path_valid). */
keel_err keel_audit_ixit_get_path(keel_audit_ixit_parser *p, const cJSON *obj, const char *name,
                                  char *out, size_t outsz);

/* An optional integer member in [min, max]; absent: *present 0. */
keel_err keel_audit_ixit_get_optional_integer(keel_audit_ixit_parser *p, const cJSON *obj,
                                              const char *name, double min, double max,
                                              int *present, double *out);

/* cJSON's compact text of item into out; KEEL_ERR_RANGE when it does not fit. */
keel_err keel_audit_ixit_print_json(const cJSON *item, char *out, size_t outsz);

/* 1 for GET, POST, PUT, PATCH and DELETE. */
int keel_audit_ixit_method_known(const char *m);

/* 1 for a member name or label key: 1 to KEEL_AUDIT_IXIT_NAME_MAX - 1 printable ASCII bytes. */
int keel_audit_ixit_name_valid(const char *s);

/* Call visit(item, user) for root and every item under it, depth first, without recursion
 * (items deeper than cJSON's own nesting limit are not visited: cJSON refuses to parse them).
 * Stops and returns 1 as soon as visit returns non-zero; 0 otherwise. */
int keel_audit_json_walk(cJSON *root, int (*visit)(cJSON *item, void *user), void *user);

/* Take the relative file names of "consent_check" from the directory of the IXIT file at
 * path. KEEL_ERR_TOO_LARGE (why names the field) when a joined name does not fit. */
keel_err keel_audit_ixit_privacy_rebase(keel_audit_ixit *x, const char *path, char *why,
                                        size_t whysz);

/* ---- The 29 tables of TS 103 701's IXIT (ixit_tables.c; data/schemas/ixit.schema.json) ----
 * Each table is a top-level member of the IXIT (auth_mechanisms, ..., input_validation); a
 * table may be left out, a table that is present is checked against its spec. */
#define KEEL_AUDIT_IXIT_TABLES 29
#define KEEL_AUDIT_IXIT_ID_LEN 63      /* bytes of an id */
#define KEEL_AUDIT_IXIT_TEXT_LEN 511   /* bytes of a short text: a name, a protocol */
#define KEEL_AUDIT_IXIT_PROSE_LEN 1023 /* bytes of a description, a statement */
#define KEEL_AUDIT_IXIT_CARRY_LEN 127  /* bytes of an entry of "carries" */
#define KEEL_AUDIT_IXIT_PATH_MAX 128   /* "security_parameters[2].lifecycle" and its NUL */

typedef enum keel_audit_ixit_kind {
    KEEL_AUDIT_IXIT_STRING,     /* 1..max bytes, no control characters */
    KEEL_AUDIT_IXIT_BOOL,       /* true or false */
    KEEL_AUDIT_IXIT_INTEGER,    /* a whole number in [min, max_int] */
    KEEL_AUDIT_IXIT_ENUM,       /* one of choices */
    KEEL_AUDIT_IXIT_PROVISION,  /* an EN 303 645 provision ID (keel_audit_ixit_provision_valid) */
    KEEL_AUDIT_IXIT_STRINGS,    /* an array of at most items strings of 1..max bytes */
    KEEL_AUDIT_IXIT_OBJECT,     /* an object whose members are fields */
    KEEL_AUDIT_IXIT_OBJECTS,    /* an array of at most items such objects */
    KEEL_AUDIT_IXIT_ANY_OBJECT, /* an object checked member by member elsewhere (ixit_privacy.c) */
    KEEL_AUDIT_IXIT_ANY_ARRAY   /* an array of at most items, checked elsewhere */
} keel_audit_ixit_kind;

typedef struct keel_audit_ixit_field {
    const char *name;                           /* NULL ends a list of fields */
    size_t max;                                 /* STRING, STRINGS: bytes of a string */
    size_t items;                               /* STRINGS, OBJECTS, ANY_ARRAY: most entries */
    long long min, max_int;                     /* INTEGER */
    const char *const *choices;                 /* ENUM: NULL-terminated */
    const struct keel_audit_ixit_field *fields; /* OBJECT, OBJECTS */
    /* Required when member if_field of the same object has if_value ("true": the boolean) or,
     * with if_not, when it has another value. */
    const char *if_field;
    const char *if_value;
    keel_audit_ixit_kind kind;
    int required; /* 1: always; 0: optional, or required by the condition below */
    int nullable; /* null is allowed in place of the value */
    int if_not;
} keel_audit_ixit_field;

typedef enum keel_audit_ixit_shape {
    KEEL_AUDIT_IXIT_TABLE_ARRAY, /* an array of entries, each an object of fields */
    KEEL_AUDIT_IXIT_TABLE_OBJECT /* one object of fields */
} keel_audit_ixit_shape;

typedef struct keel_audit_ixit_table {
    int number;       /* TS 103 701's: 1 .. 29 */
    const char *name; /* TS 103 701's: "1-AuthMech" */
    const char *key;  /* the IXIT's member: "auth_mechanisms" */
    keel_audit_ixit_shape shape;
    int nullable;     /* OBJECT: null is allowed (24-TelData: no telemetry) */
    size_t max_items; /* ARRAY: most entries */
    const keel_audit_ixit_field *fields;
} keel_audit_ixit_table;

/* The 29 tables in TS 103 701's order; *n (may be NULL) = KEEL_AUDIT_IXIT_TABLES. */
const keel_audit_ixit_table *keel_audit_ixit_tables(size_t *n);

/* The table whose member is key, or NULL. */
const keel_audit_ixit_table *keel_audit_ixit_table_named(const char *key);

/* 1 for an EN 303 645 provision ID (V2.1.1 or V3.1.3 shape): 4-1, 5.<clause>-<n>[A-Z],
 * 6-<n>[A-Z]. */
int keel_audit_ixit_provision_valid(const char *id);

/* Check value, the IXIT's member t->key, against t: KEEL_ERR_PARSE or KEEL_ERR_TOO_LARGE with
 * p->why naming the field in full ("security_parameters[2].lifecycle.storage: required
 * string") at the first field that breaks the spec. Members the spec does not name are
 * ignored. */
keel_err keel_audit_ixit_table_check(keel_audit_ixit_parser *p, const keel_audit_ixit_table *t,
                                     const cJSON *value);

/* keel_audit_ixit_table_check of every table root (the IXIT's object) holds. */
keel_err keel_audit_ixit_tables_validate(keel_audit_ixit_parser *p, const cJSON *root);

#endif /* KEEL_AUDIT_IXIT_INT_H */
