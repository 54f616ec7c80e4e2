/*
 * Boot control: which slot the bootloader starts. A new slot is only ever tried (a trial
 * with KEEL_UPDATE_BOOT_ATTEMPTS starts), and made primary only after the running system
 * confirmed it; a trial that never confirms runs out of attempts and the bootloader falls
 * back to the primary slot by itself (5.3-2: an update that does not work must not leave the
 * device without working software).
 *
 * The backends differ only in where the variables live (fetch_private.h names them): a
 * file keel writes atomically, U-Boot's environment (fw_printenv / fw_setenv) or GRUB's
 * environment block (grub-editenv). The tools run with an argument vector, never a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch_private.h"

extern char **environ;

#define CMDLINE_MAX 8192u

/* ---- opening ---- */

static keel_err boot_new(const keel_update_boot_ops *ops, const char *path, keel_update_boot **out)
{
    keel_update_boot *boot;

    if (path[0] == '-') {
        keel_log(KEEL_LOG_ERROR, "update: boot environment path '%s' starts with '-'", path);
        return KEEL_ERR_ARG;
    }
    boot = calloc(1, sizeof(*boot));
    if (boot == NULL)
        return KEEL_ERR_NOMEM;
    boot->ops = ops;
    if (keel_str_copy(boot->path, sizeof(boot->path), path) != KEEL_OK) {
        free(boot);
        return KEEL_ERR_ARG;
    }
    *out = boot;
    return KEEL_OK;
}

keel_err keel_update_boot_open(const char *spec, keel_update_boot **out)
{
    if (out != NULL)
        *out = NULL;
    if (spec == NULL || out == NULL)
        return KEEL_ERR_ARG;
    if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0')
        return boot_new(&keel_update_boot_file_ops, spec + 5, out);
    if (strcmp(spec, "uboot") == 0)
        return boot_new(&keel_update_boot_uboot_ops, "", out);
    if (strncmp(spec, "uboot:", 6) == 0 && spec[6] != '\0')
        return boot_new(&keel_update_boot_uboot_ops, spec + 6, out);
    if (strncmp(spec, "grub:", 5) == 0 && spec[5] != '\0')
        return boot_new(&keel_update_boot_grub_ops, spec + 5, out);
    keel_log(KEEL_LOG_ERROR,
             "update: unknown boot control '%s' (file:PATH, uboot[:CONFIG],"
             " grub:PATH)",
             spec);
    return KEEL_ERR_ARG;
}

void keel_update_boot_free(keel_update_boot *boot)
{
    if (boot == NULL)
        return;
    keel_wipe(boot, sizeof(*boot));
    free(boot);
}

/* ---- the state machine ---- */

keel_err keel_update_boot_read(keel_update_boot *boot, keel_update_boot_state *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (boot == NULL || out == NULL)
        return KEEL_ERR_ARG;
    return boot->ops->load(boot, out);
}

keel_err keel_update_boot_try(keel_update_boot *boot, char slot)
{
    keel_update_boot_state st;
    keel_err ret;

    if (boot == NULL || !keel_update_boot_slot_valid(slot))
        return KEEL_ERR_ARG;
    ret = boot->ops->load(boot, &st);
    if (ret != KEEL_OK)
        return ret;
    if (slot == st.primary) {
        keel_log(KEEL_LOG_ERROR, "update: slot %c is the primary slot: only the other is tried",
                 slot);
        return KEEL_ERR_ARG;
    }
    if (st.booted != st.primary) {
        keel_log(KEEL_LOG_ERROR,
                 "update: a trial of slot %c is under way: confirm or cancel it"
                 " first",
                 st.booted);
        return KEEL_ERR_UPDATE_BOOT;
    }
    st.trial = slot;
    st.attempts = KEEL_UPDATE_BOOT_ATTEMPTS;
    return boot->ops->store(boot, &st);
}

keel_err keel_update_boot_confirm(keel_update_boot *boot, char slot)
{
    keel_update_boot_state st;
    keel_err ret;

    if (boot == NULL || !keel_update_boot_slot_valid(slot))
        return KEEL_ERR_ARG;
    ret = boot->ops->load(boot, &st);
    if (ret != KEEL_OK)
        return ret;
    if (st.primary == slot && st.trial == '\0')
        return KEEL_OK; /* confirmed before (a restart between confirm and what follows) */
    if (st.trial != slot || st.booted != slot) {
        keel_log(KEEL_LOG_ERROR, "update: slot %c is not the trial slot running now", slot);
        return KEEL_ERR_UPDATE_BOOT;
    }
    st.primary = slot;
    st.trial = '\0';
    st.attempts = 0;
    return boot->ops->store(boot, &st);
}

keel_err keel_update_boot_cancel(keel_update_boot *boot)
{
    keel_update_boot_state st;
    keel_err ret;

    if (boot == NULL)
        return KEEL_ERR_ARG;
    ret = boot->ops->load(boot, &st);
    if (ret != KEEL_OK || (st.trial == '\0' && st.attempts == 0))
        return ret;
    st.trial = '\0';
    st.attempts = 0;
    return boot->ops->store(boot, &st);
}

/* ---- running a bootloader's tool ---- */

static keel_err spawn(const char *const argv[], int in_fd, int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    int err;

    if (posix_spawn_file_actions_init(&fa) != 0)
        return KEEL_ERR_NOMEM;
    err = posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    if (err == 0)
        err = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    if (err == 0)
        err = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
        keel_log(KEEL_LOG_ERROR, "update: %s cannot be started: %s", argv[0], strerror(err));
        return KEEL_ERR_UPDATE_BOOT;
    }
    return KEEL_OK;
}

/* Everything the tool prints, up to outsz - 1 bytes; more fails but is still drained. */
static keel_err collect(int fd, const char *tool, char *out, size_t outsz, size_t *out_len)
{
    char sink[512];
    size_t len = 0;
    int over = 0;

    for (;;) {
        char *dst = len < outsz - 1 ? out + len : sink;
        size_t room = len < outsz - 1 ? outsz - 1 - len : sizeof(sink);
        ssize_t n = read(fd, dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (dst == sink)
            over = 1;
        else
            len += (size_t)n;
    }
    out[len] = '\0';
    *out_len = len;
    if (over)
        keel_log(KEEL_LOG_ERROR, "update: %s printed more than %zu bytes", tool, outsz - 1);
    return over ? KEEL_ERR_UPDATE_BOOT : KEEL_OK;
}

static keel_err reap(pid_t pid, const char *tool)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return KEEL_ERR_UPDATE_BOOT;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return KEEL_OK;
    keel_log(KEEL_LOG_ERROR, "update: %s failed (%s %d)", tool,
             WIFEXITED(status) ? "exit status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return KEEL_ERR_UPDATE_BOOT;
}

/* The tool's standard input and output are sockets: one that exits without reading its
 * input makes send() fail with EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE here. */
keel_err keel_update_boot_run(const char *const argv[], const char *input, size_t inlen, char *out,
                              size_t outsz, size_t *out_len)
{
    int in[2] = {-1, -1}, out_fds[2] = {-1, -1};
    pid_t pid = -1;
    keel_err ret = KEEL_ERR_UPDATE_BOOT;

    if (argv == NULL || argv[0] == NULL || (input == NULL && inlen != 0) || out == NULL ||
        outsz == 0 || out_len == NULL)
        return KEEL_ERR_ARG;
    *out_len = 0;
    out[0] = '\0';
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out_fds) != 0)
        goto out;
    ret = spawn(argv, in[1], out_fds[1], &pid);
    close(in[1]);
    close(out_fds[1]);
    in[1] = out_fds[1] = -1;
    if (ret != KEEL_OK)
        goto out;
    if (inlen > 0 && send(in[0], input, inlen, MSG_NOSIGNAL) != (ssize_t)inlen)
        ret = KEEL_ERR_UPDATE_BOOT;
    shutdown(in[0], SHUT_WR);
    if (collect(out_fds[0], argv[0], out, outsz, out_len) != KEEL_OK)
        ret = KEEL_ERR_UPDATE_BOOT;
    if (reap(pid, argv[0]) != KEEL_OK)
        ret = KEEL_ERR_UPDATE_BOOT;
out:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out_fds[i] >= 0)
            close(out_fds[i]);
    }
    return ret;
}

/* ---- the booted slot, from the kernel command line ---- */

static keel_err cmdline_read(const char *path, char *buf, size_t bufsz)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        keel_log(KEEL_LOG_ERROR, "update: '%s' cannot be read: %s", path, strerror(errno));
        return KEEL_ERR_UPDATE_BOOT;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, bufsz - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (len += (size_t)n) == bufsz - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    return KEEL_OK;
}

/* The value of the one keel.slot= token in text ('?' for a value that is not one
 * character); 0 when there is none or more than one. */
static char cmdline_scan(const char *text)
{
    const char *p = text;
    char slot = '\0';
    int found = 0;

    while (*p != '\0') {
        size_t n = strcspn(p, " \t\n");
        if (n > 10 && strncmp(p, "keel.slot=", 10) == 0) {
            found++;
            slot = '?';
            if (n == 11)
                slot = p[10];
        }
        p += n;
        p += strspn(p, " \t\n");
    }
    if (found != 1)
        return '\0';
    return slot;
}

/* /proc/cmdline; in development builds a test may name another file. */
static const char *cmdline_path(void)
{
#if !KEEL_PRODUCTION
    const char *test_path = getenv("KEEL_UPDATE_CMDLINE");
    if (test_path != NULL && test_path[0] != '\0')
        return test_path;
#endif
    return "/proc/cmdline";
}

keel_err keel_update_boot_cmdline_slot(char *slot)
{
    const char *path = cmdline_path();
    char *buf;
    keel_err ret;

    if (slot == NULL)
        return KEEL_ERR_ARG;
    *slot = '\0';
    buf = malloc(CMDLINE_MAX);
    if (buf == NULL)
        return KEEL_ERR_NOMEM;
    ret = cmdline_read(path, buf, CMDLINE_MAX);
    if (ret == KEEL_OK)
        *slot = cmdline_scan(buf);
    free(buf);
    if (ret == KEEL_OK && !keel_update_boot_slot_valid(*slot)) {
        keel_log(KEEL_LOG_ERROR,
                 "update: the kernel command line (%s) must say keel.slot=a or"
                 " keel.slot=b, once",
                 path);
        *slot = '\0';
        ret = KEEL_ERR_UPDATE_BOOT;
    }
    return ret;
}
