/* A real store file damaged in every way a flash cell, an attacker or a bad copy can:
 * each byte flipped in turn (header and body), cut at every length, grown by a byte. Open
 * must refuse each with TAMPERED, FOREIGN or TRUNCATED, log it once naming the path, and
 * leave the file as it found it: never a success, never a reset. argv[1]: the backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "keel/store.h"
#include "store_env.h"
#include "store_internal.h"

static const char *backend = "file";
static store_env env;
static unsigned char orig[4096];
static long orig_len;

static int setup(void **state)
{
    keel_store *s = NULL;
    int ok;
    (void)state;
    if (store_env_setup(&env, backend) != 0 || keel_store_create(env.path, env.rot) != KEEL_OK ||
        keel_store_open(env.path, env.rot, &s) != KEEL_OK)
        return -1;
    ok = keel_store_put(s, "pw.hash", "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", 44) ==
             KEEL_OK &&
         keel_store_put(s, "guard.failures", "7", 1) == KEEL_OK &&
         keel_store_put(s, "session.key", "0123456789abcdef0123456789abcdef", 32) == KEEL_OK;
    keel_store_close(s);
    orig_len = store_env_read(env.path, orig, sizeof(orig));
    return ok && orig_len > KEEL_STORE_HEADER_LEN ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_env_teardown(&env);
    return 0;
}

/* Open the damaged file (len bytes of img), expect a refusal in allowed (n codes). */
static keel_err refuse(const unsigned char *img, size_t len, const keel_err *allowed, size_t n)
{
    static unsigned char after[KEEL_STORE_MAX_BYTES + 16];
    keel_store *s = NULL;
    keel_err ret;
    int found = 0;

    assert_int_equal(store_env_write(env.path, img, len), 0);
    store_env_log_capture();
    ret = keel_store_open(env.path, env.rot, &s);
    for (size_t i = 0; i < n; i++)
        found |= ret == allowed[i];
    if (!found)
        fail_msg("length %zu: open returned %d (%s)", len, ret, keel_strerror(ret));
    assert_null(s);
    assert_int_equal(store_env_log_errors(), 1);
    assert_non_null(strstr(store_env_log_text(), env.path));
    /* Refused, not repaired: the file is exactly what it was. */
    assert_int_equal(store_env_read(env.path, after, sizeof(after)), (long)len);
    assert_memory_equal(after, img, len);
    return ret;
}

static void expect_original_opens(void)
{
    keel_store *s = NULL;
    char buf[64];
    size_t len = 0;
    assert_int_equal(store_env_write(env.path, orig, (size_t)orig_len), 0);
    assert_int_equal(keel_store_open(env.path, env.rot, &s), KEEL_OK);
    assert_int_equal(keel_store_get(s, "guard.failures", buf, sizeof(buf), &len), KEEL_OK);
    assert_int_equal(len, 1);
    assert_int_equal(buf[0], '7');
    keel_store_close(s);
}

static void test_flip_every_byte(void **state)
{
    static const keel_err allowed[] = {KEEL_ERR_STORE_TAMPERED, KEEL_ERR_STORE_FOREIGN,
                                       KEEL_ERR_STORE_TRUNCATED};
    unsigned char img[sizeof(orig)];
    int counts[3] = {0, 0, 0};
    (void)state;

    for (long i = 0; i < orig_len; i++) {
        keel_err ret;
        memcpy(img, orig, (size_t)orig_len);
        img[i] ^= (unsigned char)(1u << (i % 8));
        ret = refuse(img, (size_t)orig_len, allowed, 3);
        counts[ret == KEEL_ERR_STORE_TAMPERED ? 0 : ret == KEEL_ERR_STORE_FOREIGN ? 1 : 2]++;
        /* The header's identity fields say FOREIGN; everything authenticated says TAMPERED. */
        if (i < 28)
            assert_int_equal(ret, KEEL_ERR_STORE_FOREIGN);
        else if (i >= KEEL_STORE_HEADER_LEN || i < 80)
            assert_int_equal(ret, KEEL_ERR_STORE_TAMPERED);
    }
    print_message("%ld flips: %d tampered, %d foreign, %d truncated\n", orig_len, counts[0],
                  counts[1], counts[2]);
    expect_original_opens();
}

static void test_truncate_at_every_length(void **state)
{
    static const keel_err allowed[] = {KEEL_ERR_STORE_TRUNCATED};
    (void)state;
    for (long len = 0; len < orig_len; len++)
        refuse(orig, (size_t)len, allowed, 1);
    expect_original_opens();
}

static void test_trailing_bytes(void **state)
{
    static const keel_err allowed[] = {KEEL_ERR_STORE_TAMPERED};
    unsigned char img[sizeof(orig) + 1];
    (void)state;
    memcpy(img, orig, (size_t)orig_len);
    img[orig_len] = 0;
    refuse(img, (size_t)orig_len + 1, allowed, 1);
    expect_original_opens();
}

static void test_not_a_store(void **state)
{
    static const keel_err allowed[] = {KEEL_ERR_STORE_FOREIGN};
    static const unsigned char text[] = "{\"password\": \"hunter2\"}\n";
    (void)state;
    refuse(text, sizeof(text) - 1, allowed, 1);
    expect_original_opens();
}

static void test_too_large(void **state)
{
    static const keel_err allowed[] = {KEEL_ERR_TOO_LARGE};
    static unsigned char img[KEEL_STORE_MAX_BYTES + 1];
    (void)state;
    memcpy(img, orig, (size_t)orig_len);
    refuse(img, sizeof(img), allowed, 1);
    expect_original_opens();
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flip_every_byte), cmocka_unit_test(test_truncate_at_every_length),
        cmocka_unit_test(test_trailing_bytes),  cmocka_unit_test(test_not_a_store),
        cmocka_unit_test(test_too_large),
    };
    backend = store_env_backend(argc, argv);
    return cmocka_run_group_tests_name(backend, tests, setup, teardown);
}
