/*
 * The update agent: the whole flow on the device (5.3-2, 5.3-9, 5.3-10).
 *
 *   check:   refresh -> select -> download into the inactive slot -> record -> trial
 *   start:   booted the trial slot -> TRIAL (health check pending)
 *            trial gone and booted the old slot -> ROLLED_BACK
 *   confirm: make the trial slot primary -> raise the floor -> forget the trial
 *   reject:  cancel the trial; the next start runs the previous slot
 *
 * Every write is atomic and each step can be repeated, so a power cut at any point leaves
 * a bootable, verified slot and the next check completes the update.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "client_private.h"

static const char *const outcome_names[] = {
    [KEEL_UPDATE_NOTHING] = "nothing",     [KEEL_UPDATE_AVAILABLE] = "available",
    [KEEL_UPDATE_INSTALLED] = "installed", [KEEL_UPDATE_TRIAL] = "trial",
    [KEEL_UPDATE_CONFIRMED] = "confirmed", [KEEL_UPDATE_ROLLED_BACK] = "rolled-back",
    [KEEL_UPDATE_REFUSED] = "refused",
};

const char *keel_update_outcome_name(keel_update_outcome outcome)
{
    if ((unsigned)outcome >= sizeof(outcome_names) / sizeof(outcome_names[0]))
        return "?";
    return outcome_names[outcome];
}

const char *keel_update_agent_slot_path(const keel_update_agent_config *cfg, char slot)
{
    if (slot == 'a')
        return cfg->slot_a;
    if (slot == 'b')
        return cfg->slot_b;
    return NULL;
}

static char other_slot(char slot)
{
    return slot == 'a' ? 'b' : 'a';
}

static void report_init(keel_update_report *r, keel_update_outcome outcome, char slot)
{
    memset(r, 0, sizeof(*r));
    r->outcome = outcome;
    r->slot = slot;
}

static int config_ok(const keel_update_agent_config *cfg)
{
    return cfg != NULL && cfg->trust_dir != NULL && cfg->slot_a != NULL && cfg->slot_b != NULL &&
           cfg->hardware_id != NULL && cfg->rot != NULL && cfg->boot != NULL;
}

/* What slot holds, for a report; an empty name when its record does not verify. */
static void slot_describe(const keel_update_agent_config *cfg, char slot, keel_update_target *t)
{
    if (keel_update_slot_target(cfg->trust_dir, slot, t) != KEEL_OK)
        memset(t, 0, sizeof(*t));
}

/* A small record {"slot": "a", "name": "..."} (trial.json, rejected.json). */
static keel_err mark_write(const char *trust_dir, const char *file, char slot, const char *name)
{
    char text[KEEL_UPDATE_NAME_MAX + 48];
    keel_err ret =
        keel_str_format(text, sizeof(text), "{\"slot\":\"%c\",\"name\":\"%s\"}", slot, name);

    /* name passed keel_update_name_check when its metadata was parsed: no quoting needed. */
    if (ret == KEEL_OK)
        ret = keel_update_trust_save(trust_dir, file, text, strlen(text));
    return ret;
}

/* Read a mark; *slot 0 when there is none. A malformed mark is refused, never guessed. */
static keel_err mark_read(const char *trust_dir, const char *file, char *slot,
                          char name[KEEL_UPDATE_NAME_MAX])
{
    char path[KEEL_UPDATE_PATH_MAX], *text = NULL;
    size_t len = 0;
    cJSON *doc;
    const cJSON *s, *n;
    keel_err ret = keel_update_trust_path(trust_dir, file, path);

    *slot = 0;
    name[0] = '\0';
    if (ret == KEEL_OK)
        ret = keel_file_read(path, 1024, &text, &len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret != KEEL_OK)
        return ret;
    /* keel_file_read ends the text with a NUL: counting it makes cJSON refuse trailing bytes */
    doc = cJSON_ParseWithLengthOpts(text, len + 1, NULL, 1);
    s = cJSON_GetObjectItemCaseSensitive(doc, "slot");
    n = cJSON_GetObjectItemCaseSensitive(doc, "name");
    ret = KEEL_ERR_PARSE;
    if (cJSON_IsString(s) && cJSON_IsString(n) &&
        (strcmp(s->valuestring, "a") == 0 || strcmp(s->valuestring, "b") == 0) &&
        keel_str_copy(name, KEEL_UPDATE_NAME_MAX, n->valuestring) == KEEL_OK) {
        *slot = s->valuestring[0];
        ret = KEEL_OK;
    }
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: %s is malformed", path);
    cJSON_Delete(doc);
    keel_file_free(text, len);
    return ret;
}

/* The floor follows the confirmed primary: after a power cut between confirming a slot and
 * raising the floor, this finishes the raise. */
static keel_err floor_follow_primary(const keel_update_agent_config *cfg,
                                     const keel_update_boot_state *st)
{
    keel_update_target t;
    keel_err ret;

    if (st->booted != st->primary || st->trial != 0)
        return KEEL_OK;
    ret = keel_update_slot_target(cfg->trust_dir, st->primary, &t);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK; /* nothing recorded yet: no floor to follow */
    if (ret != KEEL_OK)
        return ret;
    return keel_update_floor_raise(cfg, t.security_version);
}

/* A trial recorded by trial.json that is no longer running: either confirmed (primary now)
 * or given up by the bootloader (rolled back). */
static keel_err boot_after_trial(const keel_update_agent_config *cfg,
                                 const keel_update_boot_state *st, char slot, const char *name,
                                 keel_update_report *report)
{
    keel_err ret = KEEL_OK;

    if (st->booted == slot && st->primary == slot) {
        report_init(report, KEEL_UPDATE_CONFIRMED, slot);
    } else {
        report_init(report, KEEL_UPDATE_ROLLED_BACK, slot);
        report->error = KEEL_ERR_UPDATE_BOOT;
        ret = mark_write(cfg->trust_dir, "rejected.json", slot, name);
        keel_log(KEEL_LOG_WARN, "update: the trial of %s in slot %c failed; running slot %c", name,
                 slot, st->booted);
    }
    if (keel_update_slot_target(cfg->trust_dir, slot, &report->target) != KEEL_OK)
        (void)keel_str_copy(report->target.name, sizeof(report->target.name), name);
    if (ret == KEEL_OK)
        ret = keel_update_trust_remove(cfg->trust_dir, "trial.json");
    return ret;
}

keel_err keel_update_agent_boot(const keel_update_agent_config *cfg, keel_update_report *report)
{
    keel_update_boot_state st;
    char slot, name[KEEL_UPDATE_NAME_MAX];
    keel_err ret;

    if (!config_ok(cfg) || report == NULL)
        return KEEL_ERR_ARG;
    report_init(report, KEEL_UPDATE_NOTHING, 0);
    ret = keel_update_boot_read(cfg->boot, &st);
    if (ret == KEEL_OK)
        ret = mark_read(cfg->trust_dir, "trial.json", &slot, name);
    if (ret != KEEL_OK)
        return ret;
    if (st.trial != 0) {
        report_init(report, st.booted == st.trial ? KEEL_UPDATE_TRIAL : KEEL_UPDATE_INSTALLED,
                    st.trial);
        slot_describe(cfg, st.trial, &report->target);
        /* A power cut between requesting the trial and marking it: mark it now. */
        if (slot == 0 && st.booted == st.trial)
            ret = mark_write(cfg->trust_dir, "trial.json", st.trial, report->target.name);
        return ret;
    }
    if (slot != 0)
        ret = boot_after_trial(cfg, &st, slot, name, report);
    if (ret == KEEL_OK)
        ret = floor_follow_primary(cfg, &st);
    return ret;
}

/* Nothing to do when the booted slot already holds target, or something newer. */
static int already_current(const keel_update_agent_config *cfg, char booted,
                           const keel_update_target *t)
{
    keel_update_target cur;

    if (keel_update_slot_target(cfg->trust_dir, booted, &cur) != KEEL_OK)
        return 0;
    if (strcmp(cur.name, t->name) == 0 && memcmp(cur.sha256, t->sha256, 32) == 0)
        return 1;
    return keel_update_version_compare(cur.version, t->version) >= 0;
}

static int was_rejected(const keel_update_agent_config *cfg, const keel_update_target *t)
{
    char slot, name[KEEL_UPDATE_NAME_MAX];

    if (mark_read(cfg->trust_dir, "rejected.json", &slot, name) != KEEL_OK || slot == 0)
        return 0;
    return strcmp(name, t->name) == 0;
}

/* The inactive slot already holds t, verified (a power cut after the download). */
static int slot_holds(const keel_update_agent_config *cfg, char slot, const keel_update_target *t)
{
    keel_update_target rec;

    if (keel_update_slot_target(cfg->trust_dir, slot, &rec) != KEEL_OK ||
        strcmp(rec.name, t->name) != 0 || memcmp(rec.sha256, t->sha256, 32) != 0)
        return 0;
    return keel_update_slot_verify(keel_update_agent_slot_path(cfg, slot), t) == KEEL_OK;
}

/* Download t into slot and request a trial of it. The slot's record goes first, so that
 * no record ever claims bytes the slot does not hold. */
static keel_err install(const keel_update_agent_config *cfg, char slot, const keel_update_target *t)
{
    char name[16], progress[KEEL_UPDATE_PATH_MAX];
    keel_err ret = KEEL_OK;

    if (!slot_holds(cfg, slot, t)) {
        ret = keel_str_format(name, sizeof(name), "slot-%c.json", slot);
        if (ret == KEEL_OK)
            ret = keel_update_trust_remove(cfg->trust_dir, name);
        if (ret == KEEL_OK)
            ret = keel_update_trust_path(cfg->trust_dir, "download.json", progress);
        if (ret == KEEL_OK)
            ret = keel_update_download(cfg->fetcher, t, keel_update_agent_slot_path(cfg, slot),
                                       progress);
        if (ret == KEEL_OK)
            ret = keel_update_slot_record(cfg->trust_dir, slot, t);
    }
    if (ret == KEEL_OK)
        ret = keel_update_boot_try(cfg->boot, slot);
    if (ret == KEEL_OK)
        ret = mark_write(cfg->trust_dir, "trial.json", slot, t->name);
    return ret;
}

static keel_err refused(keel_update_report *report, keel_err err)
{
    report->outcome = KEEL_UPDATE_REFUSED;
    report->error = err;
    return err;
}

keel_err keel_update_agent_check(const keel_update_agent_config *cfg, int64_t now, int install_now,
                                 keel_update_report *report)
{
    keel_update_boot_state st;
    keel_update_targets targets = {0};
    const keel_update_target *t = NULL;
    uint64_t floor = 0;
    keel_err ret;

    if (!config_ok(cfg) || cfg->fetcher == NULL || report == NULL)
        return KEEL_ERR_ARG;
    report_init(report, KEEL_UPDATE_NOTHING, 0);
    ret = keel_update_boot_read(cfg->boot, &st);
    if (ret != KEEL_OK)
        return refused(report, ret);
    if (st.trial != 0) { /* one update at a time: the trial must end first */
        report_init(report, st.booted == st.trial ? KEEL_UPDATE_TRIAL : KEEL_UPDATE_INSTALLED,
                    st.trial);
        return KEEL_OK;
    }
    if (st.booted != st.primary) {
        /* A rejected trial still running: the inactive slot is the good primary, which must
         * not be written before the device has restarted on it. */
        keel_log(KEEL_LOG_ERROR, "update: running slot %c, not the primary %c: restart first",
                 st.booted, st.primary);
        return refused(report, KEEL_ERR_UPDATE_BOOT);
    }
    ret = keel_update_refresh(cfg->trust_dir, cfg->fetcher, now, &targets);
    if (ret == KEEL_OK)
        ret = keel_update_floor(cfg, &floor);
    if (ret == KEEL_OK)
        ret = keel_update_select(&targets, cfg->hardware_id, floor, &t);
    if (ret == KEEL_ERR_NOT_FOUND || (ret == KEEL_OK && t == NULL)) {
        ret = KEEL_OK; /* nothing for this hardware */
        goto out;
    }
    if (t != NULL)
        report->target = *t;
    if (ret != KEEL_OK || t == NULL) {
        (void)refused(report, ret);
        goto out;
    }
    if (already_current(cfg, st.booted, t) || was_rejected(cfg, t))
        goto out;
    report->outcome = KEEL_UPDATE_AVAILABLE;
    if (!install_now)
        goto out;
    report->slot = other_slot(st.booted);
    ret = install(cfg, report->slot, t);
    if (ret == KEEL_OK)
        report->outcome = KEEL_UPDATE_INSTALLED;
    else
        (void)refused(report, ret);
out:
    keel_update_targets_free(&targets);
    return ret;
}

/* The booted slot, which must be the running trial. */
static keel_err running_trial(const keel_update_agent_config *cfg, keel_update_boot_state *st)
{
    keel_err ret = keel_update_boot_read(cfg->boot, st);

    if (ret == KEEL_OK && (st->trial == 0 || st->booted != st->trial)) {
        keel_log(KEEL_LOG_ERROR, "update: no trial boot is running (booted %c, trial %c)",
                 st->booted, st->trial != 0 ? st->trial : '-');
        ret = KEEL_ERR_UPDATE_BOOT;
    }
    return ret;
}

keel_err keel_update_agent_confirm(const keel_update_agent_config *cfg, keel_update_report *report)
{
    keel_update_boot_state st;
    uint64_t floor = 0;
    keel_err ret;

    if (!config_ok(cfg) || report == NULL)
        return KEEL_ERR_ARG;
    report_init(report, KEEL_UPDATE_CONFIRMED, 0);
    ret = running_trial(cfg, &st);
    if (ret != KEEL_OK)
        return ret;
    report->slot = st.booted;
    ret = keel_update_slot_target(cfg->trust_dir, st.booted, &report->target);
    if (ret == KEEL_OK)
        ret = keel_update_floor(cfg, &floor);
    if (ret == KEEL_OK)
        ret = keel_update_target_check(&report->target, cfg->hardware_id, floor);
    if (ret == KEEL_OK)
        ret = keel_update_slot_verify(keel_update_agent_slot_path(cfg, st.booted), &report->target);
    if (ret == KEEL_OK)
        ret = keel_update_boot_confirm(cfg->boot, st.booted);
    if (ret == KEEL_OK)
        ret = keel_update_floor_raise(cfg, report->target.security_version);
    if (ret == KEEL_OK)
        ret = keel_update_trust_remove(cfg->trust_dir, "trial.json");
    if (ret != KEEL_OK)
        report->error = ret;
    return ret;
}

keel_err keel_update_agent_reject(const keel_update_agent_config *cfg, keel_update_report *report)
{
    keel_update_boot_state st;
    keel_err ret;

    if (!config_ok(cfg) || report == NULL)
        return KEEL_ERR_ARG;
    report_init(report, KEEL_UPDATE_ROLLED_BACK, 0);
    ret = running_trial(cfg, &st);
    if (ret != KEEL_OK)
        return ret;
    report->slot = st.booted;
    slot_describe(cfg, st.booted, &report->target);
    ret = keel_update_boot_cancel(cfg->boot);
    report->error = ret;
    return ret;
}
