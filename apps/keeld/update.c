/*
 * keeld's update agent and integrity check (5.3, 5.7).
 *
 * At start (main thread, before the sandbox): reconcile a trial boot, verify the booted slot
 * against its signed record (5.7-1) and, on a mismatch, go into restricted mode: only the
 * alert is served (5.7-2). After the sandbox, one thread: the health check of a trial boot
 * (reaching the repository again) then confirm or reject; then checks shortly after start and
 * every interval with jitter, so a fleet does not call the repository at one instant (5.3-5).
 * An installed update needs a reboot into the other slot: keeld stops and exits with
 * KEELD_EXIT_REBOOT, which the service manager turns into a reboot (dist/keeld.service).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "keel/events.h"
#include "keel/integrity.h"
#include "keeld.h"

#define UPDATE_PATH_MAX 1024
#define FIRST_CHECK_MAX_S 10u /* the first check comes 1 to 10 s after start */

struct keeld_update {
    keel_update_agent_config agent;
    char trust_dir[UPDATE_PATH_MAX];
    char slot_a[UPDATE_PATH_MAX];
    char slot_b[UPDATE_PATH_MAX];
    char hardware_id[KEELD_NAME_MAX + 1];
    unsigned interval_s;
    keel_store *store;              /* borrowed: settings are written on the server's thread only */
    struct keeld_lock *device_lock; /* borrowed: takes the security events (NULL: none) */
    char *alert;                    /* the integrity alert, when the check failed */
    void (*request_stop)(void);
    pthread_t thread;
    int started;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;
    int stop;
    int check_now;
    int install_now;
    int reboot;
    int consented; /* the owner has set the device up: automatic installs may run */
    struct keeld_update_settings settings;
    keel_update_report last; /* the latest decision, for the owner's notice */
    int64_t last_at;
    /* The update that waits for the owner (the latest "available" target): kept while later
     * checks fail to reach the repository, so the notice does not vanish with the network. */
    keel_update_target waiting;
    int has_waiting;
};

static keel_err fail(char *err, size_t errsz, const char *what, keel_err ret)
{
    (void)keel_str_format(err, errsz, "update: %s (%s)", what, keel_strerror(ret));
    return ret;
}

static keel_err paths(struct keeld_update *u, const struct keeld_config *cfg)
{
    keel_err ret = keel_str_format(u->trust_dir, sizeof(u->trust_dir), "%s/%s", cfg->data_dir,
                                   KEELD_UPDATE_DIR);

    if (ret == KEEL_OK)
        ret = cfg->slot_a != NULL
                  ? keel_str_copy(u->slot_a, sizeof(u->slot_a), cfg->slot_a)
                  : keel_str_format(u->slot_a, sizeof(u->slot_a), "%s/slot-a", cfg->data_dir);
    if (ret == KEEL_OK)
        ret = cfg->slot_b != NULL
                  ? keel_str_copy(u->slot_b, sizeof(u->slot_b), cfg->slot_b)
                  : keel_str_format(u->slot_b, sizeof(u->slot_b), "%s/slot-b", cfg->data_dir);
    u->agent.trust_dir = u->trust_dir;
    u->agent.slot_a = u->slot_a;
    u->agent.slot_b = u->slot_b;
    return ret;
}

/* Only the file backend: the uboot and grub backends run fw_setenv and grub-editenv, and
 * keeld's system-call allow-list has no exec (5.6-7). A device with those bootloaders runs the
 * agent outside keeld or has its bootloader read a file environment (docs/updates.md). */
static keel_err open_boot(struct keeld_update *u, const struct keeld_config *cfg)
{
    char spec[UPDATE_PATH_MAX + 8];
    keel_err ret = KEEL_OK;

    if (cfg->boot_spec != NULL && strncmp(cfg->boot_spec, "file:", 5) != 0) {
        keel_log(KEEL_LOG_ERROR,
                 "update: --boot %s runs a tool, and keeld's sandbox allows no "
                 "exec: use file:PATH (docs/updates.md)",
                 cfg->boot_spec);
        return KEEL_ERR_ARG;
    }
    if (cfg->boot_spec != NULL)
        ret = keel_str_copy(spec, sizeof(spec), cfg->boot_spec);
    else
        ret = keel_str_format(spec, sizeof(spec), "file:%s/bootenv", cfg->data_dir);
    if (ret == KEEL_OK)
        ret = keel_update_boot_open(spec, &u->agent.boot);
    return ret;
}

static void settings_load(struct keeld_update *u)
{
    char text[64];
    size_t len = 0;

    u->settings.auto_install = 1;
    u->settings.notify = 1;
    u->settings.postponed_until = 0;
    if (keel_store_get(u->store, KEELD_REC_UPDATE_SETTINGS, text, sizeof(text), &len) == KEEL_OK &&
        keeld_update_settings_decode(text, len, &u->settings) != KEEL_OK)
        keel_log(KEEL_LOG_WARN, "update: the stored settings are malformed; the defaults apply "
                                "until the owner sets them again");
}

/* "update.<outcome>" for the cloud (5.10-1): keel_update_outcome_name with '-' as '_', the
 * characters an event name may hold (keel_event_name_valid). */
static void update_event(struct keeld_update *u, keel_update_outcome outcome)
{
    char name[KEEL_EVENT_NAME_MAX];

    if (keel_str_format(name, sizeof(name), "update.%s", keel_update_outcome_name(outcome)) !=
        KEEL_OK)
        return;
    for (char *p = name; *p != '\0'; p++)
        if (*p == '-')
            *p = '_';
    keeld_security_event(u->device_lock, name, KEELD_SRC_SYSTEM);
}

static void remember(struct keeld_update *u, const keel_update_report *r)
{
    pthread_mutex_lock(&u->lock);
    u->last = *r;
    u->last_at = (int64_t)time(NULL);
    if (r->outcome == KEEL_UPDATE_AVAILABLE) {
        u->waiting = r->target;
        u->has_waiting = 1;
    } else if (r->outcome != KEEL_UPDATE_REFUSED || r->target.name[0] != '\0') {
        u->has_waiting = 0; /* installed, up to date, or that target itself was refused */
    }
    pthread_mutex_unlock(&u->lock);
    /* Every decision is a security event (5.3, 5.10-1). */
    keel_log(r->outcome == KEEL_UPDATE_REFUSED || r->outcome == KEEL_UPDATE_ROLLED_BACK
                 ? KEEL_LOG_WARN
                 : KEEL_LOG_INFO,
             "event=update.%s target=%s slot=%c%s%s%s", keel_update_outcome_name(r->outcome),
             r->target.name[0] != '\0' ? r->target.name : "-", r->slot != 0 ? r->slot : '-',
             r->error != KEEL_OK ? " error=\"" : "",
             r->error != KEEL_OK ? keel_strerror(r->error) : "", r->error != KEEL_OK ? "\"" : "");
    update_event(u, r->outcome);
}

static keel_err make_alert(struct keeld_update *u, const keel_integrity_result *res, keel_err why)
{
    cJSON *o = cJSON_CreateObject();
    char slot[2] = {res->slot, '\0'};

    if (o == NULL || cJSON_AddStringToObject(o, "alert", "integrity") == NULL ||
        cJSON_AddStringToObject(o, "slot", slot) == NULL ||
        cJSON_AddStringToObject(o, "reason", keel_strerror(why)) == NULL ||
        cJSON_AddStringToObject(o, "provision", "5.7-2") == NULL) {
        cJSON_Delete(o);
        return KEEL_ERR_NOMEM;
    }
    u->alert = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return u->alert != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}

static keel_err verify_software(struct keeld_update *u, struct keeld_state *st)
{
    keel_integrity_result res;
    keel_err ret = keel_integrity_verify(u->trust_dir, u->agent.boot, u->slot_a, u->slot_b, &res);

    if (ret == KEEL_OK)
        return KEEL_OK; /* keel_integrity_verify logged what the slot holds */
    fprintf(stderr, "keeld: integrity check failed on slot %c: %s; restricted mode (5.7-2)\n",
            res.slot != 0 ? res.slot : '?', keel_strerror(ret));
    keel_log(KEEL_LOG_ERROR, "event=integrity.failed slot=%c error=\"%s\"",
             res.slot != 0 ? res.slot : '-', keel_strerror(ret));
    keeld_security_event(u->device_lock, "integrity.failed", KEELD_SRC_SYSTEM);
    st->restricted = 1;
    return make_alert(u, &res, ret);
}

static keel_err sync_init(struct keeld_update *u)
{
    pthread_condattr_t attr;
    int ok;

    if (pthread_condattr_init(&attr) != 0)
        return KEEL_ERR_NOMEM;
    ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&u->wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (ok && pthread_mutex_init(&u->lock, NULL) != 0) {
        pthread_cond_destroy(&u->wake);
        ok = 0;
    }
    return ok ? KEEL_OK : KEEL_ERR_NOMEM;
}

/* Whether this device is set up for updates: --boot given or a trust directory present. */
static int configured(const struct keeld_config *cfg, const char *trust_dir)
{
    return cfg->boot_spec != NULL || access(trust_dir, F_OK) == 0;
}

static keel_err open_parts(struct keeld_update *u, const struct keeld_config *cfg,
                           struct keeld_device *dev, struct keeld_state *st, char *err,
                           size_t errsz)
{
    keel_update_report boot;
    keel_err ret = open_boot(u, cfg);

    if (ret != KEEL_OK)
        return fail(err, errsz, "cannot open boot control", ret);
    ret = keel_update_floor_base(dev->rot, dev->store, &u->agent.floor_base);
    if (ret != KEEL_OK)
        return fail(err, errsz, "cannot read the anti-rollback base", ret);
    if (cfg->update_url != NULL) {
        ret = keel_update_fetcher_https(cfg->update_url, cfg->update_ca, &u->agent.fetcher);
        if (ret != KEEL_OK)
            return fail(err, errsz, "cannot use the update repository", ret);
    }
    ret = keel_update_agent_boot(&u->agent, &boot);
    if (ret != KEEL_OK)
        return fail(err, errsz, "cannot reconcile the boot state", ret);
    if (boot.outcome != KEEL_UPDATE_NOTHING)
        remember(u, &boot);
    return verify_software(u, st);
}

keel_err keeld_update_open(const struct keeld_config *cfg, struct keeld_device *dev,
                           struct keeld_state *st, struct keeld_update **out, char *err,
                           size_t errsz)
{
    struct keeld_update *u = calloc(1, sizeof(*u));
    keel_err ret;

    *out = NULL;
    if (u == NULL)
        return fail(err, errsz, "out of memory", KEEL_ERR_NOMEM);
    ret = paths(u, cfg);
    if (ret == KEEL_OK && !configured(cfg, u->trust_dir)) {
        keel_log(KEEL_LOG_WARN,
                 "update: no %s/%s and no --boot: this device cannot be updated "
                 "and its software is not verified at start",
                 cfg->data_dir, KEELD_UPDATE_DIR);
        free(u);
        return KEEL_OK;
    }
    if (ret == KEEL_OK)
        ret = keel_str_copy(u->hardware_id, sizeof(u->hardware_id), st->identity.model);
    if (ret != KEEL_OK) {
        free(u);
        return fail(err, errsz, "a path is too long", ret);
    }
    u->agent.hardware_id = u->hardware_id;
    u->agent.rot = dev->rot;
    u->store = dev->store;
    u->device_lock = st->lock;
    u->interval_s =
        cfg->update_interval != 0 ? cfg->update_interval : KEELD_UPDATE_INTERVAL_DEFAULT;
    ret = sync_init(u);
    if (ret != KEEL_OK) {
        free(u);
        return fail(err, errsz, "cannot make the update thread's lock", ret);
    }
    settings_load(u);
    u->consented = keeld_initialised(st);
    *out = u;
    st->update = u;
    return open_parts(u, cfg, dev, st, err, errsz);
}

const char *keeld_update_alert(const struct keeld_update *u)
{
    return u != NULL ? u->alert : NULL;
}

int keeld_update_reboot_requested(const struct keeld_update *u)
{
    int reboot = 0;

    if (u != NULL) {
        pthread_mutex_lock((pthread_mutex_t *)&u->lock);
        reboot = u->reboot;
        pthread_mutex_unlock((pthread_mutex_t *)&u->lock);
    }
    return reboot;
}

/* Sleep up to s seconds; returns early on stop or a check request. 1 when stopping. */
static int wait_for(struct keeld_update *u, unsigned s)
{
    struct timespec until;
    int stop;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)s;
    pthread_mutex_lock(&u->lock);
    while (!u->stop && !u->check_now &&
           pthread_cond_timedwait(&u->wake, &u->lock, &until) != ETIMEDOUT)
        ;
    stop = u->stop;
    pthread_mutex_unlock(&u->lock);
    return stop;
}

static void ask_reboot(struct keeld_update *u, const char *why)
{
    fprintf(stderr, "keeld: %s; stopping for a reboot\n", why);
    pthread_mutex_lock(&u->lock);
    u->reboot = 1;
    pthread_mutex_unlock(&u->lock);
    if (u->request_stop != NULL)
        u->request_stop();
}

/* The health check of a trial boot: keeld came up sandboxed and serving (this thread runs
 * only then) and reaches the update repository again. */
static void trial_health(struct keeld_update *u)
{
    keel_update_report r;
    keel_err ret = u->agent.fetcher != NULL ? keel_update_refresh(u->trust_dir, u->agent.fetcher,
                                                                  (int64_t)time(NULL), NULL)
                                            : KEEL_ERR_UPDATE_FETCH;

    if (ret == KEEL_OK && keel_update_agent_confirm(&u->agent, &r) == KEEL_OK) {
        fprintf(stderr, "keeld: update confirmed: slot %c holds %s %s\n", r.slot, r.target.name,
                r.target.version);
        remember(u, &r);
        return;
    }
    fprintf(stderr, "keeld: the trial boot failed its health check (%s)\n", keel_strerror(ret));
    if (keel_update_agent_reject(&u->agent, &r) != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: cannot cancel the trial");
    r.error = ret;
    remember(u, &r);
    ask_reboot(u, "the trial was rejected");
}

/* Install now? When the owner asked; or once the owner has set the device up (and so learnt
 * that automatic installs are on by default, 5.3-4A) while they stay on and are not
 * postponed (5.3-4B). Before setup a newer target is only announced. */
static int may_install(struct keeld_update *u, int64_t now)
{
    int ok;

    pthread_mutex_lock(&u->lock);
    ok = u->install_now ||
         (u->consented && u->settings.auto_install && u->settings.postponed_until <= now);
    u->install_now = 0;
    u->check_now = 0;
    pthread_mutex_unlock(&u->lock);
    return ok;
}

static void check_once(struct keeld_update *u)
{
    keel_update_report r;
    int64_t now = (int64_t)time(NULL);

    /* A refusal is in the report (r.outcome, r.error) and becomes the owner's notice; the
     * next check tries again. */
    if (keel_update_agent_check(&u->agent, now, may_install(u, now), &r) != KEEL_OK &&
        r.outcome != KEEL_UPDATE_REFUSED) {
        r.outcome = KEEL_UPDATE_REFUSED;
    }
    remember(u, &r);
    if (r.outcome == KEEL_UPDATE_INSTALLED) {
        fprintf(stderr, "keeld: update installed: slot %c holds %s %s\n", r.slot, r.target.name,
                r.target.version);
        ask_reboot(u, "an update waits in the other slot");
    }
}

/* interval +- 25 %, from the CSPRNG: devices that started together drift apart (5.3-5). */
static unsigned jittered(unsigned interval)
{
    uint32_t spread = interval / 2 + 1, r = 0;

    if (keel_random_uniform(spread, &r) != KEEL_OK)
        r = spread / 2;
    return interval - interval / 4 + r;
}

static void *update_thread(void *arg)
{
    struct keeld_update *u = arg;
    uint32_t first = 0;
    keel_update_report boot;

    pthread_mutex_lock(&u->lock);
    boot = u->last;
    pthread_mutex_unlock(&u->lock);
    if (boot.outcome == KEEL_UPDATE_TRIAL)
        trial_health(u);
    if (keeld_update_reboot_requested(u) || u->agent.fetcher == NULL)
        return NULL;
    if (keel_random_uniform(FIRST_CHECK_MAX_S, &first) != KEEL_OK)
        first = FIRST_CHECK_MAX_S - 1;
    if (wait_for(u, first + 1))
        return NULL;
    for (;;) {
        check_once(u);
        if (keeld_update_reboot_requested(u) || wait_for(u, jittered(u->interval_s)))
            break;
    }
    return NULL;
}

keel_err keeld_update_start(struct keeld_update *u, void (*request_stop)(void))
{
    if (u == NULL)
        return KEEL_OK;
    if (u->alert != NULL)
        return KEEL_OK; /* restricted: no network but the alert (5.7-2) */
    u->request_stop = request_stop;
    if (pthread_create(&u->thread, NULL, update_thread, u) != 0)
        return KEEL_ERR_NOMEM;
    u->started = 1;
    return KEEL_OK;
}

void keeld_update_close(struct keeld_update *u)
{
    if (u == NULL)
        return;
    if (u->started) {
        pthread_mutex_lock(&u->lock);
        u->stop = 1;
        pthread_cond_signal(&u->wake);
        pthread_mutex_unlock(&u->lock);
        pthread_join(u->thread, NULL);
    }
    pthread_cond_destroy(&u->wake);
    pthread_mutex_destroy(&u->lock);
    keel_update_fetcher_free(u->agent.fetcher);
    keel_update_boot_free(u->agent.boot);
    cJSON_free(u->alert);
    free(u);
}

void keeld_update_settings_get(struct keeld_update *u, struct keeld_update_settings *out)
{
    pthread_mutex_lock(&u->lock);
    *out = u->settings;
    pthread_mutex_unlock(&u->lock);
}

void keeld_update_settings_set(struct keeld_update *u, const struct keeld_update_settings *in)
{
    pthread_mutex_lock(&u->lock);
    u->settings = *in;
    pthread_mutex_unlock(&u->lock);
}

void keeld_update_consent(struct keeld_update *u)
{
    pthread_mutex_lock(&u->lock);
    u->consented = 1;
    pthread_mutex_unlock(&u->lock);
}

void keeld_update_check_now(struct keeld_update *u, int install_now)
{
    pthread_mutex_lock(&u->lock);
    u->check_now = 1;
    u->install_now = install_now;
    pthread_cond_signal(&u->wake);
    pthread_mutex_unlock(&u->lock);
}

/* The owner's notice (5.3-11, 5.3-12): the latest decision and the target it concerns. */
static keel_err notice_target(cJSON *o, const keel_update_target *t, int earlier)
{
    cJSON *n = cJSON_AddObjectToObject(o, "target");

    if (n == NULL || cJSON_AddBoolToObject(n, "from_earlier_check", earlier) == NULL ||
        cJSON_AddStringToObject(n, "name", t->name) == NULL ||
        cJSON_AddStringToObject(n, "version", t->version) == NULL ||
        cJSON_AddNumberToObject(n, "security_version", (double)t->security_version) == NULL ||
        cJSON_AddStringToObject(n, "fixes", t->notice.fixes) == NULL ||
        cJSON_AddStringToObject(n, "risks_mitigated", t->notice.risks_mitigated) == NULL ||
        cJSON_AddBoolToObject(n, "interrupts_function", t->notice.interrupts_function) == NULL ||
        cJSON_AddNumberToObject(n, "interruption_seconds", t->notice.interruption_seconds) == NULL)
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

keel_err keeld_update_notice_json(struct keeld_update *u, char *out, size_t outsz)
{
    cJSON *o = cJSON_CreateObject();
    keel_update_report last;
    keel_update_target waiting;
    int has_waiting;
    struct keeld_update_settings s;
    int64_t at;
    int consented;
    keel_err ret = KEEL_ERR_NOMEM;

    pthread_mutex_lock(&u->lock);
    last = u->last;
    waiting = u->waiting;
    has_waiting = u->has_waiting;
    s = u->settings;
    at = u->last_at;
    consented = u->consented;
    pthread_mutex_unlock(&u->lock);
    if (o == NULL || cJSON_AddBoolToObject(o, "auto_install", s.auto_install) == NULL ||
        cJSON_AddBoolToObject(o, "notify", s.notify) == NULL ||
        cJSON_AddBoolToObject(o, "waiting_for_setup", !consented) == NULL ||
        cJSON_AddNumberToObject(o, "postponed_until", (double)s.postponed_until) == NULL ||
        cJSON_AddStringToObject(o, "state", keel_update_outcome_name(last.outcome)) == NULL ||
        cJSON_AddNumberToObject(o, "at", (double)at) == NULL ||
        (last.error != KEEL_OK &&
         cJSON_AddStringToObject(o, "error", keel_strerror(last.error)) == NULL))
        goto out;
    /* Notices can be switched off (5.3-6A); the state stays readable. */
    if (s.notify && last.target.name[0] != '\0' && notice_target(o, &last.target, 0) != KEEL_OK)
        goto out;
    if (s.notify && last.target.name[0] == '\0' && has_waiting &&
        notice_target(o, &waiting, 1) != KEEL_OK)
        goto out;
    ret = cJSON_PrintPreallocated(o, out, (int)outsz, 0) ? KEEL_OK : KEEL_ERR_RANGE;
out:
    cJSON_Delete(o);
    return ret;
}
