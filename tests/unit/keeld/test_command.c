/* Cloud commands (5.13-1A): the parser takes exactly {"id","action"} of the declared shape
 * and refuses everything else (unknown or repeated members, wrong types, ids of the wrong
 * length or characters, escaped and raw NUL, trailing bytes, oversize payloads); execute
 * carries out lock, unlock and state on a real lock (lock.db in SQLite over a real store),
 * answers with the declared reply, and a refused command changes nothing: not the bolt,
 * not the access log, not the queue for the cloud. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keeld.h"
#include "store_env.h"

static const char *backend;
static store_env env;
static keel_store *store;
static struct keeld_lock *lock;

static keel_err parse(const char *text, char *id, keeld_command_action *action)
{
    return keeld_command_parse((const uint8_t *)text, strlen(text), id, action);
}

static void expect_ok(const char *text, const char *want_id, keeld_command_action want)
{
    char id[KEELD_COMMAND_ID_MAX + 1];
    keeld_command_action action = (keeld_command_action)99;

    if (parse(text, id, &action) != KEEL_OK)
        fail_msg("refused: %s", text);
    assert_string_equal(id, want_id);
    assert_int_equal(action, want);
}

static void expect_refused(const char *text, size_t len, keel_err want)
{
    char id[KEELD_COMMAND_ID_MAX + 1];
    keeld_command_action action;

    memcpy(id, "junk", 5);
    if (keeld_command_parse((const uint8_t *)text, len, id, &action) != want)
        fail_msg("not refused as %d: %.*s", (int)want, (int)len, text);
    assert_string_equal(id, ""); /* nothing of a refused command is left behind */
}

#define REFUSED(text) expect_refused(text, sizeof(text) - 1, KEEL_ERR_PARSE)

static void test_parse_accepts_the_declared_shape(void **state)
{
    (void)state;
    expect_ok("{\"id\":\"c1\",\"action\":\"lock\"}", "c1", KEELD_CMD_LOCK);
    expect_ok("{\"id\":\"c2\",\"action\":\"unlock\"}", "c2", KEELD_CMD_UNLOCK);
    expect_ok("{\"action\":\"state\",\"id\":\"x\"}", "x", KEELD_CMD_STATE);
    expect_ok(" \n{ \"id\" : \"8c0d6a3e-5f0b-4d7e-9a51-2b9f3f1c7e44\" ,\"action\":\"lock\" }\r\n",
              "8c0d6a3e-5f0b-4d7e-9a51-2b9f3f1c7e44", KEELD_CMD_LOCK);
    expect_ok("{\"id\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij\",\"action\":\"state\"}",
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", KEELD_CMD_STATE); /* 36 */
    /* JSON escapes that stand for allowed characters are those characters */
    expect_ok("{\"id\":\"\\u0061b\",\"action\":\"\\u006cock\"}", "ab", KEELD_CMD_LOCK);
}

static void test_parse_refuses_other_shapes(void **state)
{
    (void)state;
    REFUSED("");
    REFUSED(" ");
    REFUSED("{}");
    REFUSED("[]");
    REFUSED("\"lock\"");
    REFUSED("null");
    REFUSED("{\"id\":\"c1\"}");
    REFUSED("{\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\",\"pin\":\"123456\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\",\"id\":\"c2\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\",\"action\":\"unlock\"}");
    REFUSED("{\"id\":\"c1\",\"id\":\"c1\"}");
    REFUSED("{\"ID\":\"c1\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\",\"Action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"LOCK\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"open\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock \"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"\"}");
    /* wrong types */
    REFUSED("{\"id\":1,\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\",\"action\":true}");
    REFUSED("{\"id\":\"c1\",\"action\":null}");
    REFUSED("{\"id\":[\"c1\"],\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\",\"action\":{\"do\":\"lock\"}}");
    /* ids: empty, too long (37), characters outside [A-Za-z0-9-] */
    REFUSED("{\"id\":\"\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c_1\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c 1\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\\\"\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c\\n1\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"\xc3\xa9\",\"action\":\"lock\"}");
    /* NUL: escaped (cJSON would cut the string there) and raw */
    REFUSED("{\"id\":\"c1\\u0000x\",\"action\":\"lock\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\\u0000\"}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\"}\0");
    /* trailing bytes, truncation, a second document */
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\"}x");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\"}{}");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\"");
    REFUSED("{\"id\":\"c1\",\"action\":\"lock\",}");
}

static void test_parse_size_and_arguments(void **state)
{
    char big[KEELD_COMMAND_MAX + 2];
    const char *cmd = "{\"id\":\"c1\",\"action\":\"lock\"}";
    size_t n = strlen(cmd);
    char id[KEELD_COMMAND_ID_MAX + 1];
    keeld_command_action action;
    (void)state;

    /* exactly KEELD_COMMAND_MAX bytes (padded with spaces) is taken; one more is not */
    memset(big, ' ', sizeof(big));
    memcpy(big, cmd, n);
    assert_int_equal(keeld_command_parse((const uint8_t *)big, KEELD_COMMAND_MAX, id, &action),
                     KEEL_OK);
    assert_string_equal(id, "c1");
    expect_refused(big, KEELD_COMMAND_MAX + 1, KEEL_ERR_TOO_LARGE);
    assert_int_equal(keeld_command_parse(NULL, 3, id, &action), KEEL_ERR_ARG);
    assert_int_equal(keeld_command_parse((const uint8_t *)cmd, n, NULL, &action), KEEL_ERR_ARG);
    assert_int_equal(keeld_command_parse((const uint8_t *)cmd, n, id, NULL), KEEL_ERR_ARG);
    expect_refused(NULL, 0, KEEL_ERR_PARSE);
}

/* ---- execute, against a real lock ---- */

static int setup(void **state)
{
    char err[256];
    (void)state;
    if (store_env_setup(&env, backend) != 0 || keel_store_create(env.path, env.rot) != KEEL_OK ||
        keel_store_open(env.path, env.rot, &store) != KEEL_OK)
        return -1;
    if (keeld_lock_open(env.dir, store, &lock, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld_lock_open: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    keeld_lock_close(lock);
    lock = NULL;
    keel_store_close(store);
    store = NULL;
    store_env_teardown(&env);
    return 0;
}

static void run(const char *payload, char *out, size_t outsz)
{
    keeld_command_execute(lock, (const uint8_t *)payload, strlen(payload), out, outsz);
}

static struct keeld_lock_state now(void)
{
    struct keeld_lock_state s;
    assert_int_equal(keeld_lock_get(lock, &s), KEEL_OK);
    return s;
}

/* The newest access-log entry, as JSON. */
static void newest_log(char *out, size_t outsz)
{
    assert_int_equal(keeld_lock_log_json(lock, 1, out, outsz), KEEL_OK);
}

static void test_execute_lock_unlock_state(void **state)
{
    char out[256], log[1024];
    struct keeld_lock_state before, after;
    (void)state;

    before = now();
    run("{\"id\":\"c1\",\"action\":\"lock\"}", out, sizeof(out));
    assert_string_equal(out, "{\"id\":\"c1\",\"result\":\"ok\",\"locked\":true}");
    after = now();
    assert_int_equal(after.locked, 1);
    assert_int_equal(after.queued, before.queued + 1); /* the cloud hears of it too */
    newest_log(log, sizeof(log));
    assert_non_null(strstr(log, "\"source\":\"cloud\""));

    run("{\"action\":\"unlock\",\"id\":\"c2\"}", out, sizeof(out));
    assert_string_equal(out, "{\"id\":\"c2\",\"result\":\"ok\",\"locked\":false}");
    assert_int_equal(now().locked, 0);
    assert_int_equal(now().queued, before.queued + 2);

    before = now();
    run("{\"id\":\"c3\",\"action\":\"state\"}", out, sizeof(out));
    assert_string_equal(out, "{\"id\":\"c3\",\"result\":\"ok\",\"locked\":false}");
    after = now();
    assert_int_equal(after.locked, before.locked);
    assert_int_equal(after.queued, before.queued); /* asking is not an event */
}

static void test_execute_refused_changes_nothing(void **state)
{
    static const struct {
        const char *payload;
        const char *reply;
    } cases[] = {
        {"{\"id\":\"c9\",\"action\":\"open\"}",
         "{\"id\":\"c9\",\"result\":\"error\",\"error\":\"malformed\"}"},
        {"{\"id\":\"c9\",\"action\":\"unlock\",\"force\":true}",
         "{\"id\":\"c9\",\"result\":\"error\",\"error\":\"malformed\"}"},
        {"{\"id\":\"c9\"}", "{\"id\":\"c9\",\"result\":\"error\",\"error\":\"malformed\"}"},
        /* an id that is not of the declared shape is never echoed */
        {"{\"id\":\"a\\\"b\",\"action\":\"unlock\"}",
         "{\"result\":\"error\",\"error\":\"malformed\"}"},
        {"{\"id\":\"c9\",\"id\":\"c8\",\"action\":\"unlock\"}",
         "{\"result\":\"error\",\"error\":\"malformed\"}"},
        {"{\"id\":7,\"action\":\"unlock\"}", "{\"result\":\"error\",\"error\":\"malformed\"}"},
        {"unlock", "{\"result\":\"error\",\"error\":\"malformed\"}"},
        {"{\"id\":\"c9\",\"action\":\"unlock\"} trailing",
         "{\"result\":\"error\",\"error\":\"malformed\"}"},
        {"{\"id\":\"c9\\u0000\",\"action\":\"unlock\"}",
         "{\"result\":\"error\",\"error\":\"malformed\"}"},
    };
    char out[256], log_before[1024], log_after[1024], big[KEELD_COMMAND_MAX + 64];
    struct keeld_lock_state before, after;
    (void)state;

    run("{\"id\":\"c0\",\"action\":\"lock\"}", out, sizeof(out));
    before = now();
    newest_log(log_before, sizeof(log_before));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run(cases[i].payload, out, sizeof(out));
        assert_string_equal(out, cases[i].reply);
    }
    /* larger than KEELD_COMMAND_MAX: refused as too large, even when well formed */
    memset(big, ' ', sizeof(big));
    memcpy(big, "{\"id\":\"c7\",\"action\":\"unlock\"}", 29);
    keeld_command_execute(lock, (const uint8_t *)big, sizeof(big), out, sizeof(out));
    assert_string_equal(out, "{\"result\":\"error\",\"error\":\"too large\"}");
    after = now();
    assert_int_equal(after.locked, 1);
    assert_int_equal(after.queued, before.queued);
    assert_int_equal(after.changed_at, before.changed_at);
    newest_log(log_after, sizeof(log_after));
    assert_string_equal(log_after, log_before);
}

static void test_execute_small_output_and_no_lock(void **state)
{
    char out[16];
    const char *cmd = "{\"id\":\"c5\",\"action\":\"state\"}";
    (void)state;

    memset(out, 'x', sizeof(out));
    run(cmd, out, sizeof(out)); /* the reply does not fit: an empty string, never a cut one */
    assert_string_equal(out, "");
    keeld_command_execute(lock, (const uint8_t *)cmd, strlen(cmd), NULL, 0); /* no crash */
    {
        char reply[128];
        keeld_command_execute(NULL, (const uint8_t *)cmd, strlen(cmd), reply, sizeof(reply));
        assert_string_equal(reply,
                            "{\"id\":\"c5\",\"result\":\"error\",\"error\":\"unavailable\"}");
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest parser[] = {
        cmocka_unit_test(test_parse_accepts_the_declared_shape),
        cmocka_unit_test(test_parse_refuses_other_shapes),
        cmocka_unit_test(test_parse_size_and_arguments),
    };
    const struct CMUnitTest execute[] = {
        cmocka_unit_test(test_execute_lock_unlock_state),
        cmocka_unit_test(test_execute_refused_changes_nothing),
        cmocka_unit_test(test_execute_small_output_and_no_lock),
    };
    int failed;

    backend = store_env_backend(argc, argv);
    failed = cmocka_run_group_tests_name("parser", parser, NULL, NULL);
    failed += cmocka_run_group_tests_name("execute", execute, setup, teardown);
    return failed;
}
