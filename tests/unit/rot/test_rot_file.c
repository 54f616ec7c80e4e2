/* The development file backend behaves like the tpm2 one: storage key life cycle, counters
 * that persist and refuse a damaged file, an identity key that signs, 0600 files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keel/rot.h"
#include "rot_checks.h"

static char tmp[256];
static char dir[300];

static int setup(void **state)
{
    (void)state;
    rot_test_tempdir(tmp, sizeof(tmp));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rot_test_rmtree(tmp);
    return 0;
}

/* Each test its own state directory. */
static keel_rot *open_fresh(const char *name)
{
    keel_rot *rot = NULL;

    rot_test_join(dir, sizeof(dir), tmp, name);
    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_OK);
    assert_non_null(rot);
    return rot;
}

static void test_storage_key(void **state)
{
    char path[400];
    uint8_t key[KEEL_ROT_KEY_LEN];
    keel_rot *rot = open_fresh("key");

    (void)state;
    rot_test_storage_key_cycle(rot);
    rot_test_join(path, sizeof(path), dir, "storage.key");
    assert_int_equal(rot_test_mode(path), 0600);
    /* a key of the wrong length is damaged, never used */
    FILE *f = fopen(path, "ab");
    fputc('x', f);
    fclose(f);
    assert_int_equal(keel_rot_storage_key_unseal(rot, key), KEEL_ERR_ROT_SEALED);
    keel_rot_close(rot);
}

static void test_counters(void **state)
{
    char path[400];
    uint64_t v = 0;
    keel_rot *rot = open_fresh("counters");

    (void)state;
    assert_int_equal(keel_rot_counter_read(rot, 0, &v), KEEL_OK);
    assert_true(v == 0);
    rot_test_counters(rot);
    assert_int_equal(keel_rot_counter_read(rot, KEEL_ROT_COUNTER_STORE, &v), KEEL_OK);
    assert_true(v == 2);
    rot_test_join(path, sizeof(path), dir, "counters");
    assert_int_equal(rot_test_mode(path), 0600);
    /* a counter survives close and reopen, and a storage key's destruction */
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_storage_key_destroy(rot), KEEL_OK);
    keel_rot_close(rot);
    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_OK);
    assert_int_equal(keel_rot_counter_read(rot, KEEL_ROT_COUNTER_STORE, &v), KEEL_OK);
    assert_true(v == 2);
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_STORE, &v), KEEL_OK);
    assert_true(v == 3);
    /* a damaged counters file is refused, never reset to 0 */
    rot_test_flip_byte(path, 0);
    assert_int_equal(keel_rot_counter_read(rot, 0, &v), KEEL_ERR_ROT_SEALED);
    assert_int_equal(keel_rot_counter_increment(rot, 0, &v), KEEL_ERR_ROT_SEALED);
    rot_test_flip_byte(path, 0);
    FILE *f = fopen(path, "ab");
    fputc(0, f);
    fclose(f);
    assert_int_equal(keel_rot_counter_read(rot, 0, &v), KEEL_ERR_ROT_SEALED);
    keel_rot_close(rot);
}

static void test_identity(void **state)
{
    char path[400], pem[8192];
    EVP_PKEY *key = (EVP_PKEY *)&key;
    keel_rot *rot = open_fresh("identity");

    (void)state;
    assert_null(keel_rot_propq(rot));
    assert_null(keel_rot_propq(NULL));
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_ERR_NOT_FOUND);
    assert_null(key);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_ERR_EXISTS);
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_OK);
    rot_test_sign_verify(rot, key);
    EVP_PKEY_free(key);
    rot_test_join(path, sizeof(path), dir, "identity.pem");
    assert_int_equal(rot_test_mode(path), 0600);
    rot_test_slurp(path, pem, sizeof(pem));
    assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
    /* the same key after reopening */
    keel_rot_close(rot);
    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_OK);
    rot_test_sign_verify(rot, key);
    EVP_PKEY_free(key);
    /* damaged */
    rot_test_flip_byte(path, 40);
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_ERR_ROT_SEALED);
    assert_null(key);
    assert_int_equal(keel_rot_identity_key(rot, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_identity_key(NULL, &key), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_identity_create(NULL), KEEL_ERR_ARG);
    keel_rot_close(rot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_key),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_identity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
