/* keel_rot_open: spec strings and the state directory (5.4-1: nothing of the root of trust
 * may live where another user can plant or swap files), and the file backend's refusal in
 * builds without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/rot.h"
#include "rot_checks.h"

static char tmp[256];

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

static void expect_arg(const char *spec)
{
    char dir[300];
    keel_rot *rot = (keel_rot *)&rot; /* must be reset to NULL */

    rot_test_join(dir, sizeof(dir), tmp, "bad-spec");
    assert_int_equal(keel_rot_open(spec, dir, &rot), KEEL_ERR_ARG);
    assert_null(rot);
}

static void test_bad_specs(void **state)
{
    char longspec[KEEL_ROT_SPEC_MAX + 8];

    (void)state;
    expect_arg(NULL);
    expect_arg("");
    expect_arg("tpm2");
    expect_arg("tpm2:");
    expect_arg("tpm");
    expect_arg("TPM2:device:/dev/tpmrm0");
    expect_arg("File");
    expect_arg("file ");
    expect_arg(" file");
    expect_arg("file:x");
    expect_arg("tpm2:swtpm:host=127.0.0.1, port=1");
    expect_arg("tpm2:device:/dev/tpm\n0");
    expect_arg("tpm2:\xc3\xa9");
    memset(longspec, 'a', sizeof(longspec) - 1);
    memcpy(longspec, "tpm2:", 5);
    longspec[sizeof(longspec) - 1] = '\0';
    expect_arg(longspec);
    /* and the other arguments */
    keel_rot *rot = NULL;
    assert_int_equal(keel_rot_open("file", NULL, &rot), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_open("file", "", &rot), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_open("file", tmp, NULL), KEEL_ERR_ARG);
    keel_rot_close(NULL);
    assert_string_equal(keel_rot_backend_name(KEEL_ROT_BACKEND_FILE), "file");
    assert_string_equal(keel_rot_backend_name(KEEL_ROT_BACKEND_TPM2), "tpm2");
}

#if KEEL_ROT_FILE
static void test_state_dir_made_0700(void **state)
{
    char dir[300], loose[300];
    keel_rot *rot = NULL;

    (void)state;
    rot_test_join(dir, sizeof(dir), tmp, "made");
    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_OK);
    assert_int_equal(keel_rot_backend_of(rot), KEEL_ROT_BACKEND_FILE);
    assert_null(keel_rot_libctx(rot));
    assert_int_equal(rot_test_mode(dir), 0700);
    keel_rot_close(rot);

    /* readable by others but not writable: tightened */
    rot_test_join(loose, sizeof(loose), tmp, "loose");
    assert_int_equal(mkdir(loose, 0700), 0);
    assert_int_equal(chmod(loose, 0755), 0);
    assert_int_equal(keel_rot_open("file", loose, &rot), KEEL_OK);
    assert_int_equal(rot_test_mode(loose), 0700);
    keel_rot_close(rot);
}

static void expect_perm(const char *dir)
{
    keel_rot *rot = NULL;

    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_ERR_PERM);
    assert_null(rot);
}

static void test_state_dir_refused(void **state)
{
    char dir[300], link[300], file[300];
    keel_rot *rot = NULL;

    (void)state;
    rot_test_join(dir, sizeof(dir), tmp, "world");
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    expect_perm(dir);
    assert_int_equal(chmod(dir, 0770), 0);
    expect_perm(dir);
    assert_int_equal(chmod(dir, 0702), 0);
    expect_perm(dir);
    assert_int_equal(rot_test_mode(dir), 0702); /* refused, not repaired */

    rot_test_join(link, sizeof(link), tmp, "link");
    rot_test_join(dir, sizeof(dir), tmp, "target");
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(symlink(dir, link), 0);
    expect_perm(link);

    rot_test_join(file, sizeof(file), tmp, "plain-file");
    fclose(fopen(file, "w"));
    expect_perm(file);

    rot_test_join(dir, sizeof(dir), tmp, "no/such/parent");
    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_ERR_IO);
    assert_null(rot);
}
#else
/* Configured with -DKEEL_ROT_FILE=OFF (as every production build is): "file" is refused
 * before the state directory is even made. */
static void test_file_refused(void **state)
{
    char dir[300];
    keel_rot *rot = NULL;

    (void)state;
    rot_test_join(dir, sizeof(dir), tmp, "refused");
    assert_int_equal(keel_rot_open("file", dir, &rot), KEEL_ERR_ROT_REFUSED);
    assert_null(rot);
    assert_int_equal(access(dir, F_OK), -1);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_specs),
#if KEEL_ROT_FILE
        cmocka_unit_test(test_state_dir_made_0700),
        cmocka_unit_test(test_state_dir_refused),
#else
        cmocka_unit_test(test_file_refused),
#endif
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
