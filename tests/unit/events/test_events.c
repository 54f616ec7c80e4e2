/* The telemetry event format (keel/events.h, 5.10-1, 6-4): what the encoder writes the parser
 * reads back unchanged; the parser refuses every departure from the eight members, naming
 * the member at fault; the classes the monitor counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keel/events.h"

/* Copy a test string into a field of an event; it must fit. */
#define SET(field, value) assert_int_equal(keel_str_copy(field, sizeof(field), value), KEEL_OK)

#define DEVICE "0123456789abcdef0123456789abcdef"
#define GOOD                                                                                       \
    "{\"seq\":12,\"time\":\"2026-11-22T06:00:00Z\",\"event\":\"auth.failure\",\"source\":\"api\"," \
    "\"locked\":true,\"dropped\":0,\"device\":\"" DEVICE "\",\"firmware\":\"1.0.0\"}"

static keel_event sample(void)
{
    keel_event e;

    memset(&e, 0, sizeof(e));
    e.seq = 12;
    SET(e.time, "2026-11-22T06:00:00Z");
    SET(e.event, "auth.failure");
    SET(e.source, "api");
    e.locked = 1;
    SET(e.device, DEVICE);
    SET(e.firmware, "1.0.0");
    return e;
}

static void test_encode_is_the_documented_object(void **state)
{
    keel_event e = sample();
    char out[KEEL_EVENT_JSON_MAX];
    size_t len = 0;
    (void)state;
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), &len), KEEL_OK);
    assert_string_equal(out, GOOD);
    assert_int_equal(len, strlen(GOOD));
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_OK);
    assert_int_equal(keel_event_encode(&e, out, strlen(GOOD), &len), KEEL_ERR_RANGE);
    assert_string_equal(out, "");
    assert_int_equal(keel_event_encode(NULL, out, sizeof(out), &len), KEEL_ERR_ARG);
    assert_int_equal(keel_event_encode(&e, NULL, sizeof(out), &len), KEEL_ERR_ARG);
    assert_int_equal(keel_event_encode(&e, out, 0, &len), KEEL_ERR_ARG);
}

static void test_encode_refuses_broken_fields(void **state)
{
    char out[KEEL_EVENT_JSON_MAX];
    keel_event e;
    (void)state;
    e = sample();
    e.event[0] = 'A';
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
    e = sample();
    SET(e.source, "a\"b"); /* would need an escape */
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
    e = sample();
    e.device[31] = 'A';
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
    e = sample();
    e.locked = 2;
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
    e = sample();
    e.seq = 9007199254740993ull;
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
    e = sample();
    e.firmware[0] = '\0';
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
    e = sample();
    SET(e.time, "2026-02-29T00:00:00Z"); /* 2026 is not a leap year */
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), NULL), KEEL_ERR_ARG);
}

static void test_round_trip(void **state)
{
    keel_event e = sample(), back;
    char out[KEEL_EVENT_JSON_MAX], why[96];
    size_t len;
    (void)state;
    e.seq = 9007199254740992ull; /* 2^53, the largest */
    e.dropped = 7;
    e.locked = 0;
    SET(e.event, "update.installed");
    SET(e.firmware, "2.0.0-rc.1+build.5");
    SET(e.time, "2024-02-29T23:59:60Z"); /* leap day, leap second */
    assert_int_equal(keel_event_encode(&e, out, sizeof(out), &len), KEEL_OK);
    assert_int_equal(keel_event_parse(out, len, &back, why, sizeof(why)), KEEL_OK);
    assert_string_equal(why, "");
    assert_memory_equal(&e, &back, sizeof(e));
}

/* Parsing text must fail with code, the why naming member (NULL: no member) and out zeroed. */
static void refused(const char *text, keel_err code, const char *why_prefix)
{
    keel_event e;
    char why[96];
    static const keel_event zero;

    memset(&e, 0x5a, sizeof(e));
    if (keel_event_parse(text, strlen(text), &e, why, sizeof(why)) != code) {
        print_error("accepted or wrong code for: %s (why: %s)\n", text, why);
        fail();
    }
    assert_memory_equal(&e, &zero, sizeof(e));
    assert_true(why[0] != '\0');
    if (why_prefix != NULL && strncmp(why, why_prefix, strlen(why_prefix)) != 0) {
        print_error("for %s: why is '%s', expected it to start '%s'\n", text, why, why_prefix);
        fail();
    }
}

/* GOOD with the first occurrence of from replaced by to, into out. */
static const char *edit(char *out, size_t outsz, const char *from, const char *to)
{
    const char *at = strstr(GOOD, from);

    assert_non_null(at);
    snprintf(out, outsz, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
    return out;
}

static void test_parse_accepts_the_example(void **state)
{
    keel_event e;
    (void)state;
    assert_int_equal(keel_event_parse(GOOD, strlen(GOOD), &e, NULL, 0), KEEL_OK);
    assert_int_equal(e.seq, 12);
    assert_string_equal(e.event, "auth.failure");
    assert_int_equal(e.locked, 1);
    assert_string_equal(e.device, DEVICE);
    /* not NUL-terminated: only len bytes are read */
    char copy[sizeof(GOOD) + 8];
    memcpy(copy, GOOD, strlen(GOOD));
    memset(copy + strlen(GOOD), '}', 8);
    assert_int_equal(keel_event_parse(copy, strlen(GOOD), &e, NULL, 0), KEEL_OK);
    assert_int_equal(keel_event_parse(NULL, 0, &e, NULL, 0), KEEL_ERR_PARSE);
    assert_int_equal(keel_event_parse(NULL, 1, &e, NULL, 0), KEEL_ERR_ARG);
    assert_int_equal(keel_event_parse(GOOD, strlen(GOOD), NULL, NULL, 0), KEEL_ERR_ARG);
}

static void test_parse_refuses_members(void **state)
{
    char t[1024];
    (void)state;
    refused(edit(t, sizeof(t), "\"seq\":12,", ""), KEEL_ERR_PARSE, "seq: missing");
    refused(edit(t, sizeof(t), ",\"firmware\":\"1.0.0\"", ""), KEEL_ERR_PARSE, "firmware: missing");
    refused(edit(t, sizeof(t), "\"seq\":12,", "\"seq\":12,\"seq\":13,"), KEEL_ERR_PARSE,
            "seq: given twice");
    refused(edit(t, sizeof(t), "\"seq\":12,", "\"seq\":12,\"name\":\"Alice\","), KEEL_ERR_PARSE,
            "a member the format does not have");
    refused(edit(t, sizeof(t), "\"seq\":12,", "\"Seq\":12,"), KEEL_ERR_PARSE, NULL);
    refused(edit(t, sizeof(t), "12", "\"12\""), KEEL_ERR_PARSE, "seq:");
    refused(edit(t, sizeof(t), "12", "-1"), KEEL_ERR_PARSE, "seq:");
    refused(edit(t, sizeof(t), "12", "1.5"), KEEL_ERR_PARSE, "seq:");
    refused(edit(t, sizeof(t), "12", "9007199254740994"), KEEL_ERR_PARSE, "seq:");
    refused(edit(t, sizeof(t), "12", "1e400"), KEEL_ERR_PARSE, "seq:");
    refused(edit(t, sizeof(t), "12", "null"), KEEL_ERR_PARSE, "seq:");
    refused(edit(t, sizeof(t), "\"dropped\":0", "\"dropped\":[0]"), KEEL_ERR_PARSE, "dropped:");
    refused(edit(t, sizeof(t), "true", "1"), KEEL_ERR_PARSE, "locked:");
    refused(edit(t, sizeof(t), "true", "\"true\""), KEEL_ERR_PARSE, "locked:");
    refused(edit(t, sizeof(t), "auth.failure", "Auth.failure"), KEEL_ERR_PARSE, "event:");
    refused(edit(t, sizeof(t), "auth.failure", "auth failure"), KEEL_ERR_PARSE, "event:");
    refused(edit(t, sizeof(t), "\"auth.failure\"", "\"\""), KEEL_ERR_PARSE, "event:");
    refused(edit(t, sizeof(t), "auth.failure", "a23456789012345678901234567890123"), KEEL_ERR_PARSE,
            "event:");
    refused(edit(t, sizeof(t), "\"api\"", "\"api1\""), KEEL_ERR_PARSE, "source:");
    refused(edit(t, sizeof(t), "\"api\"", "{}"), KEEL_ERR_PARSE, "source:");
    refused(edit(t, sizeof(t), DEVICE, "0123456789ABCDEF0123456789abcdef"), KEEL_ERR_PARSE,
            "device:");
    refused(edit(t, sizeof(t), DEVICE, "0123456789abcdef0123456789abcde"), KEEL_ERR_PARSE,
            "device:");
    refused(edit(t, sizeof(t), DEVICE, "SN-0001"), KEEL_ERR_PARSE, "device:");
    refused(edit(t, sizeof(t), "1.0.0", "1.0 0"), KEEL_ERR_PARSE, "firmware:");
    refused(edit(t, sizeof(t), "1.0.0", "1.0.0<script>"), KEEL_ERR_PARSE, "firmware:");
}

static void test_parse_refuses_times(void **state)
{
    static const char *const bad[] = {
        "2026-11-22 06:00:00Z", "2026-11-22T06:00:00",  "2026-11-22T06:00:00+01:00",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z",
        "2100-02-29T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T06:60:00Z",
        "2026-11-22T06:00:61Z", "2026-1-22T06:00:00ZZ", "+026-11-22T06:00:00Z",
    };
    char t[1024];
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refused(edit(t, sizeof(t), "2026-11-22T06:00:00Z", bad[i]), KEEL_ERR_PARSE, "time:");
    keel_event e;
    assert_int_equal(
        keel_event_parse(edit(t, sizeof(t), "2026-11-22T06:00:00Z", "2000-02-29T00:00:00Z"),
                         strlen(t), &e, NULL, 0),
        KEEL_OK);
}

static void test_parse_refuses_text(void **state)
{
    char t[1024];
    char big[KEEL_EVENT_JSON_MAX + 2];
    keel_event e;
    (void)state;
    refused("", KEEL_ERR_PARSE, NULL);
    refused("[]", KEEL_ERR_PARSE, "not one JSON object");
    refused("\"x\"", KEEL_ERR_PARSE, "not one JSON object");
    refused("{", KEEL_ERR_PARSE, "not one JSON object");
    refused(edit(t, sizeof(t), "}", "}}"), KEEL_ERR_PARSE, "not one JSON object");
    refused(edit(t, sizeof(t), "}", "} x"), KEEL_ERR_PARSE, "not one JSON object");
    /* an escape would let "auth.failure\u0000Alice" pass for "auth.failure" */
    refused(edit(t, sizeof(t), "auth.failure", "auth.failure\\u0000Alice"), KEEL_ERR_PARSE,
            "an escape");
    refused(edit(t, sizeof(t), "auth.failure", "auth\\u002efailure"), KEEL_ERR_PARSE, "an escape");
    /* a NUL byte inside the length */
    memcpy(t, GOOD, strlen(GOOD) + 1);
    assert_int_equal(keel_event_parse(t, strlen(GOOD) + 1, &e, NULL, 0), KEEL_ERR_PARSE);
    /* size: exactly the maximum is read, one byte more is refused before parsing */
    memset(big, ' ', sizeof(big));
    memcpy(big, GOOD, strlen(GOOD));
    assert_int_equal(keel_event_parse(big, KEEL_EVENT_JSON_MAX, &e, NULL, 0), KEEL_OK);
    big[KEEL_EVENT_JSON_MAX + 1] = '\0';
    refused(big, KEEL_ERR_TOO_LARGE, NULL);
    /* whitespace between members is JSON */
    assert_int_equal(keel_event_parse(" { \"seq\" : 1 , \"time\":\"2026-11-22T06:00:00Z\",\n"
                                      "\"event\":\"link.up\",\"source\":\"system\",\"locked\":"
                                      "false,\"dropped\":0,\"device\":\"" DEVICE
                                      "\",\"firmware\":\"1\"}\n",
                                      strlen(" { \"seq\" : 1 , \"time\":\"2026-11-22T06:00:00Z\",\n"
                                             "\"event\":\"link.up\",\"source\":\"system\","
                                             "\"locked\":false,\"dropped\":0,\"device\":\"" DEVICE
                                             "\",\"firmware\":\"1\"}\n"),
                                      &e, NULL, 0),
                     KEEL_OK);
    assert_string_equal(e.event, "link.up");
    assert_int_equal(e.locked, 0);
}

static void test_classes(void **state)
{
    static const struct {
        const char *name;
        keel_event_class c;
    } cases[] = {
        {"auth.failure", KEEL_EVENT_AUTH_FAILURE},
        {"pin_rejected", KEEL_EVENT_AUTH_FAILURE},
        {"auth.lockout", KEEL_EVENT_LOCKOUT},
        {"auth.throttled", KEEL_EVENT_LOCKOUT},
        {"keypad_wait", KEEL_EVENT_LOCKOUT},
        {"integrity.failed", KEEL_EVENT_INTEGRITY},
        {"link.up", KEEL_EVENT_LINK},
        {"auth.password_changed", KEEL_EVENT_CONFIG},
        {"setup.completed", KEEL_EVENT_CONFIG},
        {"config.changed", KEEL_EVENT_CONFIG},
        {"consent.granted", KEEL_EVENT_CONFIG},
        {"consent.withdrawn", KEEL_EVENT_CONFIG},
        {"update.installed", KEEL_EVENT_UPDATE},
        {"update.rejected", KEEL_EVENT_UPDATE},
        {"factory_reset", KEEL_EVENT_RESET},
        {"fail_secure", KEEL_EVENT_FAIL_SECURE},
        {"unlocked", KEEL_EVENT_OTHER},
        {"locked", KEEL_EVENT_OTHER},
        {"update", KEEL_EVENT_OTHER},
        {"auth.failures", KEEL_EVENT_OTHER},
        {"link.down", KEEL_EVENT_OTHER},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(keel_event_class_of(cases[i].name), cases[i].c);
    assert_int_equal(keel_event_class_of(NULL), KEEL_EVENT_OTHER);
    assert_string_equal(keel_event_class_name(KEEL_EVENT_OTHER), "other");
    assert_string_equal(keel_event_class_name(KEEL_EVENT_AUTH_FAILURE), "auth_failure");
    assert_string_equal(keel_event_class_name(KEEL_EVENT_LINK), "link");
    assert_string_equal(keel_event_class_name(KEEL_EVENT_FAIL_SECURE), "fail_secure");
    assert_null(keel_event_class_name((keel_event_class)KEEL_EVENT_CLASS_COUNT));
    assert_null(keel_event_class_name((keel_event_class)-1));
    for (int c = 0; c < KEEL_EVENT_CLASS_COUNT; c++)
        assert_non_null(keel_event_class_name((keel_event_class)c));
}

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(keel_event_name_valid("a"));
    assert_true(keel_event_name_valid("update.check_failed2"));
    assert_true(keel_event_name_valid("a234567890123456789012345678901")); /* 31 */
    assert_false(keel_event_name_valid("a2345678901234567890123456789012"));
    assert_false(keel_event_name_valid(""));
    assert_false(keel_event_name_valid(NULL));
    assert_false(keel_event_name_valid("auth-failure"));
    assert_false(keel_event_name_valid("Auth"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_is_the_documented_object),
        cmocka_unit_test(test_encode_refuses_broken_fields),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_accepts_the_example),
        cmocka_unit_test(test_parse_refuses_members),
        cmocka_unit_test(test_parse_refuses_times),
        cmocka_unit_test(test_parse_refuses_text),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_name_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
