/* keel_socket_failed: a live socket may go on, with or without a byte waiting (which stays
 * unread); a peer that closed is ENOTCONN; a refused connection is its pending error
 * (ECONNREFUSED); a bad descriptor is refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/core.h"

static void live_and_closed(void **state)
{
    int sv[2];
    char byte = 'x';

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(keel_socket_failed(sv[0]), KEEL_OK);
    assert_int_equal(write(sv[1], &byte, 1), 1);
    assert_int_equal(keel_socket_failed(sv[0]), KEEL_OK);
    byte = 0;
    assert_int_equal(read(sv[0], &byte, 1), 1); /* the peeked byte is still there */
    assert_int_equal(byte, 'x');
    close(sv[1]);
    errno = 0;
    assert_int_equal(keel_socket_failed(sv[0]), KEEL_ERR_IO);
    assert_int_equal(errno, ENOTCONN);
    close(sv[0]);
}

static void refused(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct pollfd p = {.fd = fd, .events = POLLOUT};

    (void)state;
    /* A port that was just free: bound, its number read, then closed without listening. */
    assert_true(listener >= 0 && fd >= 0);
    assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &len), 0);
    close(listener);
    assert_true(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS ||
                errno == ECONNREFUSED);
    assert_int_equal(poll(&p, 1, 5000), 1);
    errno = 0;
    assert_int_equal(keel_socket_failed(fd), KEEL_ERR_IO);
    assert_int_equal(errno, ECONNREFUSED);
    close(fd);
}

static void bad_descriptor(void **state)
{
    (void)state;
    assert_int_equal(keel_socket_failed(-1), KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_and_closed),
        cmocka_unit_test(refused),
        cmocka_unit_test(bad_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
