/* The device's side of the update test cases (5.3-9-2, 5.3-10-2): the laboratory stands in for
 * the repository on its address, one manipulated repository per round, and asks the device
 * through its owner's API to check and install now. The device must refuse each one and keep
 * running what it ran. Rounds are spaced by more than a second, so that the device's "at" (the
 * second of its latest decision) tells a new decision from the previous one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "check_update.h"
#include "http.h"
#include "net.h"

#define TOKEN_MAX 512
#define POLL_MS 250
#define SPACING_MS 1100 /* more than the device's one-second decision clock */
#define GONE_AFTER 3    /* unanswered polls in a row: the device went away */
#define FIRMWARE_MAX 64

typedef struct lab_round {
    keel_audit_lab_file files[KEEL_AUDIT_LAB_OVERRIDES_MAX];
    size_t nfiles;
    const char *cert, *key;
    char own_cert[KEEL_AUDIT_UPDATE_FILE_MAX]; /* a certificate of the laboratory's making */
    char own_key[KEEL_AUDIT_UPDATE_FILE_MAX];
    int legacy;
} lab_round;

typedef struct session {
    keel_audit_http h;
    const keel_audit_update_opts *o;
    const char *update_path;
    char token[TOKEN_MAX];
    char firmware[FIRMWARE_MAX];
    long long last_ms; /* when the latest decision was seen (our clock) */
    int gone;
} session;

/* ---- preparing the rounds ---- */

static keel_err add_file(lab_round *lr, const char *name, const char *path)
{
    keel_audit_lab_file *f;

    if (lr->nfiles == KEEL_AUDIT_LAB_OVERRIDES_MAX)
        return KEEL_ERR_RANGE;
    f = &lr->files[lr->nfiles];
    if (keel_str_copy(f->name, sizeof(f->name), name) != KEEL_OK ||
        keel_str_copy(f->path, sizeof(f->path), path) != KEEL_OK)
        return KEEL_ERR_RANGE;
    lr->nfiles++;
    return KEEL_OK;
}

static keel_err add_work(lab_round *lr, const char *work, const char *name, const char *file)
{
    char path[KEEL_AUDIT_UPDATE_FILE_MAX];

    if (keel_str_format(path, sizeof(path), "%s/%s", work, file) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return add_file(lr, name, path);
}

/* The newest target of each hardware id changed (endless 0) or lengthened (1), served in its
 * place. */
static keel_err changed_targets(const keel_audit_update_mirror *m, const char *mirror,
                                const char *work, int endless, lab_round *lr)
{
    char name[KEEL_AUDIT_LAB_NAME_MAX], path[KEEL_AUDIT_UPDATE_FILE_MAX];
    keel_err ret = KEEL_OK;

    for (size_t i = 0; i < m->nnewest && ret == KEEL_OK; i++) {
        ret = keel_str_format(path, sizeof(path), "%s/%s-%s", work,
                              endless ? "endless" : "tampered", m->newest[i]->name);
        if (ret == KEEL_OK)
            ret = keel_audit_update_forge_target(mirror, m->newest[i], endless, path);
        if (ret == KEEL_OK)
            ret = keel_str_format(name, sizeof(name), "targets/%s", m->newest[i]->name);
        if (ret == KEEL_OK)
            ret = add_file(lr, name, path);
    }
    return ret;
}

static keel_err forged_metadata(const keel_audit_update_mirror *m, const char *work,
                                lab_round lr[KEEL_AUDIT_ROUNDS])
{
    char names[KEEL_AUDIT_UPDATE_HW_MAX][KEEL_AUDIT_LAB_NAME_MAX];
    char paths[KEEL_AUDIT_UPDATE_HW_MAX][KEEL_AUDIT_UPDATE_FILE_MAX];
    lab_round *u = &lr[KEEL_AUDIT_ROUND_UNSIGNED], *s = &lr[KEEL_AUDIT_ROUND_SUBSTITUTED];
    EVP_PKEY *key = NULL;
    size_t n = 0;
    keel_err ret = keel_audit_update_lab_key(&key);

    if (ret == KEEL_OK)
        ret = keel_audit_update_forge_metadata(m, work, key, (int64_t)time(NULL), names, paths, &n);
    EVP_PKEY_free(key);
    if (ret == KEEL_OK &&
        (ret = add_work(u, work, "timestamp.json", "unsigned-timestamp.json")) == KEEL_OK &&
        (ret = add_work(u, work, "snapshot.json", "unsigned-snapshot.json")) == KEEL_OK)
        ret = add_work(u, work, "targets.json", "unsigned-targets.json");
    if (ret == KEEL_OK)
        ret = add_work(s, work, "targets.json", "substituted-targets.json");
    for (size_t i = 0; i < n && ret == KEEL_OK; i++) {
        ret = add_file(u, names[i], paths[i]);
        if (ret == KEEL_OK)
            ret = add_file(s, names[i], paths[i]);
    }
    return ret;
}

static void not_run(keel_audit_update_round *r, const char *why)
{
    r->run = 0;
    (void)keel_str_copy(r->note, sizeof(r->note), why);
}

/* The target rounds serve the newest targets changed; the channel rounds serve the same, so
 * that a device that accepted the channel still could not install anything signed. */
static void prepare_targets(const keel_audit_update_mirror *m, const char *mirror, const char *work,
                            lab_round *lr, keel_audit_update_round *rounds)
{
    lab_round *tampered = &lr[KEEL_AUDIT_ROUND_TAMPERED];

    if (m->nnewest == 0 || changed_targets(m, mirror, work, 0, tampered) != KEEL_OK ||
        changed_targets(m, mirror, work, 1, &lr[KEEL_AUDIT_ROUND_ENDLESS]) != KEEL_OK) {
        for (int i = KEEL_AUDIT_ROUND_UNTRUSTED_SERVER; i < KEEL_AUDIT_ROUNDS; i++)
            not_run(&rounds[i], m->nnewest == 0 ? "the repository has no target"
                                                : "the changed targets could not be made");
        return;
    }
    for (int i = KEEL_AUDIT_ROUND_UNTRUSTED_SERVER; i <= KEEL_AUDIT_ROUND_LEGACY_TLS; i++) {
        memcpy(lr[i].files, tampered->files, sizeof(tampered->files));
        lr[i].nfiles = tampered->nfiles;
    }
}

/* The untrusted-server round presents a self-signed certificate for the repository's host. */
static void prepare_untrusted(const keel_audit_ixit_update *u, const char *work, lab_round *lr,
                              keel_audit_update_round *r)
{
    if (keel_str_format(lr->own_cert, sizeof(lr->own_cert), "%s/untrusted-cert.pem", work) !=
            KEEL_OK ||
        keel_str_format(lr->own_key, sizeof(lr->own_key), "%s/untrusted-key.pem", work) !=
            KEEL_OK ||
        keel_audit_update_forge_cert(u->repository_at.host, lr->own_cert, lr->own_key) != KEEL_OK) {
        not_run(r, "its certificate could not be made");
        return;
    }
    lr->cert = lr->own_cert;
    lr->key = lr->own_key;
}

/* Every other round stands in for the repository with the IXIT's lab certificate, which the
 * device must accept: else a refusal would say nothing of the manipulation. */
static void require_lab_cert(const keel_audit_ixit_update *u, keel_audit_update_round *rounds)
{
    char why[160] = "", note[sizeof(rounds[0].note)];

    if (u->lab_cert[0] != '\0' &&
        keel_audit_update_cert_vouched(u->lab_cert, u->repository_ca, u->repository_at.host, why,
                                       sizeof(why)))
        return;
    if (u->lab_cert[0] == '\0')
        (void)keel_str_copy(note, sizeof(note), "the IXIT gives no lab_cert and lab_key");
    else
        (void)keel_str_format(note, sizeof(note),
                              "the IXIT's lab_cert is no certificate the device would accept: %s",
                              why);
    for (int i = 0; i < KEEL_AUDIT_ROUNDS; i++) {
        if (i != KEEL_AUDIT_ROUND_UNTRUSTED_SERVER && rounds[i].run)
            not_run(&rounds[i], note);
    }
}

static void prepare(const keel_audit_ixit_update *u, const keel_audit_update_mirror *m,
                    const char *work, lab_round *lr, keel_audit_update_round *rounds)
{
    for (int i = 0; i < KEEL_AUDIT_ROUNDS; i++) {
        rounds[i].run = 1;
        lr[i].cert = u->lab_cert;
        lr[i].key = u->lab_key;
    }
    lr[KEEL_AUDIT_ROUND_LEGACY_TLS].legacy = 1;
    if (forged_metadata(m, work, lr) != KEEL_OK) {
        not_run(&rounds[KEEL_AUDIT_ROUND_UNSIGNED], "the forged metadata could not be made");
        not_run(&rounds[KEEL_AUDIT_ROUND_SUBSTITUTED], "the forged metadata could not be made");
    }
    prepare_targets(m, u->mirror, work, lr, rounds);
    if (rounds[KEEL_AUDIT_ROUND_UNTRUSTED_SERVER].run)
        prepare_untrusted(u, work, &lr[KEEL_AUDIT_ROUND_UNTRUSTED_SERVER],
                          &rounds[KEEL_AUDIT_ROUND_UNTRUSTED_SERVER]);
    require_lab_cert(u, rounds);
}

/* ---- the device's owner API ---- */

/* The device's latest decision from GET update_path: 1 with *at, state and error set. */
static int read_decision(session *s, double *at, char *state, size_t statesz, char *error,
                         size_t errorsz)
{
    keel_audit_http_answer a = {0};
    cJSON *doc;
    const cJSON *j_at, *j_state, *j_error;
    int ok;

    if (keel_audit_http_get(&s->h, s->update_path, s->token, &a) != KEEL_OK || a.status != 200)
        return a.status == 0 ? -1 : 0;
    doc = cJSON_ParseWithLength(s->h.body, s->h.body_len);
    j_at = cJSON_GetObjectItemCaseSensitive(doc, "at");
    j_state = cJSON_GetObjectItemCaseSensitive(doc, "state");
    j_error = cJSON_GetObjectItemCaseSensitive(doc, "error");
    ok = cJSON_IsNumber(j_at) && cJSON_IsString(j_state) &&
         keel_str_copy(state, statesz, j_state->valuestring) == KEEL_OK;
    if (ok)
        *at = j_at->valuedouble;
    error[0] = '\0';
    if (ok && cJSON_IsString(j_error) &&
        keel_str_copy(error, errorsz, j_error->valuestring) != KEEL_OK)
        (void)keel_str_copy(error, errorsz, "(an error text too long to keep)");
    cJSON_Delete(doc);
    return ok;
}

/* GET status_path with the session: its status, and whether it names the firmware version
 * seen at the start (the first call records it). */
static long read_status(session *s, int *same)
{
    char version[FIRMWARE_MAX] = "";
    keel_audit_http_answer a = {0};
    const char *path = s->o->status_path ? s->o->status_path : KEEL_AUDIT_STATUS_PATH_DEFAULT;

    *same = 0;
    if (keel_audit_http_get(&s->h, path, s->token, &a) != KEEL_OK)
        return 0;
    if (a.status == 200 &&
        keel_audit_http_body_string(&s->h, "firmware_version", version, sizeof(version)) != KEEL_OK)
        (void)keel_str_copy(version, sizeof(version), "(none)");
    if (s->firmware[0] == '\0')
        (void)keel_str_copy(s->firmware, sizeof(s->firmware), version);
    *same = a.status == 200 && strcmp(version, s->firmware) == 0;
    return a.status;
}

static keel_err open_session(session *s, const keel_audit_target *t, char *why, size_t whysz)
{
    keel_audit_http_answer a;
    const char *login = s->o->login_path ? s->o->login_path : KEEL_AUDIT_LOGIN_PATH_DEFAULT;
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_CREDENTIALS_BUDGET_MS;
    char state[32], error[160];
    double at = 0;
    int same, got;

    if (keel_audit_http_open(&s->h, t) != KEEL_OK ||
        keel_audit_login(&s->h, login, s->o->password, deadline, &a, NULL) != KEEL_OK) {
        (void)keel_str_copy(why, whysz, "the device's API could not be reached");
        return KEEL_ERR_IO;
    }
    if (a.status != 200 ||
        keel_audit_http_body_string(&s->h, "token", s->token, sizeof(s->token)) != KEEL_OK) {
        (void)keel_str_format(why, whysz, "the given password was not accepted (%s %ld)",
                              a.status ? "HTTP" : "no answer", a.status);
        return KEEL_ERR_AUTH_DENIED;
    }
    if (read_status(s, &same) != 200) {
        (void)keel_str_copy(why, whysz, "the device's status route did not answer 200");
        return KEEL_ERR_IO;
    }
    got = read_decision(s, &at, state, sizeof(state), error, sizeof(error));
    if (got == 1)
        return KEEL_OK;
    if (got == 0 && keel_audit_http_body_string(&s->h, "state", state, sizeof(state)) == KEEL_OK &&
        strcmp(state, "unconfigured") == 0)
        (void)keel_str_format(why, whysz,
                              "the device says it takes no updates (GET %s: state unconfigured)",
                              s->update_path);
    else
        (void)keel_str_format(why, whysz, "GET %s did not answer the update state and its time",
                              s->update_path);
    return KEEL_ERR_NOT_FOUND;
}

static void close_session(session *s)
{
    keel_audit_http_answer a;

    if (s->token[0] != '\0')
        (void)keel_audit_http_post(&s->h, KEEL_AUDIT_LOGOUT_PATH, "", 0, s->token, &a);
    keel_audit_http_close(&s->h);
    keel_wipe(s, sizeof(*s));
}

/* ---- one round ---- */

/* Ask for an install and follow the device's state until a decision newer than at0. */
static void follow(session *s, double at0, keel_audit_update_round *r)
{
    keel_audit_http_answer a;
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_UPDATE_ROUND_MS;
    int unanswered = 0;

    if (keel_audit_http_post(&s->h, KEEL_AUDIT_UPDATE_INSTALL_PATH, "", 0, s->token, &a) != KEEL_OK)
        a.status = 0;
    r->install_status = a.status;
    if (a.status != 202)
        return;
    while (keel_audit_net_now_ms() < deadline && unanswered < GONE_AFTER) {
        double at = at0;
        int got;

        keel_audit_sleep_ms(POLL_MS);
        got = read_decision(s, &at, r->state, sizeof(r->state), r->error, sizeof(r->error));
        unanswered = got < 0 ? unanswered + 1 : 0;
        if (got == 1 && at != at0) {
            r->decided = 1;
            return;
        }
    }
    r->state[0] = r->error[0] = '\0';
}

static void run_round(session *s, const keel_audit_update_opts *o, const lab_round *lr,
                      keel_audit_update_round *r)
{
    const keel_audit_ixit_update *u = o->ixit;
    keel_audit_lab_config cfg = {&u->lab_listen, u->repository_path, u->mirror, lr->files,
                                 lr->nfiles,     lr->cert,           lr->key,   lr->legacy};
    keel_audit_lab *lab = NULL;
    char why[sizeof(r->note)], state[32], error[160];
    double at0 = 0;
    long long wait;

    if (keel_audit_lab_start(&cfg, &lab, why, sizeof(why)) != KEEL_OK) {
        not_run(r, why);
        return;
    }
    if (lr->legacy && !keel_audit_lab_speaks_legacy(&u->lab_listen)) {
        keel_audit_lab_stop(lab);
        not_run(r, "this machine's OpenSSL cannot serve TLS 1.0 or 1.1");
        return;
    }
    keel_audit_lab_reset(lab);
    wait = s->last_ms + SPACING_MS - keel_audit_net_now_ms();
    if (wait > 0)
        keel_audit_sleep_ms(wait);
    /* Without the latest decision to compare with, a new one could not be told apart. */
    if (read_decision(s, &at0, state, sizeof(state), error, sizeof(error)) == 1)
        follow(s, at0, r);
    else
        not_run(r, "the device's update state could not be read before the round");
    s->last_ms = keel_audit_net_now_ms();
    keel_audit_lab_seen(lab, &r->connections, &r->requests, r->fetched, sizeof(r->fetched));
    keel_audit_lab_stop(lab);
    r->status_after = read_status(s, &r->same_firmware);
    s->gone = r->status_after == 0;
}

keel_err keel_audit_update_run_rounds(const keel_audit_target *t, const keel_audit_update_opts *o,
                                      const keel_audit_update_mirror *m, const char *work,
                                      keel_audit_update_round rounds[KEEL_AUDIT_ROUNDS])
{
    lab_round *lr;
    session s;
    char why[sizeof(rounds[0].note)] = "", line[64];

    if (t == NULL || o == NULL || o->ixit == NULL || m == NULL || !m->verified || work == NULL ||
        o->password == NULL)
        return KEEL_ERR_ARG;
    memset(rounds, 0, KEEL_AUDIT_ROUNDS * sizeof(*rounds));
    lr = calloc(KEEL_AUDIT_ROUNDS, sizeof(*lr));
    if (lr == NULL)
        return KEEL_ERR_NOMEM;
    prepare(o->ixit, m, work, lr, rounds);
    memset(&s, 0, sizeof(s));
    s.o = o;
    s.update_path = KEEL_AUDIT_UPDATE_PATH;
    if (open_session(&s, t, why, sizeof(why)) != KEEL_OK) {
        for (int i = 0; i < KEEL_AUDIT_ROUNDS; i++)
            if (rounds[i].run)
                not_run(&rounds[i], why);
    }
    s.last_ms = keel_audit_net_now_ms();
    for (int i = 0; i < KEEL_AUDIT_ROUNDS; i++) {
        if (!rounds[i].run)
            continue;
        if (s.gone) {
            not_run(&rounds[i], "the device stopped answering in an earlier round");
            continue;
        }
        if (o->progress != NULL &&
            keel_str_format(line, sizeof(line), "round %s",
                            keel_audit_update_round_name((keel_audit_update_round_id)i)) == KEEL_OK)
            o->progress(line, o->user);
        run_round(&s, o, &lr[i], &rounds[i]);
    }
    close_session(&s);
    free(lr);
    return KEEL_OK;
}
