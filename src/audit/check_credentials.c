/* TS 103 701 test case 5.1-1-2 (functional): no universal default password. The login API
 * of the device is offered each well-known default password (the kind botnets such as Mirai
 * try first); a device that accepts one has a password that is neither unique per device nor
 * chosen by the user.
 *
 * The device's certificate is self-signed or from the maker's own CA, and the auditor does
 * not rely on the device for anything: it only sends public, well-known candidates and reads
 * status codes. Verifying the peer would add no protection here and would stop the test, so
 * verification is off for this probe alone. Certificate checks belong to 5.5 test cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "net.h"

#define CONNECT_TIMEOUT_MS 3000L
#define TOTAL_TIMEOUT_MS 5000L
/* A login answer is small; a device that sends more is cut off (its status still counts). */
#define BODY_MAX ((size_t)64 * 1024)

typedef struct tally {
    size_t accepted, refused, unexpected;
    int transport_error;
} tally;

static size_t discard_body(char *data, size_t size, size_t nmemb, void *user)
{
    size_t *seen = user;
    size_t n = size * nmemb;

    (void)data;
    if (n > BODY_MAX - *seen)
        return 0;
    *seen += n;
    return n;
}

static int valid_login_path(const char *path)
{
    size_t n = strnlen(path, KEEL_AUDIT_LOGIN_PATH_MAX);

    if (n == 0 || n >= KEEL_AUDIT_LOGIN_PATH_MAX || path[0] != '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (path[i] <= ' ' || path[i] > '~')
            return 0;
    }
    return 1;
}

static keel_err login_url(const keel_audit_target *t, const char *path, char *out, size_t outsz)
{
    if (t->ipv6_literal)
        return keel_str_format(out, outsz, "https://[%s]:%u%s", t->host, (unsigned)t->port, path);
    return keel_str_format(out, outsz, "https://%s:%u%s", t->host, (unsigned)t->port, path);
}

static keel_err setup_handle(CURL *curl, const char *url, struct curl_slist *headers, size_t *seen)
{
    int failed = 0;

    failed |= curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body) != CURLE_OK;
    failed |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, seen) != CURLE_OK;
    return failed ? KEEL_ERR_ARG : KEEL_OK;
}

/* {"password": candidate}, escaped by cJSON. NULL when out of memory. */
static char *login_body(const char *candidate)
{
    cJSON *obj = cJSON_CreateObject();
    char *text = NULL;

    if (obj != NULL && cJSON_AddStringToObject(obj, "password", candidate) != NULL)
        text = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    return text;
}

/* One login attempt; its outcome goes into the tally and, when notable, the evidence. */
static void try_candidate(CURL *curl, const char *candidate, size_t *seen, tally *k,
                          keel_audit_evidence *ev)
{
    char *body = login_body(candidate);
    long status = 0;
    CURLcode c;

    if (body == NULL) {
        k->transport_error = 1;
        (void)keel_audit_evidence_addf(ev, "out of memory building the request");
        return;
    }
    *seen = 0;
    c = curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body);
    if (c == CURLE_OK)
        c = curl_easy_perform(curl);
    cJSON_free(body);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 0) {
        k->transport_error = 1;
        (void)keel_audit_evidence_addf(ev, "'%s': no HTTP answer (%s)", candidate,
                                       curl_easy_strerror(c));
    } else if (status >= 200 && status <= 299) {
        /* Any success status is a login: a 204 accepts the password as surely as a 200. */
        k->accepted++;
        (void)keel_audit_evidence_addf(ev, "'%s': accepted (HTTP %ld)", candidate, status);
    } else if (status == 401 || status == 403) {
        k->refused++;
    } else {
        k->unexpected++;
        (void)keel_audit_evidence_addf(ev, "'%s': unexpected HTTP %ld", candidate, status);
    }
}

static keel_audit_verdict judge(const tally *k, size_t n, keel_audit_evidence *ev)
{
    (void)keel_audit_evidence_addf(ev,
                                   "%zu refused with HTTP 401/403, %zu accepted, "
                                   "%zu unexpected answers",
                                   k->refused, k->accepted, k->unexpected);
    if (k->accepted > 0)
        return KEEL_AUDIT_FAIL;
    if (k->transport_error) {
        (void)keel_audit_evidence_addf(ev, "the device stopped answering; the remaining "
                                           "candidates were not tried");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (k->unexpected > 0 || k->refused != n)
        return KEEL_AUDIT_INCONCLUSIVE;
    return KEEL_AUDIT_PASS;
}

static keel_audit_verdict probe_all(CURL *curl, const char *url, const char *const *candidates,
                                    size_t n, keel_audit_evidence *ev)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    size_t seen = 0;
    tally k = {0};

    if (headers == NULL || setup_handle(curl, url, headers, &seen) != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "libcurl could not be set up");
        curl_slist_free_all(headers);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "POST %s with {\"password\": candidate} for %zu "
                                   "well-known default passwords",
                                   url, n);
    /* After a timeout or a dropped connection, further tries would only wait as long. */
    for (size_t i = 0; i < n && !k.transport_error; i++) {
        if (candidates[i] != NULL)
            try_candidate(curl, candidates[i], &seen, &k, ev);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return judge(&k, n, ev);
}

keel_err keel_audit_check_credentials(keel_audit_report *r, const keel_audit_target *t,
                                      const char *login_path, const char *const *candidates,
                                      size_t n)
{
    char url[KEEL_AUDIT_HOST_MAX + KEEL_AUDIT_LOGIN_PATH_MAX + 32];
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    struct sigaction saved;
    CURL *curl;

    if (login_path == NULL)
        login_path = KEEL_AUDIT_LOGIN_PATH_DEFAULT;
    if (r == NULL || t == NULL || candidates == NULL || n == 0 || !valid_login_path(login_path))
        return KEEL_ERR_ARG;
    if (login_url(t, login_path, url, sizeof(url)) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return KEEL_ERR_IO;
    keel_audit_evidence_init(&ev);
    /* CURLOPT_NOSIGNAL leaves SIGPIPE to the application. */
    keel_audit_net_sigpipe_ignore(&saved);
    curl = curl_easy_init();
    if (curl == NULL)
        (void)keel_audit_evidence_addf(&ev, "libcurl could not be set up");
    else
        verdict = probe_all(curl, url, candidates, n, &ev);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    keel_audit_net_sigpipe_restore(&saved);
    return keel_audit_record(r, "5.1-1-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
