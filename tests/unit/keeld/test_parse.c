/* The bodies of the lock's routes and of the setup (5.13-1A): each parser takes exactly the
 * declared shape and refuses everything else (unknown, missing and repeated members, wrong
 * types, out-of-range numbers, over-long strings, control characters and broken UTF-8 in
 * names, escaped and raw NUL, trailing bytes, truncated JSON, oversize bodies), and leaves
 * nothing of a refused body in its outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "keeld.h"

#define PIN_BUF (KEELD_PIN_MAX_DIGITS + 9u)
#define B(text) (text), (sizeof(text) - 1)

static keel_err action(const char *text, size_t len, int *locked)
{
    return keeld_lock_action_parse((const uint8_t *)text, len, locked);
}

/* Bodies every parser refuses as malformed JSON or the wrong shape. */
static const char *const malformed[] = {
    "",
    " ",
    "{",
    "}",
    "[]",
    "null",
    "true",
    "0",
    "\"lock\"",
    "{}",
    "{\"action\"}",
    "{\"action\":}",
    "{\"action\":\"lock\"",
    "{\"action\":\"lock\"}}",
    "{\"action\":\"lock\"}x",
    "{\"action\":\"lock\"} {}",
    "{'action':'lock'}",
    "{action:\"lock\"}",
    "{\"action\":\"lock\",}",
    "{\"a\\u0000\":1}",
};

static void test_action_accepts(void **state)
{
    int locked = -1;

    (void)state;
    assert_int_equal(action(B("{\"action\":\"lock\"}"), &locked), KEEL_OK);
    assert_int_equal(locked, 1);
    assert_int_equal(action(B("{\"action\":\"unlock\"}"), &locked), KEEL_OK);
    assert_int_equal(locked, 0);
    assert_int_equal(action(B(" \r\n{ \"action\" : \"lock\" }\n\t "), &locked), KEEL_OK);
    assert_int_equal(locked, 1);
    /* an escape that stands for an allowed character is that character */
    assert_int_equal(action(B("{\"action\":\"\\u006cock\"}"), &locked), KEEL_OK);
    assert_int_equal(locked, 1);
}

static void test_action_refuses(void **state)
{
    static const char *const bad[] = {
        "{\"action\":\"LOCK\"}",
        "{\"action\":\"open\"}",
        "{\"action\":\"\"}",
        "{\"action\":\"lock \"}",
        "{\"action\":\"lock\\u0000\"}",
        "{\"action\":true}",
        "{\"action\":1}",
        "{\"action\":null}",
        "{\"action\":[\"lock\"]}",
        "{\"action\":{\"lock\":1}}",
        "{\"action\":\"lock\",\"action\":\"unlock\"}",
        "{\"action\":\"lock\",\"force\":true}",
        "{\"Action\":\"lock\"}",
        "{\"verb\":\"lock\"}",
    };
    int locked = 7;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (action(bad[i], strlen(bad[i]), &locked) != KEEL_ERR_PARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(locked, 0);
    }
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        if (action(malformed[i], strlen(malformed[i]), &locked) != KEEL_ERR_PARSE)
            fail_msg("accepted: %s", malformed[i]);
    }
    /* a raw NUL inside, with valid JSON before it */
    assert_int_equal(action("{\"action\":\"lock\"}\0x", 19, &locked), KEEL_ERR_PARSE);
    assert_int_equal(action("{\"action\":\"lo\0ck\"}", 18, &locked), KEEL_ERR_PARSE);
    /* bytes after the length given are not read */
    assert_int_equal(action("{\"action\":\"lock\"}garbage", 17, &locked), KEEL_OK);
    assert_int_equal(action(NULL, 0, &locked), KEEL_ERR_PARSE);
    assert_int_equal(action(NULL, 3, &locked), KEEL_ERR_ARG);
    assert_int_equal(action(B("{\"action\":\"lock\"}"), NULL), KEEL_ERR_ARG);
}

static void test_action_size(void **state)
{
    char body[KEELD_LOCK_BODY_MAX + 2];
    int locked = 0;
    size_t pre = KEELD_LOCK_BODY_MAX - strlen("{\"action\":\"lock\"}");

    (void)state;
    /* whitespace up to the maximum is still a body; one byte more is too large */
    memset(body, ' ', sizeof(body));
    memcpy(body + pre, "{\"action\":\"lock\"}", 17);
    assert_int_equal(action(body, KEELD_LOCK_BODY_MAX, &locked), KEEL_OK);
    assert_int_equal(locked, 1);
    memmove(body + 1, body, KEELD_LOCK_BODY_MAX);
    body[0] = ' ';
    assert_int_equal(action(body, KEELD_LOCK_BODY_MAX + 1, &locked), KEEL_ERR_TOO_LARGE);
}

static keel_err pin_add(const char *text, size_t len, char *name, char *pin)
{
    return keeld_pin_add_parse((const uint8_t *)text, len, name, pin);
}

static void expect_pin_add(const char *text, const char *want_name, const char *want_pin)
{
    char name[KEELD_PIN_NAME_MAX + 1], pin[PIN_BUF];

    if (pin_add(text, strlen(text), name, pin) != KEEL_OK)
        fail_msg("refused: %s", text);
    assert_string_equal(name, want_name);
    assert_string_equal(pin, want_pin);
}

static void expect_pin_add_refused(const char *text, size_t len, keel_err want)
{
    char name[KEELD_PIN_NAME_MAX + 1], pin[PIN_BUF];
    static const char zero[PIN_BUF];

    memcpy(name, "junk", 5);
    memset(pin, 'x', sizeof(pin));
    if (pin_add(text, len, name, pin) != want)
        fail_msg("not refused as %d: %.*s", (int)want, (int)len, text);
    assert_string_equal(name, "");
    assert_memory_equal(pin, zero, sizeof(pin)); /* nothing of a refused PIN is left */
}

#define PIN_REFUSED(text) expect_pin_add_refused(text, strlen(text), KEEL_ERR_PARSE)

static void test_pin_add_accepts(void **state)
{
    (void)state;
    expect_pin_add("{\"name\":\"Alice\",\"pin\":\"135792\"}", "Alice", "135792");
    expect_pin_add("{\"pin\":\"000000000000\",\"name\":\"a\"}", "a", "000000000000");
    /* UTF-8 names, written raw or escaped */
    expect_pin_add("{\"name\":\"Zo\xc3\xab\",\"pin\":\"246801\"}", "Zo\xc3\xab", "246801");
    expect_pin_add("{\"name\":\"Zo\\u00eb \\ud83d\\udd11\",\"pin\":\"246801\"}",
                   "Zo\xc3\xab \xf0\x9f\x94\x91", "246801");
    /* the longest name (32 bytes) and the longest text the policy gets to judge (20) */
    expect_pin_add(
        "{\"name\":\"abcdefghijklmnopqrstuvwxyz012345\",\"pin\":\"12345678901234567890\"}",
        "abcdefghijklmnopqrstuvwxyz012345", "12345678901234567890");
    /* a PIN the policy will refuse is still well-formed: the policy says why */
    expect_pin_add("{\"name\":\"Bob\",\"pin\":\"12ab\"}", "Bob", "12ab");
}

static void test_pin_add_refuses(void **state)
{
    (void)state;
    PIN_REFUSED("{\"name\":\"Alice\"}");
    PIN_REFUSED("{\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Alice\",\"pin\":\"135792\",\"admin\":true}");
    PIN_REFUSED("{\"name\":\"Alice\",\"name\":\"Bob\"}");
    PIN_REFUSED("{\"name\":\"Alice\",\"pin\":\"135792\",\"pin\":\"246801\"}");
    PIN_REFUSED("{\"name\":\"Alice\",\"pin\":135792}");
    PIN_REFUSED("{\"name\":1,\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":null,\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":[\"Alice\"],\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Alice\",\"pin\":\"\"}");
    /* 33 bytes of name, 21 of PIN */
    PIN_REFUSED("{\"name\":\"abcdefghijklmnopqrstuvwxyz0123456\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Alice\",\"pin\":\"123456789012345678901\"}");
    /* control characters in names: C0, DEL, C1, raw or escaped */
    PIN_REFUSED("{\"name\":\"Al\\nice\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Al\\u001bce\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Al\x7f\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Al\\u007f\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Al\\u0085\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"Al\tice\",\"pin\":\"135792\"}");
    /* broken UTF-8: a lone continuation byte, a cut sequence, an overlong '/', a surrogate
     * written in UTF-8, past U+10FFFF, and lone surrogates as escapes */
    PIN_REFUSED("{\"name\":\"A\x80\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\xc3\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\xc0\xaf\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\xe0\x80\xaf\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\xed\xa0\x80\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\xf4\x90\x80\x80\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\xff\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\\ud800\",\"pin\":\"135792\"}");
    PIN_REFUSED("{\"name\":\"A\\udc00\",\"pin\":\"135792\"}");
    /* escaped and raw NUL (a name or PIN cut short) */
    PIN_REFUSED("{\"name\":\"Alice\",\"pin\":\"135792\\u0000\"}");
    PIN_REFUSED("{\"name\":\"Al\\u0000ice\",\"pin\":\"135792\"}");
    expect_pin_add_refused("{\"name\":\"Al\0ice\",\"pin\":\"135792\"}",
                           sizeof("{\"name\":\"Al\0ice\",\"pin\":\"135792\"}") - 1, KEEL_ERR_PARSE);
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
        PIN_REFUSED(malformed[i]);
}

static void test_pin_add_size(void **state)
{
    char body[KEELD_PIN_BODY_MAX + 1];
    const char *json = "{\"name\":\"Alice\",\"pin\":\"135792\"}";
    char name[KEELD_PIN_NAME_MAX + 1], pin[PIN_BUF];

    (void)state;
    memset(body, ' ', sizeof(body));
    memcpy(body, json, strlen(json));
    assert_int_equal(pin_add(body, KEELD_PIN_BODY_MAX, name, pin), KEEL_OK);
    expect_pin_add_refused(body, KEELD_PIN_BODY_MAX + 1, KEEL_ERR_TOO_LARGE);
    assert_int_equal(pin_add(json, strlen(json), NULL, pin), KEEL_ERR_ARG);
    assert_int_equal(pin_add(json, strlen(json), name, NULL), KEEL_ERR_ARG);
}

static keel_err pin_remove(const char *text, uint32_t *id)
{
    return keeld_pin_remove_parse((const uint8_t *)text, strlen(text), id);
}

static void test_pin_remove(void **state)
{
    static const char *const bad[] = {
        "{\"id\":0}",
        "{\"id\":-1}",
        "{\"id\":1.5}",
        "{\"id\":2147483648}",
        "{\"id\":4294967297}",
        "{\"id\":1e400}",
        "{\"id\":-1e400}",
        "{\"id\":\"1\"}",
        "{\"id\":true}",
        "{\"id\":null}",
        "{\"id\":[1]}",
        "{\"id\":1,\"id\":2}",
        "{\"id\":1,\"name\":\"Alice\"}",
        "{\"ID\":1}",
        "{\"id\":0x10}",
        "{\"id\":NaN}",
        "{\"id\":Infinity}",
        "{\"id\":+1}",
    };
    uint32_t id = 5;

    (void)state;
    assert_int_equal(pin_remove("{\"id\":1}", &id), KEEL_OK);
    assert_int_equal(id, 1);
    assert_int_equal(pin_remove("{\"id\":2147483647}", &id), KEEL_OK);
    assert_int_equal(id, 2147483647u);
    assert_int_equal(pin_remove(" {\"id\" : 16 } ", &id), KEEL_OK);
    assert_int_equal(id, 16);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pin_remove(bad[i], &id) != KEEL_ERR_PARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(id, 0);
    }
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        if (pin_remove(malformed[i], &id) != KEEL_ERR_PARSE)
            fail_msg("accepted: %s", malformed[i]);
    }
    {
        char body[KEELD_LOCK_BODY_MAX + 1];
        memset(body, ' ', sizeof(body));
        memcpy(body, "{\"id\":3}", 8);
        assert_int_equal(keeld_pin_remove_parse((const uint8_t *)body, sizeof(body), &id),
                         KEEL_ERR_TOO_LARGE);
    }
}

static keel_err setup_parse(const char *text, int *ai, int *dp)
{
    return keeld_setup_parse((const uint8_t *)text, strlen(text), ai, dp);
}

static void test_setup(void **state)
{
    static const char *const bad[] = {
        "{\"auto_install\":true}",
        "{\"data_processing\":false}",
        "{\"auto_install\":1,\"data_processing\":0}",
        "{\"auto_install\":\"true\",\"data_processing\":false}",
        "{\"auto_install\":true,\"data_processing\":null}",
        "{\"auto_install\":true,\"auto_install\":false}",
        "{\"auto_install\":true,\"data_processing\":false,\"auto_install\":false}",
        "{\"auto_install\":true,\"data_processing\":false,\"debug\":true}",
        "{\"auto_install\":true,\"data_processing\":false}}",
        "{\"auto_install\":true,\"data_processing\":fals}",
        "{\"auto_install\":true,\"Data_processing\":false}",
        "[true,false]",
    };
    int ai = 5, dp = 5;

    (void)state;
    assert_int_equal(setup_parse("{\"auto_install\":false,\"data_processing\":true}", &ai, &dp),
                     KEEL_OK);
    assert_int_equal(ai, 0);
    assert_int_equal(dp, 1);
    assert_int_equal(setup_parse(" {\"data_processing\":false, \"auto_install\":true}\n", &ai, &dp),
                     KEEL_OK);
    assert_int_equal(ai, 1);
    assert_int_equal(dp, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ai = 0;
        dp = 1;
        if (setup_parse(bad[i], &ai, &dp) != KEEL_ERR_PARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(ai, 1); /* a refused body leaves the defaults */
        assert_int_equal(dp, 0);
    }
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        if (setup_parse(malformed[i], &ai, &dp) != KEEL_ERR_PARSE)
            fail_msg("accepted: %s", malformed[i]);
    }
    {
        char body[KEELD_SETUP_BODY_MAX + 1];
        const char *json = "{\"auto_install\":true,\"data_processing\":false}";
        memset(body, ' ', sizeof(body));
        memcpy(body, json, strlen(json));
        assert_int_equal(keeld_setup_parse((const uint8_t *)body, KEELD_SETUP_BODY_MAX, &ai, &dp),
                         KEEL_OK);
        assert_int_equal(keeld_setup_parse((const uint8_t *)body, sizeof(body), &ai, &dp),
                         KEEL_ERR_TOO_LARGE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_accepts),  cmocka_unit_test(test_action_refuses),
        cmocka_unit_test(test_action_size),     cmocka_unit_test(test_pin_add_accepts),
        cmocka_unit_test(test_pin_add_refuses), cmocka_unit_test(test_pin_add_size),
        cmocka_unit_test(test_pin_remove),      cmocka_unit_test(test_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
