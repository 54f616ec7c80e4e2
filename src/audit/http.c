/* One libcurl handle per login-related check, reused across its requests so that a
 * throttling device sees one client (5.1-5 guards count per client). Every wait is bounded:
 * the device under test may accept a connection and then say nothing. */
#include <errno.h>
#include <stddef.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "http.h"
#include "net.h"

#define CONNECT_TIMEOUT_MS 3000L
#define TOTAL_TIMEOUT_MS 5000L
#define BEARER_HEADER_MAX 512

static size_t keep_body(char *data, size_t size, size_t nmemb, void *user)
{
    keel_audit_http *h = user;
    size_t n = size * nmemb;
    size_t room = KEEL_AUDIT_HTTP_KEEP_MAX - h->body_len;

    if (n > KEEL_AUDIT_HTTP_READ_MAX - h->body_seen)
        return 0;
    h->body_seen += n;
    if (room > n)
        room = n;
    memcpy(h->body + h->body_len, data, room);
    h->body_len += room;
    h->body[h->body_len] = '\0';
    return n;
}

/* Keep the value of the headers 5.6-2 looks at; a new status line (after a 1xx) starts
 * over. The device controls these bytes: they are cut to fit and sanitised as evidence. */
static size_t keep_header(char *data, size_t size, size_t nmemb, void *user)
{
    static const struct {
        const char *name;
        size_t off;
    } kept[] = {{"server:", offsetof(keel_audit_http, server)},
                {"x-powered-by:", offsetof(keel_audit_http, powered_by)},
                {"content-type:", offsetof(keel_audit_http, content_type)}};
    keel_audit_http *h = user;
    size_t n = size * nmemb;

    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        h->server[0] = h->powered_by[0] = h->content_type[0] = '\0';
        return n;
    }
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        size_t len = strlen(kept[i].name), end = n;
        char *out = (char *)h + kept[i].off;

        if (n < len || strncasecmp(data, kept[i].name, len) != 0)
            continue;
        while (len < end && (data[len] == ' ' || data[len] == '\t'))
            len++;
        while (end > len && (data[end - 1] == '\r' || data[end - 1] == '\n' ||
                             data[end - 1] == ' ' || data[end - 1] == '\t'))
            end--;
        if (end - len >= KEEL_AUDIT_HTTP_HEADER_MAX)
            end = len + KEEL_AUDIT_HTTP_HEADER_MAX - 1;
        memcpy(out, data + len, end - len);
        out[end - len] = '\0';
    }
    return n;
}

int keel_audit_http_path_valid(const char *path)
{
    size_t n;

    if (path == NULL)
        return 0;
    n = strnlen(path, KEEL_AUDIT_LOGIN_PATH_MAX);
    if (n == 0 || n >= KEEL_AUDIT_LOGIN_PATH_MAX || path[0] != '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (path[i] <= ' ' || path[i] > '~')
            return 0;
    }
    return 1;
}

static keel_err setup_handle(keel_audit_http *h)
{
    CURL *c = h->curl;
    int failed = 0;

    failed |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_header) != CURLE_OK;
    failed |= curl_easy_setopt(c, CURLOPT_HEADERDATA, h) != CURLE_OK;
    return failed ? KEEL_ERR_IO : KEEL_OK;
}

keel_err keel_audit_http_open(keel_audit_http *h, const keel_audit_target *t)
{
    keel_err ret;

    if (h == NULL)
        return KEEL_ERR_ARG;
    memset(h, 0, sizeof(*h));
    if (t == NULL)
        return KEEL_ERR_ARG;
    ret = t->ipv6_literal ? keel_str_format(h->base, sizeof(h->base), "https://[%s]:%u", t->host,
                                            (unsigned)t->port)
                          : keel_str_format(h->base, sizeof(h->base), "https://%s:%u", t->host,
                                            (unsigned)t->port);
    if (ret != KEEL_OK)
        return ret;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return KEEL_ERR_IO;
    h->curl_global = 1;
    /* CURLOPT_NOSIGNAL leaves SIGPIPE to the application. */
    keel_audit_net_sigpipe_ignore(&h->saved_sigpipe);
    h->curl = curl_easy_init();
    if (h->curl == NULL)
        return KEEL_ERR_IO;
    return setup_handle(h);
}

void keel_audit_http_close(keel_audit_http *h)
{
    if (h == NULL)
        return;
    if (h->curl_global) {
        curl_easy_cleanup(h->curl);
        curl_global_cleanup();
        keel_audit_net_sigpipe_restore(&h->saved_sigpipe);
    }
    keel_wipe(h, sizeof(*h));
}

/* The kind of body the request sends (POST) or asks for (GET) and, with a session, the
 * bearer token (wiped from the list before it is freed: it is a secret). */
static struct curl_slist *make_headers(int post, const char *bearer)
{
    char line[BEARER_HEADER_MAX];
    struct curl_slist *list = curl_slist_append(NULL, post ? "Content-Type: application/json"
                                                           : "Accept: application/json");
    struct curl_slist *more;

    if (list == NULL || bearer == NULL)
        return list;
    more = NULL;
    if (keel_str_format(line, sizeof(line), "Authorization: Bearer %s", bearer) == KEEL_OK)
        more = curl_slist_append(list, line);
    keel_wipe(line, sizeof(line));
    if (more == NULL) {
        curl_slist_free_all(list);
        return NULL;
    }
    return more;
}

static void free_headers(struct curl_slist *list)
{
    for (struct curl_slist *p = list; p != NULL; p = p->next)
        keel_wipe(p->data, strlen(p->data));
    curl_slist_free_all(list);
}

static void read_answer(keel_audit_http *h, CURLcode code, long long start,
                        keel_audit_http_answer *out)
{
    curl_off_t retry = -1;

    out->code = code;
    out->took_ms = keel_audit_net_now_ms() - start;
    if (curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &out->status) != CURLE_OK)
        out->status = 0;
    out->retry_after = -1;
    /* libcurl gives 0 both for "Retry-After: 0" and for no header: either way the device
     * named no wait. */
    if (out->status == 429 &&
        curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
        out->retry_after = retry > 86400 ? 86400 : (long)retry;
}

/* One request: method NULL is a GET without body or a POST of json_len bytes of json; any
 * other method is sent as named, with json as its body when not NULL. Each request sets its
 * own method: the handle is reused across methods. */
static keel_err request(keel_audit_http *h, const char *method, const char *path, const char *json,
                        size_t json_len, const char *bearer, keel_audit_http_answer *out)
{
    char url[sizeof(h->base) + KEEL_AUDIT_LOGIN_PATH_MAX];
    struct curl_slist *headers = NULL;
    CURLcode c = CURLE_OUT_OF_MEMORY;
    long long start;
    int failed = 0;

    if (h == NULL || h->curl == NULL || out == NULL || !keel_audit_http_path_valid(path))
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (keel_str_format(url, sizeof(url), "%s%s", h->base, path) != KEEL_OK)
        return KEEL_ERR_RANGE;
    keel_wipe(h->body, sizeof(h->body));
    h->body_len = h->body_seen = 0;
    h->server[0] = h->powered_by[0] = h->content_type[0] = '\0';
    headers = make_headers(json != NULL, bearer);
    failed |= headers == NULL;
    failed |= curl_easy_setopt(h->curl, CURLOPT_URL, url) != CURLE_OK;
    failed |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
    if (json != NULL) {
        failed |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)json_len) != CURLE_OK;
        failed |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, json) != CURLE_OK;
    } else {
        failed |= curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    }
    if (method != NULL)
        failed |= curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK;
    start = keel_audit_net_now_ms();
    if (!failed)
        c = curl_easy_perform(h->curl);
    read_answer(h, c, start, out);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
    if (json != NULL) /* libcurl keeps the pointer; json may be a secret the caller frees */
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    free_headers(headers);
    return KEEL_OK;
}

keel_err keel_audit_http_post(keel_audit_http *h, const char *path, const char *json,
                              size_t json_len, const char *bearer, keel_audit_http_answer *out)
{
    if (json == NULL)
        return KEEL_ERR_ARG;
    return request(h, NULL, path, json, json_len, bearer, out);
}

keel_err keel_audit_http_get(keel_audit_http *h, const char *path, const char *bearer,
                             keel_audit_http_answer *out)
{
    return request(h, NULL, path, NULL, 0, bearer, out);
}

keel_err keel_audit_http_request(keel_audit_http *h, const char *method, const char *path,
                                 const char *json, size_t json_len, const char *bearer,
                                 keel_audit_http_answer *out)
{
    static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    int ok = 0;

    for (size_t i = 0; method != NULL && i < sizeof(known) / sizeof(known[0]); i++)
        ok |= strcmp(method, known[i]) == 0;
    if (!ok)
        return KEEL_ERR_ARG;
    /* GET and POST as libcurl sends them natively; the rest named on the request line. */
    if ((strcmp(method, "GET") == 0 && json == NULL) ||
        (strcmp(method, "POST") == 0 && json != NULL))
        method = NULL;
    return request(h, method, path, json, json_len, bearer, out);
}

static void wipe_strings(cJSON *root)
{
    for (cJSON *m = root != NULL ? root->child : NULL; m != NULL; m = m->next) {
        if (cJSON_IsString(m) && m->valuestring != NULL)
            keel_wipe(m->valuestring, strlen(m->valuestring));
    }
}

char *keel_audit_http_json(const char *const *names, const char *const *values, size_t count)
{
    cJSON *obj = cJSON_CreateObject();
    char *text = NULL;
    size_t i = 0;

    while (obj != NULL && i < count && cJSON_AddStringToObject(obj, names[i], values[i]) != NULL)
        i++;
    if (obj != NULL && i == count)
        text = cJSON_PrintUnformatted(obj);
    wipe_strings(obj);
    cJSON_Delete(obj);
    return text;
}

void keel_audit_http_json_free(char *json)
{
    if (json == NULL)
        return;
    keel_wipe(json, strlen(json));
    cJSON_free(json);
}

keel_err keel_audit_http_body_string(keel_audit_http *h, const char *name, char *out, size_t outsz)
{
    cJSON *root;
    const cJSON *item;
    keel_err ret = KEEL_ERR_PARSE;

    if (h == NULL || name == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    root = cJSON_ParseWithLength(h->body, h->body_len);
    item = cJSON_GetObjectItemCaseSensitive(root, name);
    if (cJSON_IsObject(root) && cJSON_IsString(item) && item->valuestring != NULL)
        ret = keel_str_copy(out, outsz, item->valuestring);
    wipe_strings(root);
    cJSON_Delete(root);
    return ret;
}

void keel_audit_sleep_ms(long long ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
