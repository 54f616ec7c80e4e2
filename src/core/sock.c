/* keel_socket_failed (core.h): the state of a connecting socket, read without consuming. */
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "keel/core.h"

keel_err keel_socket_failed(int fd)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    char byte;
    ssize_t n;

    if (fd < 0)
        return KEEL_ERR_ARG;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) {
        errno = soerr;
        return KEEL_ERR_IO;
    }
    n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) {
        errno = ENOTCONN;
        return KEEL_ERR_IO;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
        return KEEL_ERR_IO;
    return KEEL_OK;
}
