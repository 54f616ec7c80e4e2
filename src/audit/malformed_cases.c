/* The requests of the malformed-input campaign (5.13-1B-2), planned from the IXIT's routes
 * before anything is sent: each is malformed in one way only, so that an answer can be
 * blamed on that fault. Bodies that must not be mistaken for a real request are built so that
 * no parser could take them as one: a "secret" member (a password) is never given a string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "malformed.h"

#define PATH_KINDS 7 /* wrong method and the six framing faults, once per path */
#define BODY_KINDS 9 /* oversized .. NUL */

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

static int takes_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* The request being written: a memstream over (data, len). */
typedef struct writer {
    FILE *f;
    char *data;
    size_t len;
} writer;

static keel_err writer_open(writer *w)
{
    w->data = NULL;
    w->len = 0;
    w->f = open_memstream(&w->data, &w->len);
    return w->f != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}

static void put(writer *w, const void *bytes, size_t n)
{
    (void)fwrite(bytes, 1, n, w->f);
}

static void puts_(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void repeat(writer *w, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        (void)fputc(c, w->f);
}

/* A member name as a JSON string (names are printable ASCII: only '"' and '\' escape). */
static void json_name(writer *w, const char *name)
{
    (void)fputc('"', w->f);
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            (void)fputc('\\', w->f);
        (void)fputc(*p, w->f);
    }
    (void)fputc('"', w->f);
}

/* A value of another type than t (a secret gets an array: nothing reads that as a password). */
static const char *wrong_value(keel_audit_json_type t)
{
    switch (t) {
    case KEEL_AUDIT_JSON_STRING: return "12345";
    case KEEL_AUDIT_JSON_SECRET: return "[]";
    case KEEL_AUDIT_JSON_INTEGER: return "\"1\"";
    case KEEL_AUDIT_JSON_NUMBER: return "\"1.5\"";
    case KEEL_AUDIT_JSON_BOOLEAN: return "\"true\"";
    case KEEL_AUDIT_JSON_OBJECT: return "1";
    default: return "{}";
    }
}

/* A value of type t, for the unknown-member case (never called for a secret). */
static const char *right_value(keel_audit_json_type t)
{
    switch (t) {
    case KEEL_AUDIT_JSON_STRING: return "\"keel-audit\"";
    case KEEL_AUDIT_JSON_INTEGER:
    case KEEL_AUDIT_JSON_NUMBER: return "1";
    case KEEL_AUDIT_JSON_BOOLEAN: return "false";
    case KEEL_AUDIT_JSON_OBJECT: return "{}";
    default: return "[]";
    }
}

static int has_secret(const keel_audit_ixit_route *r)
{
    for (size_t i = 0; i < r->member_count; i++) {
        if (r->members[i].type == KEEL_AUDIT_JSON_SECRET)
            return 1;
    }
    return 0;
}

/* The member that carries bad bytes: the first declared plain string, else one of ours. */
static const char *string_member(const keel_audit_ixit_route *r)
{
    for (size_t i = 0; i < r->member_count; i++) {
        if (r->members[i].type == KEEL_AUDIT_JSON_STRING)
            return r->members[i].name;
    }
    return "keel_audit";
}

static void members_with(writer *w, const keel_audit_ixit_route *r, int wrong)
{
    puts_(w, "{");
    for (size_t i = 0; i < r->member_count; i++) {
        if (i > 0)
            puts_(w, ",");
        json_name(w, r->members[i].name);
        puts_(w, ":");
        puts_(w, wrong ? wrong_value(r->members[i].type) : right_value(r->members[i].type));
    }
    if (!wrong)
        puts_(w,
              r->member_count > 0 ? ",\"keel_audit_unknown\":true" : "\"keel_audit_unknown\":true");
    puts_(w, "}");
}

/* One byte past the declared bound: a valid JSON object padded with spaces. */
static void oversized(writer *w, const keel_audit_ixit_route *r)
{
    size_t n = r->has_max_body ? r->max_body + 1 : KEEL_AUDIT_BAD_UNDECLARED_BODY;

    if (n < 2) {
        puts_(w, " ");
        return;
    }
    puts_(w, "{");
    repeat(w, ' ', n - 2);
    puts_(w, "}");
}

static void body_of(writer *w, keel_audit_bad_kind k, const keel_audit_ixit_route *r)
{
    size_t depth = KEEL_AUDIT_BAD_NESTING_MAX;

    switch (k) {
    case KEEL_AUDIT_BAD_OVERSIZED: oversized(w, r); break;
    case KEEL_AUDIT_BAD_EMPTY: break;
    case KEEL_AUDIT_BAD_JSON: puts_(w, "{\"keel_audit\": "); break;
    case KEEL_AUDIT_BAD_TOP_TYPE: puts_(w, "[\"keel-audit\"]"); break;
    case KEEL_AUDIT_BAD_MEMBER_TYPES: members_with(w, r, 1); break;
    case KEEL_AUDIT_BAD_UNKNOWN_MEMBER: members_with(w, r, 0); break;
    case KEEL_AUDIT_BAD_NESTING:
        if (r->has_max_body && r->max_body / 2 < depth)
            depth = r->max_body / 2 > 0 ? r->max_body / 2 : 1;
        repeat(w, '[', depth);
        repeat(w, ']', depth);
        break;
    case KEEL_AUDIT_BAD_UTF8:
        puts_(w, "{");
        json_name(w, string_member(r));
        puts_(w, ":\"\xc3\x28\xff\xfe\xed\xa0\x80\"}");
        break;
    default: /* KEEL_AUDIT_BAD_NUL */
        puts_(w, "{");
        json_name(w, string_member(r));
        put(w, ":\"keel\0audit\"}", 14);
        break;
    }
}

/* The raw request of a framing fault: GET of the path, without a session. */
static void framing_of(writer *w, keel_audit_bad_kind k, const char *path, const char *host)
{
    puts_(w, "GET ");
    puts_(w, path);
    if (k == KEEL_AUDIT_BAD_LONG_PATH) {
        puts_(w, "/");
        repeat(w, 'a', KEEL_AUDIT_BAD_LONG_PATH_LEN);
    } else if (k == KEEL_AUDIT_BAD_PATH_BYTES) {
        puts_(w, "/\xc3\x28\xff\xfe");
    } else if (k == KEEL_AUDIT_BAD_PATH_NUL) {
        put(w, "\0keel", 5);
    }
    puts_(w, " HTTP/1.1\r\nHost: ");
    puts_(w, host);
    puts_(w, "\r\nAccept: application/json\r\n");
    if (k == KEEL_AUDIT_BAD_HEADER_LINE)
        puts_(w, "keel audit header line without a colon\r\n");
    else if (k == KEEL_AUDIT_BAD_HEADER_CTRL)
        put(w,
            "X-Keel-Audit: a\0\x01\x7f"
            "b\r\n",
            21);
    else if (k == KEEL_AUDIT_BAD_HEADER_HUGE) {
        puts_(w, "X-Keel-Audit: ");
        repeat(w, 'a', KEEL_AUDIT_BAD_HEADER_LEN);
        puts_(w, "\r\n");
    }
    puts_(w, "Connection: close\r\n\r\n");
}

/* A method the path does not declare, or NULL when it declares them all. */
static const char *undeclared_method(const keel_audit_ixit *x, const char *path)
{
    for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
        int declared = 0;
        for (size_t i = 0; i < x->route_count; i++)
            declared |= strcmp(x->routes[i].path, path) == 0 &&
                        strcmp(x->routes[i].method, methods[m]) == 0;
        if (!declared)
            return methods[m];
    }
    return NULL;
}

static int first_of_path(const keel_audit_ixit *x, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(x->routes[j].path, x->routes[i].path) == 0)
            return 0;
    }
    return 1;
}

/* Finish one planned request from the writer. */
static keel_err add(keel_audit_bad_request *r, size_t *n, writer *w, keel_audit_bad_kind k,
                    size_t route, const char *method, int framing, int may_close)
{
    keel_audit_bad_request *q = &r[*n];
    keel_err ret = keel_audit_memstream_close(w->f, &w->data, &w->len);

    if (ret != KEEL_OK)
        return ret;
    memset(q, 0, sizeof(*q));
    q->kind = k;
    q->route = route;
    (void)keel_str_copy(q->method, sizeof(q->method), method);
    q->framing = framing;
    q->may_close = may_close;
    q->has_body = !framing && takes_body(method);
    q->data = w->data;
    q->len = w->len;
    (*n)++;
    return KEEL_OK;
}

static keel_err plan_path(const keel_audit_ixit *x, size_t i, const char *host,
                          keel_audit_bad_request *r, size_t *n)
{
    const char *wrong = undeclared_method(x, x->routes[i].path);
    keel_err ret = KEEL_OK;
    writer w;

    if (wrong != NULL && (ret = writer_open(&w)) == KEEL_OK) {
        if (takes_body(wrong))
            puts_(&w, "{}");
        ret = add(r, n, &w, KEEL_AUDIT_BAD_METHOD, i, wrong, 0, 0);
    }
    for (int k = KEEL_AUDIT_BAD_LONG_PATH; ret == KEEL_OK && k <= KEEL_AUDIT_BAD_HEADER_HUGE; k++) {
        if ((ret = writer_open(&w)) != KEEL_OK)
            break;
        framing_of(&w, (keel_audit_bad_kind)k, x->routes[i].path, host);
        ret = add(r, n, &w, (keel_audit_bad_kind)k, i, "GET", 1, 1);
    }
    return ret;
}

static keel_err plan_body(const keel_audit_ixit *x, size_t i, keel_audit_bad_request *r, size_t *n,
                          size_t *skipped)
{
    const keel_audit_ixit_route *rt = &x->routes[i];
    keel_err ret = KEEL_OK;
    writer w;

    for (int k = KEEL_AUDIT_BAD_OVERSIZED; ret == KEEL_OK && k <= KEEL_AUDIT_BAD_NUL; k++) {
        if (k != KEEL_AUDIT_BAD_OVERSIZED && rt->has_max_body && rt->max_body == 0)
            break; /* a route without a body: being sent one is its only body fault */
        /* No body is a fault only where a body is declared: a route may take none. */
        if ((k == KEEL_AUDIT_BAD_EMPTY && !(rt->has_max_body && rt->max_body > 0)) ||
            (k == KEEL_AUDIT_BAD_MEMBER_TYPES && rt->member_count == 0))
            continue;
        if (k == KEEL_AUDIT_BAD_UNKNOWN_MEMBER && has_secret(rt)) {
            (*skipped)++;
            continue;
        }
        if ((ret = writer_open(&w)) != KEEL_OK)
            break;
        body_of(&w, (keel_audit_bad_kind)k, rt);
        ret = add(r, n, &w, (keel_audit_bad_kind)k, i, rt->method, 0,
                  k == KEEL_AUDIT_BAD_OVERSIZED && !rt->has_max_body);
    }
    return ret;
}

keel_err keel_audit_bad_plan(const keel_audit_ixit *x, const char *host_header,
                             keel_audit_bad_request **out, size_t *n, size_t *skipped)
{
    keel_audit_bad_request *r;
    size_t count = 0, skip = 0;
    keel_err ret = KEEL_OK;

    if (out == NULL || n == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *n = 0;
    if (x == NULL || host_header == NULL)
        return KEEL_ERR_ARG;
    if (x->route_count == 0)
        return KEEL_OK;
    r = calloc(x->route_count * (PATH_KINDS + BODY_KINDS), sizeof(*r));
    if (r == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; ret == KEEL_OK && i < x->route_count; i++) {
        if (first_of_path(x, i))
            ret = plan_path(x, i, host_header, r, &count);
        if (ret == KEEL_OK && takes_body(x->routes[i].method))
            ret = plan_body(x, i, r, &count, &skip);
    }
    if (ret != KEEL_OK) {
        keel_audit_bad_plan_free(r, count);
        return ret;
    }
    *out = r;
    *n = count;
    if (skipped != NULL)
        *skipped = skip;
    return KEEL_OK;
}

void keel_audit_bad_plan_free(keel_audit_bad_request *r, size_t n)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(r[i].data);
    free(r);
}

keel_err keel_audit_bad_clean_get(const char *path, const char *host_header, char **out,
                                  size_t *len)
{
    writer w;
    keel_err ret;

    if (path == NULL || host_header == NULL || out == NULL || len == NULL)
        return KEEL_ERR_ARG;
    if ((ret = writer_open(&w)) != KEEL_OK)
        return ret;
    framing_of(&w, KEEL_AUDIT_BAD_METHOD, path, host_header); /* no fault */
    ret = keel_audit_memstream_close(w.f, &w.data, &w.len);
    *out = w.data;
    *len = w.len;
    return ret;
}

const char *keel_audit_bad_kind_name(keel_audit_bad_kind k)
{
    static const char *const names[] = {
        "wrong method",     "oversized body",       "empty body",
        "invalid JSON",     "array for an object",  "wrong member types",
        "unknown member",   "deep nesting",         "invalid UTF-8",
        "NUL byte in body", "very long path",       "invalid UTF-8 in path",
        "NUL byte in path", "header without colon", "control bytes in header",
        "16 KiB header",
    };

    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : NULL;
}
