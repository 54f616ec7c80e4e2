/*
 * fleet_sim: a fleet of simulated devices publishing keel/events.h events to a real
 * mosquitto over mutual TLS, for the monitor's test (tests/integration/monitor.sh) and its
 * benchmark (bench/monitor.sh).
 *
 *   fleet_sim --port P --ca F --cert F --key F [--devices N] [--connections C]
 *             (--truth FILE [--window S] [--seed N] | --flood SECONDS [--qos 0|1])
 *
 * Each device has its own pseudonym (keel_event_pseudonym_new) and its own seq; its events
 * are encoded with keel_event_encode. The devices share C connections (default 20), device
 * i on connection i % C, whose topic is keel/SIMGW-<c>/events: like a hub carrying many
 * devices. So a monitor that counted by topic instead of by the event's "device" would see
 * 50 devices as one and get the rules wrong; 1000 TLS connections would only measure the
 * test machine's handshakes.
 *
 * --truth: the scenario, on a timeline in windows W (--window, the monitor's): every device
 * connects (link.up) within the first second, then sends ordinary traffic (a mean of one
 * event per 5 s: lock, unlock, door, now and then a mistyped PIN), some update their
 * firmware within the --firmware list (1.0.0 -> 1.1.0) and some reconnect once; a QoS 1
 * repeat and a handful of malformed messages go out; and attacks are injected on known
 * devices: brute-force bursts, firmware not in the list, a firmware downgrade, an integrity
 * failure, a reconnection storm, a rate spike, and a password-guessing campaign spread thinly
 * over 300 devices (fleet-wide only). FILE receives the ground truth: "device P" for every
 * device, "expect KIND P" for each injected per-device anomaly, "expect fleet_rate CLASS",
 * "malformed N" and "duplicates N".
 *
 * --flood: every connection publishes ordinary events as fast as the broker takes them
 * (QoS --qos, at most FLOOD_WINDOW unacknowledged per connection) for SECONDS.
 *
 * stdout (line-buffered): "ready" once every connection is up, then at the end "published N"
 * (acknowledged by the broker), "malformed N", "duplicates N", "seconds S", "rate R".
 * Exit 0, 1 when the broker did not acknowledge everything in time, 2 on a usage or setup
 * error.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "keel/events.h"

#define DEVICES_DEFAULT 1000u
#define DEVICES_MAX 100000u
#define CONNECTIONS_DEFAULT 20u
#define CONNECTIONS_MAX 200u
#define WINDOW_DEFAULT_S 5u
#define MEAN_INTERVAL_MS 5000.0
#define FLOOD_WINDOW 500u
#define DRAIN_MS 15000
#define KEEPALIVE_S 60
#define PAYLOAD_MAX 1024

/* The scenario's cast: device indices (with 1000 devices). */
#define UPDATERS 50u           /* 0..49 update 1.0.0 -> 1.1.0 at 1.5 W */
#define RECONNECTERS_FIRST 50u /* 50..79 reconnect once */
#define RECONNECTERS 30u
#define DUPLICATED 10u                           /* one event delivered twice */
#define MALFORMED_NAMED 20u                      /* a malformed event naming a known device */
static const unsigned brute[] = {100, 101, 102}; /* 15 failures in 1.5 s each */
#define FIRMWARE_ODD 200u                        /* reports 9.9.9, not in the list */
#define FIRMWARE_DOWN 201u                       /* 1.1.0, then 1.0.0 */
#define INTEGRITY 300u
#define STORM 400u /* 20 link.up in 3 s */
#define SPIKE 500u /* 60 events in 3 s */
#define CAMPAIGN_FIRST 600u
#define CAMPAIGN 300u /* 2 failures each within 2 s */
#define CAST_DEVICES 900u

enum item_type { ITEM_EVENT, ITEM_REPEAT, ITEM_RAW };

struct item {
    int64_t at_ms;
    uint32_t order;
    uint32_t dev;
    enum item_type type;
    const char *name; /* ITEM_EVENT: the event; ITEM_RAW: the payload */
};

struct device {
    char id[KEEL_EVENT_PSEUDONYM_HEX + 1];
    uint64_t seq;
    char last[PAYLOAD_MAX]; /* the last payload, for ITEM_REPEAT */
};

struct conn {
    struct mosquitto *mosq;
    char topic[64];
    pthread_mutex_t lock;
    uint64_t sent, acked;
    int connected;
};

static struct {
    unsigned port, ndevices, nconns, window_s, qos, flood_s;
    uint64_t seed;
    const char *ca, *cert, *key, *truth;
} opt = {0,   DEVICES_DEFAULT, CONNECTIONS_DEFAULT, WINDOW_DEFAULT_S, 1, 0, 7, NULL, NULL, NULL,
         NULL};

static struct device *devs;
static struct conn *conns;
static struct item *items;
static size_t nitems, items_cap;
static uint64_t rng_state;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void die(const char *what)
{
    fprintf(stderr, "fleet_sim: %s\n", what);
    exit(2);
}

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double uniform(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void add(int64_t at_ms, uint32_t dev, enum item_type type, const char *name)
{
    if (nitems == items_cap) {
        items_cap = items_cap ? items_cap * 2 : 4096;
        items = realloc(items, items_cap * sizeof(*items));
        if (items == NULL)
            die("out of memory");
    }
    items[nitems] = (struct item){at_ms, (uint32_t)nitems, dev, type, name};
    nitems++;
}

static int64_t w(double windows)
{
    return (int64_t)(windows * opt.window_s * 1000.0);
}

/* What device d reports as its firmware at t (ms into the scenario). */
static const char *firmware_at(unsigned d, int64_t t)
{
    if (opt.flood_s != 0)
        return "1.0.0";
    if (d < UPDATERS)
        return t >= w(1.5) ? "1.1.0" : "1.0.0";
    if (d == FIRMWARE_ODD)
        return t >= w(2.4) ? "9.9.9" : "1.0.0";
    if (d == FIRMWARE_DOWN)
        return t >= w(2.4) ? "1.0.0" : "1.1.0";
    return "1.0.0";
}

static void background(unsigned d, int64_t end)
{
    static const char *const names[] = {"unlocked", "locked", "door_open", "pin_rejected"};
    double t = 1000.0;

    for (;;) {
        double u = uniform();
        t += -MEAN_INTERVAL_MS * log(1.0 - uniform());
        if (t >= (double)end)
            return;
        /* 48 % unlock, 48 % lock, 2 % door, 2 % a mistyped PIN */
        add((int64_t)t, d, ITEM_EVENT, names[u < 0.48 ? 0 : u < 0.96 ? 1 : u < 0.98 ? 2 : 3]);
    }
}

static void burst(unsigned d, int64_t at, unsigned n, int64_t step, const char *a, const char *b)
{
    for (unsigned i = 0; i < n; i++)
        add(at + (int64_t)i * step, d, ITEM_EVENT, i % 2 ? b : a);
}

static void truth_line(FILE *f, const char *kind, unsigned d)
{
    fprintf(f, "expect %s %s\n", kind, devs[d].id);
}

static void scenario(FILE *truth)
{
    static char oversized[700];
    static char named[PAYLOAD_MAX], serial[PAYLOAD_MAX];
    int64_t end = w(4.2);

    for (unsigned d = 0; d < opt.ndevices; d++) {
        add((int64_t)(uniform() * 1000.0), d, ITEM_EVENT, "link.up");
        background(d, end);
    }
    for (unsigned d = 0; d < UPDATERS; d++)
        add(w(1.5), d, ITEM_EVENT, "update.installed");
    for (unsigned i = 0; i < RECONNECTERS; i++)
        add(2000 + (int64_t)(uniform() * (double)(end - 3000)), RECONNECTERS_FIRST + i, ITEM_EVENT,
            "link.up");
    add(w(1.0), DUPLICATED, ITEM_EVENT, "unlocked");
    add(w(1.0) + 50, DUPLICATED, ITEM_REPEAT, NULL);
    /* attacks */
    for (unsigned i = 0; i < sizeof(brute) / sizeof(brute[0]); i++) {
        burst(brute[i], w(2.2 + 0.4 * i), 15, 100, "auth.failure", "pin_rejected");
        truth_line(truth, "brute_force", brute[i]);
    }
    add(w(2.4), FIRMWARE_ODD, ITEM_EVENT, "update.installed");
    truth_line(truth, "unexpected_firmware", FIRMWARE_ODD);
    add(w(2.4), FIRMWARE_DOWN, ITEM_EVENT, "update.installed");
    truth_line(truth, "unexpected_firmware", FIRMWARE_DOWN);
    add(w(2.8), INTEGRITY, ITEM_EVENT, "integrity.failed");
    truth_line(truth, "integrity", INTEGRITY);
    burst(STORM, w(2.5), 20, 150, "link.up", "link.up");
    truth_line(truth, "reconnect_storm", STORM);
    burst(SPIKE, w(3.0), 60, 50, "unlocked", "locked");
    truth_line(truth, "rate", SPIKE);
    for (unsigned i = 0; i < CAMPAIGN; i++)
        for (int k = 0; k < 2; k++)
            add(w(3.6) + (int64_t)(uniform() * 2000.0), CAMPAIGN_FIRST + i, ITEM_EVENT,
                "auth.failure");
    fprintf(truth, "expect fleet_rate auth_failure\n");
    /* malformed: not JSON, too large, members missing, a member too many (naming a known
     * device), and a serial where the pseudonym belongs */
    memset(oversized, 'x', sizeof(oversized) - 1);
    memcpy(oversized, "{\"seq\":\"", 8);
    snprintf(named, sizeof(named),
             "{\"seq\":1,\"time\":\"2026-11-22T06:00:00Z\",\"event\":\"unlocked\",\"source\":"
             "\"keypad\",\"locked\":false,\"dropped\":0,\"device\":\"%s\",\"firmware\":"
             "\"1.0.0\",\"name\":\"Alice\"}",
             devs[MALFORMED_NAMED].id);
    snprintf(serial, sizeof(serial),
             "{\"seq\":1,\"time\":\"2026-11-22T06:00:00Z\",\"event\":\"unlocked\",\"source\":"
             "\"keypad\",\"locked\":false,\"dropped\":0,\"device\":\"SN-0001\",\"firmware\":"
             "\"1.0.0\"}");
    add(w(1.2), 0, ITEM_RAW, "not json at all");
    add(w(1.4), 1, ITEM_RAW, oversized);
    add(w(1.6), 2, ITEM_RAW, "{\"seq\":1}");
    add(w(1.8), MALFORMED_NAMED, ITEM_RAW, named);
    add(w(2.0), 3, ITEM_RAW, serial);
    fprintf(truth, "malformed 5\nduplicates 1\n");
    for (unsigned d = 0; d < opt.ndevices; d++)
        fprintf(truth, "device %s\n", devs[d].id);
}

static int by_time(const void *a, const void *b)
{
    const struct item *x = a, *y = b;

    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->order < y->order ? -1 : 1;
}

/* ---- MQTT ---- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct conn *c = obj;

    (void)mosq;
    pthread_mutex_lock(&c->lock);
    c->connected = rc == 0;
    pthread_mutex_unlock(&c->lock);
    if (rc != 0)
        fprintf(stderr, "fleet_sim: %s refused: %s\n", c->topic, mosquitto_connack_string(rc));
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    struct conn *c = obj;

    (void)mosq;
    (void)mid;
    pthread_mutex_lock(&c->lock);
    c->acked++;
    pthread_mutex_unlock(&c->lock);
}

static void connect_all(void)
{
    char id[64];
    int64_t deadline;

    for (unsigned i = 0; i < opt.nconns; i++) {
        struct conn *c = &conns[i];
        snprintf(id, sizeof(id), "fleet-sim-%u-%u", (unsigned)getpid(), i);
        snprintf(c->topic, sizeof(c->topic), "keel/SIMGW-%u/events", i);
        pthread_mutex_init(&c->lock, NULL);
        c->mosq = mosquitto_new(id, true, c);
        if (c->mosq == NULL ||
            mosquitto_tls_set(c->mosq, opt.ca, NULL, opt.cert, opt.key, NULL) != MOSQ_ERR_SUCCESS ||
            mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311) !=
                MOSQ_ERR_SUCCESS)
            die("cannot set up an MQTT client");
        mosquitto_connect_callback_set(c->mosq, on_connect);
        mosquitto_publish_callback_set(c->mosq, on_publish);
        if (mosquitto_connect(c->mosq, "127.0.0.1", (int)opt.port, KEEPALIVE_S) !=
                MOSQ_ERR_SUCCESS ||
            mosquitto_loop_start(c->mosq) != MOSQ_ERR_SUCCESS)
            die("cannot connect to the broker");
    }
    deadline = now_ms() + 20000;
    for (unsigned i = 0; i < opt.nconns; i++) {
        int up = 0;
        while (!up) {
            pthread_mutex_lock(&conns[i].lock);
            up = conns[i].connected;
            pthread_mutex_unlock(&conns[i].lock);
            if (!up && now_ms() > deadline)
                die("the broker did not accept every connection within 20 s");
            if (!up)
                usleep(10000);
        }
    }
    printf("ready\n");
}

static uint64_t outstanding(struct conn *c)
{
    uint64_t n;

    pthread_mutex_lock(&c->lock);
    n = c->sent - c->acked;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void publish(struct conn *c, const char *payload, int qos)
{
    int rc;

    pthread_mutex_lock(&c->lock);
    c->sent++;
    pthread_mutex_unlock(&c->lock);
    rc = mosquitto_publish(c->mosq, NULL, c->topic, (int)strlen(payload), payload, qos, false);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "fleet_sim: publish: %s\n", mosquitto_strerror(rc));
        exit(1);
    }
}

static void event_payload(unsigned d, const char *name, int64_t t, char *out)
{
    keel_event e;
    time_t wall = time(NULL);
    struct tm tm;

    memset(&e, 0, sizeof(e));
    e.seq = ++devs[d].seq;
    gmtime_r(&wall, &tm);
    strftime(e.time, sizeof(e.time), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(e.event, sizeof(e.event), "%s", name);
    snprintf(e.source, sizeof(e.source), "%s",
             strcmp(name, "link.up") == 0 || strcmp(name, "integrity.failed") == 0 ||
                     strncmp(name, "update.", 7) == 0
                 ? "system"
             : strcmp(name, "auth.failure") == 0 ? "api"
                                                 : "keypad");
    e.locked = strcmp(name, "locked") == 0;
    snprintf(e.device, sizeof(e.device), "%s", devs[d].id);
    snprintf(e.firmware, sizeof(e.firmware), "%s", firmware_at(d, t));
    if (keel_event_encode(&e, out, PAYLOAD_MAX, NULL) != KEEL_OK)
        die("keel_event_encode refused a simulated event");
}

static void play(uint64_t *published)
{
    int64_t t0 = now_ms();
    char payload[PAYLOAD_MAX];

    qsort(items, nitems, sizeof(*items), by_time);
    for (size_t i = 0; i < nitems; i++) {
        const struct item *it = &items[i];
        struct device *d = &devs[it->dev];
        int64_t wait = t0 + it->at_ms - now_ms();
        if (wait > 0)
            sleep_ms(wait);
        if (it->type == ITEM_EVENT) {
            event_payload(it->dev, it->name, it->at_ms, payload);
            memcpy(d->last, payload, sizeof(d->last));
            publish(&conns[it->dev % opt.nconns], payload, (int)opt.qos);
        } else {
            publish(&conns[it->dev % opt.nconns], it->type == ITEM_RAW ? it->name : d->last,
                    (int)opt.qos);
        }
        (*published)++;
    }
}

static void flood(uint64_t *published)
{
    static const char *const names[] = {"unlocked", "locked"};
    char payload[PAYLOAD_MAX];
    int64_t end = now_ms() + (int64_t)opt.flood_s * 1000;

    while (now_ms() < end) {
        int any = 0;
        for (unsigned c = 0; c < opt.nconns; c++) {
            if (outstanding(&conns[c]) >= FLOOD_WINDOW)
                continue;
            /* a device of this connection, at random */
            unsigned d = (unsigned)(rnd() % ((opt.ndevices + opt.nconns - 1 - c) / opt.nconns)) *
                             opt.nconns +
                         c;
            event_payload(d, names[rnd() & 1], 0, payload);
            publish(&conns[c], payload, (int)opt.qos);
            (*published)++;
            any = 1;
        }
        if (!any)
            usleep(200);
    }
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        int num = *v != '\0' && *end == '\0';
        if (strcmp(a, "--ca") == 0)
            opt.ca = v;
        else if (strcmp(a, "--cert") == 0)
            opt.cert = v;
        else if (strcmp(a, "--key") == 0)
            opt.key = v;
        else if (strcmp(a, "--truth") == 0)
            opt.truth = v;
        else if (strcmp(a, "--port") == 0 && num && n >= 1 && n <= 65535)
            opt.port = (unsigned)n;
        else if (strcmp(a, "--devices") == 0 && num && n >= 1 && n <= DEVICES_MAX)
            opt.ndevices = (unsigned)n;
        else if (strcmp(a, "--connections") == 0 && num && n >= 1 && n <= CONNECTIONS_MAX)
            opt.nconns = (unsigned)n;
        else if (strcmp(a, "--window") == 0 && num && n >= 1 && n <= 600)
            opt.window_s = (unsigned)n;
        else if (strcmp(a, "--flood") == 0 && num && n >= 1 && n <= 3600)
            opt.flood_s = (unsigned)n;
        else if (strcmp(a, "--qos") == 0 && num && n <= 1)
            opt.qos = (unsigned)n;
        else if (strcmp(a, "--seed") == 0 && num && n >= 1)
            opt.seed = n;
        else
            return -1;
    }
    if (argc % 2 != 1 || opt.port == 0 || opt.ca == NULL || opt.cert == NULL || opt.key == NULL)
        return -1;
    if ((opt.truth != NULL) == (opt.flood_s != 0) || opt.nconns > opt.ndevices)
        return -1;
    if (opt.truth != NULL && opt.ndevices < CAST_DEVICES)
        return -1; /* the scenario's cast needs its devices */
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t published = 0, left = 0;
    int64_t started, drained;
    FILE *truth = NULL;

    if (parse_args(argc, argv) != 0) {
        fprintf(stderr, "usage: fleet_sim --port P --ca F --cert F --key F [--devices N] "
                        "[--connections C]\n"
                        "                 (--truth FILE [--window S] [--seed N] | --flood S "
                        "[--qos 0|1])\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    rng_state = opt.seed * 0x9e3779b97f4a7c15ull | 1;
    devs = calloc(opt.ndevices, sizeof(*devs));
    conns = calloc(opt.nconns, sizeof(*conns));
    if (devs == NULL || conns == NULL || mosquitto_lib_init() != MOSQ_ERR_SUCCESS)
        die("cannot set up");
    for (unsigned d = 0; d < opt.ndevices; d++)
        if (keel_event_pseudonym_new(devs[d].id) != KEEL_OK)
            die("no pseudonym");
    if (opt.truth != NULL) {
        truth = fopen(opt.truth, "w");
        if (truth == NULL)
            die("cannot write the truth file");
        scenario(truth);
        if (fclose(truth) != 0)
            die("cannot write the truth file");
    }
    connect_all();
    started = now_ms();
    if (opt.flood_s != 0)
        flood(&published);
    else
        play(&published);
    drained = now_ms() + DRAIN_MS;
    do {
        left = 0;
        for (unsigned c = 0; c < opt.nconns; c++)
            left += outstanding(&conns[c]);
        if (left != 0)
            usleep(10000);
    } while (left != 0 && now_ms() < drained);
    double seconds = (double)(now_ms() - started) / 1000.0;
    printf("published %llu\n", (unsigned long long)(published - left));
    printf("malformed %u\nduplicates %u\n", opt.truth != NULL ? 5u : 0u,
           opt.truth != NULL ? 1u : 0u);
    printf("seconds %.2f\nrate %.0f\n", seconds, (double)(published - left) / seconds);
    for (unsigned c = 0; c < opt.nconns; c++) {
        mosquitto_disconnect(conns[c].mosq);
        mosquitto_loop_stop(conns[c].mosq, false);
        mosquitto_destroy(conns[c].mosq);
    }
    mosquitto_lib_cleanup();
    free(items);
    free(devs);
    free(conns);
    return left == 0 ? 0 : 1;
}
