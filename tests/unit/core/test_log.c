/* The logger: threshold, sink, escaping of control characters, marking of cut lines,
 * and keel_secret's life cycle. That a secret cannot reach the logger at all is proven at
 * compile time by log_misuse.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "keel/core.h"

static char last[KEEL_LOG_LINE_MAX];
static int lines;

static void sink(keel_log_level level, const char *line, void *user)
{
    (void)level;
    (void)user;
    memcpy(last, line, strlen(line) + 1);
    lines++;
}

static void test_threshold(void **state)
{
    (void)state;
    lines = 0;
    keel_log_configure(KEEL_LOG_WARN, sink, NULL);
    keel_log(KEEL_LOG_INFO, "dropped");
    assert_int_equal(lines, 0);
    keel_log(KEEL_LOG_ERROR, "kept %d", 1);
    assert_int_equal(lines, 1);
    assert_string_equal(last, "kept 1");
}

static void test_escapes_control_characters(void **state)
{
    (void)state;
    keel_log_configure(KEEL_LOG_DEBUG, sink, NULL);
    keel_log(KEEL_LOG_INFO, "user=%s", "bob\nkeel error: forged\r\x1b[31m\\");
    assert_null(strchr(last, '\n'));
    assert_null(strchr(last, '\r'));
    assert_null(strchr(last, '\x1b'));
    assert_string_equal(last, "user=bob\\x0akeel error: forged\\x0d\\x1b[31m\\x5c");
}

static void test_long_lines_are_marked(void **state)
{
    char big[3 * KEEL_LOG_LINE_MAX];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    keel_log_configure(KEEL_LOG_DEBUG, sink, NULL);
    keel_log(KEEL_LOG_INFO, "%s", big);
    assert_true(strlen(last) < KEEL_LOG_LINE_MAX);
    assert_string_equal(last + strlen(last) - 3, "...");
    /* Escaping can make a line longer than the buffer too. */
    memset(big, '\n', KEEL_LOG_LINE_MAX / 2);
    big[KEEL_LOG_LINE_MAX / 2] = '\0';
    keel_log(KEEL_LOG_INFO, "%s", big);
    assert_true(strlen(last) < KEEL_LOG_LINE_MAX);
    assert_string_equal(last + strlen(last) - 3, "...");
}

static void test_secret(void **state)
{
    keel_secret s;
    uint8_t big[KEEL_SECRET_MAX + 1] = {0};
    (void)state;
    assert_int_equal(keel_secret_set(&s, "hunter2", 7), KEEL_OK);
    assert_int_equal(keel_secret_len(&s), 7);
    assert_memory_equal(keel_secret_bytes(&s), "hunter2", 7);
    assert_int_equal(keel_secret_set(&s, big, sizeof(big)), KEEL_ERR_TOO_LARGE);
    assert_int_equal(keel_secret_len(&s), 0); /* the old secret is gone too */
    assert_int_equal(keel_secret_set(&s, "x", 1), KEEL_OK);
    keel_secret_clear(&s);
    assert_int_equal(keel_secret_len(&s), 0);
    assert_int_equal(((const uint8_t *)keel_secret_bytes(&s))[0], 0);
    keel_secret_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_escapes_control_characters),
        cmocka_unit_test(test_long_lines_are_marked),
        cmocka_unit_test(test_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
