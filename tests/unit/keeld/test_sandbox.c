/*
 * keeld's sandbox (5.6-7): in a child process, keeld_sandbox_enter leaves no-new-privs set,
 * the seccomp filter loaded and, when started as root, another account with no capability;
 * allowed calls keep working and forbidden ones kill the process with SIGSYS. The checks
 * made before start-up refuse an unknown account, a data directory owned by someone else or
 * writable by others, and --user without root. Run as root (CI) the drop itself is tested,
 * to the account "nobody".
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "keeld.h"

#define DROP_USER "nobody"

/* The value of field in /proc/self/status ("" when absent). */
static void status_field(const char *field, char *out, size_t outsz)
{
    char line[256];
    size_t flen = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");

    out[0] = '\0';
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            const char *v = line + flen + 1;
            while (*v == '\t' || *v == ' ')
                v++;
            (void)keel_str_copy(out, outsz, v);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

struct fixture {
    char dir[64];
    struct keeld_config cfg;
    uid_t drop_uid;
};

static int setup(void **state)
{
    static struct fixture fx;
    struct passwd *pw;

    memset(&fx, 0, sizeof(fx));
    if (keel_str_copy(fx.dir, sizeof(fx.dir), "/tmp/keeld-sandbox-XXXXXX") != KEEL_OK ||
        mkdtemp(fx.dir) == NULL)
        return -1;
    fx.cfg.data_dir = fx.dir;
    fx.drop_uid = getuid();
    if (geteuid() == 0) {
        pw = getpwnam(DROP_USER);
        if (pw == NULL || chown(fx.dir, pw->pw_uid, pw->pw_gid) != 0)
            return -1;
        fx.drop_uid = pw->pw_uid;
        fx.cfg.user = DROP_USER;
    }
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char path[128];

    if (keel_str_format(path, sizeof(path), "%s/probe", fx->dir) == KEEL_OK)
        (void)unlink(path);
    return rmdir(fx->dir);
}

/* In a child: check and enter the sandbox (exit 10 + step on failure), then run probe. */
static int run_sandboxed(const struct fixture *fx, int (*probe)(const struct fixture *))
{
    char err[KEELD_ERROR_MAX];
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        if (keeld_sandbox_check(&fx->cfg, err, sizeof(err)) != KEEL_OK) {
            fprintf(stderr, "check: %s\n", err);
            _exit(10);
        }
        if (keeld_sandbox_enter(&fx->cfg, err, sizeof(err)) != KEEL_OK) {
            fprintf(stderr, "enter: %s\n", err);
            _exit(11);
        }
        _exit(probe(fx)); /* _exit: no leak scan at exit in this child */
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* 0 when the process is held as it should be; else the number of the failed check. */
static int probe_state(const struct fixture *fx)
{
    char v[128];
    char want[64];
    char path[128];
    int fd;

    status_field("NoNewPrivs", v, sizeof(v));
    if (strcmp(v, "1") != 0)
        return 1;
    status_field("Seccomp", v, sizeof(v));
    if (strcmp(v, "2") != 0)
        return 2;
    if (fx->cfg.user != NULL) { /* dropped from root */
        status_field("CapEff", v, sizeof(v));
        if (strcmp(v, "0000000000000000") != 0)
            return 3;
        status_field("CapPrm", v, sizeof(v));
        if (strcmp(v, "0000000000000000") != 0)
            return 4;
        status_field("CapBnd", v, sizeof(v));
        if (strcmp(v, "0000000000000000") != 0)
            return 5;
        status_field("Uid", v, sizeof(v));
        (void)keel_str_format(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned)fx->drop_uid,
                              (unsigned)fx->drop_uid, (unsigned)fx->drop_uid,
                              (unsigned)fx->drop_uid);
        if (strcmp(v, want) != 0)
            return 6;
    }
    /* allowed: a file written in the data directory, getpid */
    if (keel_str_format(path, sizeof(path), "%s/probe", fx->dir) != KEEL_OK)
        return 7;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) != 0 || close(fd) != 0)
        return 8;
    return getpid() > 0 ? 0 : 9;
}

static void test_enter_holds_the_process(void **state)
{
    int status = run_sandboxed(*state, probe_state);

    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int probe_exec(const struct fixture *fx)
{
    char *const argv[] = {"/bin/true", NULL};
    char *const envp[] = {NULL};

    (void)fx;
    execve(argv[0], argv, envp);
    return 20; /* not killed: the filter let it through */
}

static int probe_netlink(const struct fixture *fx)
{
    (void)fx;
    (void)socket(AF_NETLINK, SOCK_RAW, 0);
    return 21;
}

static int probe_setuid(const struct fixture *fx)
{
    (void)fx;
    return setuid(0) == 0 ? 23 : 22;
}

static void expect_killed(void **state, int (*probe)(const struct fixture *))
{
    int status = run_sandboxed(*state, probe);

    if (WIFEXITED(status))
        fail_msg("not killed: exit %d", WEXITSTATUS(status));
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void test_exec_kills(void **state)
{
    expect_killed(state, probe_exec);
}

static void test_other_socket_family_kills(void **state)
{
    expect_killed(state, probe_netlink);
}

static void test_setuid_kills(void **state)
{
    expect_killed(state, probe_setuid);
}

static void expect_refused(const struct keeld_config *cfg, const char *needle)
{
    char err[KEELD_ERROR_MAX] = "";

    assert_int_not_equal(keeld_sandbox_check(cfg, err, sizeof(err)), KEEL_OK);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' does not say '%s'", err, needle);
}

static void test_check_refusals_as_root(void **state)
{
    struct fixture *fx = *state;
    struct keeld_config cfg = fx->cfg;
    char other[64];

    if (geteuid() != 0)
        skip();
    cfg.user = "nosuchuser-keel";
    expect_refused(&cfg, "user 'nosuchuser-keel' does not exist");
    cfg.user = "root";
    expect_refused(&cfg, "is root");
    /* a data directory of root's */
    assert_int_equal(keel_str_copy(other, sizeof(other), "/tmp/keeld-sandbox-XXXXXX"), KEEL_OK);
    assert_non_null(mkdtemp(other));
    cfg = fx->cfg;
    cfg.data_dir = other;
    expect_refused(&cfg, "belongs to uid 0, not to " DROP_USER ": chown -R " DROP_USER ":");
    /* the account's, but writable by others */
    assert_int_equal(chown(other, fx->drop_uid, (gid_t)-1), 0);
    assert_int_equal(chmod(other, 0777), 0);
    expect_refused(&cfg, "lets others write");
    assert_int_equal(rmdir(other), 0);
}

/* Not root: --user may only name the current account. */
static int probe_user_without_root(void)
{
    struct keeld_config cfg = {.data_dir = "/tmp", .user = "root"};
    char err[KEELD_ERROR_MAX] = "";
    struct passwd *self = getpwuid(geteuid());

    if (keeld_sandbox_check(&cfg, err, sizeof(err)) == KEEL_OK ||
        strstr(err, "--user needs keeld started as root") == NULL)
        return 1;
    cfg.user = NULL;
    if (keeld_sandbox_check(&cfg, err, sizeof(err)) != KEEL_OK)
        return 2;
    cfg.user = self != NULL ? self->pw_name : "";
    return keeld_sandbox_check(&cfg, err, sizeof(err)) == KEEL_OK ? 0 : 3;
}

static void test_user_needs_root(void **state)
{
    struct fixture *fx = *state;
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        if (geteuid() == 0 && setuid(fx->drop_uid) != 0)
            _exit(9);
        _exit(probe_user_without_root());
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enter_holds_the_process),   cmocka_unit_test(test_exec_kills),
        cmocka_unit_test(test_other_socket_family_kills), cmocka_unit_test(test_setuid_kills),
        cmocka_unit_test(test_check_refusals_as_root),    cmocka_unit_test(test_user_needs_root),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
