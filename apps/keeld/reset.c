/* Factory reset (5.11-1): every user datum and every key made after the factory goes, the
 * manufacturer's identity stays (identity.json, the keys and certificates, the label
 * password's hash, rot/, the update trust and slots, the anti-rollback base). Crypto-erase:
 * the keys in the secure store first (the PIN key, the data key sealing the names in
 * lock.db, the telemetry pseudonym, the owner's password hash), then the database's bytes.
 *
 * Crash-safe: a marker is written before anything is erased and stays until the next start
 * has finished the erasure (steps 2 and 3 are idempotent), opened a fresh lock and recorded
 * the reset; a power cut at any point therefore ends in the factory state. keeld makes no
 * TPM object for the owner: there is none to remove. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keeld.h"

#define PATH_MAX_LEN 4096

/* What keel provision writes into the store (apps/keel/provision_device.c: the label
 * password's hash), and the anti-rollback base the update agent made at the first start,
 * which protects the device, not the owner. Nothing else survives a reset. */
static const char *const factory_records[] = {
    KEELD_REC_LABEL_HASH,
    KEELD_REC_UPDATE_FLOOR_BASE,
};

const char *const *keeld_factory_records(size_t *n)
{
    *n = sizeof(factory_records) / sizeof(factory_records[0]);
    return factory_records;
}

static keel_err marker_path(const char *data_dir, char path[PATH_MAX_LEN], char *err, size_t errsz)
{
    if (data_dir == NULL ||
        keel_str_format(path, PATH_MAX_LEN, "%s/%s", data_dir, KEELD_RESET_MARKER) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "factory reset: no usable data directory");
        return KEEL_ERR_RANGE;
    }
    return KEEL_OK;
}

static keel_err write_marker(const char *path, char *err, size_t errsz)
{
    time_t now = time(NULL);
    struct tm tm;
    char at[32];
    char text[KEELD_RESET_MARKER_MAX];
    keel_err ret = KEEL_ERR_RANGE;

    if (gmtime_r(&now, &tm) != NULL && strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
        ret = keel_str_format(text, sizeof(text), "{\"requested\":\"%s\"}\n", at);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, strlen(text), 0600);
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "factory reset: cannot write %s: %s", path,
                              keel_strerror(ret));
    return ret;
}

/* Step 2: the store back to its factory records, in one write. */
static keel_err store_to_factory(keel_store *store, char *err, size_t errsz)
{
    size_t n = 0, removed = 0;
    const char *const *keep = keeld_factory_records(&n);
    keel_err ret = keel_store_retain(store, keep, n, &removed);

    if (ret != KEEL_OK) {
        (void)keel_str_format(err, errsz, "factory reset: the secure store keeps its records: %s",
                              keel_strerror(ret));
        return ret;
    }
    keel_log(KEEL_LOG_WARN, "event=factory_reset.store removed=%zu kept=%zu", removed, n);
    return KEEL_OK;
}

keel_err keeld_factory_reset(struct keeld_state *st, char *err, size_t errsz)
{
    char path[PATH_MAX_LEN];
    keel_err ret;

    if (st == NULL || st->store == NULL || st->lock == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    err[0] = '\0';
    ret = marker_path(st->data_dir, path, err, errsz);
    if (ret == KEEL_OK)
        ret = write_marker(path, err, errsz);
    if (ret != KEEL_OK)
        return ret; /* nothing erased: keeld goes on as it was */
    /* from here on keeld is committed: it serves nothing more and the next start finishes
     * whatever a failure leaves */
    __atomic_store_n(&st->reset_done, 1, __ATOMIC_RELEASE);
    ret = store_to_factory(st->store, err, errsz);
    if (ret == KEEL_OK) {
        ret = keeld_lock_erase(st->lock);
        if (ret != KEEL_OK)
            (void)keel_str_format(err, errsz, "factory reset: %s/%s not erased: %s", st->data_dir,
                                  KEELD_LOCK_DB, keel_strerror(ret));
    }
    /* step 4, on every path: what memory held of the owner */
    keel_auth_sessions_wipe(&st->sessions);
    keel_wipe(st->owner_hash, sizeof(st->owner_hash));
    keel_wipe(st->guard_slots, sizeof(st->guard_slots));
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_WARN, "event=factory_reset.erased: keeld stops; the next start "
                                "completes the reset");
    return ret;
}

keel_err keeld_reset_resume(const char *data_dir, keel_store *store, int *resumed, char *err,
                            size_t errsz)
{
    char path[PATH_MAX_LEN];
    struct stat sb;
    keel_err ret;

    if (store == NULL || resumed == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    *resumed = 0;
    ret = marker_path(data_dir, path, err, errsz);
    if (ret != KEEL_OK)
        return ret;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT)
            return KEEL_OK;
        (void)keel_str_format(err, errsz, "factory reset: cannot read %s", path);
        return KEEL_ERR_IO;
    }
    if (!S_ISREG(sb.st_mode)) {
        (void)keel_str_format(err, errsz, "factory reset: %s is not a regular file", path);
        return KEEL_ERR_PERM;
    }
    keel_log(KEEL_LOG_WARN, "event=factory_reset.resume: %s found, erasing", path);
    ret = store_to_factory(store, err, errsz);
    if (ret == KEEL_OK) {
        ret = keeld_lock_erase_files(data_dir);
        if (ret != KEEL_OK)
            (void)keel_str_format(err, errsz, "factory reset: %s/%s not erased: %s", data_dir,
                                  KEELD_LOCK_DB, keel_strerror(ret));
    }
    if (ret == KEEL_OK)
        *resumed = 1;
    return ret;
}

keel_err keeld_reset_finish(const char *data_dir, struct keeld_lock *lock, char *err, size_t errsz)
{
    char path[PATH_MAX_LEN];
    keel_err ret;

    if (lock == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    ret = marker_path(data_dir, path, err, errsz);
    if (ret != KEEL_OK)
        return ret;
    ret = keeld_lock_security(lock, "factory_reset", KEELD_SRC_SYSTEM);
    if (ret != KEEL_OK) {
        (void)keel_str_format(err, errsz, "factory reset: the event is not recorded: %s",
                              keel_strerror(ret));
        return ret;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        (void)keel_str_format(err, errsz, "factory reset: cannot remove %s", path);
        return KEEL_ERR_IO;
    }
    ret = keel_file_sync_parent(path);
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "factory reset: cannot sync the directory of %s", path);
    else
        keel_log(KEEL_LOG_WARN, "event=factory_reset.completed");
    return ret;
}

/* What a reset erases, for the owner (the answer's "erased"): the data inventory's ids of
 * every datum it marks erased_at_reset (a unit test holds the two to each other), then the
 * keys made after the factory. */
static const char *const erased_names[] = {
    "owner_password",  "pin_codes",       "pin_names",      "access_log",          "access_log_who",
    "access_log_sync", "consent_records", "cloud_deletion", "update_settings",     "guard_records",
    "sessions",        "pin_key",         "data_key",       "telemetry_pseudonym",
};

static keel_err answer(struct keeld_response *rs)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *list = NULL;
    keel_err ret = KEEL_ERR_NOMEM;

    if (o == NULL || cJSON_AddStringToObject(o, "reset", "done") == NULL ||
        (list = cJSON_AddArrayToObject(o, "erased")) == NULL)
        goto out;
    for (size_t i = 0; i < sizeof(erased_names) / sizeof(erased_names[0]); i++) {
        if (!cJSON_AddItemToArray(list, cJSON_CreateString(erased_names[i])))
            goto out;
    }
    if (cJSON_PrintPreallocated(o, rs->body, (int)sizeof(rs->body), 0)) {
        rs->status = 200;
        rs->body_len = strlen(rs->body);
        ret = KEEL_OK;
    }
out:
    cJSON_Delete(o);
    return ret;
}

void keeld_handle_reset(struct keeld_state *st, const struct keeld_request *rq,
                        struct keeld_response *rs)
{
    char err[KEELD_ERROR_MAX];
    keel_secret password;
    keel_err ret = keeld_reset_parse(rq->body, rq->body_len, &password);

    if (ret != KEEL_OK) {
        keeld_response_error(rs, ret == KEEL_ERR_TOO_LARGE ? 413 : 400);
        goto out;
    }
    /* the owner's password, through the brute-force guard like a login (5.1-5) */
    if (!keeld_guarded_verify(st, rq->client, &password, rs))
        goto out;
    keel_log(KEEL_LOG_WARN, "event=factory_reset.requested client=%s",
             rq->client != NULL ? rq->client : "-");
    ret = keeld_factory_reset(st, err, sizeof(err));
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "event=factory_reset.failed error=\"%s\"", err);
        keeld_response_error(rs, 500);
    } else if (answer(rs) != KEEL_OK) {
        keeld_response_error(rs, 500);
    }
    /* once committed, keeld stops after this answer, done or not: the next start ends in
     * the factory state either way */
    rs->exit_after = __atomic_load_n(&st->reset_done, __ATOMIC_ACQUIRE);
out:
    keel_secret_clear(&password);
}
