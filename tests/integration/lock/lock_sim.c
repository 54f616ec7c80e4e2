/*
 * lock_sim: the lock's power-cut test, the device side (tests/integration/lock_powercut.sh
 * kills it).
 *
 *   lock_sim --setup DIR         a root of trust (file backend), a secure store, a lock with
 *                                one PIN
 *   lock_sim --run DIR SEED      random lock operations without end; before each, one line
 *                                "TRY ..." with its expected effect, and after it committed,
 *                                "OK ..." (flushed at once): what the kill may not take back
 *   lock_sim --check DIR ACKED   after a kill: read lock.db directly (integrity, contiguous
 *                                seqs, every acknowledged operation present with its effect,
 *                                the operation under way all there or not at all), then open
 *                                the lock as keeld would: it must lock the bolt (fail secure)
 *                                and log it; that event is appended to ACKED, and where
 *                                the kill fell is printed: "committed" (the operation under
 *                                way had committed), "undone" (it had not), "unseen" (it
 *                                changes nothing the check reads), "between"
 *
 * A line: "OK seq=N event=E src=S who=W locked=L door=D battery=B pins=P" (seq=0 and
 * event=- when the operation logs no event). Exit status: 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "keel/privacy.h"
#include "keel/rot.h"
#include "keeld.h"
#include "lock_int.h" /* the sealed fields' contexts */

#define SIM_PINS_MAX 8
#define SIM_WRONG_IN_A_ROW 2 /* well below the keypad's free failures: never a wait */

struct effect {
    unsigned long long seq; /* 0: no event */
    char event[32];
    char src[16];
    char who[48];
    int locked;
    int door;
    int battery;
    int pins;
};

struct sim {
    struct keeld_lock *lock;
    keel_rot *rot;
    keel_store *store;
    struct effect now; /* the state after the last acknowledged operation */
    unsigned long long next_seq;
    uint32_t pin_ids[SIM_PINS_MAX];
    unsigned pin_keys[SIM_PINS_MAX];
    int wrong;
    unsigned next_key;
    uint64_t rng;
};

static int die(const char *what)
{
    fprintf(stderr, "lock_sim: %s\n", what);
    return 1;
}

static uint32_t rnd(struct sim *s, uint32_t bound)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return (uint32_t)(s->rng % bound);
}

/* The PIN of sim-KEY: 8 digits made from the key, never one the policy refuses. */
static void pin_of(unsigned key, char out[16])
{
    unsigned v = 10000000u + (key * 7919u + 4409u) % 89999999u;

    snprintf(out, 16, "%u", v);
    if (!keeld_lock_pin_acceptable(out, strlen(out), NULL))
        snprintf(out, 16, "%u", v ^ 5u);
}

static int open_device(const char *dir, struct sim *s, int setup)
{
    char path[512];
    char err[KEELD_ERROR_MAX];

    snprintf(path, sizeof(path), "%s/rot", dir);
    if (keel_rot_open("file", path, &s->rot) != KEEL_OK ||
        (setup && keel_rot_storage_key_create(s->rot) != KEEL_OK))
        return die("cannot open the root of trust");
    snprintf(path, sizeof(path), "%s/store.kst", dir);
    if ((setup && keel_store_create(path, s->rot) != KEEL_OK) ||
        keel_store_open(path, s->rot, &s->store) != KEEL_OK)
        return die("cannot open the secure store");
    if (keeld_lock_open(dir, s->store, &s->lock, err, sizeof(err)) != KEEL_OK)
        return die(err);
    return 0;
}

static void close_device(struct sim *s)
{
    keeld_lock_close(s->lock);
    keel_store_close(s->store);
    keel_rot_close(s->rot);
}

static void print_effect(const char *tag, const struct effect *e)
{
    printf("%s seq=%llu event=%s src=%s who=%s locked=%d door=%d battery=%d pins=%d\n", tag, e->seq,
           e->event, e->src, e->who, e->locked, e->door, e->battery, e->pins);
    fflush(stdout);
}

/* Where the lock is: state, the next seq, the PINs (sim-KEY names give back their codes). */
static int learn(struct sim *s)
{
    static char json[64 * 1024];
    struct keeld_lock_state st;
    cJSON *root;
    cJSON *it;

    if (keeld_lock_get(s->lock, &st) != KEEL_OK ||
        keeld_lock_log_json(s->lock, 1, json, sizeof(json)) != KEEL_OK)
        return die("cannot read the lock");
    root = cJSON_Parse(json);
    it = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "entries"), 0);
    s->next_seq =
        it != NULL ? (unsigned long long)cJSON_GetObjectItem(it, "seq")->valuedouble + 1 : 1;
    cJSON_Delete(root);
    if (keeld_lock_pins_json(s->lock, json, sizeof(json)) != KEEL_OK)
        return die("cannot read the PINs");
    root = cJSON_Parse(json);
    s->now.pins = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "pins"))
    {
        unsigned key = 0;
        const char *name = cJSON_GetObjectItem(it, "name")->valuestring;
        if (s->now.pins >= SIM_PINS_MAX || sscanf(name, "sim-%u", &key) != 1) {
            cJSON_Delete(root);
            return die("a PIN the simulator did not make");
        }
        s->pin_ids[s->now.pins] = (uint32_t)cJSON_GetObjectItem(it, "id")->valuedouble;
        s->pin_keys[s->now.pins++] = key;
        if (key >= s->next_key)
            s->next_key = key + 1;
    }
    cJSON_Delete(root);
    s->now.locked = st.locked;
    s->now.door = st.door_open;
    s->now.battery = st.battery;
    return 0;
}

static void expect_event(struct sim *s, struct effect *e, const char *event, const char *src,
                         const char *who)
{
    e->seq = s->next_seq;
    snprintf(e->event, sizeof(e->event), "%s", event);
    snprintf(e->src, sizeof(e->src), "%s", src);
    snprintf(e->who, sizeof(e->who), "%s", who != NULL ? who : "-");
}

/* Choose an operation, say what it will do, do it. 0 when it did what was said. */
static int step(struct sim *s)
{
    static const keeld_lock_source bolt_src[] = {KEELD_SRC_API, KEELD_SRC_CLOUD, KEELD_SRC_BUTTON};
    struct effect e = s->now;
    char pin[16];
    char name[48];
    char json[KEELD_EVENT_MAX];
    uint32_t op = rnd(s, 100);
    uint32_t wait = 0;
    uint32_t id = 0;
    uint64_t seq = 0;
    keel_err ret;
    unsigned k;

    e.seq = 0;
    snprintf(e.event, sizeof(e.event), "-");
    snprintf(e.src, sizeof(e.src), "-");
    snprintf(e.who, sizeof(e.who), "-");
    if (op < 30) { /* the bolt from the API, the cloud, the button */
        keeld_lock_source src = bolt_src[rnd(s, 3)];
        e.locked = (int)rnd(s, 2);
        expect_event(s, &e, e.locked ? "locked" : "unlocked", keeld_lock_source_name(src), NULL);
        print_effect("TRY", &e);
        ret = keeld_lock_set(s->lock, e.locked, src, NULL);
    } else if (op < 45 || (op < 55 && s->wrong >= SIM_WRONG_IN_A_ROW)) { /* the right PIN */
        k = rnd(s, (uint32_t)s->now.pins);
        snprintf(name, sizeof(name), "sim-%u", s->pin_keys[k]);
        pin_of(s->pin_keys[k], pin);
        e.locked = 0;
        expect_event(s, &e, "unlocked", "keypad", name);
        print_effect("TRY", &e);
        ret = keeld_lock_keypad_pin(s->lock, pin, strlen(pin), &wait);
        if (ret == KEEL_OK)
            s->wrong = 0;
    } else if (op < 55) { /* a wrong one */
        snprintf(pin, sizeof(pin), "%06u", 100000 + rnd(s, 900000));
        expect_event(s, &e, "pin_rejected", "keypad", NULL);
        print_effect("TRY", &e);
        ret = keeld_lock_keypad_pin(s->lock, pin, strlen(pin), &wait);
        if (ret == KEEL_ERR_AUTH_DENIED) {
            s->wrong++;
            ret = KEEL_OK;
        }
    } else if (op < 68) { /* the door sensor: an event only when it changes */
        e.door = (int)rnd(s, 2);
        if (e.door != s->now.door)
            expect_event(s, &e, e.door ? "door_open" : "door_closed", "system", NULL);
        print_effect("TRY", &e);
        ret = keeld_lock_door(s->lock, e.door);
    } else if (op < 80) { /* the battery gauge: an event when it crosses down to low */
        e.battery = (int)rnd(s, 101);
        if (e.battery <= KEELD_BATTERY_LOW && s->now.battery > KEELD_BATTERY_LOW)
            expect_event(s, &e, "battery_low", "system", NULL);
        print_effect("TRY", &e);
        ret = keeld_lock_battery(s->lock, e.battery);
    } else if (op < 88) { /* the cloud takes some events: no event of its own */
        print_effect("TRY", &e);
        ret = KEEL_OK;
        for (uint32_t n = 1 + rnd(s, 3); n > 0 && ret == KEEL_OK; n--) {
            ret = keeld_lock_outbox_peek(s->lock, &seq, json, sizeof(json));
            if (ret == KEEL_OK)
                ret = keeld_lock_outbox_done(s->lock, seq);
            else if (ret == KEEL_ERR_NOT_FOUND)
                ret = KEEL_OK;
        }
    } else if (op < 94 && s->now.pins < SIM_PINS_MAX) { /* a PIN added */
        k = s->next_key;
        snprintf(name, sizeof(name), "sim-%u", k);
        pin_of(k, pin);
        e.pins++;
        expect_event(s, &e, "pin_added", "api", name);
        print_effect("TRY", &e);
        ret = keeld_lock_pin_add(s->lock, name, pin, strlen(pin), &id, NULL);
        if (ret == KEEL_OK) {
            s->pin_ids[s->now.pins] = id;
            s->pin_keys[s->now.pins] = k;
            s->next_key++;
        }
    } else if (s->now.pins > 1) { /* a PIN removed (one always stays) */
        k = rnd(s, (uint32_t)s->now.pins);
        snprintf(name, sizeof(name), "sim-%u", s->pin_keys[k]);
        e.pins--;
        expect_event(s, &e, "pin_removed", "api", name);
        print_effect("TRY", &e);
        ret = keeld_lock_pin_remove(s->lock, s->pin_ids[k]);
        if (ret == KEEL_OK) {
            s->pin_ids[k] = s->pin_ids[s->now.pins - 1];
            s->pin_keys[k] = s->pin_keys[s->now.pins - 1];
        }
    } else {
        return 0;
    }
    if (ret != KEEL_OK) {
        fprintf(stderr, "lock_sim: operation %u failed: %s\n", op, keel_strerror(ret));
        return 1;
    }
    print_effect("OK", &e);
    if (e.seq != 0)
        s->next_seq++;
    s->now = e;
    return 0;
}

static int sim_setup(const char *dir)
{
    struct sim s;
    char pin[16];
    uint32_t id = 0;
    int rc;

    memset(&s, 0, sizeof(s));
    if (open_device(dir, &s, 1) != 0)
        return 1;
    pin_of(0, pin);
    rc = keeld_lock_pin_add(s.lock, "sim-0", pin, strlen(pin), &id, NULL) == KEEL_OK ? 0 : 1;
    close_device(&s);
    if (rc != 0)
        return die("cannot add the first PIN");
    /* the first acknowledged operation, where every check starts from */
    printf("OK seq=1 event=pin_added src=api who=sim-0 locked=1 door=0 battery=100 pins=1\n");
    return fflush(stdout) == 0 ? 0 : 1;
}

static int sim_run(const char *dir, const char *seed)
{
    struct sim s;

    memset(&s, 0, sizeof(s));
    s.rng = strtoull(seed, NULL, 10) * 2654435761u + 88172645463325252ull;
    if (open_device(dir, &s, 0) != 0 || learn(&s) != 0)
        return 1;
    /* the keypad's count of wrong PINs may be one past what was acknowledged: no wrong PIN
     * until a right one has cleared it */
    s.wrong = SIM_WRONG_IN_A_ROW;
    printf("READY\n");
    fflush(stdout);
    for (;;) {
        if (step(&s) != 0)
            return 1; /* left open on purpose: as a kill leaves it */
    }
}

/* ---- the check ---- */

struct acked {
    struct effect *ok; /* every OK line, in order */
    size_t n_ok;
    size_t cap;
    struct effect pending; /* a TRY after the last OK line */
    int has_pending;
};

static int parse_line(const char *line, char *tag, struct effect *e)
{
    memset(e, 0, sizeof(*e));
    return sscanf(line,
                  "%3s seq=%llu event=%31s src=%15s who=%47s locked=%d door=%d battery=%d "
                  "pins=%d",
                  tag, &e->seq, e->event, e->src, e->who, &e->locked, &e->door, &e->battery,
                  &e->pins) == 9;
}

/* The lines the simulator wrote. A last line cut short by the kill was never acknowledged. */
static int acked_read(const char *path, struct acked *a)
{
    char line[512];
    char tag[4];
    struct effect e;
    FILE *f = fopen(path, "r");

    memset(a, 0, sizeof(*a));
    if (f == NULL)
        return die("cannot read the acknowledged operations");
    while (fgets(line, sizeof(line), f) != NULL) {
        int complete = strchr(line, '\n') != NULL;
        if (strcmp(line, "READY\n") == 0)
            continue;
        if (!complete || !parse_line(line, tag, &e)) {
            if (!complete && fgetc(f) == EOF)
                break;
            fclose(f);
            return die("a malformed line in the acknowledged operations");
        }
        if (strcmp(tag, "TRY") == 0) {
            a->pending = e;
            a->has_pending = 1;
            continue;
        }
        if (a->n_ok == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 1024;
            a->ok = realloc(a->ok, a->cap * sizeof(*a->ok));
            if (a->ok == NULL) {
                fclose(f);
                return die("out of memory");
            }
        }
        a->ok[a->n_ok++] = e;
        a->has_pending = 0;
    }
    fclose(f);
    return a->n_ok > 0 ? 0 : die("no acknowledged operation at all");
}

static long long q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int same_state(const struct effect *a, const struct effect *b)
{
    return a->locked == b->locked && a->door == b->door && a->battery == b->battery &&
           a->pins == b->pins;
}

/* The data key sealing "who" (KEELD_REC_DATA_KEY), read from the device's secure store. */
static int data_key_read(const char *dir, uint8_t key[KEEL_PRIVACY_KEY_LEN])
{
    char path[512];
    keel_rot *rot = NULL;
    keel_store *store = NULL;
    size_t len = 0;
    int rc = 1;

    snprintf(path, sizeof(path), "%s/rot", dir);
    if (keel_rot_open("file", path, &rot) != KEEL_OK)
        return die("cannot open the root of trust");
    snprintf(path, sizeof(path), "%s/store.kst", dir);
    if (keel_store_open(path, rot, &store) != KEEL_OK)
        rc = die("cannot open the secure store");
    else if (keel_store_get(store, KEELD_REC_DATA_KEY, key, KEEL_PRIVACY_KEY_LEN, &len) !=
                 KEEL_OK ||
             len != KEEL_PRIVACY_KEY_LEN)
        rc = die("cannot read the data key");
    else
        rc = 0;
    keel_store_close(store);
    keel_rot_close(rot);
    return rc;
}

/* Column 2 of s, a sealed "who" or NULL, as the simulator wrote it ("-" for none). */
static int who_of(sqlite3_stmt *s, const uint8_t key[KEEL_PRIVACY_KEY_LEN], char *out, size_t outsz)
{
    size_t len = 0;

    if (sqlite3_column_type(s, 2) == SQLITE_NULL) {
        snprintf(out, outsz, "-");
        return 0;
    }
    if (keel_privacy_open(key, KEELD_SEAL_LOG_WHO, sqlite3_column_blob(s, 2),
                          (size_t)sqlite3_column_bytes(s, 2), out, outsz - 1, &len) != KEEL_OK)
        return die("a sealed who does not open");
    out[len] = '\0';
    return 0;
}

/* Each acknowledged event still in the access log is there as acknowledged. */
static int check_logged(sqlite3 *db, const struct acked *a, long long min_seq,
                        const uint8_t key[KEEL_PRIVACY_KEY_LEN])
{
    sqlite3_stmt *s = NULL;
    char who[64];
    int bad = 0;

    if (sqlite3_prepare_v2(db, "SELECT event, source, who FROM log WHERE seq = ?1", -1, &s, NULL) !=
        SQLITE_OK)
        return die("cannot read the access log");
    for (size_t i = 0; i < a->n_ok && !bad; i++) {
        const struct effect *e = &a->ok[i];
        if (e->seq == 0 || (long long)e->seq < min_seq)
            continue;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)e->seq);
        if (sqlite3_step(s) != SQLITE_ROW ||
            strcmp((const char *)sqlite3_column_text(s, 0), e->event) != 0 ||
            strcmp((const char *)sqlite3_column_text(s, 1), e->src) != 0 ||
            who_of(s, key, who, sizeof(who)) != 0 || strcmp(who, e->who) != 0) {
            fprintf(stderr, "lock_sim: acknowledged event seq %llu (%s by %s) is not in the log\n",
                    e->seq, e->event, e->src);
            bad = 1;
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return bad;
}

/* What lock.db holds after the kill, read without keeld. */
static int check_database(const char *dir, const struct acked *a, struct effect *found,
                          const char **where)
{
    char path[512];
    char result[64] = "";
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    const struct effect *last = &a->ok[a->n_ok - 1];
    uint8_t key[KEEL_PRIVACY_KEY_LEN];
    unsigned long long last_seq = 0;
    long long top;
    int rc = 0;

    for (size_t i = 0; i < a->n_ok; i++)
        if (a->ok[i].seq != 0)
            last_seq = a->ok[i].seq;
    snprintf(path, sizeof(path), "%s/%s", dir, KEELD_LOCK_DB);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return die("cannot open lock.db");
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        snprintf(result, sizeof(result), "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (strcmp(result, "ok") != 0) {
        fprintf(stderr, "lock_sim: integrity_check: %s\n", result);
        rc = 1;
    }
    found->locked = (int)q_int(db, "SELECT locked FROM state");
    found->door = (int)q_int(db, "SELECT door_open FROM state");
    found->battery = (int)q_int(db, "SELECT battery FROM state");
    found->pins = (int)q_int(db, "SELECT count(*) FROM pins");
    found->seq = (unsigned long long)q_int(db, "SELECT next_seq - 1 FROM state");
    top = q_int(db, "SELECT max(seq) FROM log");
    if (q_int(db, "SELECT max(seq) - min(seq) + 1 - count(*) FROM log") != 0 ||
        top != (long long)found->seq || q_int(db, "SELECT count(*) FROM log") > KEELD_LOG_KEEP) {
        fprintf(stderr, "lock_sim: the access log's seqs are not contiguous up to %llu\n",
                found->seq);
        rc = 1;
    }
    if (q_int(db, "SELECT count(*) FROM outbox") > 0 &&
        (q_int(db, "SELECT max(seq) - min(seq) + 1 - count(*) FROM outbox") != 0 ||
         q_int(db, "SELECT max(seq) FROM outbox") != (long long)found->seq ||
         q_int(db, "SELECT count(*) FROM outbox") > KEELD_OUTBOX_MAX)) {
        fprintf(stderr, "lock_sim: the queue's seqs are not contiguous up to %llu\n", found->seq);
        rc = 1;
    }
    /* all of the operation under way, or none of it */
    if (!a->has_pending)
        *where = "between";
    else if (a->pending.seq != 0)
        *where = found->seq == a->pending.seq ? "committed" : "undone";
    else if (same_state(&a->pending, last))
        *where = "unseen"; /* an operation whose effect the check cannot see (the queue's) */
    else
        *where = same_state(found, &a->pending) ? "committed" : "undone";
    if (a->has_pending && a->pending.seq != 0 && found->seq == a->pending.seq) {
        if (!same_state(found, &a->pending))
            rc = die("the operation under way left its event but not its state");
    } else if (found->seq != last_seq) {
        fprintf(stderr, "lock_sim: the newest event is %llu; acknowledged: %llu\n", found->seq,
                last_seq);
        rc = 1;
    } else if (!same_state(found, last) &&
               !(a->has_pending && a->pending.seq == 0 && same_state(found, &a->pending))) {
        rc = die("the state is neither the acknowledged one nor the one under way");
    }
    if (rc == 0)
        rc = data_key_read(dir, key);
    if (rc == 0)
        rc = check_logged(db, a, q_int(db, "SELECT min(seq) FROM log"), key);
    keel_wipe(key, sizeof(key));
    sqlite3_close(db);
    return rc;
}

/* keeld's start after the kill: the bolt locked, "fail_secure" logged. */
static int check_reopen(const char *dir, const char *acked, const struct effect *found)
{
    struct sim s;
    struct keeld_lock_state st;
    struct effect e = *found;
    char json[1024];
    char want[96];
    FILE *f;
    int rc = 0;

    memset(&s, 0, sizeof(s));
    if (open_device(dir, &s, 0) != 0)
        return 1;
    snprintf(want, sizeof(want), "{\"entries\":[{\"seq\":%llu,", found->seq + 1);
    if (keeld_lock_get(s.lock, &st) != KEEL_OK || !st.locked || !st.unclean_start)
        rc = die("the lock did not fail secure after the kill");
    else if (keeld_lock_log_json(s.lock, 1, json, sizeof(json)) != KEEL_OK ||
             strncmp(json, want, strlen(want)) != 0 ||
             strstr(json, "\"event\":\"fail_secure\",\"source\":\"system\"}") == NULL)
        rc = die("no fail_secure entry after the kill");
    close_device(&s);
    if (rc != 0)
        return rc;
    e.seq = found->seq + 1;
    e.locked = 1;
    snprintf(e.event, sizeof(e.event), "fail_secure");
    snprintf(e.src, sizeof(e.src), "system");
    snprintf(e.who, sizeof(e.who), "-");
    f = fopen(acked, "a");
    if (f == NULL)
        return die("cannot append to the acknowledged operations");
    fprintf(f, "OK seq=%llu event=%s src=%s who=%s locked=%d door=%d battery=%d pins=%d\n", e.seq,
            e.event, e.src, e.who, e.locked, e.door, e.battery, e.pins);
    return fclose(f) == 0 ? 0 : die("cannot append to the acknowledged operations");
}

static int sim_check(const char *dir, const char *acked_path)
{
    struct acked a;
    struct effect found;
    const char *where = "between";
    int rc = acked_read(acked_path, &a);

    if (rc == 0)
        rc = check_database(dir, &a, &found, &where);
    if (rc == 0)
        rc = check_reopen(dir, acked_path, &found);
    free(a.ok);
    /* where the kill fell, for the script's tally */
    if (rc == 0)
        printf("%s\n", where);
    return rc;
}

int main(int argc, char **argv)
{
    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL);
    if (argc == 3 && strcmp(argv[1], "--setup") == 0)
        return sim_setup(argv[2]);
    if (argc == 4 && strcmp(argv[1], "--run") == 0)
        return sim_run(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "--check") == 0)
        return sim_check(argv[2], argv[3]);
    fprintf(stderr, "usage: lock_sim --setup DIR | --run DIR SEED | --check DIR ACKED\n");
    return 2;
}
