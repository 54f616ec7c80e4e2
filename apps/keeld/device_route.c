/* What the product declares about itself (5.3-13: the support period, 5.3-16: the model
 * designation, 5.2-1: where to report a vulnerability), readable by anyone holding the
 * device before logging in, and the owner's view of whether the device is still set up
 * securely (5.12-3). */
#include <string.h>
#include <time.h>

#include "keeld.h"

#ifndef KEEL_SUPPORT_UNTIL
#error "KEEL_SUPPORT_UNTIL must be defined by the build"
#endif
#ifndef KEEL_SECURITY_CONTACT
#error "KEEL_SECURITY_CONTACT must be defined by the build"
#endif

/* 1 while today (UTC) is on or before the last day of security updates. ISO dates of one
 * fixed width compare as text; the build checks the format of KEEL_SUPPORT_UNTIL. */
static int supported(void)
{
    char today[16];
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL || strftime(today, sizeof(today), "%Y-%m-%d", &tm) != 10)
        return 0; /* a device that cannot tell the date does not claim support */
    return strcmp(today, KEEL_SUPPORT_UNTIL) <= 0;
}

static void print_into(cJSON *o, struct keeld_response *rs)
{
    if (o == NULL || !cJSON_PrintPreallocated(o, rs->body, (int)sizeof(rs->body), 0)) {
        keeld_response_error(rs, 500);
        return;
    }
    rs->status = 200;
    rs->body_len = strlen(rs->body);
}

void keeld_handle_device(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs)
{
    cJSON *o = cJSON_CreateObject();

    (void)rq;
    if (o == NULL || cJSON_AddStringToObject(o, "model", st->identity.model) == NULL ||
        cJSON_AddStringToObject(o, "serial", st->identity.serial) == NULL ||
        cJSON_AddStringToObject(o, "firmware_version", KEELD_FIRMWARE_VERSION) == NULL ||
        cJSON_AddStringToObject(o, "support_until", KEEL_SUPPORT_UNTIL) == NULL ||
        cJSON_AddBoolToObject(o, "supported", supported()) == NULL ||
        cJSON_AddStringToObject(o, "state", keeld_initialised(st) ? "initialised" : "factory") ==
            NULL ||
        cJSON_AddStringToObject(o, "security_contact", KEEL_SECURITY_CONTACT) == NULL ||
        cJSON_AddStringToObject(o, "security_txt", "/.well-known/security.txt") == NULL) {
        cJSON_Delete(o);
        o = NULL;
    }
    print_into(o, rs);
    cJSON_Delete(o);
}

/* ---- GET /api/v1/security ---- */

struct check {
    const char *id;
    int ok;
    int counts; /* part of the overall verdict (cloud_link and data_processing are not) */
    char detail[160];
    int on; /* information checks only: the link is up, the owner chose the processing */
};

static void check_update(struct keeld_state *st, struct check *auto_install,
                         struct check *last_check)
{
    struct keeld_update_settings s;
    char notice[KEELD_RESPONSE_MAX];
    const cJSON *state, *at;
    cJSON *n = NULL;

    if (st->update == NULL) {
        (void)keel_str_copy(auto_install->detail, sizeof(auto_install->detail),
                            "no update repository is configured: this device gets no updates");
        (void)keel_str_copy(last_check->detail, sizeof(last_check->detail),
                            "no update repository is configured");
        return;
    }
    keeld_update_settings_get(st->update, &s);
    auto_install->ok = s.auto_install;
    (void)keel_str_copy(auto_install->detail, sizeof(auto_install->detail),
                        s.auto_install ? "security updates install by themselves"
                                       : "off: updates wait until you install them");
    if (keeld_update_notice_json(st->update, notice, sizeof(notice)) == KEEL_OK)
        n = cJSON_Parse(notice);
    state = cJSON_GetObjectItemCaseSensitive(n, "state");
    at = cJSON_GetObjectItemCaseSensitive(n, "at");
    if (!cJSON_IsString(state) || !cJSON_IsNumber(at)) {
        (void)keel_str_copy(last_check->detail, sizeof(last_check->detail),
                            "the update state cannot be read");
    } else if (at->valuedouble <= 0) {
        (void)keel_str_copy(last_check->detail, sizeof(last_check->detail),
                            "no check has finished yet");
    } else {
        /* a refused repository or a rolled-back update is something the owner must see */
        last_check->ok = strcmp(state->valuestring, "refused") != 0 &&
                         strcmp(state->valuestring, "rolled-back") != 0;
        (void)keel_str_format(last_check->detail, sizeof(last_check->detail),
                              "the latest check: %s", state->valuestring);
    }
    cJSON_Delete(n);
}

static void check_all(struct keeld_state *st, struct check c[8])
{
    int file_rot = strcmp(st->identity.rot, "file") == 0;
    int online = __atomic_load_n(&st->cloud_online, __ATOMIC_ACQUIRE);
    /* the optional processing is on exactly while its consent is granted (6-3A) */
    int processing = st->lock != NULL &&
                     keeld_lock_consent_granted(st->lock, KEELD_CONSENT_ACCESS_LOG_SYNC) == 1;

    c[0] = (struct check){"owner_password", keeld_initialised(st), 1, "", 0};
    (void)keel_str_copy(c[0].detail, sizeof(c[0].detail),
                        c[0].ok ? "your own password is set"
                                : "the label password still opens the device: set your own");
    c[1] = (struct check){"software_integrity", !st->restricted, 1, "", 0};
    (void)keel_str_copy(c[1].detail, sizeof(c[1].detail),
                        c[1].ok ? "the software matches its signed release"
                                : "the software failed its integrity check");
    c[2] = (struct check){"automatic_updates", 0, 1, "", 0};
    c[3] = (struct check){"update_check", 0, 1, "", 0};
    check_update(st, &c[2], &c[3]);
    c[4] = (struct check){"root_of_trust", !file_rot, 1, "", 0};
    (void)keel_str_format(c[4].detail, sizeof(c[4].detail), "%s: %s", st->identity.rot,
                          file_rot ? "a development backend, keys in files"
                                   : "keys kept in protected hardware");
    c[5] = (struct check){"support_period", supported(), 1, "", 0};
    (void)keel_str_format(c[5].detail, sizeof(c[5].detail), "security updates %s %s",
                          c[5].ok ? "until" : "ended on", KEEL_SUPPORT_UNTIL);
    c[6] = (struct check){"cloud_link", 1, 0, "", online};
    (void)keel_str_copy(c[6].detail, sizeof(c[6].detail),
                        online ? "connected" : "not connected: the lock works locally");
    c[7] = (struct check){"data_processing", 1, 0, "", processing};
    (void)keel_str_copy(c[7].detail, sizeof(c[7].detail),
                        processing ? "optional processing on (your choice)"
                                   : "optional processing off");
}

void keeld_handle_security(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs)
{
    struct check c[8];
    cJSON *o = cJSON_CreateObject();
    cJSON *list = cJSON_CreateArray();
    int all = 1;

    (void)rq;
    check_all(st, c);
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        cJSON *e = cJSON_CreateObject();
        if (e == NULL || !cJSON_AddItemToArray(list, e) ||
            cJSON_AddStringToObject(e, "id", c[i].id) == NULL ||
            cJSON_AddBoolToObject(e, "ok", c[i].ok) == NULL ||
            cJSON_AddStringToObject(e, "detail", c[i].detail) == NULL ||
            (!c[i].counts && cJSON_AddBoolToObject(e, "on", c[i].on) == NULL)) {
            if (list == NULL)
                cJSON_Delete(e);
            all = -1;
            break;
        }
        if (c[i].counts && !c[i].ok)
            all = 0;
    }
    if (o == NULL || list == NULL || all < 0 || cJSON_AddBoolToObject(o, "ok", all) == NULL ||
        !cJSON_AddItemToObject(o, "checks", list)) {
        cJSON_Delete(list);
        cJSON_Delete(o);
        keeld_response_error(rs, 500);
        return;
    }
    print_into(o, rs);
    cJSON_Delete(o);
}
