/* The laboratory's outage hook (5.9-2-2): commands the IXIT declares, run as argv arrays with
 * posix_spawnp (no shell: nothing in the IXIT is interpreted), stdin from /dev/null, their
 * output read from a pipe (the first line kept for evidence), each in its own process group
 * and killed with it when it outlives its time. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"
#include "net.h"

extern char **environ;

/* Keep the first line of what the command prints. */
static void keep_output(keel_audit_command_result *out, size_t *kept, int *line_done,
                        const char *buf, size_t n)
{
    for (size_t i = 0; i < n && !*line_done; i++) {
        if (buf[i] == '\n') {
            *line_done = *kept > 0;
            continue;
        }
        if (*kept + 1 < sizeof(out->output))
            out->output[(*kept)++] = buf[i];
    }
    out->output[*kept] = '\0';
}

static keel_err spawn(const keel_audit_ixit_command *cmd, int out_fd, pid_t *pid, int *err)
{
    char *argv[KEEL_AUDIT_OUTAGE_ARGS_MAX + 1];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t def, none;
    int rc;

    for (size_t i = 0; i < cmd->argc; i++)
        argv[i] = (char *)cmd->args[i];
    argv[cmd->argc] = NULL;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return KEEL_ERR_NOMEM;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return KEEL_ERR_NOMEM;
    }
    /* A process group of its own (killed whole on timeout), default signal dispositions (the
     * audit ignores SIGPIPE) and no signal blocked (the audit blocks interrupts while the link
     * is cut), and the pipe as stdout and stderr. */
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigemptyset(&none);
    rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                 POSIX_SPAWN_SETSIGMASK);
    if (rc == 0)
        rc = posix_spawnattr_setpgroup(&attr, 0);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&attr, &def);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    *err = rc;
    return rc == 0 ? KEEL_OK : KEEL_ERR_IO;
}

/* What the exited command left in the pipe (a child of it holding the pipe open may write
 * more; that is not waited for). */
static void drain(int rd, keel_audit_command_result *out, size_t *kept, int *line_done)
{
    char buf[512];
    struct pollfd pfd = {.fd = rd, .events = POLLIN, .revents = 0};
    ssize_t n;

    while (poll(&pfd, 1, 0) > 0 && (n = read(rd, buf, sizeof(buf))) > 0)
        keep_output(out, kept, line_done, buf, (size_t)n);
}

/* Read the pipe and reap the child until it exits or the deadline passes. */
static void supervise(pid_t pid, int rd, long long deadline, keel_audit_command_result *out)
{
    char buf[512];
    size_t kept = 0;
    int line_done = 0, status = 0, open_pipe = 1;

    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        long long left = deadline - keel_audit_net_now_ms();
        struct pollfd pfd = {.fd = rd, .events = POLLIN, .revents = 0};

        if (w == pid) {
            out->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            if (open_pipe)
                drain(rd, out, &kept, &line_done);
            break;
        }
        if (left <= 0) {
            (void)kill(-pid, SIGKILL);
            (void)waitpid(pid, &status, 0);
            out->timed_out = 1;
            out->exit_status = -1;
            break;
        }
        if (!open_pipe) {
            keel_audit_sleep_ms(left < 20 ? left : 20);
            continue;
        }
        if (poll(&pfd, 1, left < 50 ? (int)left : 50) > 0) {
            ssize_t n = read(rd, buf, sizeof(buf));
            if (n > 0)
                keep_output(out, &kept, &line_done, buf, (size_t)n);
            else if (n == 0 || errno != EINTR)
                open_pipe = 0; /* the command (or its children) closed its output */
        }
    }
}

keel_err keel_audit_command_run(const keel_audit_ixit_command *cmd, long timeout_ms,
                                keel_audit_command_result *out)
{
    long long start = keel_audit_net_now_ms();
    int fds[2];
    pid_t pid = 0;
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (cmd == NULL || cmd->argc == 0 || cmd->argc > KEEL_AUDIT_OUTAGE_ARGS_MAX || timeout_ms <= 0)
        return KEEL_ERR_ARG;
    /* Close-on-exec: only the dup2 copies reach the command, not the audit's other commands. */
    if (pipe(fds) != 0) {
        out->errno_value = errno;
        return KEEL_OK;
    }
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    ret = spawn(cmd, fds[1], &pid, &out->errno_value);
    close(fds[1]);
    if (ret == KEEL_OK) {
        out->started = 1;
        supervise(pid, fds[0], start + timeout_ms, out);
    }
    close(fds[0]);
    out->took_ms = keel_audit_net_now_ms() - start;
    return ret == KEEL_ERR_NOMEM ? ret : KEEL_OK;
}

keel_err keel_audit_command_format(const keel_audit_ixit_command *cmd,
                                   const keel_audit_command_result *res, char *out, size_t outsz)
{
    char line[1024], what[96];
    size_t at = 0;

    if (cmd == NULL || res == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    line[0] = '\0';
    for (size_t i = 0; i < cmd->argc && at < sizeof(line); i++) {
        int n = snprintf(line + at, sizeof(line) - at, "%s%s", i ? " " : "", cmd->args[i]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    if (!res->started)
        (void)keel_str_format(what, sizeof(what), "cannot start: %s", strerror(res->errno_value));
    else if (res->timed_out)
        (void)keel_str_format(what, sizeof(what), "killed after %lld ms", res->took_ms);
    else if (res->exit_status < 0)
        (void)keel_str_format(what, sizeof(what), "killed by a signal (%lld ms)", res->took_ms);
    else
        (void)keel_str_format(what, sizeof(what), "exit %d (%lld ms)", res->exit_status,
                              res->took_ms);
    return keel_str_format(out, outsz, "%.300s: %s%s%s", line, what, res->output[0] ? ": " : "",
                           res->output);
}
