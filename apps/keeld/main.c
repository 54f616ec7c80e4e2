/*
 * keeld: the reference smart lock. `keeld --data DIR [--rot SPEC] [--listen ADDR] [--port N]
 * [--user NAME] [--mqtt HOST[:PORT] --mqtt-ca FILE]` loads the identity made by
 * `keel provision`, opens its root of trust and secure store, binds its declared port,
 * verifies its software against its signed update metadata, drops its privileges, and serves
 * the local HTTPS API (and keeps its cloud link and checks for updates) until SIGTERM or
 * SIGINT, then wipes its sessions and exits 0, or KEELD_EXIT_REBOOT (75) when an update waits
 * in the other slot or a trial was rejected, or once a factory reset has erased the owner's
 * data (the next start, which finishes an interrupted reset first, is in the factory state).
 * It refuses to start (exit 1, naming what is wrong) on anything it cannot verify.
 * `keeld --describe` prints the interfaces and routes it declares (5.6-1) and exits.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keeld.h"

static volatile int stop_requested;

#define LOG_RETENTION_MAX_S ((uint64_t)10 * 365 * 86400) /* ten years */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    keeld_wake();
}

/* --verbose exists only in development builds (5.6-4A: no verbose protocol logging in
 * production). */
#if KEEL_PRODUCTION
static const char verbose_usage[] = "";
static const char verbose_help[] = "";
static const char rot_choices[] = "";
#else
static const char rot_choices[] = " or file";
static const char verbose_usage[] = " [--verbose]";
static const char verbose_help[] =
    "  --verbose      libwebsockets debug logs (development builds only)\n";
#endif

static void usage(FILE *to)
{
    fprintf(
        to,
        "usage: keeld --data DIR [--rot SPEC] [--listen ADDR] [--port N] [--user NAME]\n"
        "             [--mqtt HOST[:PORT] --mqtt-ca FILE [--mqtt-name NAME]]\n"
        "             [--update URL --update-ca FILE [--update-interval S]]\n"
        "             [--boot file:PATH] [--slot-a PATH] [--slot-b PATH] [--web DIR]\n"
        "             [--log-retention S]%s\n"
        "       keeld --describe [--listen ADDR] [--port N] [--mqtt HOST[:PORT]] [--update URL]\n\n"
        "  --data DIR       the device directory made by 'keel provision'\n"
        "  --rot SPEC       root of trust: tpm2:TCTI%s (default " KEELD_ROT_DEFAULT ")\n"
        "  --listen ADDR    IPv4 address to listen on (default 127.0.0.1)\n"
        "  --port N         TCP port, 1-65535 (default 8443)\n"
        "  --user NAME      account to run as when started as root (default " KEELD_USER_DEFAULT
        ")\n"
        "  --mqtt HOST      the cloud's MQTT broker, over mutual TLS (default port 8883)\n"
        "  --mqtt-ca FILE   the CA certificate(s) that issued the broker's certificate\n"
        "  --mqtt-name NAME the name the broker's certificate must carry (default HOST)\n"
        "  --update URL     the HTTPS update repository (checked after start, then daily)\n"
        "  --update-ca FILE the CA certificate(s) that issued the repository's certificate\n"
        "  --update-interval S  seconds between update checks, jittered (default 86400)\n"
        "  --boot file:PATH the boot environment the bootloader reads\n"
        "                   (default file:DATA/bootenv when DATA/update exists)\n"
        "  --slot-a PATH, --slot-b PATH  the A/B slots (default DATA/slot-a, DATA/slot-b)\n"
        "  --keypad PATH    the keypad's local socket (default DATA/" KEELD_KEYPAD_SOCKET ")\n"
        "  --web DIR        the setup page's files (default " KEELD_WEB_DIR ")\n"
        "  --log-retention S  seconds access-log entries are kept, 1-315360000\n"
        "                   (default 7776000, 90 days)\n"
        "  --describe       print the declared interfaces and routes as JSON and exit\n"
        "%s",
        verbose_usage, rot_choices, verbose_help);
}

/* "HOST" or "HOST:PORT" into cfg (host kept as a pointer into a static copy). */
static int parse_broker(const char *v, struct keeld_config *cfg)
{
    static char host[KEELD_ADDRESS_MAX];
    const char *colon = strrchr(v, ':');
    uint64_t port = KEELD_MQTT_PORT_DEFAULT;
    size_t len = colon != NULL ? (size_t)(colon - v) : strlen(v);

    if (len == 0 || len >= sizeof(host) ||
        (colon != NULL && keel_str_to_u64(colon + 1, 1, 65535, &port) != KEEL_OK)) {
        fprintf(stderr, "keeld: --mqtt '%s' is not HOST or HOST:PORT\n", v);
        return -1;
    }
    memcpy(host, v, len);
    host[len] = '\0';
    cfg->mqtt_host = host;
    cfg->mqtt_port = (unsigned)port;
    return 0;
}

/* 1: run; 0: --help done; 3: --describe; -1: bad command line. */
static int parse(int argc, char **argv, struct keeld_config *cfg)
{
    int describe = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t port;
        struct in_addr addr;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--describe") == 0) {
            describe = 1;
            continue;
#if !KEEL_PRODUCTION
        } else if (strcmp(a, "--verbose") == 0) {
            cfg->verbose = 1;
            continue;
#endif
        } else if (v == NULL) {
            fprintf(stderr, "keeld: unknown argument or missing value: '%s'\n", a);
            return -1;
        } else if (strcmp(a, "--data") == 0) {
            cfg->data_dir = v;
        } else if (strcmp(a, "--rot") == 0) {
            cfg->rot_spec = v;
        } else if (strcmp(a, "--listen") == 0) {
            if (inet_pton(AF_INET, v, &addr) != 1) {
                fprintf(stderr, "keeld: --listen '%s' is not an IPv4 address\n", v);
                return -1;
            }
            cfg->listen = v;
        } else if (strcmp(a, "--port") == 0) {
            if (keel_str_to_u64(v, 1, 65535, &port) != KEEL_OK) {
                fprintf(stderr, "keeld: --port '%s' is not a port number (1-65535)\n", v);
                return -1;
            }
            cfg->port = (unsigned)port;
        } else if (strcmp(a, "--user") == 0) {
            cfg->user = v;
        } else if (strcmp(a, "--mqtt") == 0) {
            if (parse_broker(v, cfg) != 0)
                return -1;
        } else if (strcmp(a, "--mqtt-ca") == 0) {
            cfg->mqtt_ca = v;
        } else if (strcmp(a, "--mqtt-name") == 0) {
            cfg->mqtt_name = v;
        } else if (strcmp(a, "--update") == 0) {
            cfg->update_url = v;
        } else if (strcmp(a, "--update-ca") == 0) {
            cfg->update_ca = v;
        } else if (strcmp(a, "--update-interval") == 0) {
            if (keel_str_to_u64(v, 1, (uint64_t)30 * 86400, &port) != KEEL_OK) {
                fprintf(stderr, "keeld: --update-interval '%s' is not 1 to 2592000 seconds\n", v);
                return -1;
            }
            cfg->update_interval = (unsigned)port;
        } else if (strcmp(a, "--boot") == 0) {
            cfg->boot_spec = v;
        } else if (strcmp(a, "--slot-a") == 0) {
            cfg->slot_a = v;
        } else if (strcmp(a, "--slot-b") == 0) {
            cfg->slot_b = v;
        } else if (strcmp(a, "--keypad") == 0) {
            cfg->keypad = v;
        } else if (strcmp(a, "--web") == 0) {
            cfg->web_dir = v;
        } else if (strcmp(a, "--log-retention") == 0) {
            if (keel_str_to_u64(v, 1, LOG_RETENTION_MAX_S, &port) != KEEL_OK) {
                fprintf(stderr, "keeld: --log-retention '%s' is not 1 to %llu seconds\n", v,
                        (unsigned long long)LOG_RETENTION_MAX_S);
                return -1;
            }
            cfg->log_retention_s = (int64_t)port;
        } else {
            fprintf(stderr, "keeld: unknown argument '%s'\n", a);
            return -1;
        }
        i++;
    }
    if (describe)
        return 3;
    if (cfg->mqtt_host != NULL && cfg->mqtt_ca == NULL) {
        fprintf(stderr, "keeld: --mqtt needs --mqtt-ca FILE (the broker is always verified)\n");
        return -1;
    }
    if (cfg->update_url != NULL && cfg->update_ca == NULL) {
        fprintf(stderr, "keeld: --update needs --update-ca FILE (the repository is always "
                        "verified)\n");
        return -1;
    }
    if (cfg->data_dir == NULL) {
        fprintf(stderr, "keeld: --data DIR is required\n");
        return -1;
    }
    return 1;
}

/* The update thread asks for a stop when the system must reboot into another slot. */
static void request_stop(void)
{
    stop_requested = 1;
    keeld_wake();
}

static int install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: the event loop's poll must wake */
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGTERM, &sa, NULL) == 0 && sigaction(SIGINT, &sa, NULL) == 0 &&
           signal(SIGPIPE, SIG_IGN) != SIG_ERR;
}

/* The personal data's upkeep once the lock is open: a factory reset a power cut interrupted
 * is recorded and its marker removed (5.11-1), the access log pruned to its retention (6-6),
 * and an older keeld's choice of optional processing turned into a consent record. */
static keel_err lock_upkeep(const struct keeld_config *cfg, struct keeld_state *st, int resumed,
                            char *err, size_t errsz)
{
    keel_err ret = KEEL_OK;

    if (resumed)
        ret = keeld_reset_finish(cfg->data_dir, st->lock, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_lock_set_retention(st->lock, cfg->log_retention_s);
    if (ret == KEEL_OK)
        ret = keeld_lock_prune(st->lock, (int64_t)time(NULL), NULL);
    if (ret == KEEL_OK)
        ret = keeld_setup_migrate(st->store, st->lock, NULL);
    if (ret != KEEL_OK && err[0] == '\0')
        (void)keel_str_format(err, errsz, "the access log's retention or consent: %s",
                              keel_strerror(ret));
    return ret;
}

/* The account and the data directory's ownership (keeld_sandbox_check), then identity, root
 * of trust, store, a factory reset to finish, state, and the software's integrity (5.7-1), in
 * that order; err says what failed. */
static keel_err start(const struct keeld_config *cfg, struct keeld_device *dev,
                      struct keeld_state *st, char *err, size_t errsz)
{
    struct keeld_identity id;
    int resumed = 0;
    keel_err ret;

    err[0] = '\0';
    ret = keeld_sandbox_check(cfg, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_identity_load(cfg->data_dir, &id, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_device_open(cfg->data_dir, cfg->rot_spec, &id, dev, err, errsz);
    /* an interrupted factory reset is finished before anything reads the owner's data */
    if (ret == KEEL_OK)
        ret = keeld_reset_resume(cfg->data_dir, dev->store, &resumed, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_state_init(st, &id, dev->store, err, errsz);
    if (ret == KEEL_OK) {
        st->data_dir = cfg->data_dir;
        st->cloud_configured = cfg->mqtt_host != NULL;
    }
    /* the lock's state, and its fail-secure lock after an unclean stop, before anything
     * else can move the bolt (5.9-2) */
    if (ret == KEEL_OK)
        ret = keeld_lock_open(cfg->data_dir, dev->store, &st->lock, err, errsz);
    if (ret == KEEL_OK)
        ret = lock_upkeep(cfg, st, resumed, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_update_open(cfg, dev, st, &st->update, err, errsz);
    keel_wipe(&id, sizeof(id));
    return ret;
}

/* The setup page and security.txt, read before the sandbox (5.12-1, 5.2-1). */
static keel_err load_web(const struct keeld_config *cfg, struct keeld_state *st,
                         struct keeld_web **web, char *err, size_t errsz)
{
    keel_err ret = keeld_web_load(cfg->web_dir, (int64_t)time(NULL), web, err, errsz);

    if (ret == KEEL_OK)
        st->web = *web;
    return ret;
}

/* The keypad's socket (default DATA/keypad.sock), bound before the sandbox. */
static keel_err keypad_open(const struct keeld_config *cfg, struct keeld_lock *lock,
                            struct keeld_keypad **out, char *err, size_t errsz)
{
    char path[KEELD_ADDRESS_MAX];

    if (cfg->keypad != NULL)
        return keeld_keypad_open(cfg->keypad, lock, out, err, errsz);
    if (keel_str_format(path, sizeof(path), "%s/%s", cfg->data_dir, KEELD_KEYPAD_SOCKET) !=
        KEEL_OK) {
        (void)keel_str_format(err, errsz, "the data directory's path is too long for %s",
                              KEELD_KEYPAD_SOCKET);
        return KEEL_ERR_RANGE;
    }
    return keeld_keypad_open(path, lock, out, err, errsz);
}

static int describe(const struct keeld_config *cfg)
{
    char *json = NULL;

    if (keeld_describe(cfg, &json) != KEEL_OK) {
        fprintf(stderr, "keeld: cannot describe the interfaces\n");
        return 1;
    }
    fputs(json, stdout);
    fputc('\n', stdout);
    free(json);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Bind, prepare the cloud link, drop privileges, connect, serve: in that order, so that
 * nothing after the sandbox needs a privilege or a system call outside the allow-list that
 * the earlier steps did not already use. */
static int run(const struct keeld_config *cfg, struct keeld_device *dev, struct keeld_state *st)
{
    struct keeld_server *srv = NULL;
    struct keeld_cloud *cloud = NULL;
    struct keeld_keypad *keypad = NULL;
    struct keeld_retention *retention = NULL;
    char err[KEELD_ERROR_MAX];
    int rc = 1;

    fprintf(stderr, "keeld: %s state, root of trust %s\n",
            keeld_initialised(st) ? "initialised" : "factory", st->identity.rot);
    if (keeld_server_open(cfg, st, &srv) != 0)
        return 1;
    if (cfg->mqtt_host != NULL &&
        keeld_cloud_open(cfg, dev, &st->identity, keeld_update_alert(st->update), &cloud, err,
                         sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld: refusing to start: %s\n", err);
        goto out;
    }
    /* the lock's queued events and the cloud's commands (5.9-2, 5.13-1A) */
    keeld_cloud_attach(cloud, st->lock, &st->cloud_online);
    if (keypad_open(cfg, st->lock, &keypad, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld: refusing to start: %s\n", err);
        goto out;
    }
    if (keeld_sandbox_enter(cfg, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld: refusing to start: %s\n", err);
        goto out;
    }
    if (keeld_keypad_start(keypad) != KEEL_OK) {
        fprintf(stderr, "keeld: the keypad cannot start\n");
        goto out;
    }
    if (cloud != NULL && keeld_cloud_start(cloud) != KEEL_OK) {
        fprintf(stderr, "keeld: the cloud link cannot start\n");
        goto out;
    }
    if (keeld_update_start(st->update, request_stop) != KEEL_OK) {
        fprintf(stderr, "keeld: the update agent cannot start\n");
        goto out;
    }
    if (keeld_retention_start(st, cfg->log_retention_s, &retention) != KEEL_OK) {
        fprintf(stderr, "keeld: the access log's retention cannot start\n");
        goto out;
    }
    /* the line tests and supervisors wait for: printed once keeld is sandboxed and ready */
    fprintf(stderr, "keeld: listening on %s:%u\n", cfg->listen, cfg->port);
    rc = keeld_server_run(srv, &stop_requested);
    if (rc == 0 && keeld_update_reboot_requested(st->update))
        rc = KEELD_EXIT_REBOOT;
    /* after a factory reset the system restarts keeld, which comes up in the factory state */
    if (rc == 0 && __atomic_load_n(&st->reset_done, __ATOMIC_ACQUIRE))
        rc = KEELD_EXIT_REBOOT;
out:
    keeld_retention_stop(retention);
    keeld_update_close(st->update);
    st->update = NULL;
    keeld_cloud_close(cloud);
    keeld_server_close(srv);
    keeld_keypad_close(keypad); /* the last user of the lock but main's own close */
    return rc;
}

int main(int argc, char **argv)
{
    static struct keeld_state state;
    struct keeld_config cfg = {.listen = "127.0.0.1",
                               .port = 8443,
                               .rot_spec = KEELD_ROT_DEFAULT,
                               .mqtt_port = KEELD_MQTT_PORT_DEFAULT,
                               .web_dir = KEELD_WEB_DIR,
                               .log_retention_s = KEELD_LOG_RETENTION_DEFAULT_S};
    struct keeld_web *web = NULL;
    struct keeld_device dev = {NULL, NULL};
    char err[KEELD_ERROR_MAX];
    int rc = parse(argc, argv, &cfg);

    if (rc == 3)
        return describe(&cfg);
    if (rc <= 0)
        return rc == 0 ? 0 : 2;
    if (start(&cfg, &dev, &state, err, sizeof(err)) != KEEL_OK ||
        load_web(&cfg, &state, &web, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld: refusing to start: %s\n", err);
        keeld_update_close(state.update);
        keeld_lock_close(state.lock);
        keeld_state_wipe(&state);
        keeld_device_close(&dev);
        return 1;
    }
    if (!install_signals()) {
        fprintf(stderr, "keeld: cannot install signal handlers\n");
        rc = 1;
    } else {
        rc = run(&cfg, &dev, &state);
    }
    keeld_update_close(state.update); /* when run() was not reached */
    state.update = NULL;
    keeld_lock_close(state.lock); /* a clean stop: the next start needs no fail-secure lock */
    state.lock = NULL;
    keeld_state_wipe(&state);
    keeld_web_free(web);
    keeld_device_close(&dev);
    return rc;
}
