/*
 * keeld: the reference smart lock. `keeld --data DIR [--rot SPEC] [--listen ADDR] [--port N]`
 * loads the identity made by `keel provision`, opens its root of trust and secure store,
 * and serves the local HTTPS API until SIGTERM or SIGINT, then wipes its sessions and
 * exits 0. It refuses to start (exit 1, naming what is wrong) on anything it cannot verify.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "keeld.h"

static volatile int stop_requested;

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
    fprintf(to,
            "usage: keeld --data DIR [--rot SPEC] [--listen ADDR] [--port N]%s\n\n"
            "  --data DIR     the device directory made by 'keel provision'\n"
            "  --rot SPEC     root of trust: tpm2:TCTI%s (default " KEELD_ROT_DEFAULT ")\n"
            "  --listen ADDR  IPv4 address to listen on (default 127.0.0.1)\n"
            "  --port N       TCP port, 1-65535 (default 8443)\n"
            "%s",
            verbose_usage, rot_choices, verbose_help);
}

static int parse(int argc, char **argv, struct keeld_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t port;
        struct in_addr addr;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
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
        } else {
            fprintf(stderr, "keeld: unknown argument '%s'\n", a);
            return -1;
        }
        i++;
    }
    if (cfg->data_dir == NULL) {
        fprintf(stderr, "keeld: --data DIR is required\n");
        return -1;
    }
    return 1;
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

/* Identity, root of trust, store and state, in that order; err says what failed. */
static keel_err start(const struct keeld_config *cfg, struct keeld_device *dev,
                      struct keeld_state *st, char *err, size_t errsz)
{
    struct keeld_identity id;
    keel_err ret = keeld_identity_load(cfg->data_dir, &id, err, errsz);

    if (ret == KEEL_OK)
        ret = keeld_device_open(cfg->data_dir, cfg->rot_spec, &id, dev, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_state_init(st, &id, dev->store, err, errsz);
    keel_wipe(&id, sizeof(id));
    return ret;
}

int main(int argc, char **argv)
{
    static struct keeld_state state;
    struct keeld_config cfg = {.listen = "127.0.0.1", .port = 8443, .rot_spec = KEELD_ROT_DEFAULT};
    struct keeld_device dev = {NULL, NULL};
    char err[KEELD_ERROR_MAX];
    int rc = parse(argc, argv, &cfg);

    if (rc <= 0)
        return rc == 0 ? 0 : 2;
    if (start(&cfg, &dev, &state, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld: refusing to start: %s\n", err);
        keeld_device_close(&dev);
        return 1;
    }
    if (!install_signals()) {
        fprintf(stderr, "keeld: cannot install signal handlers\n");
        rc = 1;
    } else {
        fprintf(stderr, "keeld: %s state, root of trust %s\n",
                keeld_initialised(&state) ? "initialised" : "factory", state.identity.rot);
        rc = keeld_serve(&cfg, &state, &stop_requested);
    }
    keeld_state_wipe(&state);
    keeld_device_close(&dev);
    return rc;
}
