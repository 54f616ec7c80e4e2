/*
 * A repository behind HTTPS, through libcurl (5.3-2: updates reach the device over a
 * secure channel; 5.5-1: keel's TLS policy). The server must chain to the repository's CA
 * file alone (never the system store) and carry the URL's host; plain HTTP, redirects and
 * proxies from the environment are refused, so every byte comes from the server the device
 * was configured with. Bounds (5.3-9 and TUF's endless-data and slow-retrieval attacks): no
 * answer may exceed the caller's maximum, the handshake must finish within 10 s and a
 * transfer slower than 100 bytes/s for 30 s is abandoned.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "fetch_private.h"
#include "keel/tls.h"

#define URL_MAX 2048u
#define CONNECT_S 10L
#define STALL_S 30L
#define STALL_BYTES_PER_S 100L
#define RECEIVE_BUFFER (512L * 1024L) /* libcurl's largest before 7.88 */

typedef struct https_state {
    char base[URL_MAX];
    char ca_file[KEEL_UPDATE_PATH_MAX];
    char errbuf[CURL_ERROR_SIZE];
    CURL *curl;
} https_state;

/* One transfer: what the body callback needs to bound and judge the answer. */
typedef struct transfer {
    CURL *curl;
    const char *name;
    long expect; /* 200 for a whole file, 206 for a range */
    uint64_t max;
    uint64_t got;
    keel_update_sink sink;
    void *sink_ctx;
    int status_checked;
    keel_err err;
} transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- answers ---- */

static keel_err status_check(transfer *t)
{
    long code = 0;

    t->status_checked = 1;
    if (curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
        code = 0;
    if (code == t->expect)
        return KEEL_OK;
    if (code == 404) {
        keel_log(KEEL_LOG_INFO, "update: '%s' is not in the repository (HTTP 404)", t->name);
        return KEEL_ERR_NOT_FOUND;
    }
    if (code == 200 && t->expect == 206)
        keel_log(KEEL_LOG_ERROR, "update: '%s': the server ignored the range request", t->name);
    else
        keel_log(KEEL_LOG_ERROR, "update: '%s': HTTP status %ld", t->name, code);
    return KEEL_ERR_UPDATE_FETCH;
}

/* libcurl's body callback: returning anything but len aborts the transfer. Nothing reaches
 * the sink before the status is known to be the expected one, nor past max. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    transfer *t = user;
    size_t len = size * nmemb;

    if (!t->status_checked) {
        t->err = status_check(t);
        if (t->err != KEEL_OK)
            return 0;
    }
    if ((uint64_t)len > t->max - t->got) {
        keel_log(KEEL_LOG_ERROR, "update: '%s' is longer than %llu bytes", t->name,
                 (unsigned long long)t->max);
        t->err = KEEL_ERR_UPDATE_TOO_LONG;
        return 0;
    }
    t->err = t->sink(t->sink_ctx, (const uint8_t *)data, len);
    if (t->err != KEEL_OK)
        return 0;
    t->got += len;
    return len;
}

static keel_err transfer_result(https_state *h, transfer *t, CURLcode rc)
{
    if (t->err != KEEL_OK)
        return t->err;
    if (rc == CURLE_FILESIZE_EXCEEDED) {
        /* Refused from the headers: a 404 page or a whole file for a range says more. */
        keel_err status = t->status_checked ? KEEL_OK : status_check(t);
        if (status != KEEL_OK)
            return status;
        keel_log(KEEL_LOG_ERROR, "update: '%s' is longer than %llu bytes", t->name,
                 (unsigned long long)t->max);
        return KEEL_ERR_UPDATE_TOO_LONG;
    }
    if (rc != CURLE_OK) {
        keel_log(KEEL_LOG_ERROR, "update: fetching '%s' failed: %s", t->name,
                 h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
        return KEEL_ERR_UPDATE_FETCH;
    }
    return t->status_checked ? KEEL_OK : status_check(t); /* an empty body */
}

static keel_err https_stream(keel_update_fetcher *f, const char *name, uint64_t offset,
                             uint64_t max, keel_update_sink sink, void *sink_ctx, uint64_t *got)
{
    https_state *h = f->backend;
    transfer t = {h->curl, name, offset > 0 ? 206 : 200, max, 0, sink, sink_ctx, 0, KEEL_OK};
    char url[URL_MAX + KEEL_UPDATE_FETCH_NAME_MAX + 1];
    char range[32];
    keel_err ret;
    CURLcode rc;

    ret = keel_str_format(url, sizeof(url), "%s/%s", h->base, name);
    if (ret == KEEL_OK && offset > 0)
        ret = keel_str_format(range, sizeof(range), "%llu-", (unsigned long long)offset);
    if (ret != KEEL_OK)
        return KEEL_ERR_ARG;
    h->errbuf[0] = '\0';
    /* libcurl refuses early an answer that announces more than max (0 means no limit). */
    rc = curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE,
                          (curl_off_t)(max > 0 && max <= INT64_MAX ? max : 0));
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h->curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h->curl, CURLOPT_RANGE, offset > 0 ? range : NULL);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &t);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h->curl);
    ret = transfer_result(h, &t, rc);
    *got = t.got;
    (void)curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, NULL); /* t goes out of scope */
    return ret;
}

static void https_close(keel_update_fetcher *f)
{
    https_state *h = f->backend;

    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    free(h);
    f->backend = NULL;
}

static const keel_update_fetch_ops https_ops = {https_stream, https_close};

/* ---- the handle ---- */

/* libcurl made the context and loaded ca_file into it; keel's policy goes on top. */
static CURLcode on_ssl_ctx(CURL *curl, void *ssl_ctx, void *user)
{
    (void)curl;
    (void)user;
    return keel_tls_client_policy_apply(ssl_ctx) == KEEL_OK ? CURLE_OK : CURLE_SSL_CIPHER;
}

static CURLcode handle_tls(https_state *h)
{
    CURL *c = h->curl;
    CURLcode rc = curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);

    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CAPATH, NULL); /* never the system's store */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    return rc;
}

static CURLcode handle_http(https_state *h)
{
    CURL *c = h->curl;
    CURLcode rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");

    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROXY, ""); /* not from the environment */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_USERAGENT, "keel-update");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    /* Images are large: fewer, larger reads from the TLS stream (the default is 16 KiB). */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_BUFFERSIZE, RECEIVE_BUFFER);
    return rc;
}

static CURLcode handle_limits(CURL *c, long connect_s, long stall_s)
{
    CURLcode rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_s);

    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, STALL_BYTES_PER_S);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_s);
    return rc;
}

/* base_url: https, a host, no user, query or fragment, no trailing '/' (libcurl parses). */
static keel_err base_url_check(const char *base_url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *fragment = NULL;
    size_t len = strnlen(base_url, URL_MAX);
    keel_err ret = KEEL_ERR_ARG;

    if (u == NULL)
        return KEEL_ERR_NOMEM;
    if (len == 0 || len == URL_MAX || base_url[len - 1] == '/' ||
        curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    if (strcmp(scheme, "https") != 0 || host[0] == '\0' ||
        curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER ||
        curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_NO_QUERY ||
        curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) != CURLUE_NO_FRAGMENT)
        goto out;
    ret = KEEL_OK;
out:
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR,
                 "update: repository URL '%s' refused: https://host[:port][/path]"
                 " without user, query, fragment or trailing '/'",
                 base_url);
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return ret;
}

static keel_err https_state_new(const char *base_url, const char *ca_file, https_state **out)
{
    https_state *h = calloc(1, sizeof(*h));
    keel_err ret = KEEL_ERR_NOMEM;

    if (h == NULL)
        return ret;
    ret = keel_str_copy(h->base, sizeof(h->base), base_url);
    if (ret == KEEL_OK)
        ret = keel_str_copy(h->ca_file, sizeof(h->ca_file), ca_file);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_UPDATE_FETCH;
    h->curl = curl_easy_init();
    if (h->curl == NULL || handle_tls(h) != CURLE_OK || handle_http(h) != CURLE_OK ||
        handle_limits(h->curl, CONNECT_S, STALL_S) != CURLE_OK) {
        keel_log(KEEL_LOG_ERROR, "update: libcurl cannot be set up for HTTPS with TLS 1.2+");
        goto out;
    }
    *out = h;
    h = NULL;
    ret = KEEL_OK;
out:
    if (h != NULL && h->curl != NULL)
        curl_easy_cleanup(h->curl);
    free(h);
    return ret;
}

keel_err keel_update_fetcher_https(const char *base_url, const char *ca_file,
                                   keel_update_fetcher **out)
{
    keel_update_fetcher *f = NULL;
    https_state *h = NULL;
    keel_err ret;

    if (out != NULL)
        *out = NULL;
    if (base_url == NULL || ca_file == NULL || *ca_file == '\0' || out == NULL)
        return KEEL_ERR_ARG;
    if (pthread_once(&curl_once, curl_init) != 0 || curl_init_result != CURLE_OK) {
        keel_log(KEEL_LOG_ERROR, "update: libcurl cannot be initialised");
        return KEEL_ERR_UPDATE_FETCH;
    }
    ret = base_url_check(base_url);
    if (ret != KEEL_OK)
        return ret;
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return KEEL_ERR_NOMEM;
    ret = https_state_new(base_url, ca_file, &h);
    if (ret != KEEL_OK) {
        free(f);
        return ret;
    }
    f->ops = &https_ops;
    f->backend = h;
    *out = f;
    return KEEL_OK;
}

keel_err keel_update_fetcher_https_timeouts(keel_update_fetcher *f, long connect_s, long stall_s)
{
    https_state *h;

    if (f == NULL || f->ops != &https_ops || connect_s <= 0 || stall_s <= 0)
        return KEEL_ERR_ARG;
    h = f->backend;
    return handle_limits(h->curl, connect_s, stall_s) == CURLE_OK ? KEEL_OK : KEEL_ERR_ARG;
}
