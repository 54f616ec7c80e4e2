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

#endif /* KEEL_AUDIT_IXIT_INT_H */
