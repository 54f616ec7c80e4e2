/* Fault injection (STYLE 12): write, fsync and rename fail through the linker (--wrap) at
 * each step of a put. A put that fails before the new file is in place leaves the old store
 * on flash and in memory, and no temporary behind; one that fails after (the directory's
 * fsync, the counter's raise) leaves a store that opens. argv[1]: the backend; only calls
 * on files and directories fail, so a TPM's socket is never hit. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/store.h"
#include "store_env.h"

static const char *backend = "file";
static store_env env;
static const char *fail_on; /* "write", "fsync", "rename", "short" or NULL */
static int fail_nth;        /* the how-manieth call on a file fails (1: the first) */
static int calls;

ssize_t __real_write(int fd, const void *p, size_t n);
ssize_t __wrap_write(int fd, const void *p, size_t n);
int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __real_rename(const char *a, const char *b);
int __wrap_rename(const char *a, const char *b);

static int on_file(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
}

static int should_fail(const char *op)
{
    return fail_on != NULL && strcmp(fail_on, op) == 0 && ++calls == fail_nth;
}

ssize_t __wrap_write(int fd, const void *p, size_t n)
{
    if (on_file(fd) && fail_on != NULL && strcmp(fail_on, "short") == 0 && n > 3)
        return __real_write(fd, p, 3);
    if (on_file(fd) && should_fail("write")) {
        errno = ENOSPC;
        return -1;
    }
    return __real_write(fd, p, n);
}

int __wrap_fsync(int fd)
{
    if (should_fail("fsync")) {
        errno = EIO;
        return -1;
    }
    return __real_fsync(fd);
}

int __wrap_rename(const char *a, const char *b)
{
    if (should_fail("rename")) {
        errno = EXDEV;
        return -1;
    }
    return __real_rename(a, b);
}

static void arm(const char *op, int nth)
{
    fail_on = op;
    fail_nth = nth;
    calls = 0;
}

static int setup(void **state)
{
    keel_store *s = NULL;
    int ok;
    (void)state;
    arm(NULL, 0);
    if (store_env_setup(&env, backend) != 0 || keel_store_create(env.path, env.rot) != KEEL_OK ||
        keel_store_open(env.path, env.rot, &s) != KEEL_OK)
        return -1;
    ok = keel_store_put(s, "pin", "old", 3) == KEEL_OK;
    keel_store_close(s);
    store_env_log_capture();
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arm(NULL, 0);
    store_env_teardown(&env);
    return 0;
}

/* Files in the test directory besides the root of trust's: only the store itself. */
static int store_files(void)
{
    int n = 0;
    DIR *d = opendir(env.dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "store", 5) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void expect_record(const keel_store *s, const char *want)
{
    char buf[32];
    size_t len = 0;
    assert_int_equal(keel_store_get(s, "pin", buf, sizeof(buf), &len), KEEL_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
}

static keel_store *open_ok(void)
{
    keel_store *s = NULL;
    assert_int_equal(keel_store_open(env.path, env.rot, &s), KEEL_OK);
    return s;
}

/* Put "new" with op failing on its nth call: IO, and the old store stays everywhere. */
static void check_failure_keeps_old(const char *op, int nth)
{
    keel_store *s = open_ok();
    uint64_t g = keel_store_generation(s);

    store_env_log_capture();
    arm(op, nth);
    assert_int_equal(keel_store_put(s, "pin", "new", 3), KEEL_ERR_IO);
    arm(NULL, 0);
    assert_int_equal(store_env_log_errors(), 1);
    assert_non_null(strstr(store_env_log_text(), env.path));
    expect_record(s, "old"); /* in memory */
    assert_int_equal(keel_store_generation(s), g);
    assert_int_equal(store_files(), 1); /* no temporary left behind */
    keel_store_close(s);
    s = open_ok(); /* on flash */
    expect_record(s, "old");
    assert_int_equal(keel_store_generation(s), g);
    /* and the store goes on */
    assert_int_equal(keel_store_put(s, "pin", "newer", 5), KEEL_OK);
    assert_int_equal(keel_store_put(s, "pin", "old", 3), KEEL_OK);
    keel_store_close(s);
}

static void test_failed_write(void **state)
{
    (void)state;
    check_failure_keeps_old("write", 1);
}

static void test_failed_fsync(void **state)
{
    (void)state;
    check_failure_keeps_old("fsync", 1);
}

static void test_failed_rename(void **state)
{
    (void)state;
    check_failure_keeps_old("rename", 1);
}

static void test_short_writes(void **state)
{
    keel_store *s = open_ok();
    (void)state;
    arm("short", 0);
    assert_int_equal(keel_store_put(s, "pin", "short", 5), KEEL_OK);
    arm(NULL, 0);
    keel_store_close(s);
    s = open_ok();
    expect_record(s, "short");
    assert_int_equal(keel_store_put(s, "pin", "old", 3), KEEL_OK);
    keel_store_close(s);
}

/* The directory's fsync fails after the rename: the put reports IO and memory keeps the
 * old value, but the new file may be on flash. The same handle writes on, and a store closed
 * right after the failure opens (on what reached the flash: here the new file). */
static void test_failed_directory_fsync(void **state)
{
    keel_store *s = open_ok();
    uint64_t g = keel_store_generation(s);
    (void)state;

    arm("fsync", 2);
    assert_int_equal(keel_store_put(s, "pin", "maybe", 5), KEEL_ERR_IO);
    arm(NULL, 0);
    expect_record(s, "old");
    assert_int_equal(keel_store_put(s, "pin", "third", 5), KEEL_OK);
    assert_int_equal(keel_store_generation(s), g + 1);
    keel_store_close(s);
    s = open_ok();
    expect_record(s, "third");
    arm("fsync", 2);
    assert_int_equal(keel_store_put(s, "pin", "maybe", 5), KEEL_ERR_IO);
    arm(NULL, 0);
    keel_store_close(s);
    s = open_ok();
    expect_record(s, "maybe");
    assert_int_equal(keel_store_generation(s), g + 2);
    assert_int_equal(keel_store_put(s, "pin", "old", 3), KEEL_OK);
    keel_store_close(s);
}

/* The file backend keeps its counters in a file replaced by rename: failing the second
 * rename of a put fails the counter's raise after the store file is in place. The new
 * value then stands; the next put raises the counter first, and open accepts either. */
static void test_failed_counter_raise(void **state)
{
    keel_store *s;
    uint64_t g;
    uint64_t counter = 0;
    (void)state;
    if (env.tpm2)
        skip(); /* a TPM's counter does not fail through rename */
    s = open_ok();
    g = keel_store_generation(s);
    arm("rename", 2);
    assert_int_not_equal(keel_store_put(s, "pin", "raised?", 7), KEEL_OK);
    arm(NULL, 0);
    expect_record(s, "raised?");
    assert_int_equal(keel_store_generation(s), g + 1);
    assert_int_equal(keel_rot_counter_read(env.rot, KEEL_ROT_COUNTER_STORE, &counter), KEEL_OK);
    assert_int_equal(counter, g);
    assert_int_equal(keel_store_put(s, "pin", "caught up", 9), KEEL_OK);
    assert_int_equal(keel_rot_counter_read(env.rot, KEEL_ROT_COUNTER_STORE, &counter), KEEL_OK);
    assert_int_equal(counter, g + 2);
    keel_store_close(s);
    s = open_ok();
    expect_record(s, "caught up");
    assert_int_equal(keel_store_put(s, "pin", "old", 3), KEEL_OK);
    keel_store_close(s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_write),           cmocka_unit_test(test_failed_fsync),
        cmocka_unit_test(test_failed_rename),          cmocka_unit_test(test_short_writes),
        cmocka_unit_test(test_failed_directory_fsync), cmocka_unit_test(test_failed_counter_raise),
    };
    backend = store_env_backend(argc, argv);
    return cmocka_run_group_tests_name(backend, tests, setup, teardown);
}
