/* The progress line of the long steps: drawn on a terminal (a pseudo-terminal here), never
 * on a pipe, its text bounded and free of control bytes from the label. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "progress.h"

static void test_format(void **state)
{
    char out[160];

    (void)state;
    keel_audit_progress_format("5.6-1-2 TCP scan", 31240, 65535, 12, out, sizeof(out));
    assert_string_equal(out, "5.6-1-2 TCP scan [####------] 31240/65535 12 s");
    keel_audit_progress_format("5.1-5-2 brute force", 0, 0, 3, out, sizeof(out));
    assert_string_equal(out, "5.1-5-2 brute force 3 s");
    keel_audit_progress_format("x", 9, 3, 0, out, sizeof(out)); /* done past total: full */
    assert_string_equal(out, "x [##########] 3/3 0 s");
    keel_audit_progress_format("a long label", 1, 2, 1, out, 8); /* cut, terminated */
    assert_int_equal(strlen(out), 7);
}

static void test_not_a_terminal(void **state)
{
    keel_audit_progress *p = (keel_audit_progress *)&p;
    int fds[2];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(keel_audit_progress_open(fds[1], &p), KEEL_OK);
    assert_null(p);
    /* A NULL progress is a no-op everywhere. */
    keel_audit_progress_step(p, "5.6-1-2 TCP scan");
    keel_audit_progress_count(p, 1, 2);
    keel_audit_progress_clear(p);
    keel_audit_progress_close(p);
    close(fds[1]);
    char c;
    assert_int_equal(read(fds[0], &c, 1), 0); /* nothing was written */
    close(fds[0]);
}

/* Read what the terminal got until needle appears or two seconds pass. */
static int pty_has(int fd, char *buf, size_t bufsz, size_t *len, const char *needle)
{
    for (int i = 0; i < 40; i++) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        if (poll(&pfd, 1, 50) > 0) {
            ssize_t n = read(fd, buf + *len, bufsz - 1 - *len);
            if (n > 0)
                *len += (size_t)n;
        }
        buf[*len] = '\0';
        if (strstr(buf, needle) != NULL)
            return 1;
    }
    return 0;
}

static void test_terminal(void **state)
{
    keel_audit_progress *p = NULL;
    char buf[8192];
    size_t len = 0;
    int master, slave;

    (void)state;
    master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);

    assert_int_equal(keel_audit_progress_open(slave, &p), KEEL_OK);
    assert_non_null(p);
    keel_audit_progress_step(p, "5.6-1-2 TCP\nscan");
    keel_audit_progress_count(p, 65535, 65535);
    /* The thread redraws with the count; the label's newline is shown as '?'. */
    assert_true(
        pty_has(master, buf, sizeof(buf), &len, "5.6-1-2 TCP?scan [##########] 65535/65535"));
    assert_non_null(strstr(buf, "\r\033[K5.6-1-2 TCP?scan"));
    keel_audit_progress_close(p);
    /* Closing erases the line: the last bytes are the erase sequence. */
    assert_true(pty_has(master, buf, sizeof(buf), &len, "\r\033[K"));
    assert_true(len >= 4);
    assert_memory_equal(buf + len - 4, "\r\033[K", 4);
    close(slave);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_not_a_terminal),
        cmocka_unit_test(test_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
