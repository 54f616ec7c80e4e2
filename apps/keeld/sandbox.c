/*
 * keeld's privileges and its system-call allow-list (5.6-7: software runs with the least
 * privilege it needs). Started as root, keeld opens and checks its device directory, root of
 * trust and store already as its account (effective ids and groups), with one capability
 * left effective to bind a port below 1024; once bound, it becomes that account for good,
 * with no capability left and no way back, and loads a seccomp filter: every system call not
 * on the list below kills the process. A device maker who adds a feature adds the calls it
 * makes here, and nowhere else (docs/privileges.md).
 */
/* setresuid, setresgid, getresuid */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <seccomp.h>

#include "keeld.h"

/* ---- the allow-list ----
 *
 * What keeld does once the sandbox is in place, measured with strace -f on the integration
 * tests (login, wrong password, password change, logout, restart; the file backend and the
 * TPM over swtpm, whose TCTI opens a UNIX socket per command) and on the MQTT thread
 * (glibc's resolver: /etc/hosts, nsswitch.conf, resolv.conf, DNS over UDP and TCP; the
 * broker's TLS connection). Names that do not exist on the build's architecture (open on
 * arm64, say) are skipped by libseccomp. Allowed below with their arguments checked, not
 * here: socket (three families), socketpair (local only), ioctl (three requests), clone
 * (threads only).
 * Absent on purpose: bind and listen (no new port once serving, 5.6-1), exec, fork,
 * ptrace, mount, module and kexec calls, bpf, keyctl, personality, process_vm_*, and every
 * set*id and capability call: what keeld gave up it cannot take back. */
static const char *const allowed[] = {
    /* the event loops: libwebsockets (poll), libmosquitto (pselect6), their wake-ups */
    "poll", "ppoll", "select", "pselect6", "pipe2", "eventfd2",
    /* signals: SIGTERM's handler, abort */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall", "tgkill",
    "getpid", "gettid",
    /* sockets: the HTTPS server, the broker, the TPM simulator, the resolver */
    "accept", "accept4", "connect", "getsockname", "getpeername", "getsockopt", "setsockopt",
    "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
    /* files: the store's and the counters' write-sync-rename, /dev/tpmrm0, the resolver's
     * configuration, the update agent's slot writes (pwrite, early writeback, ftruncate)
     * and trust files, the lock's SQLite database (pread64, pwrite64, fcntl locks,
     * fdatasync, mmap of its -shm; ftruncate and unlink of the WAL at a clean stop;
     * measured with strace -f on keeld_lock.sh, the keypad's thread included) */
    "openat", "open", "close", "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek",
    "fsync", "fdatasync", "sync_file_range", "fchmod", "ftruncate", "rename", "renameat",
    "renameat2", "unlink", "unlinkat", "fstat", "newfstatat", "stat", "lstat", "statx",
    "getdents64", "access", "faccessat", "faccessat2", "fcntl", "uname",
    /* memory */
    "mmap", "munmap", "mprotect", "madvise", "brk", "mremap",
    /* time and randomness */
    "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "time", "nanosleep",
    "getrandom",
    /* threads: libmosquitto's, and the C library's locks */
    "futex", "set_robust_list", "rseq", "sched_yield", "sched_getaffinity", "exit", "exit_group",
    /* who keeld is (never a change) */
    "getuid", "geteuid", "getgid", "getegid"};

/* Sanitizer builds (tests only; a production build has no sanitizer): at exit LeakSanitizer
 * stops the threads to scan memory, through a tracer task that ptraces them. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEELD_SANITIZER_RUNTIME 1
#endif
#endif
#if !defined(KEELD_SANITIZER_RUNTIME) && defined(__SANITIZE_ADDRESS__)
#define KEELD_SANITIZER_RUNTIME 1
#endif
#ifdef KEELD_SANITIZER_RUNTIME
static const char *const sanitizer_allowed[] = {"prctl", "ptrace",  "wait4",
                                                "clone", "getppid", "getdents"};
#endif

/* The address families keeld's sockets use; socket() with any other kills it. */
static const int families[] = {AF_UNIX, AF_INET, AF_INET6};

/* ioctl requests: bytes waiting on a socket (the resolver), whether an fd is a terminal
 * (the C library's stdio), non-blocking mode. Nothing that configures a device. */
static const unsigned long ioctls[] = {FIONREAD, TCGETS, FIONBIO};

static keel_err fail(char *err, size_t errsz, const char *step)
{
    (void)keel_str_format(err, errsz, "privileges: %s failed (%s)", step, strerror(errno));
    return KEEL_ERR_PERM;
}

/* The calls allowed only with some arguments. A new thread: clone with CLONE_THREAD (a new
 * process would lack it); clone3 passes its flags in memory a filter cannot read, so it
 * answers ENOSYS and the C library falls back to clone. */
/* Allow nr when its argument arg, masked with mask, equals value. */
static int allow_if(scmp_filter_ctx ctx, int nr, unsigned arg, scmp_datum_t mask,
                    scmp_datum_t value)
{
    struct scmp_arg_cmp cmp = {
        .arg = arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = mask, .datum_b = value};

    return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
}

static keel_err filter_arguments(scmp_filter_ctx ctx, char *err, size_t errsz)
{
    int rc = 0;

    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        rc |= allow_if(ctx, SCMP_SYS(socket), 0, 0xffffffffu, (scmp_datum_t)families[i]);
    for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
        rc |= allow_if(ctx, SCMP_SYS(ioctl), 1, 0xffffffffu, (scmp_datum_t)ioctls[i]);
    /* libcurl's wake-up pair for the update downloads: local sockets only */
    rc |= allow_if(ctx, SCMP_SYS(socketpair), 0, 0xffffffffu, (scmp_datum_t)AF_UNIX);
    rc |= allow_if(ctx, SCMP_SYS(clone), 0, (scmp_datum_t)CLONE_THREAD, (scmp_datum_t)CLONE_THREAD);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
#ifdef KEELD_SANITIZER_RUNTIME
    for (size_t i = 0; i < sizeof(sanitizer_allowed) / sizeof(sanitizer_allowed[0]); i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
                               seccomp_syscall_resolve_name(sanitizer_allowed[i]), 0);
#endif
    if (rc != 0) {
        (void)keel_str_format(err, errsz, "seccomp: cannot add the argument rules");
        return KEEL_ERR_PERM;
    }
    return KEEL_OK;
}

static keel_err filter_fill(scmp_filter_ctx ctx, char *err, size_t errsz)
{
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        int nr = seccomp_syscall_resolve_name(allowed[i]);
        if (nr == __NR_SCMP_ERROR) {
            (void)keel_str_format(err, errsz, "seccomp: unknown system call '%s'", allowed[i]);
            return KEEL_ERR_PERM;
        }
        /* a negative number is a call this architecture lacks: libseccomp skips it */
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0) {
            (void)keel_str_format(err, errsz, "seccomp: cannot allow '%s'", allowed[i]);
            return KEEL_ERR_PERM;
        }
    }
    return filter_arguments(ctx, err, errsz);
}

/* Load the allow-list for every thread of the process (TSYNC): a thread started before
 * this point is held to it as well. */
static keel_err filter_load(char *err, size_t errsz)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    keel_err ret = KEEL_ERR_PERM;

    if (ctx == NULL) {
        (void)keel_str_format(err, errsz, "seccomp: cannot create the filter");
        return KEEL_ERR_PERM;
    }
    if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0) {
        (void)keel_str_format(err, errsz, "seccomp: cannot synchronise the filter on threads");
        goto out;
    }
    ret = filter_fill(ctx, err, errsz);
    if (ret != KEEL_OK)
        goto out;
    if (seccomp_load(ctx) != 0) {
        (void)keel_str_format(err, errsz, "seccomp: the kernel refused the filter");
        ret = KEEL_ERR_PERM;
    }
out:
    seccomp_release(ctx);
    return ret;
}

/* ---- the account ---- */

#define GROUPS_MAX 32

struct account {
    uid_t uid;
    gid_t gid;
    gid_t groups[GROUPS_MAX]; /* its supplementary groups (tss for /dev/tpmrm0) */
    int ngroups;
    char name[KEELD_NAME_MAX + 1];
};

/* Look name up in the user database. KEEL_ERR_NOT_FOUND when it has no such account. */
static keel_err account_find(const char *name, struct account *out, char *err, size_t errsz)
{
    char buf[4096];
    struct passwd pw;
    struct passwd *found = NULL;
    int rc = getpwnam_r(name, &pw, buf, sizeof(buf), &found);

    if (rc != 0 || found == NULL) {
        (void)keel_str_format(err, errsz,
                              "user '%s' does not exist: create it (scripts/bootstrap does) "
                              "or pass --user NAME",
                              name);
        return KEEL_ERR_NOT_FOUND;
    }
    if (keel_str_copy(out->name, sizeof(out->name), name) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "user name '%s' is too long", name);
        return KEEL_ERR_RANGE;
    }
    out->uid = pw.pw_uid;
    out->gid = pw.pw_gid;
    out->ngroups = GROUPS_MAX;
    if (getgrouplist(name, pw.pw_gid, out->groups, &out->ngroups) < 0) {
        (void)keel_str_format(err, errsz, "user '%s' is in more than %d groups", name, GROUPS_MAX);
        return KEEL_ERR_RANGE;
    }
    return KEEL_OK;
}

static const char *user_name(const struct keeld_config *cfg)
{
    return cfg->user != NULL ? cfg->user : KEELD_USER_DEFAULT;
}

/* ---- dropping ---- */

static long last_capability(void)
{
    char text[16];
    uint64_t v = 0;
    ssize_t n;
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    if (text[n - 1] == '\n')
        text[n - 1] = '\0';
    return keel_str_to_u64(text, 0, 63, &v) == KEEL_OK ? (long)v : -1;
}

/* Every capability out of the bounding set (nothing can be regained through a file's
 * capabilities), and none ambient. */
static keel_err drop_capability_sets(char *err, size_t errsz)
{
    long last = last_capability();

    if (last < 0) {
        errno = EINVAL;
        return fail(err, errsz, "reading /proc/sys/kernel/cap_last_cap");
    }
    for (long cap = 0; cap <= last; cap++) {
        if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0UL, 0UL, 0UL) != 0)
            return fail(err, errsz, "PR_CAPBSET_DROP");
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) != 0)
        return fail(err, errsz, "PR_CAP_AMBIENT_CLEAR_ALL");
    return KEEL_OK;
}

/* After the switch: no capability is left in any set and root cannot be regained. */
static keel_err verify_dropped(const struct account *acc, char *err, size_t errsz)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    uid_t r, e, s;

    if (setuid(0) == 0 || seteuid(0) == 0) {
        errno = EPERM;
        return fail(err, errsz, "the check that root cannot be regained");
    }
    if (getresuid(&r, &e, &s) != 0 || r != acc->uid || e != acc->uid || s != acc->uid) {
        errno = EPERM;
        return fail(err, errsz, "the check of the user ids");
    }
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) != 0)
        return fail(err, errsz, "capget");
    for (size_t i = 0; i < 2; i++) {
        if (data[i].effective != 0 || data[i].permitted != 0 || data[i].inheritable != 0) {
            errno = EPERM;
            return fail(err, errsz, "the check that no capability is left");
        }
    }
    if (prctl(PR_CAPBSET_READ, 0UL, 0UL, 0UL, 0UL) != 0) {
        errno = EPERM;
        return fail(err, errsz, "the check of the bounding set");
    }
    return KEEL_OK;
}

/* Root to acc for good: groups, then gid, then uid, real and saved ids included. */
static keel_err drop_to(const struct account *acc, char *err, size_t errsz)
{
    keel_err ret = drop_capability_sets(err, errsz);

    if (ret != KEEL_OK)
        return ret;
    if (setgroups((size_t)acc->ngroups, acc->groups) != 0)
        return fail(err, errsz, "setgroups");
    if (setresgid(acc->gid, acc->gid, acc->gid) != 0)
        return fail(err, errsz, "setresgid");
    if (setresuid(acc->uid, acc->uid, acc->uid) != 0)
        return fail(err, errsz, "setresuid");
    return verify_dropped(acc, err, errsz);
}

/* Root, until the port is bound: the account's groups and effective ids, so that the device
 * directory, the root of trust and the store are opened, checked and owned as they will be
 * used after the drop; of root's capabilities only CAP_NET_BIND_SERVICE stays effective
 * (the others stay permitted, for keeld_sandbox_enter to give them up). */
static keel_err assume(const struct account *acc, char *err, size_t errsz)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];

    if (setgroups((size_t)acc->ngroups, acc->groups) != 0)
        return fail(err, errsz, "setgroups");
    if (setegid(acc->gid) != 0)
        return fail(err, errsz, "setegid");
    if (seteuid(acc->uid) != 0)
        return fail(err, errsz, "seteuid");
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) != 0)
        return fail(err, errsz, "capget");
    data[0].effective = data[0].permitted & (1u << CAP_NET_BIND_SERVICE);
    data[1].effective = 0;
    data[0].inheritable = 0;
    data[1].inheritable = 0;
    if (syscall(SYS_capset, &hdr, data) != 0)
        return fail(err, errsz, "capset(CAP_NET_BIND_SERVICE)");
    return KEEL_OK;
}

/* Root: the account exists, is not root and owns the data directory, which nobody else
 * may write to. */
static keel_err check_as_root(const struct keeld_config *cfg, char *err, size_t errsz)
{
    struct account acc;
    struct stat st;
    keel_err ret = account_find(user_name(cfg), &acc, err, errsz);

    if (ret != KEEL_OK)
        return ret == KEEL_ERR_NOT_FOUND ? KEEL_ERR_PERM : ret;
    if (acc.uid == 0 || acc.gid == 0) {
        (void)keel_str_format(err, errsz,
                              "user '%s' is root (uid or gid 0): keeld must run as an "
                              "unprivileged account; pass --user NAME",
                              acc.name);
        return KEEL_ERR_PERM;
    }
    if (stat(cfg->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        (void)keel_str_format(err, errsz, "data directory %s: not a directory", cfg->data_dir);
        return KEEL_ERR_NOT_FOUND;
    }
    if (st.st_uid != acc.uid) {
        (void)keel_str_format(
            err, errsz, "data directory %s belongs to uid %u, not to %s: chown -R %s: %s",
            cfg->data_dir, (unsigned)st.st_uid, acc.name, acc.name, cfg->data_dir);
        return KEEL_ERR_PERM;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        (void)keel_str_format(err, errsz,
                              "data directory %s: mode %o lets others write: chmod go-w %s",
                              cfg->data_dir, (unsigned)(st.st_mode & 07777), cfg->data_dir);
        return KEEL_ERR_PERM;
    }
    return assume(&acc, err, errsz);
}

/* Not root: --user may only name the account keeld already runs as. */
static keel_err check_not_root(const struct keeld_config *cfg, char *err, size_t errsz)
{
    char buf[4096];
    struct passwd pw;
    struct passwd *found = NULL;

    if (cfg->user == NULL)
        return KEEL_OK;
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found != NULL &&
        strcmp(pw.pw_name, cfg->user) == 0)
        return KEEL_OK;
    (void)keel_str_format(err, errsz,
                          "--user needs keeld started as root (it runs as uid %u already)",
                          (unsigned)geteuid());
    return KEEL_ERR_PERM;
}

keel_err keeld_sandbox_check(const struct keeld_config *cfg, char *err, size_t errsz)
{
    return geteuid() == 0 ? check_as_root(cfg, err, errsz) : check_not_root(cfg, err, errsz);
}

keel_err keeld_sandbox_enter(const struct keeld_config *cfg, char *err, size_t errsz)
{
    struct account acc;
    keel_err ret;

    /* started as root: the real uid is still 0 (keeld_sandbox_check changed only the
     * effective ids) */
    if (getuid() == 0 || geteuid() == 0) {
        ret = account_find(user_name(cfg), &acc, err, errsz);
        if (ret != KEEL_OK)
            return KEEL_ERR_PERM;
        if (acc.uid == 0 || acc.gid == 0) {
            (void)keel_str_format(err, errsz, "user '%s' is root", acc.name);
            return KEEL_ERR_PERM;
        }
        /* back to full root for the moment it takes to give everything up */
        if (seteuid(0) != 0)
            return fail(err, errsz, "seteuid(0) before the drop");
        ret = drop_to(&acc, err, errsz);
        if (ret != KEEL_OK)
            return ret;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0)
        return fail(err, errsz, "PR_SET_NO_NEW_PRIVS");
    return filter_load(err, errsz);
}
