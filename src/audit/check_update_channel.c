/* The repository's server as the channel of the update mechanism (5.3-7-2): TLS judged by the
 * rules of 5.5-1-2 (the same probes, run on a scratch report), the certificate checked the way
 * the device checks it (the repository's CA alone, the URL's host), and plain HTTP on the same
 * port, which must not serve the repository. When the laboratory holds the repository's
 * address for the device's rounds, the IXIT's repository_server names where the genuine
 * server is reached meanwhile; the certificate is then still checked against the URL's host. */
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check_update.h"
#include "net.h"

#define PROBE_CONNECT_MS 3000L
#define PROBE_TOTAL_MS 10000L
#define PROBE_BODY_MAX KEEL_UPDATE_TIMESTAMP_MAX

typedef struct body {
    char data[PROBE_BODY_MAX];
    size_t len;
} body;

static size_t keep(char *data, size_t size, size_t nmemb, void *user)
{
    body *b = user;
    size_t n = size * nmemb;

    if (n > sizeof(b->data) - b->len)
        return 0;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return n;
}

static int reachable(const keel_audit_target *t)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    const char *why = "";
    int fd;

    if (keel_audit_net_resolve(t, &ss, &len, &why) != KEEL_OK)
        return 0;
    keel_audit_net_set_port(&ss, t->port);
    fd = keel_audit_net_connect(&ss, len, (int)PROBE_CONNECT_MS, (int)PROBE_CONNECT_MS);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* 5.5-1-2's probes against the server, on a report of their own. */
static void probe_tls(const keel_audit_ixit_update *u, keel_catalog_version v,
                      keel_audit_update_repo *repo, keel_audit_evidence *ev)
{
    char text[KEEL_AUDIT_TARGET_MAX];
    keel_audit_report *scratch = NULL;
    const keel_audit_entry *e;

    if (keel_audit_target_format(&u->server, text, sizeof(text)) != KEEL_OK ||
        keel_audit_report_new(v, text, &scratch) != KEEL_OK ||
        keel_audit_check_tls_ixit(scratch, &u->server, NULL, NULL) != KEEL_OK ||
        (e = keel_audit_report_find(scratch, "5.5-1")) == NULL || e->test_count == 0) {
        (void)keel_audit_evidence_addf(ev, "repository server %s: the TLS probes could not run",
                                       text);
        repo->server_tls = KEEL_AUDIT_INCONCLUSIVE;
        keel_audit_report_free(scratch);
        return;
    }
    repo->server_tls = e->tests[0].verdict;
    for (size_t i = 0; i < e->tests[0].evidence_count; i++)
        (void)keel_audit_evidence_addf(ev, "repository server %s: %s", text,
                                       e->tests[0].evidence[i]);
    (void)keel_audit_evidence_addf(ev, "repository server %s under 5.5-1-2's rules: %s", text,
                                   keel_audit_verdict_name(repo->server_tls));
    keel_audit_report_free(scratch);
}

/* "HOST:PORT" as libcurl's CURLOPT_CONNECT_TO wants it (IPv6 in brackets). */
static keel_err curl_host(const keel_audit_target *t, char *out, size_t outsz)
{
    return t->ipv6_literal ? keel_str_format(out, outsz, "[%s]:%u", t->host, (unsigned)t->port)
                           : keel_str_format(out, outsz, "%s:%u", t->host, (unsigned)t->port);
}

static CURLcode common(CURL *c, body *b, char *errbuf)
{
    CURLcode rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);

    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, PROBE_CONNECT_MS);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, PROBE_TOTAL_MS);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROXY, "");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    return rc;
}

/* GET timestamp.json over HTTPS as the device would: the repository's CA alone, the URL's
 * host, TLS 1.2 or later; connected to the server's address. */
static CURLcode fetch_pinned(const keel_audit_ixit_update *u, body *b, char *errbuf, long *status)
{
    char url[KEEL_AUDIT_UPDATE_URL_MAX + 32], from[KEEL_AUDIT_TARGET_MAX + 8],
        to[KEEL_AUDIT_TARGET_MAX + 8], map[2 * KEEL_AUDIT_TARGET_MAX + 24];
    struct curl_slist *connect_to = NULL;
    CURL *c = curl_easy_init();
    CURLcode rc = c != NULL ? common(c, b, errbuf) : CURLE_FAILED_INIT;

    if (rc == CURLE_OK &&
        (keel_str_format(url, sizeof(url), "%s/timestamp.json", u->repository) != KEEL_OK ||
         curl_host(&u->repository_at, from, sizeof(from)) != KEEL_OK ||
         curl_host(&u->server, to, sizeof(to)) != KEEL_OK ||
         keel_str_format(map, sizeof(map), "%s:%s", from, to) != KEEL_OK ||
         (connect_to = curl_slist_append(NULL, map)) == NULL))
        rc = CURLE_OUT_OF_MEMORY;
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CAINFO, u->repository_ca);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c);
    if (rc == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
        *status = 0;
    curl_easy_cleanup(c);
    curl_slist_free_all(connect_to);
    return rc;
}

static void probe_pinned(const keel_audit_ixit_update *u, keel_audit_update_repo *repo,
                         keel_audit_evidence *ev)
{
    char errbuf[CURL_ERROR_SIZE] = "", path[KEEL_AUDIT_UPDATE_FILE_MAX], *mirror = NULL;
    body b;
    size_t mlen = 0;
    long status = 0;
    CURLcode rc;

    b.len = 0;
    rc = fetch_pinned(u, &b, errbuf, &status);
    if (rc == CURLE_PEER_FAILED_VERIFICATION) {
        repo->pinned = 0;
        (void)keel_audit_evidence_addf(ev,
                                       "HTTPS to %s with the repository's CA pinned: "
                                       "certificate refused (%s)",
                                       u->repository, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return;
    }
    if (rc != CURLE_OK || status != 200) {
        repo->pinned = -1;
        (void)keel_audit_evidence_addf(
            ev, "HTTPS to %s with the repository's CA pinned: %s", u->repository,
            rc != CURLE_OK ? (errbuf[0] ? errbuf : curl_easy_strerror(rc))
                           : "timestamp.json not served (HTTP status)");
        return;
    }
    repo->pinned = 1;
    if (keel_str_format(path, sizeof(path), "%s/timestamp.json", u->mirror) != KEEL_OK ||
        keel_file_read(path, PROBE_BODY_MAX, &mirror, &mlen) != KEEL_OK)
        mlen = 0;
    (void)keel_audit_evidence_addf(
        ev,
        "HTTPS to %s with the repository's CA pinned: the certificate chains to it and names "
        "%s; timestamp.json %s",
        u->repository, u->repository_at.host,
        mirror != NULL && mlen == b.len && memcmp(mirror, b.data, mlen) == 0
            ? "is the mirror's, byte for byte"
            : "differs from the mirror's (published since the copy was made?)");
    keel_file_free(mirror, mlen);
}

/* Plain HTTP on the server's port must not serve the repository. */
static void probe_plain(const keel_audit_ixit_update *u, keel_audit_update_repo *repo,
                        keel_audit_evidence *ev)
{
    char url[KEEL_AUDIT_UPDATE_URL_MAX + 32], host[KEEL_AUDIT_TARGET_MAX + 8];
    char errbuf[CURL_ERROR_SIZE] = "";
    body b;
    long status = 0;
    CURL *c = curl_easy_init();
    CURLcode rc = c != NULL ? common(c, &b, errbuf) : CURLE_FAILED_INIT;

    b.len = 0;
    if (rc == CURLE_OK && (curl_host(&u->server, host, sizeof(host)) != KEEL_OK ||
                           keel_str_format(url, sizeof(url), "http://%s%s/timestamp.json", host,
                                           u->repository_path) != KEEL_OK))
        rc = CURLE_URL_MALFORMAT;
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c);
    if (rc == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        status = 0;
    curl_easy_cleanup(c);
    repo->plain_http = rc == CURLE_OK && status == 200;
    if (rc == CURLE_OK)
        (void)keel_audit_evidence_addf(ev, "plain HTTP GET %s: HTTP %ld (%s)", url, status,
                                       status == 200 ? "served" : "not served");
    else
        (void)keel_audit_evidence_addf(ev, "plain HTTP GET %s: no HTTP answer (%s): not served",
                                       url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

keel_err keel_audit_update_probe_server(const keel_audit_ixit_update *u, keel_catalog_version v,
                                        keel_audit_update_repo *repo, keel_audit_evidence *ev)
{
    char text[KEEL_AUDIT_TARGET_MAX];

    if (u == NULL || repo == NULL)
        return KEEL_ERR_ARG;
    repo->server_tls = KEEL_AUDIT_NOT_TESTED;
    repo->plain_http = -1;
    repo->pinned = -1;
    if (keel_audit_target_format(&u->server, text, sizeof(text)) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if (!reachable(&u->server)) {
        (void)keel_audit_evidence_addf(ev, "repository server %s: nothing accepts a connection",
                                       text);
        return KEEL_OK;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return KEEL_ERR_IO;
    probe_tls(u, v, repo, ev);
    probe_pinned(u, repo, ev);
    probe_plain(u, repo, ev);
    curl_global_cleanup();
    return KEEL_OK;
}
