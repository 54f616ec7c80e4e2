/*
 * storm_sim: N simulated devices (default 200) in one process, each one MQTT client
 * (libmosquitto) of the broker on 127.0.0.1:PORT, for the reconnection-storm test
 * (tests/integration/storm.sh, 5.9-3).
 *
 *   storm_sim --port P [--devices N] [--policy keel|fixed] [--deadline S]
 *
 * Each device reconnects after losing its link exactly as keeld's cloud link does
 * (apps/keeld/cloud.c): before retry number n (0 for the first) it waits
 * keel_backoff_ms(n, KEELD_CLOUD_BACKOFF_BASE_MS, KEELD_CLOUD_BACKOFF_CAP_MS), and n starts
 * again at 0 once the broker accepts a session. "--policy fixed" is the control: a retry
 * every KEELD_CLOUD_BACKOFF_BASE_MS, without jitter, the naive loop whose synchronised
 * retries make the storm.
 *
 * The devices speak plain MQTT over TCP on loopback: what the test measures is when the
 * devices come back, which the TLS handshake does not change, and 200 TLS clients with 200
 * certificates would measure the test machine's CPU instead.
 *
 * Protocol with the script (stdout, line-buffered):
 *   "ready N"      every device has connected once; the script may now stop the broker
 *   SIGUSR1        the script has started the broker again (time zero of the histogram)
 *   then, once every device has lost its link and connected again (or --deadline seconds
 *   after SIGUSR1): the reconnections per second since time zero, and
 *   "reconnected K of N", "peak P" (the most reconnections within any one second, a sliding
 *   window over the exact times), "last T" (seconds from time zero to the last one).
 * Exit 0 when all N came back, 3 when the deadline passed first, 2 on a usage or setup error.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "keeld.h"

#define DEVICES_DEFAULT 200u
#define DEVICES_MAX 2000u
#define DEADLINE_DEFAULT_S 75u
#define KEEPALIVE_S 60
#define CONNECT_TIMEOUT_MS 20000 /* keeld's CLOUD_CONNECT_TIMEOUT_S */
#define POLL_MS 10
#define HIST_MAX_S 600u
#define RUN_MAX_MS 600000 /* a script that never signals does not leave this running */

enum policy { POLICY_KEEL, POLICY_FIXED };
enum dev_state { DEV_WAITING, DEV_CONNECTING, DEV_ONLINE };

struct device {
    struct mosquitto *mosq;
    enum dev_state state;
    int first;          /* never connected yet */
    int lost;           /* has lost its link since "ready" */
    int back;           /* has connected again after losing it */
    uint32_t attempt;   /* retries since the broker last accepted a session */
    int64_t next_at_ms; /* DEV_WAITING: when to try again */
    int64_t started_ms; /* DEV_CONNECTING: when the attempt began */
    int64_t back_at_ms; /* monotonic time of the reconnection */
};

static volatile sig_atomic_t restarted;
static int64_t restart_ms;
static enum policy policy = POLICY_KEEL;
static unsigned connected_once;
static unsigned lost_count;
static unsigned back_count;
static int ready_said;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_usr1(int sig)
{
    (void)sig;
    restarted = 1;
}

/* keeld's wait before the next attempt (cloud.c next_wait_ms), or the control's. */
static uint32_t next_wait_ms(struct device *d)
{
    uint32_t ms = KEELD_CLOUD_BACKOFF_BASE_MS;

    if (policy == POLICY_KEEL && keel_backoff_ms(d->attempt, KEELD_CLOUD_BACKOFF_BASE_MS,
                                                 KEELD_CLOUD_BACKOFF_CAP_MS, &ms) != KEEL_OK) {
        fprintf(stderr, "storm_sim: keel_backoff_ms failed\n");
        exit(2);
    }
    if (d->attempt < UINT32_MAX)
        d->attempt++;
    return ms;
}

static void link_down(struct device *d)
{
    if (d->state == DEV_ONLINE && ready_said && !d->lost) {
        d->lost = 1;
        lost_count++;
    }
    d->state = DEV_WAITING;
    d->next_at_ms = now_ms() + next_wait_ms(d);
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct device *d = obj;

    (void)mosq;
    if (rc != 0)
        return; /* the broker closes the socket; the loop sees it */
    d->state = DEV_ONLINE;
    d->attempt = 0;
    if (d->first) {
        d->first = 0;
        connected_once++;
    }
    if (d->lost && !d->back) {
        d->back = 1;
        d->back_at_ms = now_ms();
        back_count++;
    }
}

static void attempt(struct device *d)
{
    int rc = mosquitto_reconnect_async(d->mosq); /* host and port from make_devices */

    if (rc != MOSQ_ERR_SUCCESS) {
        d->state = DEV_CONNECTING; /* so that link_down counts the failed attempt */
        link_down(d);
        return;
    }
    d->state = DEV_CONNECTING;
    d->started_ms = now_ms();
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The histogram since time zero, the sliding one-second peak, the last reconnection. */
static void report(struct device *devs, unsigned n)
{
    static unsigned hist[HIST_MAX_S];
    int64_t *t = calloc(n, sizeof(*t));
    unsigned k = 0, peak = 0, seconds = 0;

    if (t == NULL) {
        fprintf(stderr, "storm_sim: out of memory\n");
        exit(2);
    }
    for (unsigned i = 0; i < n; i++) {
        if (devs[i].back)
            t[k++] = devs[i].back_at_ms - restart_ms;
    }
    qsort(t, k, sizeof(*t), cmp_i64);
    for (unsigned i = 0, j = 0; i < k; i++) {
        while (t[i] - t[j] >= 1000)
            j++;
        if (i - j + 1 > peak)
            peak = i - j + 1;
        int64_t s = t[i] < 0 ? 0 : t[i] / 1000;
        if (s < (int64_t)HIST_MAX_S) {
            hist[s]++;
            if ((unsigned)s + 1 > seconds)
                seconds = (unsigned)s + 1;
        }
    }
    printf("reconnections per second after the broker returned (%s policy):\n",
           policy == POLICY_KEEL ? "keel" : "fixed");
    for (unsigned s = 0; s < seconds; s++) {
        printf("  %3u s %4u ", s, hist[s]);
        for (unsigned b = 0; b < hist[s]; b += 2)
            putchar('#');
        putchar('\n');
    }
    printf("reconnected %u of %u\n", k, n);
    printf("peak %u\n", peak);
    printf("last %.1f\n", k > 0 ? (double)t[k - 1] / 1000.0 : -1.0);
    free(t);
}

static int parse_args(int argc, char **argv, unsigned *port, unsigned *n, unsigned *deadline)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        char *end;
        unsigned long v = strtoul(argv[i + 1], &end, 10);
        if (strcmp(argv[i], "--policy") == 0) {
            if (strcmp(argv[i + 1], "keel") == 0)
                policy = POLICY_KEEL;
            else if (strcmp(argv[i + 1], "fixed") == 0)
                policy = POLICY_FIXED;
            else
                return -1;
            continue;
        }
        if (*argv[i + 1] == '\0' || *end != '\0')
            return -1;
        if (strcmp(argv[i], "--port") == 0 && v >= 1 && v <= 65535)
            *port = (unsigned)v;
        else if (strcmp(argv[i], "--devices") == 0 && v >= 1 && v <= DEVICES_MAX)
            *n = (unsigned)v;
        else if (strcmp(argv[i], "--deadline") == 0 && v >= 1 && v <= HIST_MAX_S)
            *deadline = (unsigned)v;
        else
            return -1;
    }
    return argc % 2 == 1 && *port != 0 ? 0 : -1;
}

static int make_devices(struct device *devs, unsigned n, unsigned port)
{
    char id[64];

    for (unsigned i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "storm-%s-%u-%u", policy == POLICY_KEEL ? "keel" : "fixed",
                 (unsigned)getpid(), i);
        devs[i].mosq = mosquitto_new(id, true, &devs[i]);
        if (devs[i].mosq == NULL || mosquitto_int_option(devs[i].mosq, MOSQ_OPT_PROTOCOL_VERSION,
                                                         MQTT_PROTOCOL_V311) != MOSQ_ERR_SUCCESS)
            return -1;
        mosquitto_connect_callback_set(devs[i].mosq, on_connect);
        devs[i].first = 1;
        devs[i].state = DEV_WAITING;
        devs[i].next_at_ms = 0;
    }
    /* mosquitto_connect_async takes the port; reconnects reuse it */
    for (unsigned i = 0; i < n; i++) {
        int rc = mosquitto_connect_async(devs[i].mosq, "127.0.0.1", (int)port, KEEPALIVE_S);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "storm_sim: device %u cannot connect: %s\n", i, mosquitto_strerror(rc));
            return -1;
        }
        devs[i].first = 1;
        devs[i].state = DEV_CONNECTING;
        devs[i].started_ms = now_ms();
    }
    return 0;
}

/* One round: start due attempts, wait for socket activity, let libmosquitto run. */
static void round_once(struct device *devs, unsigned n, struct pollfd *pfd, unsigned *idx)
{
    unsigned m = 0;
    int64_t now = now_ms();

    for (unsigned i = 0; i < n; i++) {
        struct device *d = &devs[i];
        if (d->state == DEV_WAITING && now >= d->next_at_ms)
            attempt(d);
        if (d->state != DEV_WAITING && mosquitto_socket(d->mosq) >= 0) {
            pfd[m].fd = mosquitto_socket(d->mosq);
            pfd[m].events = (short)(POLLIN | (mosquitto_want_write(d->mosq) ? POLLOUT : 0));
            pfd[m].revents = 0;
            idx[m++] = i;
        }
    }
    if (poll(pfd, m, POLL_MS) < 0 && errno != EINTR) {
        perror("storm_sim: poll");
        exit(2);
    }
    now = now_ms();
    for (unsigned j = 0; j < m; j++) {
        struct device *d = &devs[idx[j]];
        int rc = MOSQ_ERR_SUCCESS;
        if (pfd[j].revents != 0 || d->state == DEV_CONNECTING)
            rc = mosquitto_loop(d->mosq, 0, 1);
        else
            rc = mosquitto_loop_misc(d->mosq); /* keepalive */
        if (rc == MOSQ_ERR_SUCCESS && d->state == DEV_CONNECTING &&
            now - d->started_ms > CONNECT_TIMEOUT_MS)
            rc = MOSQ_ERR_CONN_LOST;
        if (rc != MOSQ_ERR_SUCCESS)
            link_down(d);
    }
    if (!ready_said && connected_once == n) {
        ready_said = 1;
        printf("ready %u\n", n);
    }
}

int main(int argc, char **argv)
{
    unsigned port = 0, n = DEVICES_DEFAULT, deadline = DEADLINE_DEFAULT_S;
    struct device *devs;
    struct pollfd *pfd;
    unsigned *idx;
    int64_t deadline_at = 0, started = now_ms();
    struct sigaction sa;

    if (parse_args(argc, argv, &port, &n, &deadline) != 0) {
        fprintf(stderr,
                "usage: storm_sim --port P [--devices 1-%u] [--policy keel|fixed] "
                "[--deadline S]\n",
                DEVICES_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return 2;
    devs = calloc(n, sizeof(*devs));
    pfd = calloc(n, sizeof(*pfd));
    idx = calloc(n, sizeof(*idx));
    if (devs == NULL || pfd == NULL || idx == NULL || mosquitto_lib_init() != MOSQ_ERR_SUCCESS ||
        make_devices(devs, n, port) != 0) {
        fprintf(stderr, "storm_sim: cannot set up %u devices\n", n);
        return 2;
    }
    for (;;) {
        round_once(devs, n, pfd, idx);
        if (restarted && restart_ms == 0) {
            restart_ms = now_ms();
            deadline_at = restart_ms + (int64_t)deadline * 1000;
        }
        if (restart_ms != 0 && back_count == n)
            break;
        if ((deadline_at != 0 && now_ms() > deadline_at) || now_ms() - started > RUN_MAX_MS)
            break;
    }
    report(devs, n);
    for (unsigned i = 0; i < n; i++)
        mosquitto_destroy(devs[i].mosq);
    mosquitto_lib_cleanup();
    printf("lost %u\n", lost_count);
    free(devs);
    free(pfd);
    free(idx);
    return back_count == n ? 0 : 3;
}
