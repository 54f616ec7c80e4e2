/* The IXIT's "update" object (keel audit's update test cases): read whole with its defaults,
 * every malformed field refused with its name and the rule, relative paths taken from the
 * IXIT file's directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"

static const char good[] =
    "{\"interfaces\":[],\"routes\":[],\"update\":{\"repository\":\"https://updates.example:8600/"
    "lock/stable\",\"repository_ca\":\"/etc/keel/repo-ca.pem\",\"trust_root\":\"/etc/keel/"
    "1.root.json\",\"mirror\":\"/srv/mirror\",\"lab_cert\":\"/lab/cert.pem\",\"lab_key\":\"/lab/"
    "key.pem\",\"repository_server\":\"[::1]:8601\"}}";

static void test_good(void **state)
{
    keel_audit_ixit_update u;
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    (void)state;
    assert_int_equal(keel_audit_ixit_update_parse(good, strlen(good), &u, why, sizeof(why)),
                     KEEL_OK);
    assert_true(u.present);
    assert_string_equal(u.repository, "https://updates.example:8600/lock/stable");
    assert_string_equal(u.repository_at.host, "updates.example");
    assert_int_equal(u.repository_at.port, 8600);
    assert_string_equal(u.repository_path, "/lock/stable");
    assert_string_equal(u.repository_ca, "/etc/keel/repo-ca.pem");
    assert_string_equal(u.trust_root, "/etc/keel/1.root.json");
    assert_string_equal(u.mirror, "/srv/mirror");
    assert_string_equal(u.lab_cert, "/lab/cert.pem");
    assert_string_equal(u.lab_key, "/lab/key.pem");
    /* lab_listen defaults to the repository's own address; repository_server as given. */
    assert_string_equal(u.lab_listen.host, "updates.example");
    assert_int_equal(u.lab_listen.port, 8600);
    assert_string_equal(u.server.host, "::1");
    assert_true(u.server.ipv6_literal);
    assert_int_equal(u.server.port, 8601);
}

static void test_defaults(void **state)
{
    static const char minimal[] =
        "{\"update\":{\"repository\":\"https://[::1]\",\"repository_ca\":\"ca.pem\","
        "\"trust_root\":\"1.root.json\",\"mirror\":\"m\",\"lab_listen\":\"0.0.0.0:443\"}}";
    static const char none[] = "{\"interfaces\":[],\"routes\":[]}";
    keel_audit_ixit_update u;
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    (void)state;
    assert_int_equal(keel_audit_ixit_update_parse(minimal, strlen(minimal), &u, why, sizeof(why)),
                     KEEL_OK);
    assert_true(u.present);
    assert_string_equal(u.repository_at.host, "::1");
    assert_int_equal(u.repository_at.port, 443); /* https's own */
    assert_string_equal(u.repository_path, "");
    assert_string_equal(u.lab_cert, "");
    assert_string_equal(u.lab_listen.host, "0.0.0.0");
    assert_int_equal(u.server.port, 443);
    assert_int_equal(keel_audit_ixit_update_parse(none, strlen(none), &u, why, sizeof(why)),
                     KEEL_OK);
    assert_false(u.present);
    assert_string_equal(why, "");
}

/* good with the first occurrence of from replaced by to must be refused with err and why. */
static void refused(const char *from, const char *to, keel_err err, const char *says)
{
    char text[4096], why[KEEL_AUDIT_IXIT_WHY_MAX];
    const char *at = strstr(good, from);
    keel_audit_ixit_update u;

    assert_non_null(at);
    assert_true(snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to,
                         at + strlen(from)) < (int)sizeof(text));
    assert_int_equal(keel_audit_ixit_update_parse(text, strlen(text), &u, why, sizeof(why)), err);
    if (strcmp(why, says) != 0)
        fail_msg("'%s' for '%s': expected '%s'", why, to, says);
    assert_false(u.present);
    assert_string_equal(u.repository, "");
}

static void test_errors(void **state)
{
    static const char url_rule[] = "update.repository: must be an https URL "
                                   "https://HOST[:PORT][/path] without user, query, fragment or "
                                   "final '/'";

    (void)state;
    refused("https://updates.example:8600/lock/stable", "http://updates.example/x", KEEL_ERR_PARSE,
            url_rule);
    refused("https://updates.example:8600/lock/stable", "https://updates.example/x/",
            KEEL_ERR_PARSE, url_rule);
    refused("https://updates.example:8600/lock/stable", "https://u:p@updates.example/x",
            KEEL_ERR_PARSE, url_rule);
    refused("https://updates.example:8600/lock/stable", "https://updates.example/x?a=1",
            KEEL_ERR_PARSE, url_rule);
    refused("https://updates.example:8600/lock/stable", "https://updates.example/x#f",
            KEEL_ERR_PARSE, url_rule);
    refused("https://updates.example:8600/lock/stable", "updates.example", KEEL_ERR_PARSE,
            url_rule);
    refused("https://updates.example:8600/lock/stable", "https://bad_host!/x", KEEL_ERR_PARSE,
            url_rule);
    refused("\"repository\":\"https://updates.example:8600/lock/stable\",", "", KEEL_ERR_PARSE,
            "update.repository: missing");
    refused("\"mirror\":\"/srv/mirror\",", "", KEEL_ERR_PARSE, "update.mirror: missing");
    refused("\"/srv/mirror\"", "\"\"", KEEL_ERR_PARSE, "update.mirror: must not be empty");
    refused("\"/srv/mirror\"", "7", KEEL_ERR_PARSE, "update.mirror: must be a string");
    refused("\"/srv/mirror\"", "\"a\\u0001b\"", KEEL_ERR_PARSE,
            "update.mirror: must not hold control characters");
    refused("\"lab_key\":\"/lab/key.pem\",", "", KEEL_ERR_PARSE,
            "update.lab_key: missing: lab_cert and lab_key go together");
    refused("\"lab_cert\":\"/lab/cert.pem\",", "", KEEL_ERR_PARSE,
            "update.lab_cert: missing: lab_cert and lab_key go together");
    refused("[::1]:8601", "::1:8601", KEEL_ERR_PARSE,
            "update.repository_server: must be HOST:PORT with a port 1-65535 (IPv6 in brackets)");
    refused("[::1]:8601", "h:0", KEEL_ERR_PARSE,
            "update.repository_server: must be HOST:PORT with a port 1-65535 (IPv6 in brackets)");
    refused("{\"repository\"", "[{\"repository\"", KEEL_ERR_PARSE, "not valid JSON");
    refused("\"update\":{", "\"update\":7,\"x\":{", KEEL_ERR_PARSE, "update: must be an object");
}

static void test_too_large(void **state)
{
    char text[8192], why[KEEL_AUDIT_IXIT_WHY_MAX], path[KEEL_AUDIT_UPDATE_FILE_MAX + 8];
    keel_audit_ixit_update u;

    (void)state;
    memset(path, 'p', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    assert_true(snprintf(text, sizeof(text),
                         "{\"update\":{\"repository\":\"https://h\",\"repository_ca\":\"c\","
                         "\"trust_root\":\"t\",\"mirror\":\"%s\"}}",
                         path) < (int)sizeof(text));
    assert_int_equal(keel_audit_ixit_update_parse(text, strlen(text), &u, why, sizeof(why)),
                     KEEL_ERR_TOO_LARGE);
    assert_string_equal(why, "update.mirror: longer than 1023 bytes");
    assert_int_equal(keel_audit_ixit_update_parse(NULL, 0, &u, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_ixit_update_parse(good, strlen(good), NULL, why, sizeof(why)),
                     KEEL_ERR_ARG);
}

/* Relative paths in an IXIT file are the file's directory's. */
static void test_load(void **state)
{
    static const char rel[] =
        "{\"interfaces\":[],\"routes\":[],\"update\":{\"repository\":\"https://127.0.0.1:8600\","
        "\"repository_ca\":\"ca.pem\",\"trust_root\":\"repo/1.root.json\",\"mirror\":\"repo\","
        "\"lab_cert\":\"/abs/lab.pem\",\"lab_key\":\"lab.key\"}}";
    char dir[] = "/tmp/keel-test-ixit-XXXXXX", path[128], expect[256], why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit_update u;
    keel_audit_ixit x;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_true(snprintf(path, sizeof(path), "%s/ixit.json", dir) < (int)sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(rel, 1, strlen(rel), f), strlen(rel));
    assert_int_equal(fclose(f), 0);
    assert_int_equal(keel_audit_ixit_update_load(path, &u, why, sizeof(why)), KEEL_OK);
    (void)snprintf(expect, sizeof(expect), "%s/ca.pem", dir);
    assert_string_equal(u.repository_ca, expect);
    (void)snprintf(expect, sizeof(expect), "%s/repo/1.root.json", dir);
    assert_string_equal(u.trust_root, expect);
    (void)snprintf(expect, sizeof(expect), "%s/lab.key", dir);
    assert_string_equal(u.lab_key, expect);
    assert_string_equal(u.lab_cert, "/abs/lab.pem");
    assert_string_equal(u.server.host, "127.0.0.1");
    /* The rest of the IXIT reads as before: the "update" member is ignored there. */
    assert_int_equal(keel_audit_ixit_load(path, &x, why, sizeof(why)), KEEL_OK);
    keel_audit_ixit_free(&x);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(keel_audit_ixit_update_load(path, &u, why, sizeof(why)), KEEL_ERR_IO);
    assert_string_equal(why, "No such file or directory");
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),   cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors), cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_load),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
