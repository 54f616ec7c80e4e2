/* The IXIT parser of keel audit (--ixit): keeld's own description is read whole; every
 * malformed field is refused with its name and the rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

static const char good[] =
    "{\"interfaces\":[{\"id\":\"local-api\",\"direction\":\"inbound\",\"transport\":\"tcp\","
    "\"address\":\"127.0.0.1\",\"port\":8443,\"protocol\":\"HTTPS\",\"purpose\":\"owner API\","
    "\"authentication\":\"session\"},{\"id\":\"cloud\",\"direction\":\"outbound\","
    "\"transport\":\"tcp\",\"address\":\"b.example\",\"port\":8883,\"protocol\":\"MQTT\","
    "\"purpose\":\"cloud\",\"authentication\":\"mutual TLS\"}],"
    "\"routes\":[{\"method\":\"POST\",\"path\":\"/api/v1/login\",\"public\":true,"
    "\"security_relevant\":false},{\"method\":\"POST\",\"path\":\"/api/v1/password\","
    "\"public\":false,\"security_relevant\":true}],\"ics\":{\"later\":1}}";

static void test_good(void **state)
{
    keel_audit_ixit x;
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    (void)state;
    assert_int_equal(keel_audit_ixit_parse(good, strlen(good), &x, why, sizeof(why)), KEEL_OK);
    assert_int_equal(x.interface_count, 2);
    assert_int_equal(x.route_count, 2);
    assert_string_equal(x.interfaces[0].id, "local-api");
    assert_true(x.interfaces[0].inbound);
    assert_false(x.interfaces[1].inbound);
    assert_false(x.interfaces[0].udp);
    assert_int_equal(x.interfaces[1].port, 8883);
    assert_string_equal(x.interfaces[1].address, "b.example");
    assert_true(x.routes[0].is_public);
    assert_true(x.routes[1].security_relevant);
    assert_ptr_equal(keel_audit_ixit_inbound_tcp(&x, 8443), &x.interfaces[0]);
    assert_null(keel_audit_ixit_inbound_tcp(&x, 8883));
    keel_audit_ixit_free(&x);
    assert_null(x.interfaces);
}

/* good with the first occurrence of from replaced by to must be refused with err and why. */
static void refused(const char *from, const char *to, keel_err err, const char *says)
{
    char text[8192], why[KEEL_AUDIT_IXIT_WHY_MAX];
    const char *at = strstr(good, from);
    keel_audit_ixit x;

    assert_non_null(at);
    assert_true(snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to,
                         at + strlen(from)) < (int)sizeof(text));
    assert_int_equal(keel_audit_ixit_parse(text, strlen(text), &x, why, sizeof(why)), err);
    if (strcmp(why, says) != 0)
        fail_msg("'%s' for '%s': expected '%s'", why, to, says);
    assert_null(x.interfaces);
    assert_int_equal(x.route_count, 0);
}

static void test_errors(void **state)
{
    (void)state;
    refused("\"port\":8883", "\"port\":70000", KEEL_ERR_PARSE,
            "interfaces[1].port: must be an integer 1-65535");
    refused("\"port\":8443", "\"port\":0", KEEL_ERR_PARSE,
            "interfaces[0].port: must be an integer 1-65535");
    refused("\"port\":8443", "\"port\":84.5", KEEL_ERR_PARSE,
            "interfaces[0].port: must be an integer 1-65535");
    refused("\"port\":8443", "\"port\":\"8443\"", KEEL_ERR_PARSE,
            "interfaces[0].port: must be an integer 1-65535");
    refused("\"port\":8443,", "", KEEL_ERR_PARSE, "interfaces[0].port: missing");
    refused("\"direction\":\"inbound\"", "\"direction\":\"in\"", KEEL_ERR_PARSE,
            "interfaces[0].direction: must be \"outbound\" or \"inbound\"");
    refused("\"transport\":\"tcp\"", "\"transport\":\"sctp\"", KEEL_ERR_PARSE,
            "interfaces[0].transport: must be \"tcp\" or \"udp\"");
    refused("\"id\":\"cloud\"", "\"id\":\"local-api\"", KEEL_ERR_PARSE,
            "interfaces[1].id: duplicates interfaces[0]");
    refused("\"id\":\"cloud\"", "\"id\":5", KEEL_ERR_PARSE, "interfaces[1].id: must be a string");
    refused("\"id\":\"cloud\"", "\"id\":\"\"", KEEL_ERR_PARSE,
            "interfaces[1].id: must not be empty");
    refused("\"purpose\":\"cloud\"", "\"purpose\":\"a\\u0001b\"", KEEL_ERR_PARSE,
            "interfaces[1].purpose: must not hold control characters");
    refused("\"public\":true", "\"public\":1", KEEL_ERR_PARSE,
            "routes[0].public: must be true or false");
    refused("\"security_relevant\":true", "\"x\":true", KEEL_ERR_PARSE,
            "routes[1].security_relevant: missing");
    refused("\"method\":\"POST\"", "\"method\":\"TRACE\"", KEEL_ERR_PARSE,
            "routes[0].method: must be GET, POST, PUT, PATCH or DELETE");
    refused("\"path\":\"/api/v1/login\"", "\"path\":\"api\"", KEEL_ERR_PARSE,
            "routes[0].path: must start with '/' and hold only printable ASCII without spaces");
    refused("\"path\":\"/api/v1/password\"", "\"path\":\"/api/v1/login\"", KEEL_ERR_PARSE,
            "routes[1].path: POST /api/v1/login duplicates routes[0]");
    refused("\"routes\":[", "\"routes\":{\"a\":[", KEEL_ERR_PARSE, "not valid JSON");
    refused("\"routes\":[{", "\"routes\":[1,{", KEEL_ERR_PARSE, "routes[0]: must be an object");
    refused("\"routes\":", "\"paths\":", KEEL_ERR_PARSE, "routes: missing");
    refused("\"interfaces\":[", "\"interfaces\":7,\"x\":[", KEEL_ERR_PARSE,
            "interfaces: must be an array");
}

static void test_bounds(void **state)
{
    static char text[KEEL_AUDIT_IXIT_FILE_MAX + 2];
    char why[KEEL_AUDIT_IXIT_WHY_MAX], big[600];
    keel_audit_ixit x;
    size_t n = 0;

    (void)state;
    /* More routes than allowed. */
    n += (size_t)snprintf(text, sizeof(text), "{\"interfaces\":[],\"routes\":[");
    for (int i = 0; i <= KEEL_AUDIT_IXIT_ROUTES_MAX; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "%s{\"method\":\"GET\",\"path\":\"/r%d\",\"public\":false,"
                              "\"security_relevant\":false}",
                              i ? "," : "", i);
    n += (size_t)snprintf(text + n, sizeof(text) - n, "]}");
    assert_int_equal(keel_audit_ixit_parse(text, n, &x, why, sizeof(why)), KEEL_ERR_TOO_LARGE);
    assert_string_equal(why, "routes: more than 256 entries");
    /* An oversized string. */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    n = (size_t)snprintf(text, sizeof(text),
                         "{\"interfaces\":[{\"id\":\"a\",\"direction\":\"inbound\",\"transport\":"
                         "\"udp\",\"address\":\"h\",\"port\":1,\"protocol\":\"%s\",\"purpose\":"
                         "\"p\",\"authentication\":\"x\"}],\"routes\":[]}",
                         big);
    assert_int_equal(keel_audit_ixit_parse(text, n, &x, why, sizeof(why)), KEEL_ERR_TOO_LARGE);
    assert_string_equal(why, "interfaces[0].protocol: longer than 511 bytes");
    /* The whole input. */
    memset(text, ' ', sizeof(text));
    assert_int_equal(
        keel_audit_ixit_parse(text, KEEL_AUDIT_IXIT_FILE_MAX + 1, &x, why, sizeof(why)),
        KEEL_ERR_TOO_LARGE);
    /* Not an object; NULL. */
    assert_int_equal(keel_audit_ixit_parse("[]", 2, &x, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_string_equal(why, "must be a JSON object");
    assert_int_equal(keel_audit_ixit_parse("{}", 2, NULL, why, sizeof(why)), KEEL_ERR_ARG);
    assert_int_equal(keel_audit_ixit_load("/nonexistent/ixit.json", &x, why, sizeof(why)),
                     KEEL_ERR_IO);
    keel_audit_ixit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
