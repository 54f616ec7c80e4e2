/* The store's contract with a real root of trust (argv[1]: "file" or "tpm2"): round trips,
 * limits, persistence, generations, and what open does with foreign, rolled-back and
 * out-of-step files, each refusal logged once with the store's path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keel/store.h"
#include "store_env.h"
#include "store_internal.h"

static const char *backend = "file";
static store_env env;

static int setup(void **state)
{
    keel_store *s = NULL;
    (void)state;
    if (store_env_setup(&env, backend) != 0)
        return -1;
    if (keel_store_create(env.path, env.rot) != KEEL_OK)
        return -1;
    if (keel_store_open(env.path, env.rot, &s) != KEEL_OK)
        return -1;
    keel_store_close(s);
    store_env_log_capture();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_env_teardown(&env);
    return 0;
}

static keel_store *open_ok(void)
{
    keel_store *s = NULL;
    assert_int_equal(keel_store_open(env.path, env.rot, &s), KEEL_OK);
    assert_non_null(s);
    return s;
}

static void expect_record(const keel_store *s, const char *name, const char *want)
{
    char buf[KEEL_STORE_VALUE_MAX];
    size_t len = 0;
    assert_int_equal(keel_store_get(s, name, buf, sizeof(buf), &len), KEEL_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
}

/* The open refused with want, one error line naming the path. */
static void expect_refused(keel_err want)
{
    keel_store *s = (keel_store *)&env; /* must be reset to NULL */
    store_env_log_capture();
    assert_int_equal(keel_store_open(env.path, env.rot, &s), want);
    assert_null(s);
    assert_int_equal(store_env_log_errors(), 1);
    assert_non_null(strstr(store_env_log_text(), env.path));
}

static void test_round_trips(void **state)
{
    keel_store *s = open_ok();
    char buf[8];
    size_t len = 99;
    uint64_t g0 = keel_store_generation(s);
    (void)state;

    assert_int_equal(keel_store_get(s, "pw.hash", buf, sizeof(buf), &len), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_store_put(s, "pw.hash", "first", 5), KEEL_OK);
    assert_int_equal(keel_store_put(s, "guard_count", "3", 1), KEEL_OK);
    assert_int_equal(keel_store_put(s, "empty-value", NULL, 0), KEEL_OK);
    expect_record(s, "pw.hash", "first");
    assert_int_equal(keel_store_put(s, "pw.hash", "second value", 12), KEEL_OK); /* overwrite */
    expect_record(s, "pw.hash", "second value");
    expect_record(s, "guard_count", "3");
    expect_record(s, "empty-value", "");
    assert_int_equal(keel_store_generation(s), g0 + 4);
    keel_store_close(s);

    s = open_ok(); /* everything persisted */
    assert_int_equal(keel_store_generation(s), g0 + 4);
    expect_record(s, "pw.hash", "second value");
    assert_int_equal(keel_store_delete(s, "guard_count"), KEEL_OK);
    assert_int_equal(keel_store_delete(s, "guard_count"), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_store_get(s, "guard_count", buf, sizeof(buf), &len), KEEL_ERR_NOT_FOUND);
    keel_store_close(s);
    s = open_ok();
    assert_int_equal(keel_store_get(s, "guard_count", buf, sizeof(buf), &len), KEEL_ERR_NOT_FOUND);
    expect_record(s, "pw.hash", "second value");
    assert_int_equal(keel_store_delete(s, "pw.hash"), KEEL_OK);
    assert_int_equal(keel_store_delete(s, "empty-value"), KEEL_OK);
    keel_store_close(s);
    keel_store_close(NULL);
}

static void test_too_small_buffer(void **state)
{
    keel_store *s = open_ok();
    char buf[16];
    size_t len = 0;
    (void)state;

    assert_int_equal(keel_store_put(s, "key", "0123456789abcdef!", 17), KEEL_OK);
    assert_int_equal(keel_store_get(s, "key", buf, sizeof(buf), &len), KEEL_ERR_RANGE);
    assert_int_equal(len, 17);
    assert_int_equal(keel_store_get(s, "key", NULL, 0, &len), KEEL_ERR_RANGE);
    assert_int_equal(len, 17);
    assert_int_equal(keel_store_delete(s, "key"), KEEL_OK);
    keel_store_close(s);
}

static void test_names(void **state)
{
    keel_store *s = open_ok();
    char name[KEEL_STORE_NAME_MAX + 2];
    char buf[4];
    size_t len;
    static const char *bad[] = {"", "Upper", "sp ace", "slash/", "\xc3\xa9", "a:b", "x\n"};
    uint64_t g;
    (void)state;

    memset(name, 'n', sizeof(name));
    name[KEEL_STORE_NAME_MAX] = '\0';
    assert_int_equal(keel_store_put(s, name, "v", 1), KEEL_OK);
    assert_int_equal(keel_store_delete(s, name), KEEL_OK);
    name[KEEL_STORE_NAME_MAX] = 'n';
    name[KEEL_STORE_NAME_MAX + 1] = '\0';
    g = keel_store_generation(s);
    assert_int_equal(keel_store_put(s, name, "v", 1), KEEL_ERR_ARG);
    assert_int_equal(keel_store_get(s, name, buf, sizeof(buf), &len), KEEL_ERR_ARG);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(keel_store_put(s, bad[i], "v", 1), KEEL_ERR_ARG);
        assert_int_equal(keel_store_delete(s, bad[i]), KEEL_ERR_ARG);
    }
    assert_int_equal(keel_store_put(s, "a.b_c-9", "v", 1), KEEL_OK);
    assert_int_equal(keel_store_delete(s, "a.b_c-9"), KEEL_OK);
    assert_int_equal(keel_store_put(NULL, "a", "v", 1), KEEL_ERR_ARG);
    assert_int_equal(keel_store_put(s, NULL, "v", 1), KEEL_ERR_ARG);
    assert_int_equal(keel_store_put(s, "a", NULL, 1), KEEL_ERR_ARG);
    assert_int_equal(keel_store_get(s, "a", buf, sizeof(buf), NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_store_generation(s), g + 2); /* refusals wrote nothing */
    keel_store_close(s);
}

/* Value size, record count and total size, each at its limit and one past it. */
static void test_limits(void **state)
{
    static unsigned char big[KEEL_STORE_VALUE_MAX + 1];
    keel_store *s = open_ok();
    char name[32];
    size_t len = 0;
    size_t i;
    keel_err ret = KEEL_OK;
    (void)state;

    memset(big, 0xa5, sizeof(big));
    assert_int_equal(keel_store_put(s, "big", big, KEEL_STORE_VALUE_MAX), KEEL_OK);
    assert_int_equal(keel_store_put(s, "bigger", big, KEEL_STORE_VALUE_MAX + 1),
                     KEEL_ERR_TOO_LARGE);
    assert_int_equal(keel_store_delete(s, "big"), KEEL_OK);

    /* Total size: 4 KiB values until the file would pass KEEL_STORE_MAX_BYTES. */
    for (i = 0; i < 32 && ret == KEEL_OK; i++) {
        snprintf(name, sizeof(name), "v%zu", i);
        ret = keel_store_put(s, name, big, KEEL_STORE_VALUE_MAX);
    }
    assert_int_equal(ret, KEEL_ERR_TOO_LARGE);
    assert_int_equal(i - 1, (KEEL_STORE_MAX_BYTES - 100) / (KEEL_STORE_VALUE_MAX + 3 + 3));
    assert_int_equal(keel_store_get(s, name, big, sizeof(big), &len), KEEL_ERR_NOT_FOUND);
    keel_store_close(s);
    s = open_ok(); /* the fullest store reopens */
    for (size_t j = 0; j + 1 < i; j++) {
        snprintf(name, sizeof(name), "v%zu", j);
        assert_int_equal(keel_store_get(s, name, big, sizeof(big), &len), KEEL_OK);
        assert_int_equal(len, KEEL_STORE_VALUE_MAX);
        assert_int_equal(keel_store_delete(s, name), KEEL_OK);
    }
    keel_store_close(s);
}

/* Record count: KEEL_STORE_MAX_RECORDS fit, one more does not (checked on the record table,
 * whose code put uses, to keep the test fast on a TPM: 257 writes are not needed). */
static void test_record_count(void **state)
{
    static uint8_t body[KEEL_STORE_BODY_MAX];
    static uint8_t next[KEEL_STORE_BODY_MAX];
    size_t len = 2;
    char name[16];
    (void)state;

    memset(body, 0, 2);
    for (int i = 0; i < KEEL_STORE_MAX_RECORDS; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        assert_int_equal(keel_store_records_set(body, len, name, (const uint8_t *)"x", 1, next,
                                                sizeof(next), &len),
                         KEEL_OK);
        memcpy(body, next, len);
    }
    assert_int_equal(keel_store_records_check(body, len), KEEL_OK);
    assert_int_equal(keel_store_records_set(body, len, "one-more", (const uint8_t *)"x", 1, next,
                                            sizeof(next), &len),
                     KEEL_ERR_TOO_LARGE);
    /* Replacing an existing record at the limit is fine. */
    assert_int_equal(
        keel_store_records_set(body, len, "r7", (const uint8_t *)"y", 1, next, sizeof(next), &len),
        KEEL_OK);
}

/* And through put, on the file backend where writes are cheap. */
static void test_record_count_put(void **state)
{
    keel_store *s;
    char name[16];
    (void)state;
    if (env.tpm2)
        skip();
    s = open_ok();
    for (int i = 0; i < KEEL_STORE_MAX_RECORDS; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        assert_int_equal(keel_store_put(s, name, "x", 1), KEEL_OK);
    }
    assert_int_equal(keel_store_put(s, "one-more", "x", 1), KEEL_ERR_TOO_LARGE);
    assert_int_equal(keel_store_put(s, "r0", "replaced", 8), KEEL_OK);
    keel_store_close(s);
    s = open_ok();
    expect_record(s, "r0", "replaced");
    for (int i = 0; i < KEEL_STORE_MAX_RECORDS; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        assert_int_equal(keel_store_delete(s, name), KEEL_OK);
    }
    keel_store_close(s);
}

static void test_create_never_overwrites(void **state)
{
    (void)state;
    store_env_log_capture();
    assert_int_equal(keel_store_create(env.path, env.rot), KEEL_ERR_EXISTS);
    assert_int_equal(store_env_log_errors(), 1);
    assert_non_null(strstr(store_env_log_text(), env.path));
    assert_int_equal(keel_store_create(NULL, env.rot), KEEL_ERR_ARG);
    assert_int_equal(keel_store_create(env.path, NULL), KEEL_ERR_ARG);
}

static void test_missing(void **state)
{
    char saved[160];
    (void)state;
    snprintf(saved, sizeof(saved), "%s.saved", env.path);
    assert_int_equal(rename(env.path, saved), 0);
    expect_refused(KEEL_ERR_NOT_FOUND);
    assert_int_equal(rename(saved, env.path), 0);
}

/* An older copy written back after more puts. */
static void test_rollback(void **state)
{
    char old[160];
    keel_store *s = open_ok();
    (void)state;
    snprintf(old, sizeof(old), "%s.old", env.path);
    assert_int_equal(keel_store_put(s, "pin", "1111", 4), KEEL_OK);
    assert_int_equal(store_env_copy(env.path, old), 0);
    assert_int_equal(keel_store_put(s, "pin", "2222", 4), KEEL_OK);
    assert_int_equal(keel_store_put(s, "pin", "3333", 4), KEEL_OK);
    keel_store_close(s);
    assert_int_equal(rename(old, env.path), 0); /* the old copy written back */
    expect_refused(KEEL_ERR_STORE_ROLLBACK);
    assert_non_null(strstr(store_env_log_text(), "older"));
    expect_refused(KEEL_ERR_STORE_ROLLBACK); /* not reset: still refused */
}

/* A file sealed by the store's own code at a chosen generation, as a crash or a forger
 * would leave it. */
static void write_at_generation(uint64_t gen, const char *value)
{
    static uint8_t body[KEEL_STORE_BODY_MAX];
    static uint8_t file[KEEL_STORE_MAX_BYTES];
    uint8_t key[KEEL_ROT_KEY_LEN];
    size_t len = 2;
    size_t flen = 0;
    uint8_t empty[2] = {0, 0};

    assert_int_equal(keel_store_records_set(empty, 2, "pin", (const uint8_t *)value, strlen(value),
                                            body, sizeof(body), &len),
                     KEEL_OK);
    assert_int_equal(keel_rot_storage_key_unseal(env.rot, key), KEEL_OK);
    assert_int_equal(keel_store_encode(key, gen, body, len, file, sizeof(file), &flen), KEEL_OK);
    keel_wipe(key, sizeof(key));
    assert_int_equal(store_env_write(env.path, file, flen), 0);
}

static void test_generation_rules(void **state)
{
    uint64_t counter = 0;
    keel_store *s;
    (void)state;

    assert_int_equal(keel_rot_counter_read(env.rot, KEEL_ROT_COUNTER_STORE, &counter), KEEL_OK);
    /* One ahead: a write whose counter raise was lost to a power cut. Accepted, completed. */
    write_at_generation(counter + 1, "crash");
    s = open_ok();
    expect_record(s, "pin", "crash");
    assert_int_equal(keel_store_generation(s), counter + 1);
    keel_store_close(s);
    assert_int_equal(keel_rot_counter_read(env.rot, KEEL_ROT_COUNTER_STORE, &counter), KEEL_OK);
    assert_int_equal(counter, keel_store_generation(s = open_ok()));
    keel_store_close(s);
    /* Two ahead: no write of keel's leaves that; the binding is broken. */
    write_at_generation(counter + 2, "forged");
    expect_refused(KEEL_ERR_STORE_TAMPERED);
    assert_non_null(strstr(store_env_log_text(), "ahead"));
    /* Behind: rollback. */
    write_at_generation(counter - 1, "older");
    expect_refused(KEEL_ERR_STORE_ROLLBACK);
    write_at_generation(counter, "current");
    s = open_ok();
    expect_record(s, "pin", "current");
    assert_int_equal(keel_store_delete(s, "pin"), KEEL_OK);
    keel_store_close(s);
}

/* A put when the counter was moved past the store by another writer. */
static void test_counter_ahead_refuses_put(void **state)
{
    keel_store *a = open_ok();
    keel_store *b = open_ok();
    (void)state;
    assert_int_equal(keel_store_put(a, "who", "a", 1), KEEL_OK);
    store_env_log_capture();
    assert_int_equal(keel_store_put(b, "who", "b", 1), KEEL_ERR_STORE_ROLLBACK);
    assert_int_equal(store_env_log_errors(), 1);
    keel_store_close(b);
    expect_record(a, "who", "a");
    assert_int_equal(keel_store_delete(a, "who"), KEEL_OK);
    keel_store_close(a);
}

/* A store made under another device's storage key. */
static void test_foreign(void **state)
{
    store_env other;
    char saved[160];
    (void)state;
    assert_int_equal(store_env_setup(&other, backend), 0);
    assert_int_equal(keel_store_create(other.path, other.rot), KEEL_OK);
    snprintf(saved, sizeof(saved), "%s.mine", env.path);
    assert_int_equal(rename(env.path, saved), 0);
    assert_int_equal(store_env_copy(other.path, env.path), 0);
    store_env_teardown(&other);
    expect_refused(KEEL_ERR_STORE_FOREIGN);
    assert_non_null(strstr(store_env_log_text(), "another storage key"));
    assert_int_equal(rename(saved, env.path), 0);
    keel_store_close(open_ok());
}

/* The store survives closing and reopening the root of trust (for tpm2: swtpm stopped and
 * started again on the same state), with its counter where it was. */
static void test_rot_restart(void **state)
{
    keel_store *s = open_ok();
    uint64_t g;
    (void)state;
    assert_int_equal(keel_store_put(s, "kept", "across restart", 14), KEEL_OK);
    g = keel_store_generation(s);
    keel_store_close(s);
    store_env_rot_close(&env);
    assert_int_equal(store_env_reboot(&env), 0);
    assert_int_equal(store_env_rot_open(&env), 0);
    s = open_ok();
    assert_int_equal(keel_store_generation(s), g);
    expect_record(s, "kept", "across restart");
    assert_int_equal(keel_store_delete(s, "kept"), KEEL_OK);
    keel_store_close(s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_too_small_buffer),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_record_count),
        cmocka_unit_test(test_record_count_put),
        cmocka_unit_test(test_create_never_overwrites),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_generation_rules),
        cmocka_unit_test(test_counter_ahead_refuses_put),
        cmocka_unit_test(test_foreign),
        cmocka_unit_test(test_rot_restart),
        cmocka_unit_test(test_rollback),
    };
    backend = store_env_backend(argc, argv);
    return cmocka_run_group_tests_name(backend, tests, setup, teardown);
}
