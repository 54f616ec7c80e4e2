/* The HTTPS fetcher against a real nginx on loopback (5.3-2: updates over a secure channel;
 * 5.5-1: keel's TLS policy; 5.3-9 and TUF's endless-data and slow-retrieval attacks):
 * files, 404, lengths past the bound with and without Content-Length, range resumes, a
 * server that ignores the range, redirects, a certificate from another CA or for another
 * name, a TLS 1.1 server, plain http://, a server that never answers, and a whole download
 * into a slot that resumes over HTTPS. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "fetch_private.h"
#include "keel/update.h"
#include "nginx.h"

#define BIG (5u * 1024u * 1024u + 777u)

static keel_test_nginx server;
static uint8_t *big;

static uint8_t *pattern(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len);
    uint32_t x = 2463534242u ^ seed;

    assert_non_null(p);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

static int group_setup(void **state)
{
    static const char root[] = "{\"signed\":\"a root\"}";
    uint8_t ten[10000];

    (void)state;
    if (keel_test_nginx_start(&server) != 0)
        return -1;
    big = pattern(BIG, 1);
    memset(ten, 'k', sizeof(ten));
    if (keel_test_nginx_put(&server, "1.root.json", root, sizeof(root) - 1) != 0 ||
        keel_test_nginx_put(&server, "ten.bin", ten, sizeof(ten)) != 0 ||
        keel_test_nginx_put(&server, "chunked/ten.bin", ten, sizeof(ten)) != 0 ||
        keel_test_nginx_put(&server, "norange/big.img", big, BIG) != 0 ||
        keel_test_nginx_put(&server, "targets/big.img", big, BIG) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    keel_test_nginx_stop(&server);
    free(big);
    return 0;
}

static keel_update_fetcher *fetcher_for(uint16_t port, const char *ca_file)
{
    keel_update_fetcher *f = NULL;
    char url[64];

    snprintf(url, sizeof(url), "https://127.0.0.1:%u", (unsigned)port);
    assert_int_equal(keel_update_fetcher_https(url, ca_file, &f), KEEL_OK);
    return f;
}

static keel_update_fetcher *fetcher(void)
{
    return fetcher_for(server.port, server.ca_file);
}

typedef struct counter {
    uint64_t bytes;
    uint8_t *copy; /* may be NULL */
} counter;

static keel_err count_sink(void *ctx, const uint8_t *data, size_t len)
{
    counter *c = ctx;

    if (c->copy != NULL)
        memcpy(c->copy + c->bytes, data, len);
    c->bytes += len;
    return KEEL_OK;
}

/* ---- answers ---- */

static void test_https_fetch(void **state)
{
    keel_update_fetcher *f = fetcher();
    uint8_t *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_update_fetch(f, "1.root.json", 1024, &out, &len), KEEL_OK);
    assert_int_equal(len, 19);
    assert_string_equal((char *)out, "{\"signed\":\"a root\"}");
    free(out);
    /* The same fetcher again (the connection is kept). */
    assert_int_equal(keel_update_fetch(f, "ten.bin", 10000, &out, &len), KEEL_OK);
    assert_int_equal(len, 10000);
    free(out);
    keel_update_fetcher_free(f);
}

static void test_https_not_found(void **state)
{
    keel_update_fetcher *f = fetcher();
    uint8_t *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_update_fetch(f, "2.root.json", 1024, &out, &len), KEEL_ERR_NOT_FOUND);
    assert_null(out);
    assert_int_equal(keel_update_fetch(f, "targets/none.img", 1024, &out, &len),
                     KEEL_ERR_NOT_FOUND);
    /* nginx's 404 page is longer than this bound: still "not found". */
    assert_int_equal(keel_update_fetch(f, "3.root.json", 4, &out, &len), KEEL_ERR_NOT_FOUND);
    keel_update_fetcher_free(f);
}

/* Endless data: refused from the announced length, and, without one, as the bytes come. */
static void test_https_too_long(void **state)
{
    keel_update_fetcher *f = fetcher();
    uint8_t *out = NULL;
    size_t len = 0;
    counter c = {0, NULL};
    uint64_t got = 0;

    (void)state;
    assert_int_equal(keel_update_fetch(f, "ten.bin", 9999, &out, &len), KEEL_ERR_UPDATE_TOO_LONG);
    assert_null(out);
    assert_int_equal(keel_update_fetch(f, "chunked/ten.bin", 9999, &out, &len),
                     KEEL_ERR_UPDATE_TOO_LONG);
    assert_int_equal(keel_update_fetch_stream(f, "chunked/ten.bin", 0, 5000, count_sink, &c, &got),
                     KEEL_ERR_UPDATE_TOO_LONG);
    assert_true(c.bytes <= 5000); /* the extra bytes never reached the sink */
    assert_int_equal(got, c.bytes);
    assert_int_equal(keel_update_fetch(f, "chunked/ten.bin", 10000, &out, &len), KEEL_OK);
    assert_int_equal(len, 10000);
    free(out);
    keel_update_fetcher_free(f);
}

static void test_https_range(void **state)
{
    keel_update_fetcher *f = fetcher();
    counter c = {0, malloc(BIG)};
    uint64_t got = 0;

    (void)state;
    assert_non_null(c.copy);
    assert_int_equal(keel_update_fetch_stream(f, "targets/big.img", 1000000, BIG - 1000000,
                                              count_sink, &c, &got),
                     KEEL_OK);
    assert_int_equal(got, BIG - 1000000);
    assert_memory_equal(c.copy, big + 1000000, BIG - 1000000);
    /* A range past what remains is endless data too. */
    c.bytes = 0;
    assert_int_equal(
        keel_update_fetch_stream(f, "targets/big.img", 1000000, 1000, count_sink, &c, &got),
        KEEL_ERR_UPDATE_TOO_LONG);
    assert_int_equal(c.bytes, 0);
    /* A server that answers a range with the whole file (200) is not silently believed. */
    c.bytes = 0;
    assert_int_equal(
        keel_update_fetch_stream(f, "norange/big.img", 1000, BIG - 1000, count_sink, &c, &got),
        KEEL_ERR_UPDATE_FETCH);
    assert_int_equal(c.bytes, 0);
    free(c.copy);
    keel_update_fetcher_free(f);
}

static void test_https_redirect_refused(void **state)
{
    keel_update_fetcher *f = fetcher();
    uint8_t *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_update_fetch(f, "redirect", 1024, &out, &len), KEEL_ERR_UPDATE_FETCH);
    assert_null(out);
    keel_update_fetcher_free(f);
}

/* ---- who the server is ---- */

static void expect_refused(keel_update_fetcher *f)
{
    uint8_t *out = NULL;
    size_t len = 0;

    assert_int_equal(keel_update_fetch(f, "1.root.json", 1024, &out, &len), KEEL_ERR_UPDATE_FETCH);
    assert_null(out);
    keel_update_fetcher_free(f);
}

static void test_https_other_ca(void **state)
{
    (void)state;
    expect_refused(fetcher_for(server.port_other_ca, server.ca_file));
}

static void test_https_wrong_name(void **state)
{
    keel_update_fetcher *f = NULL;
    char url[64];

    (void)state;
    /* The certificate names IP 127.0.0.1 only. */
    snprintf(url, sizeof(url), "https://localhost:%u", (unsigned)server.port);
    assert_int_equal(keel_update_fetcher_https(url, server.ca_file, &f), KEEL_OK);
    expect_refused(f);
}

static void test_https_tls11_refused(void **state)
{
    (void)state;
    expect_refused(fetcher_for(server.port_tls11, server.ca_file));
}

static void test_https_ca_missing(void **state)
{
    (void)state;
    expect_refused(fetcher_for(server.port, "/nonexistent/ca.pem"));
}

static void test_https_urls_refused(void **state)
{
    char http[96], slash[96], user[96], query[96], fragment[96];
    const char *bad[] = {http,
                         slash,
                         user,
                         query,
                         fragment,
                         "",
                         "127.0.0.1",
                         "https://",
                         "ftp://127.0.0.1/x",
                         "file:///etc",
                         "https://127.0.0.1:1/a b",
                         "https://127.0.0.1:1/\n"};
    keel_update_fetcher *f = (keel_update_fetcher *)&f;

    (void)state;
    snprintf(http, sizeof(http), "http://127.0.0.1:%u", (unsigned)server.port);
    snprintf(slash, sizeof(slash), "%s/", server.url);
    snprintf(user, sizeof(user), "https://u:p@127.0.0.1:%u", (unsigned)server.port);
    snprintf(query, sizeof(query), "%s/x?y=1", server.url);
    snprintf(fragment, sizeof(fragment), "%s/x#y", server.url);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_update_fetcher_https(bad[i], server.ca_file, &f) != KEEL_ERR_ARG)
            fail_msg("URL accepted: '%s'", bad[i]);
        assert_null(f);
    }
    assert_int_equal(keel_update_fetcher_https(server.url, NULL, &f), KEEL_ERR_ARG);
    assert_int_equal(keel_update_fetcher_https(server.url, "", &f), KEEL_ERR_ARG);
    assert_int_equal(keel_update_fetcher_https(NULL, server.ca_file, &f), KEEL_ERR_ARG);
    /* A path under the host is fine. */
    {
        char sub[80];
        snprintf(sub, sizeof(sub), "%s/targets", server.url);
        f = fetcher_for(server.port, server.ca_file);
        keel_update_fetcher_free(f);
        assert_int_equal(keel_update_fetcher_https(sub, server.ca_file, &f), KEEL_OK);
        {
            uint8_t *out = NULL;
            size_t len = 0;
            assert_int_equal(keel_update_fetch(f, "big.img", BIG, &out, &len), KEEL_OK);
            assert_int_equal(len, BIG);
            free(out);
        }
        keel_update_fetcher_free(f);
    }
}

/* A server that accepts the connection and never says a word cannot hold the device. */
static void test_https_silent_server(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    keel_update_fetcher *f;
    struct timespec t0, t1;

    (void)state;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 4), 0); /* the kernel completes the handshake; nobody reads */
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    f = fetcher_for(ntohs(a.sin_port), server.ca_file);
    assert_int_equal(keel_update_fetcher_https_timeouts(f, 1, 1), KEEL_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_refused(f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    close(fd);
    {
        keel_update_fetcher *d = NULL;
        char dir[] = "/tmp";
        assert_int_equal(keel_update_fetcher_dir(dir, &d), KEEL_OK);
        assert_int_equal(keel_update_fetcher_https_timeouts(d, 1, 1), KEEL_ERR_ARG);
        keel_update_fetcher_free(d);
    }
}

/* ---- a whole download over HTTPS, interrupted and resumed ---- */

static void test_https_download_resume(void **state)
{
    char tmp[] = "/tmp/keel-https-XXXXXX", slot[64], progress[64], cmd[96];
    keel_update_fetcher *f = fetcher();
    keel_update_target t;
    keel_update_progress p;
    unsigned int dlen = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *s;

    (void)state;
    assert_non_null(mkdtemp(tmp));
    snprintf(slot, sizeof(slot), "%s/slot", tmp);
    snprintf(progress, sizeof(progress), "%s/download.json", tmp);
    memset(&t, 0, sizeof(t));
    memcpy(t.name, "big.img", sizeof("big.img"));
    t.length = BIG;
    assert_int_equal(EVP_Digest(big, BIG, t.sha256, &dlen, EVP_sha256(), NULL), 1);
    /* Whole. */
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_OK);
    /* Cut after 3 MiB (the slot holds them, the record says so), then resumed: the server
     * is asked for the rest only, and the bytes it serves first are never read. */
    assert_int_equal(truncate(slot, 3 * 1024 * 1024), 0);
    memset(&p, 0, sizeof(p));
    memcpy(p.target, t.name, sizeof(p.target));
    p.length = t.length;
    memcpy(p.sha256, t.sha256, 32);
    p.written = 3 * 1024 * 1024;
    assert_int_equal(keel_update_progress_format(&p, &text, &len), KEEL_OK);
    s = fopen(progress, "w");
    assert_non_null(s);
    assert_int_equal(fwrite(text, 1, len, s), len);
    fclose(s);
    free(text);
    {
        uint8_t *damaged = malloc(BIG);
        assert_non_null(damaged);
        memcpy(damaged, big, BIG);
        memset(damaged, 0, 3 * 1024 * 1024);
        assert_int_equal(keel_test_nginx_put(&server, "targets/big.img", damaged, BIG), 0);
        free(damaged);
    }
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_OK);
    assert_int_equal(access(progress, F_OK), -1);
    /* Now the damaged copy from byte 0: the hash refuses it. */
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_UPDATE_HASH);
    assert_int_equal(keel_test_nginx_put(&server, "targets/big.img", big, BIG), 0);
    keel_update_fetcher_free(f);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https_fetch),
        cmocka_unit_test(test_https_not_found),
        cmocka_unit_test(test_https_too_long),
        cmocka_unit_test(test_https_range),
        cmocka_unit_test(test_https_redirect_refused),
        cmocka_unit_test(test_https_other_ca),
        cmocka_unit_test(test_https_wrong_name),
        cmocka_unit_test(test_https_tls11_refused),
        cmocka_unit_test(test_https_ca_missing),
        cmocka_unit_test(test_https_urls_refused),
        cmocka_unit_test(test_https_silent_server),
        cmocka_unit_test(test_https_download_resume),
    };

    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
