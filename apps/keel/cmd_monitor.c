/*
 * keel monitor: the service side of the fleet's security telemetry (5.10-1). It reads the
 * devices' events (keel/events.h) from the broker with a shared subscription, keeps a
 * baseline per device and for the fleet, and raises alerts for brute-force bursts,
 * unexpected firmware, integrity failures, reconnection storms and rates far above a
 * baseline (monitor_rules.c, monitor_fleet.c). Alerts go out as JSON lines (--alerts) and to
 * an MQTT topic (--alert-topic).
 *
 * What it reads is untrusted: a message keel_event_parse refuses is counted and logged (once
 * per device, or once a window when it names no known device) and never stops the monitor.
 * Its memory is bounded by the device table (--devices-max). Time is its own monotonic clock.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>

#include "cli.h"
#include "monitor.h"

#define MONITOR_PORT_DEFAULT 8883u
#define MONITOR_GROUP_DEFAULT "keel-monitor"
#define MONITOR_TOPIC_DEFAULT "keel/+/events"
#define MONITOR_ALERT_TOPIC_DEFAULT "keel/alerts"
#define MONITOR_LOOP_MS 100
#define MONITOR_DURATION_MAX 31536000u /* a year */
#define MONITOR_SUB_MAX 512
#define MONITOR_ALERT_JSON_MAX 512

struct monitor_cli {
    struct monitor_link_config link;
    struct monitor_rules rules;
    char host[256];
    char subscription[MONITOR_SUB_MAX];
    const char *group;
    const char *topic;
    const char *alerts_path;
    const char *stats_path;
    uint64_t duration_s;
};

struct monitor_run {
    struct monitor_detector detector;
    struct monitor_link *link;
    FILE *alerts;
    uint64_t retained;
    int64_t first_ms, last_ms;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel monitor --mqtt HOST[:PORT] --ca FILE --cert FILE --key FILE\n"
            "                    [--mqtt-name NAME] [--group NAME] [--topic FILTER]\n"
            "                    [--alerts FILE|-] [--alert-topic TOPIC] [--firmware V,...]\n"
            "                    [--window S] [--brute N] [--storm N] [--rate-factor N]\n"
            "                    [--rate-floor N] [--fleet-factor N] [--fleet-floor N]\n"
            "                    [--devices-max N] [--duration S] [--stats FILE]\n\n"
            "Read the fleet's security events (keel/events.h) from the broker with the shared\n"
            "subscription $share/GROUP/FILTER, keep a baseline per device and for the fleet,\n"
            "and write one JSON line per alert: brute_force, unexpected_firmware, integrity,\n"
            "reconnect_storm, rate, fleet_rate (docs/monitor.md). Monitors started with the\n"
            "same --group share the fleet's events between them.\n\n"
            "  --mqtt HOST[:PORT]  the broker, over mutual TLS (default port %u)\n"
            "  --ca FILE           the CA certificate(s) that issued the broker's certificate\n"
            "  --cert FILE         the monitor's certificate (PEM, leaf first)\n"
            "  --key FILE          its private key (PEM, not encrypted)\n"
            "  --mqtt-name NAME    the name the broker's certificate must carry (default HOST)\n"
            "  --group NAME        the shared subscription's group (default %s)\n"
            "  --topic FILTER      the events' topic filter (default %s)\n"
            "  --alerts FILE|-     append alerts to FILE, or write them to stdout (default -)\n"
            "  --alert-topic TOPIC publish alerts there, QoS 1 (default %s)\n"
            "  --firmware V,...    the firmware versions the fleet should run (default: any;\n"
            "                      a downgrade is flagged either way)\n"
            "  --window S          the counting window in seconds (default %u)\n"
            "  --brute N           auth failures of one device in a window (default %u)\n"
            "  --storm N           reconnections of one device in a window (default %u)\n"
            "  --rate-factor N     a device's events above N times its baseline (default %u)\n"
            "  --rate-floor N      ... and at least N in the window (default %u)\n"
            "  --fleet-factor N    one class fleet-wide above N times its baseline (default %u)\n"
            "  --fleet-floor N     ... and at least N in the window (default %u)\n"
            "  --devices-max N     devices remembered; the longest idle is forgotten first\n"
            "                      (default %u)\n"
            "  --duration S        stop after S seconds (default: run until SIGTERM or SIGINT)\n"
            "  --stats FILE        write the counters as JSON there when stopping\n"
            "  --help              this text\n",
            MONITOR_PORT_DEFAULT, MONITOR_GROUP_DEFAULT, MONITOR_TOPIC_DEFAULT,
            MONITOR_ALERT_TOPIC_DEFAULT, MONITOR_WINDOW_S, MONITOR_BRUTE_MIN, MONITOR_STORM_MIN,
            MONITOR_RATE_FACTOR, MONITOR_RATE_FLOOR, MONITOR_FLEET_FACTOR, MONITOR_FLEET_FLOOR,
            MONITOR_DEVICES);
}

/* HOST, HOST:PORT or [V6]:PORT into c->host and c->link.port. */
static int parse_broker(struct monitor_cli *c, const char *v)
{
    const char *colon = strrchr(v, ':');
    const char *host = v;
    size_t n = strlen(v);
    uint64_t port = MONITOR_PORT_DEFAULT;

    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return -1;
        host = v + 1;
        n = (size_t)(close - host);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else if (colon != NULL) {
        n = (size_t)(colon - v);
    }
    if (colon != NULL && keel_str_to_u64(colon + 1, 1, 65535, &port) != KEEL_OK)
        return -1;
    if (n == 0 || n >= sizeof(c->host))
        return -1;
    memcpy(c->host, host, n);
    c->host[n] = '\0';
    c->link.host = c->host;
    c->link.port = (unsigned)port;
    return 0;
}

/* A group name: 1..64 of [A-Za-z0-9_-] (it sits inside a topic: no '/', '+' or '#'). */
static int group_valid(const char *g)
{
    size_t n = strlen(g);

    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((g[i] >= 'a' && g[i] <= 'z') || (g[i] >= 'A' && g[i] <= 'Z') ||
              (g[i] >= '0' && g[i] <= '9') || g[i] == '_' || g[i] == '-'))
            return 0;
    return 1;
}

static const struct option options[] = {
    {"mqtt", required_argument, NULL, 'm'},
    {"mqtt-name", required_argument, NULL, 'N'},
    {"ca", required_argument, NULL, 'a'},
    {"cert", required_argument, NULL, 'c'},
    {"key", required_argument, NULL, 'k'},
    {"group", required_argument, NULL, 'g'},
    {"topic", required_argument, NULL, 't'},
    {"alerts", required_argument, NULL, 'o'},
    {"alert-topic", required_argument, NULL, 'T'},
    {"firmware", required_argument, NULL, 'f'},
    {"window", required_argument, NULL, 'w'},
    {"brute", required_argument, NULL, 'b'},
    {"storm", required_argument, NULL, 's'},
    {"rate-factor", required_argument, NULL, 'r'},
    {"rate-floor", required_argument, NULL, 'R'},
    {"fleet-factor", required_argument, NULL, 'F'},
    {"fleet-floor", required_argument, NULL, 'L'},
    {"devices-max", required_argument, NULL, 'D'},
    {"duration", required_argument, NULL, 'd'},
    {"stats", required_argument, NULL, 'S'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A numeric option into *out, in [min, max]. */
static int number(const char *name, const char *v, uint64_t min, uint64_t max, uint32_t *out)
{
    uint64_t n;

    if (keel_str_to_u64(v, min, max, &n) != KEEL_OK)
        return cli_usage_error("monitor", "--%s '%s' is not a number from %llu to %llu", name, v,
                               (unsigned long long)min, (unsigned long long)max);
    *out = (uint32_t)n;
    return 0;
}

static int threshold(int c, const char *v, struct monitor_rules *r)
{
    switch (c) {
    case 'w': return number("window", v, 1, MONITOR_WINDOW_S_MAX, &r->window_s);
    case 'b': return number("brute", v, 1, MONITOR_THRESHOLD_MAX, &r->brute_min);
    case 's': return number("storm", v, 1, MONITOR_THRESHOLD_MAX, &r->storm_min);
    case 'r': return number("rate-factor", v, 1, MONITOR_THRESHOLD_MAX, &r->rate_factor);
    case 'R': return number("rate-floor", v, 1, MONITOR_THRESHOLD_MAX, &r->rate_floor);
    case 'F': return number("fleet-factor", v, 1, MONITOR_THRESHOLD_MAX, &r->fleet_factor);
    case 'L': return number("fleet-floor", v, 1, MONITOR_THRESHOLD_MAX, &r->fleet_floor);
    case 'D': return number("devices-max", v, 1, MONITOR_DEVICES_MAX, &r->devices_max);
    default: return cli_usage_error("monitor", "unknown option");
    }
}

static int option(int c, struct monitor_cli *o)
{
    uint32_t seconds = 0;

    switch (c) {
    case 'm':
        return parse_broker(o, optarg) == 0
                   ? 0
                   : cli_usage_error("monitor", "--mqtt '%s' is not HOST or HOST:PORT", optarg);
    case 'N': o->link.name = optarg; return 0;
    case 'a': o->link.ca = optarg; return 0;
    case 'c': o->link.cert = optarg; return 0;
    case 'k': o->link.key = optarg; return 0;
    case 'g': o->group = optarg; return 0;
    case 't': o->topic = optarg; return 0;
    case 'o': o->alerts_path = optarg; return 0;
    case 'T': o->link.alert_topic = optarg; return 0;
    case 'S': o->stats_path = optarg; return 0;
    case 'f':
        return monitor_firmware_list_parse(optarg, &o->rules) == KEEL_OK
                   ? 0
                   : cli_usage_error("monitor",
                                     "--firmware '%s' is not a list of up to %u versions of "
                                     "[0-9A-Za-z.+-]",
                                     optarg, MONITOR_FIRMWARE_MAX);
    case 'd':
        if (number("duration", optarg, 1, MONITOR_DURATION_MAX, &seconds) != 0)
            return CLI_EXIT_USAGE;
        o->duration_s = seconds;
        return 0;
    default: return threshold(c, optarg, &o->rules);
    }
}

static int parse_args(int argc, char **argv, struct monitor_cli *o)
{
    int c, rc;

    memset(o, 0, sizeof(*o));
    monitor_rules_default(&o->rules);
    o->group = MONITOR_GROUP_DEFAULT;
    o->topic = MONITOR_TOPIC_DEFAULT;
    o->alerts_path = "-";
    o->link.alert_topic = MONITOR_ALERT_TOPIC_DEFAULT;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c == ':' || c == '?')
            return cli_option_error("monitor", c, argv);
        rc = option(c, o);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("monitor", "unexpected argument '%s'", argv[optind]);
    if (o->link.host == NULL || o->link.ca == NULL || o->link.cert == NULL || o->link.key == NULL)
        return cli_usage_error("monitor", "--mqtt, --ca, --cert and --key are needed "
                                          "(the broker and the monitor are always authenticated)");
    if (!group_valid(o->group))
        return cli_usage_error("monitor", "--group '%s' is not 1 to 64 of [A-Za-z0-9_-]", o->group);
    if (keel_str_format(o->subscription, sizeof(o->subscription), "$share/%s/%s", o->group,
                        o->topic) != KEEL_OK)
        return cli_usage_error("monitor", "--topic is too long");
    o->link.subscription = o->subscription;
    return 0;
}

/* ---- running ---- */

static void on_alert(const struct monitor_alert *a, void *user)
{
    struct monitor_run *run = user;
    char line[MONITOR_ALERT_JSON_MAX];

    if (monitor_alert_json(a, line, sizeof(line)) != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "monitor: cannot encode a %s alert", monitor_kind_name(a->kind));
        return;
    }
    if (fprintf(run->alerts, "%s\n", line) < 0 || fflush(run->alerts) != 0)
        keel_log(KEEL_LOG_ERROR, "monitor: cannot write an alert");
    (void)monitor_link_publish(run->link, line, strlen(line));
}

static void on_message(const void *payload, size_t len, int retained, void *user)
{
    struct monitor_run *run = user;
    int64_t now = now_ms();
    keel_event e;
    char why[128];
    keel_err ret;

    if (run->first_ms == 0)
        run->first_ms = now;
    run->last_ms = now;
    if (retained) { /* an event is never retained: one would be counted at every reconnect */
        run->retained++;
        return;
    }
    ret = keel_event_parse(payload, len, &e, why, sizeof(why));
    if (ret == KEEL_OK) {
        (void)monitor_detector_event(&run->detector, &e, now);
        return;
    }
    if (monitor_detector_malformed(&run->detector, payload, len, now))
        keel_log(KEEL_LOG_WARN, "monitor: refused a malformed event (%zu bytes): %s", len, why);
}

static double cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The counters as JSON into path (atomically). events_per_second is over the time messages
 * were arriving (first to last), the rate the monitor kept up with. */
static keel_err write_stats(const char *path, const struct monitor_run *run, int64_t started)
{
    const struct monitor_counters *k = &run->detector.counters;
    double active = (double)(run->last_ms - run->first_ms) / 1000.0;
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    keel_err ret = KEEL_ERR_NOMEM;

    if (o != NULL && cJSON_AddNumberToObject(o, "messages", (double)k->messages) != NULL &&
        cJSON_AddNumberToObject(o, "events", (double)k->events) != NULL &&
        cJSON_AddNumberToObject(o, "malformed", (double)k->malformed) != NULL &&
        cJSON_AddNumberToObject(o, "duplicates", (double)k->duplicates) != NULL &&
        cJSON_AddNumberToObject(o, "retained", (double)run->retained) != NULL &&
        cJSON_AddNumberToObject(o, "alerts", (double)k->alerts) != NULL &&
        cJSON_AddNumberToObject(o, "devices", (double)run->detector.table.used) != NULL &&
        cJSON_AddNumberToObject(o, "evicted", (double)run->detector.table.evicted) != NULL &&
        cJSON_AddNumberToObject(o, "seconds", (double)(now_ms() - started) / 1000.0) != NULL &&
        cJSON_AddNumberToObject(o, "active_seconds", active) != NULL &&
        cJSON_AddNumberToObject(o, "events_per_second",
                                active > 0 ? (double)k->messages / active : 0.0) != NULL &&
        cJSON_AddNumberToObject(o, "cpu_seconds", cpu_seconds()) != NULL)
        text = cJSON_Print(o);
    if (text != NULL)
        ret = keel_file_write_atomic(path, text, strlen(text), 0644);
    cJSON_free(text);
    cJSON_Delete(o);
    return ret;
}

static int signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0;
}

/* A whole window without a single event while subscribed is said once per silence: a
 * broker grants a subscription its ACL forbids and then delivers nothing (mosquitto does), and
 * a silent fleet is itself worth a look. */
static void silence_check(struct monitor_run *run, const struct monitor_cli *o, int64_t since,
                          int *warned)
{
    int64_t last = run->last_ms > since ? run->last_ms : since;

    if (now_ms() - last < (int64_t)o->rules.window_s * 1000) {
        *warned = 0;
        return;
    }
    if (*warned)
        return;
    keel_log(KEEL_LOG_WARN,
             "monitor: no event in the last %u s on %s (does the broker's ACL let this "
             "monitor read it?)",
             o->rules.window_s, o->subscription);
    *warned = 1;
}

static int loop(struct monitor_run *run, const struct monitor_cli *o, int64_t started)
{
    char err[512];
    int said = 0, warned = 0;
    int64_t since = 0;

    while (!stop_requested) {
        if (o->duration_s != 0 && now_ms() - started >= (int64_t)o->duration_s * 1000)
            break;
        if (monitor_link_run(run->link, MONITOR_LOOP_MS, err, sizeof(err)) != KEEL_OK) {
            fprintf(stderr, "keel monitor: %s\n", err);
            return CLI_EXIT_ERROR;
        }
        if (!monitor_link_subscribed(run->link)) {
            since = 0;
            continue;
        }
        if (since == 0)
            since = now_ms();
        if (!said) {
            fprintf(stderr, "keel monitor: watching %s\n", o->subscription);
            said = 1;
        }
        silence_check(run, o, since, &warned);
    }
    return CLI_EXIT_OK;
}

static int run_monitor(const struct monitor_cli *o)
{
    static struct monitor_run run; /* the detector is large: not on the stack */
    char err[512];
    int64_t started = now_ms();
    int status = CLI_EXIT_ERROR;
    keel_err ret;

    memset(&run, 0, sizeof(run));
    run.alerts = strcmp(o->alerts_path, "-") == 0 ? stdout : fopen(o->alerts_path, "a");
    if (run.alerts == NULL) {
        fprintf(stderr, "keel monitor: cannot open --alerts %s\n", o->alerts_path);
        return CLI_EXIT_ERROR;
    }
    ret = monitor_detector_init(&run.detector, &o->rules, on_alert, &run);
    if (ret != KEEL_OK) {
        fprintf(stderr, "keel monitor: no detector for %u devices: %s\n", o->rules.devices_max,
                keel_strerror(ret));
        goto out;
    }
    ret = monitor_link_open(&run.link, &o->link, on_message, &run, err, sizeof(err));
    if (ret != KEEL_OK) {
        fprintf(stderr, "keel monitor: %s\n", err);
        goto out;
    }
    status = loop(&run, o, started);
    monitor_link_close(run.link);
    run.link = NULL;
    if (o->stats_path != NULL && (ret = write_stats(o->stats_path, &run, started)) != KEEL_OK) {
        fprintf(stderr, "keel monitor: cannot write --stats %s: %s\n", o->stats_path,
                keel_strerror(ret));
        status = CLI_EXIT_ERROR;
    }
out:
    monitor_detector_free(&run.detector);
    if (run.alerts != stdout && fclose(run.alerts) != 0)
        status = CLI_EXIT_ERROR;
    return status;
}

int cli_monitor(int argc, char **argv)
{
    struct monitor_cli o;
    int rc = parse_args(argc, argv, &o);

    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (signals() != 0 || mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "keel monitor: cannot set up signals or the MQTT library\n");
        return CLI_EXIT_ERROR;
    }
    rc = run_monitor(&o);
    mosquitto_lib_cleanup();
    return rc;
}
