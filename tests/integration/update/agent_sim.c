/*
 * agent_sim: a device's update agent, one step per run, on a device directory, for the
 * power-loss test (tests/integration/update_powerloss.sh). Each run is one stretch of a
 * device's life between two power cuts, so the test can kill any run at any write and start
 * the next one on whatever the flash holds.
 *
 *   agent_sim setup DEVDIR REPODIR NOW   the factory: trust REPODIR/1.root.json, refresh,
 *                                        write the newest target for this hardware into
 *                                        slot a and record it, a boot environment booting
 *                                        a, the root of trust's storage key, the store
 *                                        and the anti-rollback counter's base in it
 *   agent_sim boot DEVDIR                a start: keel_update_agent_boot, then the
 *                                        integrity check of the booted slot (5.7-1); a
 *                                        trial slot that verifies passes its health check
 *                                        and is confirmed (5.3-10)
 *   agent_sim check DEVDIR REPODIR NOW   keel_update_agent_check from the repository
 *                                        directory, install allowed
 *   agent_sim reboot DEVDIR              the bootloader (keel_update_boot_file_reboot)
 *   agent_sim state DEVDIR               one JSON line: boot state, floor, each slot's
 *                                        recorded target and whether the slot verifies
 *
 * The device directory holds rot/ (the file root of trust), store.kst, bootenv, slot-a,
 * slot-b and trust/ (the trusted metadata). The hardware id is AGENT_SIM_HWID.
 *
 * Exit status: 0 on success (one line on stdout saying what happened), 1 when a step fails
 * (keel's log of the run, the step and the error on stderr), 2 for bad usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keel/integrity.h"
#include "keel/rot.h"
#include "keel/store.h"
#include "keel/update.h"

#define AGENT_SIM_HWID "keel-sim-1"
#define SIM_PATH 4096

typedef struct sim_device {
    char dir[SIM_PATH];
    char rot_dir[SIM_PATH];
    char store_path[SIM_PATH];
    char boot_path[SIM_PATH];
    char boot_spec[SIM_PATH + 8];
    char slot_a[SIM_PATH];
    char slot_b[SIM_PATH];
    char trust[SIM_PATH];
    keel_rot *rot;
    keel_store *store;
    keel_update_boot *boot;
    keel_update_fetcher *fetcher;
    keel_update_agent_config cfg;
} sim_device;

/* keel's log lines of this run, printed only when the step fails: a step that succeeds
 * writes nothing but its result line, so the power-loss test's kill points are the device's
 * writes to flash, not writes to a terminal. */
static char log_kept[32768];
static size_t log_kept_len;

static void log_keep(keel_log_level level, const char *line, void *user)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char text[KEEL_LOG_LINE_MAX + 16];
    size_t len;

    (void)user;
    if (keel_str_format(text, sizeof(text), "keel %s: %s\n",
                        (unsigned)level < 4 ? names[level] : "?", line) != KEEL_OK)
        return;
    len = strlen(text);
    if (len < sizeof(log_kept) - log_kept_len) {
        memcpy(log_kept + log_kept_len, text, len);
        log_kept_len += len;
    }
}

KEEL_PRINTF(1, 2) static int fail(const char *fmt, ...)
{
    va_list ap;

    fwrite(log_kept, 1, log_kept_len, stderr);
    log_kept_len = 0;
    fprintf(stderr, "agent_sim: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return 1;
}

/* A failed library call: the step, the error's number and its text. */
static int fail_err(const char *step, keel_err err)
{
    return fail("%s: error %d (%s)", step, (int)err, keel_strerror(err));
}

static keel_err paths(sim_device *d, const char *dir)
{
    keel_err ret = keel_str_copy(d->dir, sizeof(d->dir), dir);

    if (ret == KEEL_OK)
        ret = keel_str_format(d->rot_dir, SIM_PATH, "%s/rot", dir);
    if (ret == KEEL_OK)
        ret = keel_str_format(d->store_path, SIM_PATH, "%s/store.kst", dir);
    if (ret == KEEL_OK)
        ret = keel_str_format(d->boot_path, SIM_PATH, "%s/bootenv", dir);
    if (ret == KEEL_OK)
        ret = keel_str_format(d->boot_spec, sizeof(d->boot_spec), "file:%s/bootenv", dir);
    if (ret == KEEL_OK)
        ret = keel_str_format(d->slot_a, SIM_PATH, "%s/slot-a", dir);
    if (ret == KEEL_OK)
        ret = keel_str_format(d->slot_b, SIM_PATH, "%s/slot-b", dir);
    if (ret == KEEL_OK)
        ret = keel_str_format(d->trust, SIM_PATH, "%s/trust", dir);
    return ret;
}

static void device_close(sim_device *d)
{
    keel_update_fetcher_free(d->fetcher);
    keel_update_boot_free(d->boot);
    keel_store_close(d->store);
    keel_rot_close(d->rot);
    d->fetcher = NULL;
    d->boot = NULL;
    d->store = NULL;
    d->rot = NULL;
}

/* Open what a started device holds: root of trust, store, boot control and, when repo is
 * not NULL, a fetcher on the repository directory. */
static int device_open(sim_device *d, const char *dir, const char *repo)
{
    keel_err ret;

    memset(d, 0, sizeof(*d));
    if (paths(d, dir) != KEEL_OK)
        return fail("device directory path too long: %s", dir);
    if ((ret = keel_rot_open("file", d->rot_dir, &d->rot)) != KEEL_OK)
        return fail_err("keel_rot_open", ret);
    if ((ret = keel_store_open(d->store_path, d->rot, &d->store)) != KEEL_OK)
        return fail_err("keel_store_open", ret);
    if ((ret = keel_update_floor_base(d->rot, d->store, &d->cfg.floor_base)) != KEEL_OK)
        return fail_err("keel_update_floor_base", ret);
    if ((ret = keel_update_boot_open(d->boot_spec, &d->boot)) != KEEL_OK)
        return fail_err("keel_update_boot_open", ret);
    if (repo != NULL && (ret = keel_update_fetcher_dir(repo, &d->fetcher)) != KEEL_OK)
        return fail_err("keel_update_fetcher_dir", ret);
    d->cfg.trust_dir = d->trust;
    d->cfg.slot_a = d->slot_a;
    d->cfg.slot_b = d->slot_b;
    d->cfg.hardware_id = AGENT_SIM_HWID;
    d->cfg.rot = d->rot;
    d->cfg.boot = d->boot;
    d->cfg.fetcher = d->fetcher;
    return 0;
}

static int parse_now(const char *text, int64_t *now)
{
    uint64_t v = 0;

    if (keel_str_to_u64(text, 0, INT64_MAX, &v) != KEEL_OK)
        return fail("NOW must be seconds since the epoch: %s", text);
    *now = (int64_t)v;
    return 0;
}

/* ---- setup: the factory ---- */

static int setup_trust(const sim_device *d, const char *repo, int64_t now,
                       keel_update_targets *targets)
{
    char path[SIM_PATH], *root = NULL;
    size_t len = 0;
    keel_update_fetcher *f = NULL;
    keel_err ret;
    int rc = 1;

    if (keel_str_format(path, sizeof(path), "%s/1.root.json", repo) != KEEL_OK)
        return fail("repository path too long: %s", repo);
    if ((ret = keel_file_read(path, KEEL_UPDATE_ROOT_MAX, &root, &len)) != KEEL_OK)
        return fail_err(path, ret);
    if ((ret = keel_update_trust_init(d->trust, root, len)) != KEEL_OK)
        fail_err("keel_update_trust_init", ret);
    else if ((ret = keel_update_fetcher_dir(repo, &f)) != KEEL_OK)
        fail_err("keel_update_fetcher_dir", ret);
    else if ((ret = keel_update_refresh(d->trust, f, now, targets)) != KEEL_OK)
        fail_err("keel_update_refresh", ret);
    else
        rc = 0;
    keel_update_fetcher_free(f);
    keel_file_free(root, len);
    return rc;
}

/* Slot a gets the newest target for this hardware, written the way the agent writes. */
static int setup_slot_a(const sim_device *d, const char *repo, const keel_update_targets *targets,
                        const keel_update_target **factory)
{
    char progress[SIM_PATH];
    keel_update_fetcher *f = NULL;
    keel_err ret;

    if ((ret = keel_update_select(targets, AGENT_SIM_HWID, 0, factory)) != KEEL_OK)
        return fail_err("keel_update_select (factory target)", ret);
    if (keel_str_format(progress, sizeof(progress), "%s/factory-progress.json", d->dir) != KEEL_OK)
        return fail("path too long: %s", d->dir);
    if ((ret = keel_update_fetcher_dir(repo, &f)) != KEEL_OK)
        return fail_err("keel_update_fetcher_dir", ret);
    ret = keel_update_download(f, *factory, d->slot_a, progress);
    keel_update_fetcher_free(f);
    if (ret != KEEL_OK)
        return fail_err("keel_update_download (slot a)", ret);
    if ((ret = keel_update_slot_record(d->trust, 'a', *factory)) != KEEL_OK)
        return fail_err("keel_update_slot_record", ret);
    return 0;
}

/* The root of trust's storage key and an empty store, as keel provision makes them. */
static int setup_rot(sim_device *d)
{
    uint64_t base = 0;
    keel_err ret;

    if ((ret = keel_rot_open("file", d->rot_dir, &d->rot)) != KEEL_OK)
        return fail_err("keel_rot_open", ret);
    if ((ret = keel_rot_storage_key_create(d->rot)) != KEEL_OK)
        return fail_err("keel_rot_storage_key_create", ret);
    if ((ret = keel_store_create(d->store_path, d->rot)) != KEEL_OK)
        return fail_err("keel_store_create", ret);
    if ((ret = keel_store_open(d->store_path, d->rot, &d->store)) != KEEL_OK)
        return fail_err("keel_store_open", ret);
    /* The anti-rollback counter's base is recorded once, here at the factory. */
    if ((ret = keel_update_floor_base(d->rot, d->store, &base)) != KEEL_OK)
        return fail_err("keel_update_floor_base", ret);
    return 0;
}

static int cmd_setup(const char *dir, const char *repo, const char *now_text)
{
    sim_device d;
    keel_update_targets targets = {0};
    const keel_update_target *factory = NULL;
    FILE *empty;
    int64_t now = 0;
    keel_err ret;
    int rc;

    memset(&d, 0, sizeof(d));
    if (parse_now(now_text, &now) != 0)
        return 1;
    if (paths(&d, dir) != KEEL_OK)
        return fail("device directory path too long: %s", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fail("cannot make %s: %s", dir, strerror(errno));
    rc = setup_trust(&d, repo, now, &targets);
    if (rc == 0)
        rc = setup_slot_a(&d, repo, &targets, &factory);
    if (rc == 0 && (empty = fopen(d.slot_b, "wbx")) != NULL)
        rc = fclose(empty) == 0 ? 0 : fail("cannot write %s", d.slot_b);
    else if (rc == 0)
        rc = fail("cannot make %s: %s", d.slot_b, strerror(errno));
    if (rc == 0 && (ret = keel_update_boot_file_create(d.boot_path, 'a')) != KEEL_OK)
        rc = fail_err("keel_update_boot_file_create", ret);
    if (rc == 0)
        rc = setup_rot(&d);
    if (rc == 0)
        printf("setup: slot a holds %s %s (security version %llu)\n", factory->name,
               factory->version, (unsigned long long)factory->security_version);
    keel_update_targets_free(&targets);
    device_close(&d);
    return rc;
}

/* ---- boot, check, reboot ---- */

static int cmd_boot(const char *dir)
{
    sim_device d;
    keel_update_report report, confirm;
    keel_integrity_result res;
    const char *outcome;
    keel_err ret;
    int rc = device_open(&d, dir, NULL);

    if (rc != 0)
        goto out;
    rc = 1;
    if ((ret = keel_update_agent_boot(&d.cfg, &report)) != KEEL_OK) {
        fail_err("keel_update_agent_boot", ret);
        goto out;
    }
    outcome = keel_update_outcome_name(report.outcome);
    /* 5.7-1: nothing runs before the booted slot has verified against its signed record. */
    if ((ret = keel_integrity_verify(d.trust, d.boot, d.slot_a, d.slot_b, &res)) != KEEL_OK) {
        fail_err("keel_integrity_verify", ret);
        goto out;
    }
    /* The health check of a trial: the slot started and verified. */
    if (report.outcome == KEEL_UPDATE_TRIAL) {
        if ((ret = keel_update_agent_confirm(&d.cfg, &confirm)) != KEEL_OK) {
            fail_err("keel_update_agent_confirm", ret);
            goto out;
        }
        outcome = "trial-confirmed";
    }
    printf("boot: %s, booted slot %c holds %s %s (verified)\n", outcome, res.slot, res.target.name,
           res.target.version);
    rc = 0;
out:
    device_close(&d);
    return rc;
}

static int cmd_check(const char *dir, const char *repo, const char *now_text)
{
    sim_device d;
    keel_update_report report;
    int64_t now = 0;
    keel_err ret;
    int rc = parse_now(now_text, &now);

    if (rc != 0)
        return rc;
    rc = device_open(&d, dir, repo);
    if (rc == 0) {
        ret = keel_update_agent_check(&d.cfg, now, 1, &report);
        if (ret != KEEL_OK)
            rc = fail_err("keel_update_agent_check", ret);
        else
            printf("check: %s%s%s, slot %c\n", keel_update_outcome_name(report.outcome),
                   report.target.name[0] != '\0' ? " " : "", report.target.name,
                   report.slot != 0 ? report.slot : '-');
    }
    device_close(&d);
    return rc;
}

static int cmd_reboot(const char *dir)
{
    sim_device d;
    keel_err ret;

    memset(&d, 0, sizeof(d));
    if (paths(&d, dir) != KEEL_OK)
        return fail("device directory path too long: %s", dir);
    if ((ret = keel_update_boot_file_reboot(d.boot_path)) != KEEL_OK)
        return fail_err("keel_update_boot_file_reboot", ret);
    printf("reboot: done\n");
    return 0;
}

/* ---- state ---- */

/* "SLOT":{"target":NAME,"version":V,"security_version":N,"verified":true|false}, or
 * "SLOT":null when nothing is recorded. Names and versions are [A-Za-z0-9._-]: no quoting. */
static int print_slot(const sim_device *d, char slot)
{
    keel_update_target t;
    const char *path = slot == 'a' ? d->slot_a : d->slot_b;
    keel_err ret = keel_update_slot_target(d->trust, slot, &t);

    if (ret == KEEL_ERR_NOT_FOUND) {
        printf("\"slot_%c\":null", slot);
        return 0;
    }
    if (ret != KEEL_OK)
        return fail_err("keel_update_slot_target", ret);
    printf("\"slot_%c\":{\"target\":\"%s\",\"version\":\"%s\",\"security_version\":%llu,"
           "\"verified\":%s}",
           slot, t.name, t.version, (unsigned long long)t.security_version,
           keel_update_slot_verify(path, &t) == KEEL_OK ? "true" : "false");
    return 0;
}

static int cmd_state(const char *dir)
{
    sim_device d;
    keel_update_boot_state st;
    uint64_t floor = 0;
    char trial[2];
    keel_err ret;
    int rc = device_open(&d, dir, NULL);

    if (rc != 0)
        goto out;
    if ((ret = keel_update_boot_read(d.boot, &st)) != KEEL_OK) {
        rc = fail_err("keel_update_boot_read", ret);
        goto out;
    }
    if ((ret = keel_update_floor(&d.cfg, &floor)) != KEEL_OK) {
        rc = fail_err("keel_update_floor", ret);
        goto out;
    }
    trial[0] = st.trial; /* "" when no trial is requested */
    trial[1] = '\0';
    printf("{\"primary\":\"%c\",\"trial\":\"%s\",\"attempts\":%u,\"booted\":\"%c\","
           "\"floor\":%llu,",
           st.primary, trial, st.attempts, st.booted, (unsigned long long)floor);
    rc = print_slot(&d, 'a');
    if (rc == 0) {
        printf(",");
        rc = print_slot(&d, 'b');
    }
    printf("}\n");
out:
    device_close(&d);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: agent_sim setup DEVDIR REPODIR NOW\n"
                    "       agent_sim boot DEVDIR\n"
                    "       agent_sim check DEVDIR REPODIR NOW\n"
                    "       agent_sim reboot DEVDIR\n"
                    "       agent_sim state DEVDIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    keel_log_configure(KEEL_LOG_INFO, log_keep, NULL);
    if (argc == 5 && strcmp(argv[1], "setup") == 0)
        return cmd_setup(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "boot") == 0)
        return cmd_boot(argv[2]);
    if (argc == 5 && strcmp(argv[1], "check") == 0)
        return cmd_check(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "reboot") == 0)
        return cmd_reboot(argv[2]);
    if (argc == 3 && strcmp(argv[1], "state") == 0)
        return cmd_state(argv[2]);
    return usage();
}
