/* keel_store_retain (keel/store.h), the store's factory reset (5.11-1), with a real root of
 * trust (argv[1]: "file" or "tpm2"): every record not named is gone, in memory and on flash,
 * after exactly one write; nothing to remove writes nothing; bad arguments change nothing;
 * and a write that fails (write, fsync or rename failing through --wrap) leaves every record
 * where it was, in memory and on flash, with no temporary file behind. */
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
static const char *fail_on; /* "write", "fsync", "rename" or NULL */

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

ssize_t __wrap_write(int fd, const void *p, size_t n)
{
    if (fail_on != NULL && strcmp(fail_on, "write") == 0 && on_file(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return __real_write(fd, p, n);
}

int __wrap_fsync(int fd)
{
    if (fail_on != NULL && strcmp(fail_on, "fsync") == 0 && on_file(fd)) {
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

/* The factory's records and those made after it (as keeld makes them). */
static const char *const factory[] = {"auth.label_hash", "identity.serial"};
static const char *const later[] = {"lock.pin_key", "privacy.data_key", "events.pseudonym",
                                    "auth.owner_hash", "guard.count"};
#define N(a) (sizeof(a) / sizeof(a[0]))

static keel_store *open_ok(void)
{
    keel_store *s = NULL;
    assert_int_equal(keel_store_open(env.path, env.rot, &s), KEEL_OK);
    return s;
}

static int setup(void **state)
{
    keel_store *s = NULL;
    int ok = 1;

    (void)state;
    fail_on = NULL;
    if (store_env_setup(&env, backend) != 0 || keel_store_create(env.path, env.rot) != KEEL_OK ||
        keel_store_open(env.path, env.rot, &s) != KEEL_OK)
        return -1;
    for (size_t i = 0; i < N(factory); i++)
        ok &= keel_store_put(s, factory[i], factory[i], strlen(factory[i])) == KEEL_OK;
    for (size_t i = 0; i < N(later); i++)
        ok &= keel_store_put(s, later[i], later[i], strlen(later[i])) == KEEL_OK;
    keel_store_close(s);
    store_env_log_capture();
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fail_on = NULL;
    store_env_teardown(&env);
    return 0;
}

static int present(const keel_store *s, const char *name)
{
    char buf[64];
    size_t len = 0;
    keel_err ret = keel_store_get(s, name, buf, sizeof(buf), &len);

    assert_true(ret == KEEL_OK || ret == KEEL_ERR_NOT_FOUND);
    if (ret == KEEL_OK) {
        assert_int_equal(len, strlen(name)); /* each value is its own name */
        assert_memory_equal(buf, name, len);
    }
    return ret == KEEL_OK;
}

/* Every record of both lists there (all 1) or the later ones gone (all 0). */
static void expect_later(const keel_store *s, int want)
{
    for (size_t i = 0; i < N(factory); i++)
        assert_true(present(s, factory[i]));
    for (size_t i = 0; i < N(later); i++)
        assert_int_equal(present(s, later[i]), want);
}

static void test_retain_factory(void **state)
{
    keel_store *s = open_ok();
    uint64_t g = keel_store_generation(s);
    size_t removed = 0;

    (void)state;
    expect_later(s, 1);
    assert_int_equal(keel_store_retain(s, factory, N(factory), &removed), KEEL_OK);
    assert_int_equal(removed, N(later));
    assert_int_equal(keel_store_generation(s), g + 1); /* one write */
    expect_later(s, 0);
    keel_store_close(s);
    s = open_ok(); /* on flash too */
    assert_int_equal(keel_store_generation(s), g + 1);
    expect_later(s, 0);
    /* nothing more to remove: no write at all */
    assert_int_equal(keel_store_retain(s, factory, N(factory), &removed), KEEL_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(keel_store_generation(s), g + 1);
    /* the store goes on */
    assert_int_equal(keel_store_put(s, "lock.pin_key", "lock.pin_key", 12), KEEL_OK);
    keel_store_close(s);
}

/* Names kept that do not exist are fine; keeping nothing removes everything. */
static void test_retain_edges(void **state)
{
    static const char *const some[] = {"identity.serial", "not.there"};
    keel_store *s = open_ok();
    size_t removed = 0;

    (void)state;
    assert_int_equal(keel_store_retain(s, some, N(some), &removed), KEEL_OK);
    assert_int_equal(removed, N(later) + 1);
    assert_true(present(s, "identity.serial"));
    assert_false(present(s, "auth.label_hash"));
    assert_int_equal(keel_store_retain(s, NULL, 0, NULL), KEEL_OK);
    assert_false(present(s, "identity.serial"));
    keel_store_close(s);
    s = open_ok();
    assert_false(present(s, "identity.serial"));
    keel_store_close(s);
}

static void test_retain_arguments(void **state)
{
    static const char *const bad[] = {"auth.label_hash", "Bad Name"};
    static const char *const with_null[] = {"auth.label_hash", NULL};
    keel_store *s = open_ok();
    uint64_t g = keel_store_generation(s);
    size_t removed = 7;

    (void)state;
    assert_int_equal(keel_store_retain(NULL, factory, N(factory), &removed), KEEL_ERR_ARG);
    assert_int_equal(removed, 0);
    assert_int_equal(keel_store_retain(s, NULL, 1, &removed), KEEL_ERR_ARG);
    assert_int_equal(keel_store_retain(s, bad, N(bad), &removed), KEEL_ERR_ARG);
    assert_int_equal(keel_store_retain(s, with_null, N(with_null), &removed), KEEL_ERR_ARG);
    assert_int_equal(keel_store_generation(s), g);
    expect_later(s, 1);
    keel_store_close(s);
}

/* The write fails at op: IO, every record still there, in memory and on flash. */
static void failure_keeps_all(const char *op)
{
    keel_store *s = open_ok();
    uint64_t g = keel_store_generation(s);
    size_t removed = 7;
    int files = 0;
    DIR *d;
    struct dirent *e;

    store_env_log_capture();
    fail_on = op;
    assert_int_equal(keel_store_retain(s, factory, N(factory), &removed), KEEL_ERR_IO);
    fail_on = NULL;
    assert_int_equal(removed, 0);
    assert_true(store_env_log_errors() >= 1);
    assert_non_null(strstr(store_env_log_text(), env.path));
    assert_int_equal(keel_store_generation(s), g);
    expect_later(s, 1); /* in memory */
    keel_store_close(s);
    d = opendir(env.dir);
    while ((e = readdir(d)) != NULL)
        files += strncmp(e->d_name, "store", 5) == 0;
    closedir(d);
    assert_int_equal(files, 1); /* no temporary behind */
    s = open_ok();
    assert_int_equal(keel_store_generation(s), g);
    expect_later(s, 1); /* on flash */
    keel_store_close(s);
}

static void test_retain_failed_write(void **state)
{
    (void)state;
    failure_keeps_all("write");
}

static void test_retain_failed_fsync(void **state)
{
    (void)state;
    failure_keeps_all("fsync");
}

static void test_retain_failed_rename(void **state)
{
    (void)state;
    failure_keeps_all("rename");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_retain_factory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retain_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retain_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retain_failed_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retain_failed_fsync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retain_failed_rename, setup, teardown),
    };
    backend = store_env_backend(argc, argv);
    return cmocka_run_group_tests_name(backend, tests, NULL, NULL);
}
