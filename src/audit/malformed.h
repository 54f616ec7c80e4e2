/* The malformed-input campaign of 5.13-1B-2 (private to src/audit): the requests planned from
 * the IXIT's routes, and the raw sender for those no HTTP client library will send (a header
 * line without a colon, a NUL in the path). */
#ifndef KEEL_AUDIT_MALFORMED_H
#define KEEL_AUDIT_MALFORMED_H

#include "audit.h"

/* The long path and the huge header of the framing faults. */
#define KEEL_AUDIT_BAD_LONG_PATH_LEN 8192
#define KEEL_AUDIT_BAD_HEADER_LEN 16384
/* The oversized body when the IXIT declares no max_body: past any small device's bound. */
#define KEEL_AUDIT_BAD_UNDECLARED_BODY ((size_t)64 * 1024 + 1)
/* The deepest nesting sent. */
#define KEEL_AUDIT_BAD_NESTING_MAX 4096

typedef struct keel_audit_bad_request {
    keel_audit_bad_kind kind;
    size_t route; /* index of the route in the IXIT */
    char method[KEEL_AUDIT_IXIT_METHOD_MAX];
    int framing;   /* data is the whole request, sent raw without a session */
    int may_close; /* closing without an answer is a refusal */
    int has_body;  /* not framing: data (len bytes, may be 0) is the body */
    char *data;
    size_t len;
} keel_audit_bad_request;

/* The requests for every route of x, in route order, each path's own faults (wrong method,
 * framing) once for its first route: into a new array (*out, *n) freed with
 * keel_audit_bad_plan_free. host_header is the Host value of raw requests ("127.0.0.1:8443").
 * No request carries a plausible value for a "secret" member: wrong types are arrays there,
 * and the unknown-member case is left out for such routes (*skipped counts them; may be
 * NULL). KEEL_ERR_NOMEM, KEEL_ERR_ARG. */
keel_err keel_audit_bad_plan(const keel_audit_ixit *x, const char *host_header,
                             keel_audit_bad_request **out, size_t *n, size_t *skipped);
void keel_audit_bad_plan_free(keel_audit_bad_request *r, size_t n);

/* The clean GET of path as a raw request (the baseline of the framing faults) into a new
 * buffer (*out, *len; free()). */
keel_err keel_audit_bad_clean_get(const char *path, const char *host_header, char **out,
                                  size_t *len);

#define KEEL_AUDIT_RAW_TYPE_MAX 128
#define KEEL_AUDIT_RAW_BODY_MAX 1024

/* What came back to a raw request. */
typedef struct keel_audit_raw_answer {
    long status; /* 0: no answer (closed, reset or silent) */
    char content_type[KEEL_AUDIT_RAW_TYPE_MAX];
    char body[KEEL_AUDIT_RAW_BODY_MAX];
    size_t body_len;
} keel_audit_raw_answer;

/* The answer in the len bytes at buf (untrusted: the device's): the status of a status line
 * "HTTP/1.x NNN" (else 0), the Content-Type value and the body's first bytes after the
 * header block, each cut to fit, into out (which the caller zeroed). */
void keel_audit_raw_parse(const char *buf, size_t len, keel_audit_raw_answer *out);

/* 1 when the len bytes at buf hold a whole answer: a header block and the body bytes its
 * Content-Length names (0 when it names none: the answer ends when the connection does). */
int keel_audit_raw_complete(const char *buf, size_t len);

/* Send len bytes over a new TLS connection to base ("https://host:port", as keel_audit_http
 * has it) and read the answer (at most 16 KiB, within 3 s of silence). Only setup errors are
 * returned; a device that closes or says nothing gives status 0. */
keel_err keel_audit_raw_exchange(const char *base, const void *req, size_t len,
                                 keel_audit_raw_answer *out);

#endif /* KEEL_AUDIT_MALFORMED_H */
