/* The laboratory's stand-in for an update repository (keel audit, 5.3-9-2 and 5.3-10-2): it
 * serves the mirror and the round's overrides to keel's own HTTPS fetcher, answers 404 for
 * anything else, counts what it was asked, refuses an address in use, and its legacy server
 * really speaks TLS 1.1 (which keel's client refuses). Also the laboratory's files: a changed
 * target keeps its length, an endless one is longer, a certificate is vouched for only by the
 * CA that issued it and for the host it names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "check_update.h"

typedef struct fixture {
    char dir[64];
    char mirror[128], cert[128], key[128], over[128];
    keel_audit_target at;
} fixture;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* A port of 127.0.0.1 nothing listens on (the kernel's pick, released). */
static uint16_t free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char path[192];

    assert_non_null(f);
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/keel-test-lab-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    (void)snprintf(f->mirror, sizeof(f->mirror), "%s/mirror", f->dir);
    assert_int_equal(mkdir(f->mirror, 0755), 0);
    (void)snprintf(path, sizeof(path), "%s/targets", f->mirror);
    assert_int_equal(mkdir(path, 0755), 0);
    (void)snprintf(path, sizeof(path), "%s/timestamp.json", f->mirror);
    write_file(path, "genuine");
    (void)snprintf(path, sizeof(path), "%s/targets/a.bin", f->mirror);
    write_file(path, "AAAAAAAA");
    (void)snprintf(f->over, sizeof(f->over), "%s/over.json", f->dir);
    write_file(f->over, "forged");
    (void)snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
    (void)snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
    assert_int_equal(keel_audit_update_forge_cert("127.0.0.1", f->cert, f->key), KEEL_OK);
    assert_int_equal(keel_str_copy(f->at.host, sizeof(f->at.host), "127.0.0.1"), KEEL_OK);
    f->at.port = free_port();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    keel_audit_update_workdir_remove(f->dir);
    free(f);
    return 0;
}

static keel_err fetch(const fixture *f, const char *base_path, const char *name, char *out,
                      size_t outsz)
{
    char url[128];
    keel_update_fetcher *fe = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    keel_err ret;

    (void)snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", (unsigned)f->at.port, base_path);
    ret = keel_update_fetcher_https(url, f->cert, &fe);
    if (ret == KEEL_OK)
        ret = keel_update_fetch(fe, name, 4096, &data, &len);
    if (ret == KEEL_OK)
        (void)snprintf(out, outsz, "%.*s", (int)len, (const char *)data);
    free(data);
    keel_update_fetcher_free(fe);
    return ret;
}

static void test_serves(void **state)
{
    fixture *f = *state;
    keel_audit_lab_file over = {"timestamp.json", ""};
    keel_audit_lab_config cfg = {&f->at, "/repo", f->mirror, &over, 1, f->cert, f->key, 0};
    keel_audit_lab *lab = NULL, *second = NULL;
    char why[160], got[64], fetched[256];
    size_t connections = 0, requests = 0;

    assert_int_equal(keel_str_copy(over.path, sizeof(over.path), f->over), KEEL_OK);
    assert_int_equal(keel_audit_lab_start(&cfg, &lab, why, sizeof(why)), KEEL_OK);
    assert_int_equal(fetch(f, "/repo", "timestamp.json", got, sizeof(got)), KEEL_OK);
    assert_string_equal(got, "forged");
    assert_int_equal(fetch(f, "/repo", "targets/a.bin", got, sizeof(got)), KEEL_OK);
    assert_string_equal(got, "AAAAAAAA");
    assert_int_equal(fetch(f, "/repo", "2.root.json", got, sizeof(got)), KEEL_ERR_NOT_FOUND);
    /* Outside the repository's path, and hidden files, are not served. */
    assert_int_equal(fetch(f, "/other", "timestamp.json", got, sizeof(got)), KEEL_ERR_NOT_FOUND);
    assert_int_equal(fetch(f, "/repo", ".keel-release/policy.json", got, sizeof(got)),
                     KEEL_ERR_NOT_FOUND);
    keel_audit_lab_seen(lab, &connections, &requests, fetched, sizeof(fetched));
    assert_true(connections >= 1);
    assert_int_equal(requests, 3);
    assert_string_equal(fetched, "timestamp.json, targets/a.bin, 2.root.json");
    keel_audit_lab_reset(lab);
    keel_audit_lab_seen(lab, &connections, &requests, fetched, sizeof(fetched));
    assert_int_equal(connections + requests, 0);
    assert_string_equal(fetched, "");
    /* A server held to keel's policy does not speak TLS 1.1. */
    assert_false(keel_audit_lab_speaks_legacy(&f->at));
    /* The address is taken: a second server says so. */
    assert_int_equal(keel_audit_lab_start(&cfg, &second, why, sizeof(why)), KEEL_ERR_IO);
    assert_null(second);
    assert_non_null(strstr(why, "cannot serve on 127.0.0.1 port"));
    keel_audit_lab_stop(lab);
    keel_audit_lab_stop(NULL);
}

static void test_legacy(void **state)
{
    fixture *f = *state;
    keel_audit_lab_config cfg = {&f->at, "", f->mirror, NULL, 0, f->cert, f->key, 1};
    keel_audit_lab *lab = NULL;
    char why[160], got[64], fetched[256];
    size_t connections = 0, requests = 0;

    assert_int_equal(keel_audit_lab_start(&cfg, &lab, why, sizeof(why)), KEEL_OK);
    assert_true(keel_audit_lab_speaks_legacy(&f->at));
    keel_audit_lab_reset(lab);
    assert_int_equal(fetch(f, "", "timestamp.json", got, sizeof(got)), KEEL_ERR_UPDATE_FETCH);
    keel_audit_lab_seen(lab, &connections, &requests, fetched, sizeof(fetched));
    assert_true(connections >= 1);
    assert_int_equal(requests, 0);
    keel_audit_lab_stop(lab);
}

static void test_bad_certificate(void **state)
{
    fixture *f = *state;
    keel_audit_lab_config cfg = {&f->at, "", f->mirror, NULL, 0, f->over, f->key, 0};
    keel_audit_lab *lab = NULL;
    char why[160];

    assert_int_equal(keel_audit_lab_start(&cfg, &lab, why, sizeof(why)), KEEL_ERR_IO);
    assert_null(lab);
    assert_non_null(strstr(why, "do not load as a pair for HTTPS"));
}

static void test_vouched(void **state)
{
    fixture *f = *state;
    char why[160] = "";

    assert_true(keel_audit_update_cert_vouched(f->cert, f->cert, "127.0.0.1", why, sizeof(why)));
    assert_false(keel_audit_update_cert_vouched(f->cert, f->cert, "127.0.0.2", why, sizeof(why)));
    assert_string_equal(why, "it does not name the repository's host");
    assert_false(keel_audit_update_cert_vouched(f->cert, f->over, "127.0.0.1", why, sizeof(why)));
    assert_string_equal(why, "the repository's CA file cannot be read");
    assert_false(keel_audit_update_cert_vouched(f->over, f->cert, "127.0.0.1", why, sizeof(why)));
    assert_string_equal(why, "it cannot be read");
}

static void test_changed_targets(void **state)
{
    fixture *f = *state;
    keel_update_target t;
    char out[160], *data = NULL;
    size_t len = 0;

    memset(&t, 0, sizeof(t));
    (void)keel_str_copy(t.name, sizeof(t.name), "a.bin");
    t.length = 8;
    (void)snprintf(out, sizeof(out), "%s/tampered", f->dir);
    assert_int_equal(keel_audit_update_forge_target(f->mirror, &t, 0, out), KEEL_OK);
    assert_int_equal(keel_file_read(out, 1 << 20, &data, &len), KEEL_OK);
    assert_int_equal(len, 8);
    assert_memory_equal(data, "AAAA@AAA", 8); /* one bit flipped in the middle */
    keel_file_free(data, len);
    (void)snprintf(out, sizeof(out), "%s/endless", f->dir);
    assert_int_equal(keel_audit_update_forge_target(f->mirror, &t, 1, out), KEEL_OK);
    assert_int_equal(keel_file_read(out, 1 << 20, &data, &len), KEEL_OK);
    assert_int_equal(len, 8 + 4096);
    assert_memory_equal(data, "AAAAAAAA", 8);
    keel_file_free(data, len);
    t.length = 9; /* longer than the mirror's file */
    assert_int_equal(keel_audit_update_forge_target(f->mirror, &t, 0, out), KEEL_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_serves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_targets, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
