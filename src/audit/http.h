/* HTTPS requests of keel audit's login-related checks (5.1-1, 5.1-4, 5.1-5, 5.4-1): one
 * libcurl handle per check, JSON bodies, bounded answers (private to src/audit).
 *
 * The device's certificate is self-signed or from the maker's own CA, and these checks do
 * not rely on the device for anything but status codes: verification is off for them alone.
 * Certificate checks belong to 5.5 test cases. */
#ifndef KEEL_AUDIT_HTTP_H
#define KEEL_AUDIT_HTTP_H

#include <signal.h>

#include <curl/curl.h>

#include "audit.h"

/* The part of an answer body that is kept (a login token fits); more is read and dropped,
 * up to KEEL_AUDIT_HTTP_READ_MAX, past which the transfer is cut (its status still counts). */
#define KEEL_AUDIT_HTTP_KEEP_MAX 4096
#define KEEL_AUDIT_HTTP_READ_MAX ((size_t)64 * 1024)

#define KEEL_AUDIT_HTTP_HEADER_MAX 256

typedef struct keel_audit_http {
    CURL *curl;
    int curl_global; /* curl_global_init succeeded */
    struct sigaction saved_sigpipe;
    char base[KEEL_AUDIT_HOST_MAX + 16]; /* "https://host:port" */
    char body[KEEL_AUDIT_HTTP_KEEP_MAX + 1];
    size_t body_len;  /* bytes kept in body (NUL-terminated) */
    size_t body_seen; /* bytes the device sent */
    /* Headers of the last answer (5.6-2), "" when absent; cut to fit, NUL-terminated. */
    char server[KEEL_AUDIT_HTTP_HEADER_MAX];
    char powered_by[KEEL_AUDIT_HTTP_HEADER_MAX]; /* X-Powered-By */
    char content_type[KEEL_AUDIT_HTTP_HEADER_MAX];
} keel_audit_http;

typedef struct keel_audit_http_answer {
    long status;       /* 0 when no HTTP answer came */
    long retry_after;  /* seconds from Retry-After, -1 when absent */
    CURLcode code;     /* libcurl's result */
    long long took_ms; /* from sending to the end of the answer */
} keel_audit_http_answer;

/* Set up h for t. KEEL_ERR_IO when libcurl cannot be initialised, KEEL_ERR_RANGE when
 * the base URL does not fit. Pair with keel_audit_http_close, also after a failure. */
keel_err keel_audit_http_open(keel_audit_http *h, const keel_audit_target *t);

/* Release h and wipe what the device sent. NULL is a no-op. */
void keel_audit_http_close(keel_audit_http *h);

/* POST json (json_len bytes; may hold secrets: libcurl does not copy it) to path with
 * "Authorization: Bearer <bearer>" when bearer is not NULL. The answer's status, Retry-After
 * and timing go to *out, its first KEEL_AUDIT_HTTP_KEEP_MAX bytes to h->body. Only argument
 * errors return an error: a device that does not answer gives status 0 and its code. */
keel_err keel_audit_http_post(keel_audit_http *h, const char *path, const char *json,
                              size_t json_len, const char *bearer, keel_audit_http_answer *out);

/* GET path, with the bearer token as for keel_audit_http_post; the answer as there (its
 * first KEEL_AUDIT_HTTP_KEEP_MAX bytes in h->body). */
keel_err keel_audit_http_get(keel_audit_http *h, const char *path, const char *bearer,
                             keel_audit_http_answer *out);

/* A request of any method the IXIT allows (GET, POST, PUT, PATCH, DELETE; else KEEL_ERR_ARG)
 * with json as its body (NULL: none), as for keel_audit_http_post. */
keel_err keel_audit_http_request(keel_audit_http *h, const char *method, const char *path,
                                 const char *json, size_t json_len, const char *bearer,
                                 keel_audit_http_answer *out);

/* {"<name>": value, ...} for count pairs, escaped by cJSON, into a new string that the
 * caller wipes and frees with keel_audit_http_json_free. NULL when out of memory. */
char *keel_audit_http_json(const char *const *names, const char *const *values, size_t count);
void keel_audit_http_json_free(char *json);

/* The string member name of the JSON object in h->body, copied into out (KEEL_ERR_RANGE
 * when it does not fit, KEEL_ERR_PARSE when the body is not such an object). The body is
 * untrusted: nothing else of it is used. */
keel_err keel_audit_http_body_string(keel_audit_http *h, const char *name, char *out, size_t outsz);

/* POST {"password": password} to login_path. A 429 answer is waited out (its Retry-After,
 * 1 s when it names none) and the same password sent again while the wait ends before
 * deadline_ms (keel_audit_net_now_ms clock); otherwise the 429 is the answer. *waited_ms
 * (may be NULL) grows by the time spent waiting. KEEL_ERR_NOMEM, KEEL_ERR_ARG. */
keel_err keel_audit_login(keel_audit_http *h, const char *login_path, const char *password,
                          long long deadline_ms, keel_audit_http_answer *out, long long *waited_ms);

/* Sleep ms milliseconds (restarted after signals). */
void keel_audit_sleep_ms(long long ms);

#endif /* KEEL_AUDIT_HTTP_H */
