/*
 * The keypad's socket (keeld.h): a local stream socket standing for the keypad's and the
 * inside button's wires. Bound before the sandbox (bind and listen are not on keeld's
 * allow-list), served afterwards by a thread of its own that only polls, accepts, reads and
 * writes. The socket file is 0600: only keeld's account (and root) may connect, as only the
 * keypad's driver should.
 *
 * Each connection is read a line at a time into a buffer of KEELD_KEYPAD_LINE_MAX bytes; a
 * longer line is discarded up to its newline and answered "ERROR malformed" once, so that
 * answers stay one per line and the connection stays usable. A client that does not take
 * its answer at once is dropped rather than allowed to stall the keypad.
 */
/* accept4, pipe2 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "keeld.h"

#define ANSWER_MAX 64u

struct keypad_client {
    int fd;         /* -1: a free slot */
    int discarding; /* the line under way is too long: skip to its newline */
    size_t len;
    char line[KEELD_KEYPAD_LINE_MAX];
};

struct keeld_keypad {
    int listen_fd;
    int stop[2]; /* a byte written to stop[1] ends the thread */
    int bound;   /* the socket file is ours to remove */
    int started;
    pthread_t thread;
    struct keeld_lock *lock;
    struct keypad_client clients[KEELD_KEYPAD_CLIENTS];
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static keel_err fail(char *err, size_t errsz, const char *path, const char *step)
{
    (void)keel_str_format(err, errsz, "keypad socket %s: %s failed (%s)", path, step,
                          strerror(errno));
    return KEEL_ERR_IO;
}

/* Clear the way for the socket: a socket left by an earlier run goes; anything else at path
 * is refused. */
static keel_err clear_path(const char *path, char *err, size_t errsz)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? KEEL_OK : fail(err, errsz, path, "lstat");
    if (!S_ISSOCK(st.st_mode)) {
        (void)keel_str_format(err, errsz,
                              "keypad socket %s: something other than a socket is there: "
                              "refusing to replace it",
                              path);
        return KEEL_ERR_EXISTS;
    }
    return unlink(path) == 0 ? KEEL_OK : fail(err, errsz, path, "removing the stale socket");
}

/* Bound with a umask that leaves the file 0600 from its first moment (keeld is still one
 * thread here, so the process-wide umask is changed for nobody else), then chmod to be sure
 * whatever the file system made of it. */
static keel_err bind_listen(struct keeld_keypad *k, char *err, size_t errsz)
{
    struct sockaddr_un addr;
    mode_t old;
    int rc;

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, k->path, strlen(k->path) + 1);
    k->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (k->listen_fd < 0)
        return fail(err, errsz, k->path, "socket");
    old = umask(0177);
    rc = bind(k->listen_fd, (const struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (rc != 0)
        return fail(err, errsz, k->path, "bind");
    k->bound = 1;
    if (chmod(k->path, 0600) != 0)
        return fail(err, errsz, k->path, "chmod 0600");
    if (listen(k->listen_fd, (int)KEELD_KEYPAD_CLIENTS) != 0)
        return fail(err, errsz, k->path, "listen");
    if (pipe2(k->stop, O_CLOEXEC | O_NONBLOCK) != 0)
        return fail(err, errsz, k->path, "pipe2");
    return KEEL_OK;
}

static void keypad_free(struct keeld_keypad *k)
{
    for (size_t i = 0; i < KEELD_KEYPAD_CLIENTS; i++) {
        if (k->clients[i].fd >= 0)
            close(k->clients[i].fd);
    }
    if (k->listen_fd >= 0)
        close(k->listen_fd);
    if (k->bound)
        (void)unlink(k->path);
    if (k->stop[0] >= 0)
        close(k->stop[0]);
    if (k->stop[1] >= 0)
        close(k->stop[1]);
    keel_wipe(k, sizeof(*k)); /* line buffers may hold a PIN */
    free(k);
}

keel_err keeld_keypad_open(const char *path, struct keeld_lock *lock, struct keeld_keypad **out,
                           char *err, size_t errsz)
{
    struct keeld_keypad *k;
    keel_err ret;

    if (out != NULL)
        *out = NULL;
    if (path == NULL || lock == NULL || out == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    err[0] = '\0';
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        return KEEL_ERR_NOMEM;
    k->listen_fd = -1;
    k->stop[0] = k->stop[1] = -1;
    k->lock = lock;
    for (size_t i = 0; i < KEELD_KEYPAD_CLIENTS; i++)
        k->clients[i].fd = -1;
    if (path[0] == '\0' || keel_str_copy(k->path, sizeof(k->path), path) != KEEL_OK) {
        (void)keel_str_format(err, errsz,
                              "keypad socket path '%s' is empty or too long (%zu "
                              "bytes at most)",
                              path, sizeof(k->path) - 1);
        free(k);
        return KEEL_ERR_RANGE;
    }
    ret = clear_path(path, err, errsz);
    if (ret == KEEL_OK)
        ret = bind_listen(k, err, errsz);
    if (ret != KEEL_OK) {
        keypad_free(k);
        return ret;
    }
    *out = k;
    return KEEL_OK;
}

static void client_drop(struct keypad_client *c)
{
    close(c->fd);
    keel_wipe(c, sizeof(*c));
    c->fd = -1;
}

/* The answer and its newline, whole and at once, or the client goes. */
static int client_answer(struct keypad_client *c, const char *text)
{
    char line[ANSWER_MAX + 1];
    size_t len;
    ssize_t n;

    if (keel_str_format(line, sizeof(line), "%s\n", text) != KEEL_OK)
        return -1;
    len = strlen(line);
    n = send(c->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    return n == (ssize_t)len ? 0 : -1;
}

static int client_line(struct keeld_keypad *k, struct keypad_client *c)
{
    struct keeld_keypad_cmd cmd;
    char out[ANSWER_MAX];
    int rc;

    if (c->discarding || keeld_keypad_parse(c->line, c->len, &cmd) != KEEL_OK) {
        keel_log(KEEL_LOG_WARN, "event=keypad.malformed: a line outside the keypad's grammar "
                                "was refused");
        rc = client_answer(c, "ERROR malformed");
    } else {
        keeld_keypad_execute(k->lock, &cmd, out, sizeof(out));
        rc = client_answer(c, out);
    }
    keel_wipe(&cmd, sizeof(cmd));
    keel_wipe(c->line, sizeof(c->line));
    c->len = 0;
    c->discarding = 0;
    return rc;
}

/* Bytes from the client, a line at a time. -1: drop the client. */
static int client_read(struct keeld_keypad *k, struct keypad_client *c)
{
    char buf[256];
    ssize_t n = read(c->fd, buf, sizeof(buf));
    int rc = 0;

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    for (ssize_t i = 0; i < n && rc == 0; i++) {
        if (buf[i] == '\n')
            rc = client_line(k, c);
        else if (c->discarding)
            continue;
        else if (c->len == sizeof(c->line))
            c->discarding = 1;
        else
            c->line[c->len++] = buf[i];
    }
    keel_wipe(buf, sizeof(buf));
    return rc;
}

static void accept_one(struct keeld_keypad *k)
{
    int fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0)
        return;
    for (size_t i = 0; i < KEELD_KEYPAD_CLIENTS; i++) {
        if (k->clients[i].fd < 0) {
            memset(&k->clients[i], 0, sizeof(k->clients[i]));
            k->clients[i].fd = fd;
            return;
        }
    }
    close(fd); /* cannot happen: the listener is polled only with a free slot */
}

/* One round of poll: 0 to go on, 1 when asked to stop. */
static int serve_once(struct keeld_keypad *k)
{
    struct pollfd fds[2 + KEELD_KEYPAD_CLIENTS];
    struct keypad_client *who[2 + KEELD_KEYPAD_CLIENTS];
    nfds_t n = 0;
    int free_slot = 0;

    fds[n].fd = k->stop[0];
    fds[n++].events = POLLIN;
    for (size_t i = 0; i < KEELD_KEYPAD_CLIENTS; i++) {
        if (k->clients[i].fd < 0) {
            free_slot = 1;
            continue;
        }
        who[n] = &k->clients[i];
        fds[n].fd = k->clients[i].fd;
        fds[n++].events = POLLIN;
    }
    if (free_slot) {
        who[n] = NULL;
        fds[n].fd = k->listen_fd;
        fds[n++].events = POLLIN;
    }
    if (poll(fds, n, -1) < 0) {
        if (errno == EINTR)
            return 0;
        keel_log(KEEL_LOG_ERROR, "keypad: poll failed (%s): the keypad stops", strerror(errno));
        return 1;
    }
    if (fds[0].revents != 0)
        return 1;
    for (nfds_t i = 1; i < n; i++) {
        if (fds[i].revents == 0)
            continue;
        if (who[i] == NULL)
            accept_one(k);
        else if (client_read(k, who[i]) != 0)
            client_drop(who[i]);
    }
    return 0;
}

static void *serve(void *arg)
{
    struct keeld_keypad *k = arg;

    while (serve_once(k) == 0)
        ;
    return NULL;
}

keel_err keeld_keypad_start(struct keeld_keypad *k)
{
    if (k == NULL || k->started)
        return KEEL_ERR_ARG;
    if (pthread_create(&k->thread, NULL, serve, k) != 0)
        return KEEL_ERR_NOMEM;
    k->started = 1;
    return KEEL_OK;
}

void keeld_keypad_close(struct keeld_keypad *k)
{
    if (k == NULL)
        return;
    if (k->started) {
        while (write(k->stop[1], "x", 1) < 0 && errno == EINTR)
            ;
        pthread_join(k->thread, NULL);
    }
    keypad_free(k);
}
