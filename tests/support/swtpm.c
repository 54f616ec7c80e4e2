/* Test support: start and stop real swtpm processes (see swtpm.h). */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 */
#include "swtpm.h"
#include "service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TRIES 8
#define READY_MS 10000

static int bind_loopback(uint16_t port, uint16_t *bound)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    if (bound != NULL)
        *bound = ntohs(a.sin_port);
    return fd;
}

/* A port P with P + 1 free too, from the kernel's ephemeral range. */
static int free_port_pair(uint16_t *port)
{
    for (int i = 0; i < 64; i++) {
        uint16_t p = 0;
        int a = bind_loopback(0, &p), b = -1;

        if (a >= 0 && p < 65535)
            b = bind_loopback((uint16_t)(p + 1), NULL);
        if (a >= 0)
            close(a);
        if (b >= 0) {
            close(b);
            *port = p;
            return 0;
        }
    }
    return -1;
}

static void set_names(keel_test_swtpm *t)
{
    snprintf(t->tcti, sizeof(t->tcti), "swtpm:host=127.0.0.1,port=%u", (unsigned)t->port);
    snprintf(t->spec, sizeof(t->spec), "tpm2:%s", t->tcti);
}

static void exec_swtpm(const keel_test_swtpm *t)
{
    char server[96], ctrl[96], state[300], log[300];
    int null = open("/dev/null", O_RDWR);

    snprintf(server, sizeof(server), "type=tcp,port=%u,bindaddr=127.0.0.1", (unsigned)t->port);
    snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%u,bindaddr=127.0.0.1", (unsigned)t->port + 1);
    snprintf(state, sizeof(state), "dir=%s", t->dir);
    snprintf(log, sizeof(log), "file=%s/swtpm.log", t->dir);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl, "--tpmstate",
           state, "--log", log, "--flags", "not-need-init,startup-clear", (char *)NULL);
    _exit(127);
}

/* Start swtpm on t->port and wait for it; -1 if it exits first (port taken) or hangs. */
static int launch(keel_test_swtpm *t)
{
    pid_t parent = getpid();
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* A test that crashes or is killed must not leave its TPM running. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        exec_swtpm(t);
    }
    t->pid = pid;
    for (int ms = 0; ms < READY_MS; ms += 20) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            t->pid = 0;
            return -1;
        }
        if (keel_test_port_answers(t->port) && keel_test_port_answers((uint16_t)(t->port + 1)))
            return 0;
        keel_test_sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    t->pid = 0;
    return -1;
}

static int launch_on_free_ports(keel_test_swtpm *t)
{
    /* Another test may take the pair between our probe and swtpm's bind: try again. */
    for (int i = 0; i < START_TRIES; i++) {
        if (free_port_pair(&t->port) != 0)
            break;
        set_names(t);
        if (launch(t) == 0)
            return 0;
    }
    fprintf(stderr, "swtpm: cannot start (see %s/swtpm.log)\n", t->dir);
    return -1;
}

int keel_test_swtpm_start(keel_test_swtpm *t)
{
    const char *tmp = getenv("TMPDIR");

    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "%s/keel-swtpm-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(t->dir) == NULL) {
        fprintf(stderr, "swtpm: mkdtemp %s: %s\n", t->dir, strerror(errno));
        t->dir[0] = '\0';
        return -1;
    }
    return launch_on_free_ports(t);
}

static void terminate(keel_test_swtpm *t)
{
    if (t->pid <= 0)
        return;
    kill(t->pid, SIGTERM);
    while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    t->pid = 0;
}

int keel_test_swtpm_restart(keel_test_swtpm *t)
{
    terminate(t);
    for (int i = 0; i < 50; i++) {
        if (launch(t) == 0)
            return 0;
        keel_test_sleep_ms(100);
    }
    return launch_on_free_ports(t);
}

void keel_test_swtpm_stop(keel_test_swtpm *t)
{
    terminate(t);
    if (t->dir[0] != '\0')
        keel_test_tree_remove(t->dir);
    t->dir[0] = '\0';
}
