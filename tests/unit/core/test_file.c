/* Atomic replace: whatever step fails (write, fsync, rename), the old file stays intact and
 * no temporary is left behind. Each step is made to fail through the linker (--wrap). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/core.h"

static const char *fail_on; /* "write", "fsync", "rename", "short" or NULL */

ssize_t __real_write(int fd, const void *p, size_t n);
ssize_t __wrap_write(int fd, const void *p, size_t n);
int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __real_rename(const char *a, const char *b);
int __wrap_rename(const char *a, const char *b);

ssize_t __wrap_write(int fd, const void *p, size_t n)
{
    if (fail_on != NULL && strcmp(fail_on, "write") == 0) {
        errno = ENOSPC;
        return -1;
    }
    if (fail_on != NULL && strcmp(fail_on, "short") == 0 && n > 3)
        return __real_write(fd, p, 3); /* short writes must be continued, not lost */
    return __real_write(fd, p, n);
}

int __wrap_fsync(int fd)
{
    if (fail_on != NULL && strcmp(fail_on, "fsync") == 0) {
        errno = EIO;
        return -1;
    }
    return __real_fsync(fd);
}

int __wrap_rename(const char *a, const char *b)
{
    if (fail_on != NULL && strcmp(fail_on, "rename") == 0) {
        errno = EXDEV;
        return -1;
    }
    return __real_rename(a, b);
}

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/keel-file-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/data", dir);
    fail_on = NULL;
    return 0;
}

static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            n++;
    }
    closedir(d);
    return n;
}

static int teardown(void **state)
{
    char cmd[160];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void expect_content(const char *want)
{
    char *got = NULL;
    size_t len = 0;
    assert_int_equal(keel_file_read(path, 1024, &got, &len), KEEL_OK);
    assert_int_equal(len, strlen(want));
    assert_string_equal(got, want);
    keel_file_free(got, len);
}

static void test_write_then_replace(void **state)
{
    struct stat st;
    (void)state;
    assert_int_equal(keel_file_write_atomic(path, "first", 5, 0600), KEEL_OK);
    expect_content("first");
    assert_int_equal(keel_file_write_atomic(path, "second!", 7, 0640), KEEL_OK);
    expect_content("second!");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(entries(), 1);
}

static void test_mode_ignores_umask(void **state)
{
    struct stat st;
    mode_t old = umask(0);
    (void)state;
    assert_int_equal(keel_file_write_atomic(path, "k", 1, 0600), KEEL_OK);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void check_failure_keeps_old(const char *step)
{
    assert_int_equal(keel_file_write_atomic(path, "old content", 11, 0600), KEEL_OK);
    fail_on = step;
    assert_int_equal(keel_file_write_atomic(path, "new content!", 12, 0600), KEEL_ERR_IO);
    fail_on = NULL;
    expect_content("old content");
    assert_int_equal(entries(), 1); /* no temporary left behind */
}

static void test_failed_write_keeps_old(void **state)
{
    (void)state;
    check_failure_keeps_old("write");
}

static void test_failed_fsync_keeps_old(void **state)
{
    (void)state;
    check_failure_keeps_old("fsync");
}

static void test_failed_rename_keeps_old(void **state)
{
    (void)state;
    check_failure_keeps_old("rename");
}

static void test_failure_without_old_leaves_nothing(void **state)
{
    (void)state;
    fail_on = "fsync";
    assert_int_equal(keel_file_write_atomic(path, "x", 1, 0600), KEEL_ERR_IO);
    fail_on = NULL;
    assert_int_equal(entries(), 0);
}

static void test_short_writes_are_completed(void **state)
{
    (void)state;
    fail_on = "short";
    assert_int_equal(keel_file_write_atomic(path, "0123456789abcdef", 16, 0600), KEEL_OK);
    fail_on = NULL;
    expect_content("0123456789abcdef");
}

static void test_read_limits(void **state)
{
    char *got = (char *)1;
    size_t len = 99;
    (void)state;
    assert_int_equal(keel_file_read(path, 10, &got, &len), KEEL_ERR_NOT_FOUND);
    assert_null(got);
    assert_int_equal(keel_file_write_atomic(path, "0123456789A", 11, 0600), KEEL_OK);
    assert_int_equal(keel_file_read(path, 10, &got, &len), KEEL_ERR_TOO_LARGE);
    assert_null(got);
    assert_int_equal(keel_file_read(path, 11, &got, &len), KEEL_OK);
    assert_int_equal(len, 11);
    keel_file_free(got, len);
    /* A directory is not a file. */
    assert_int_equal(keel_file_read(dir, 10, &got, &len), KEEL_ERR_IO);
    keel_file_free(NULL, 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(keel_file_write_atomic(NULL, "x", 1, 0600), KEEL_ERR_ARG);
    assert_int_equal(keel_file_write_atomic("", "x", 1, 0600), KEEL_ERR_ARG);
    assert_int_equal(keel_file_write_atomic(path, NULL, 1, 0600), KEEL_ERR_ARG);
    assert_int_equal(keel_file_write_atomic("/nonexistent-dir/x", "x", 1, 0600), KEEL_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_then_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_ignores_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_fsync_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_rename_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_without_old_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_writes_are_completed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
