/*
 * keel_privacy_erase_file (keel/privacy.h, 5.11-1) on real files in a temporary directory.
 * That the bytes are really overwritten is seen through a hard link taken before the erase:
 * the inode outlives the erased name, and every byte it holds must be zero, over its whole
 * length (a file larger than one write chunk too). A symbolic link, a directory and a FIFO
 * are refused and left as they were; the link's target is untouched.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/privacy.h"

struct fixture {
    char dir[64];
    char file[128];
    char link[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/keel-erase-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->file, sizeof(f->file), "%s/lock.db", f->dir);
    snprintf(f->link, sizeof(f->link), "%s/hard-link", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", f->dir);
    free(f);
    return 0;
}

static void write_file(const char *path, size_t len, uint8_t seed)
{
    uint8_t *buf = malloc(len);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

    assert_non_null(buf);
    assert_true(fd >= 0);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 31u) | 1u; /* never zero */
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
    free(buf);
}

/* The whole content of path, which must be len bytes, all zero. */
static void all_zero(const char *path, size_t len)
{
    uint8_t *buf = malloc(len + 1);
    int fd = open(path, O_RDONLY);
    size_t got = 0;
    ssize_t n;

    assert_non_null(buf);
    assert_true(fd >= 0);
    while ((n = read(fd, buf + got, len + 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    assert_int_equal(got, len);
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != 0)
            fail_msg("byte %zu of %s is 0x%02x after the erase", i, path, buf[i]);
    }
    free(buf);
}

static void erased_through_link(struct fixture *f, size_t len)
{
    write_file(f->file, len, (uint8_t)len);
    assert_int_equal(link(f->file, f->link), 0);
    assert_int_equal(keel_privacy_erase_file(f->file), KEEL_OK);
    assert_int_not_equal(access(f->file, F_OK), 0); /* the name is gone */
    all_zero(f->link, len);                         /* and the bytes it had */
    assert_int_equal(unlink(f->link), 0);
}

static void test_zeroed_and_unlinked(void **state)
{
    struct fixture *f = *state;

    erased_through_link(f, 4096);
    erased_through_link(f, 1);
    erased_through_link(f, 200003); /* past one 64 KiB chunk, not a multiple of it */
    erased_through_link(f, 0);
}

static void test_absent(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(keel_privacy_erase_file(f->file), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_privacy_erase_file(NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_erase_file(""), KEEL_ERR_ARG);
}

/* A symbolic link planted where the file was: refused, the link and its target untouched. */
static void test_symlink_refused(void **state)
{
    struct fixture *f = *state;
    char target[160];
    char cmd[256];
    struct stat st;

    snprintf(target, sizeof(target), "%s/victim", f->dir);
    write_file(target, 100, 7);
    assert_int_equal(symlink(target, f->file), 0);
    assert_int_equal(keel_privacy_erase_file(f->file), KEEL_ERR_PERM);
    assert_int_equal(lstat(f->file, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    snprintf(cmd, sizeof(cmd), "test \"$(od -An -tx1 -v '%s' | tr -d ' \\n' | tr -d 0)\" != ''",
             target);
    assert_int_equal(system(cmd), 0); /* the target still holds its non-zero bytes */
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_size, 100);
    /* a dangling link too */
    assert_int_equal(unlink(target), 0);
    assert_int_equal(keel_privacy_erase_file(f->file), KEEL_ERR_PERM);
}

static void test_not_regular_refused(void **state)
{
    struct fixture *f = *state;
    char fifo[160];

    assert_int_equal(keel_privacy_erase_file(f->dir), KEEL_ERR_PERM);
    snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(keel_privacy_erase_file(fifo), KEEL_ERR_PERM);
    assert_int_equal(access(fifo, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_zeroed_and_unlinked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_regular_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
