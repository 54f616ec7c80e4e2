/*
 * keeld's keypad (keeld.h): the line grammar accepts each command and refuses everything
 * else, including lines that are nearly right; the commands move a real lock (SQLite and a
 * secure store with the file root of trust); the socket is 0600, replaces a stale socket but
 * nothing else, answers one line per line, survives over-long and malformed lines and serves
 * KEELD_KEYPAD_CLIENTS connections at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/rot.h"
#include "keeld.h"

/* ---- the grammar ---- */

static void parses(const char *line, keeld_keypad_op op, const char *pin, int value)
{
    struct keeld_keypad_cmd cmd;

    assert_int_equal(keeld_keypad_parse(line, strlen(line), &cmd), KEEL_OK);
    assert_int_equal(cmd.op, op);
    assert_string_equal(cmd.pin, pin);
    assert_int_equal(cmd.value, value);
}

static void refuses(const char *line, size_t len, keel_err want)
{
    struct keeld_keypad_cmd cmd;

    memset(&cmd, 0x5a, sizeof(cmd));
    assert_int_equal(keeld_keypad_parse(line, len, &cmd), want);
    assert_string_equal(cmd.pin, ""); /* nothing half-parsed is left behind */
}

static void test_parse_accepts(void **state)
{
    (void)state;
    parses("PIN 482915", KEELD_KEYPAD_PIN, "482915", 0);
    parses("PIN 1", KEELD_KEYPAD_PIN, "1", 0); /* the lock, not the grammar, judges length */
    parses("PIN 123456789012", KEELD_KEYPAD_PIN, "123456789012", 0);
    parses("LOCK", KEELD_KEYPAD_LOCK, "", 0);
    parses("BUTTON", KEELD_KEYPAD_BUTTON, "", 0);
    parses("STATE", KEELD_KEYPAD_STATE, "", 0);
    parses("DOOR OPEN", KEELD_KEYPAD_DOOR, "", 1);
    parses("DOOR CLOSED", KEELD_KEYPAD_DOOR, "", 0);
    parses("BATTERY 0", KEELD_KEYPAD_BATTERY, "", 0);
    parses("BATTERY 7", KEELD_KEYPAD_BATTERY, "", 7);
    parses("BATTERY 100", KEELD_KEYPAD_BATTERY, "", 100);
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {"",
                                      "PIN",
                                      "PIN ",
                                      "PIN  482915",
                                      "PIN 482915 ",
                                      "PIN 48291a",
                                      "PIN -482915",
                                      "PIN 1234567890123",
                                      "pin 482915",
                                      "Pin 482915",
                                      " LOCK",
                                      "LOCK ",
                                      "LOCKED",
                                      "lock",
                                      "BUTTON 1",
                                      "STATE?",
                                      "DOOR",
                                      "DOOR OPEN ",
                                      "DOOR open",
                                      "DOOR  OPEN",
                                      "DOOR AJAR",
                                      "BATTERY",
                                      "BATTERY ",
                                      "BATTERY 101",
                                      "BATTERY -1",
                                      "BATTERY 007",
                                      "BATTERY 1000",
                                      "BATTERY 5%",
                                      "BATTERY +5",
                                      "BATTERY 0x10",
                                      "UNLOCK",
                                      "PIN\t482915",
                                      "LOCK\r",
                                      "PIN 482915\r",
                                      "STATE\x7f",
                                      "LOCK\xc3\xa9",
                                      "\xef\xbb\xbfLOCK"};
    char longest[KEELD_KEYPAD_LINE_MAX + 2];
    struct keeld_keypad_cmd cmd;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refuses(bad[i], strlen(bad[i]), KEEL_ERR_PARSE);
    refuses("LOCK\0", 5, KEEL_ERR_PARSE); /* a NUL inside */
    refuses("PIN 48\0"
            "2915",
            11, KEEL_ERR_PARSE);
    memset(longest, 'A', sizeof(longest));
    refuses(longest, KEELD_KEYPAD_LINE_MAX + 1, KEEL_ERR_TOO_LARGE);
    refuses(longest, KEELD_KEYPAD_LINE_MAX, KEEL_ERR_PARSE); /* as long as allowed: grammar */
    assert_int_equal(keeld_keypad_parse(NULL, 3, &cmd), KEEL_ERR_ARG);
    assert_int_equal(keeld_keypad_parse("LOCK", 4, NULL), KEEL_ERR_ARG);
}

/* ---- a real lock ---- */

struct fixture {
    char dir[64];
    char sock[96];
    keel_rot *rot;
    keel_store *store;
    struct keeld_lock *lock;
    struct keeld_keypad *keypad;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char rot_dir[96];
    char store[96];
    char err[KEELD_ERROR_MAX];

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/keel-keypad-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(rot_dir, sizeof(rot_dir), "%s/rot", f->dir);
    snprintf(store, sizeof(store), "%s/store.kst", f->dir);
    snprintf(f->sock, sizeof(f->sock), "%s/%s", f->dir, KEELD_KEYPAD_SOCKET);
    if (keel_rot_open("file", rot_dir, &f->rot) != KEEL_OK ||
        keel_rot_storage_key_create(f->rot) != KEEL_OK ||
        keel_store_create(store, f->rot) != KEEL_OK ||
        keel_store_open(store, f->rot, &f->store) != KEEL_OK ||
        keeld_lock_open(f->dir, f->store, &f->lock, err, sizeof(err)) != KEEL_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    keeld_keypad_close(f->keypad);
    keeld_lock_close(f->lock);
    keel_store_close(f->store);
    keel_rot_close(f->rot);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", f->dir);
    free(f);
    return 0;
}

static void run(struct keeld_lock *l, const char *line, const char *want)
{
    struct keeld_keypad_cmd cmd;
    char out[64];

    assert_int_equal(keeld_keypad_parse(line, strlen(line), &cmd), KEEL_OK);
    keeld_keypad_execute(l, &cmd, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_execute(void **state)
{
    struct fixture *f = *state;
    uint32_t id = 0;

    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "482915", 6, &id, NULL), KEEL_OK);
    run(f->lock, "STATE", "STATE locked closed 100");
    run(f->lock, "PIN 482915", "OK unlocked");
    run(f->lock, "STATE", "STATE unlocked closed 100");
    run(f->lock, "LOCK", "OK locked");
    run(f->lock, "LOCK", "OK locked");
    run(f->lock, "BUTTON", "OK unlocked");
    run(f->lock, "BUTTON", "OK locked");
    run(f->lock, "DOOR OPEN", "OK");
    run(f->lock, "BATTERY 42", "OK");
    run(f->lock, "STATE", "STATE locked open 42");
    run(f->lock, "DOOR CLOSED", "OK");
    run(f->lock, "PIN 12", "DENIED"); /* malformed for the lock: a wrong PIN */
    for (unsigned i = 1; i < KEELD_KEYPAD_FREE_FAILURES; i++)
        run(f->lock, "PIN 000001", "DENIED");
    run(f->lock, "PIN 482915", "WAIT 30");
    run(f->lock, "STATE", "STATE locked closed 42");
}

/* ---- the socket ---- */

static int client(const char *path)
{
    struct sockaddr_un addr;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
}

/* One line of answer (without its newline), waiting up to 5 s. */
static void answer(int fd, char *out, size_t outsz)
{
    size_t n = 0;

    while (n + 1 < outsz) {
        struct pollfd p = {fd, POLLIN, 0};
        assert_int_equal(poll(&p, 1, 5000), 1);
        assert_int_equal(read(fd, out + n, 1), 1);
        if (out[n] == '\n')
            break;
        n++;
    }
    out[n] = '\0';
}

static void say(int fd, const char *bytes, size_t len, const char *want)
{
    char got[128];

    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    if (want != NULL) {
        answer(fd, got, sizeof(got));
        assert_string_equal(got, want);
    }
}

#define SAY(fd, text, want) say(fd, text, sizeof(text) - 1, want)

static void keypad_up(struct fixture *f)
{
    char err[KEELD_ERROR_MAX];

    assert_int_equal(keeld_keypad_open(f->sock, f->lock, &f->keypad, err, sizeof(err)), KEEL_OK);
    assert_int_equal(keeld_keypad_start(f->keypad), KEEL_OK);
}

static void test_socket(void **state)
{
    struct fixture *f = *state;
    char line[300];
    struct stat st;
    uint32_t id = 0;
    int fd;

    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "482915", 6, &id, NULL), KEEL_OK);
    keypad_up(f);
    assert_int_equal(lstat(f->sock, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    fd = client(f->sock);
    SAY(fd, "STATE\n", "STATE locked closed 100");
    SAY(fd, "PIN 482915\n", "OK unlocked");
    SAY(fd, "HELLO\n", "ERROR malformed");
    /* over-long: discarded to its newline, answered once, and the connection goes on */
    memset(line, '7', sizeof(line));
    memcpy(line, "PIN ", 4);
    line[sizeof(line) - 1] = '\n';
    say(fd, line, sizeof(line), "ERROR malformed");
    SAY(fd, "LOCK\n", "OK locked");
    /* exactly KEELD_KEYPAD_LINE_MAX bytes is a line the grammar judges */
    memset(line, 'X', KEELD_KEYPAD_LINE_MAX);
    line[KEELD_KEYPAD_LINE_MAX] = '\n';
    say(fd, line, KEELD_KEYPAD_LINE_MAX + 1, "ERROR malformed");
    /* a line in pieces, two lines at once, a NUL inside */
    SAY(fd, "BAT", NULL);
    SAY(fd, "TERY 9", NULL);
    SAY(fd, "1\n", "OK");
    SAY(fd, "DOOR OPEN\nSTATE\n", "OK");
    answer(fd, line, sizeof(line));
    assert_string_equal(line, "STATE locked open 91");
    say(fd, "LOCK\0X\n", 7, "ERROR malformed");
    SAY(fd, "BUTTON\n", "OK unlocked");
    close(fd);
    /* a client that leaves mid-line changes nothing */
    fd = client(f->sock);
    SAY(fd, "LOC", NULL);
    close(fd);
    fd = client(f->sock);
    SAY(fd, "STATE\n", "STATE unlocked open 91");
    close(fd);
    keeld_keypad_close(f->keypad);
    f->keypad = NULL;
    assert_int_not_equal(access(f->sock, F_OK), 0); /* removed */
}

static void test_clients(void **state)
{
    struct fixture *f = *state;
    int fds[KEELD_KEYPAD_CLIENTS];

    keypad_up(f);
    for (size_t i = 0; i < KEELD_KEYPAD_CLIENTS; i++) {
        fds[i] = client(f->sock);
        SAY(fds[i], "STATE\n", "STATE locked closed 100");
    }
    /* every one stays served, in any order */
    for (size_t i = KEELD_KEYPAD_CLIENTS; i-- > 0;)
        SAY(fds[i], "BATTERY 50\n", "OK");
    close(fds[0]);
    fds[0] = client(f->sock); /* a freed slot takes the next */
    SAY(fds[0], "STATE\n", "STATE locked closed 50");
    for (size_t i = 0; i < KEELD_KEYPAD_CLIENTS; i++)
        close(fds[i]);
}

static void test_socket_path(void **state)
{
    struct fixture *f = *state;
    char err[KEELD_ERROR_MAX];
    char longpath[200];
    struct keeld_keypad *k = NULL;
    int fd;

    /* a stale socket (an earlier run killed) is replaced */
    keypad_up(f);
    fd = client(f->sock);
    close(fd);
    keeld_keypad_close(f->keypad);
    f->keypad = NULL;
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    {
        struct sockaddr_un addr;
        memset(&addr, 0, sizeof(addr));
        addr.sun_family = AF_UNIX;
        memcpy(addr.sun_path, f->sock, strlen(f->sock) + 1);
        assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    }
    close(fd);
    keypad_up(f);
    fd = client(f->sock);
    SAY(fd, "STATE\n", "STATE locked closed 100");
    close(fd);
    keeld_keypad_close(f->keypad);
    f->keypad = NULL;
    /* anything else is left alone */
    fd = open(f->sock, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "data", 4), 4);
    close(fd);
    assert_int_equal(keeld_keypad_open(f->sock, f->lock, &k, err, sizeof(err)), KEEL_ERR_EXISTS);
    assert_null(k);
    assert_non_null(strstr(err, f->sock));
    {
        struct stat st;
        assert_int_equal(stat(f->sock, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_size, 4);
    }
    memset(longpath, 'p', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(keeld_keypad_open(longpath, f->lock, &k, err, sizeof(err)), KEEL_ERR_RANGE);
    assert_int_equal(keeld_keypad_open("/nonexistent/dir/k.sock", f->lock, &k, err, sizeof(err)),
                     KEEL_ERR_IO);
    assert_int_equal(keeld_keypad_open(f->sock, NULL, &k, err, sizeof(err)), KEEL_ERR_ARG);
    assert_int_equal(keeld_keypad_start(NULL), KEEL_ERR_ARG);
    keeld_keypad_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test_setup_teardown(test_execute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_path, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
