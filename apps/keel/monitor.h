/*
 * keel monitor, shared between its files: the detector (baselines and rules over the fleet's
 * security events, 5.10-1), the device table that bounds its memory, the alerts it writes,
 * and the MQTT link it reads the events from.
 *
 * Time is the monitor's own monotonic clock at each message's arrival, in milliseconds: a
 * device's "time" member is its claim, never trusted for counting. A window (--window) is
 * counted in MONITOR_BUCKETS slices, so "in the window" means "in the last window's length
 * up to now" (a sliding window), not "since the last round minute".
 *
 * Functions return keel_err where they can fail; misuse (NULL) is KEEL_ERR_ARG.
 */
#ifndef KEEL_APPS_MONITOR_H
#define KEEL_APPS_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "keel/events.h"

/* ---- thresholds: the defaults, each changed by the option named ---- */
#define MONITOR_WINDOW_S 60u /* --window: the counting window */
#define MONITOR_WINDOW_S_MAX 86400u
#define MONITOR_BRUTE_MIN 10u    /* --brute: auth failures of one device in a window */
#define MONITOR_STORM_MIN 10u    /* --storm: link.up of one device in a window */
#define MONITOR_RATE_FACTOR 8u   /* --rate-factor: a device's window count above this many */
#define MONITOR_RATE_FLOOR 30u   /* ... times its baseline, and at least --rate-floor */
#define MONITOR_FLEET_FACTOR 4u  /* --fleet-factor: one class fleet-wide above this many */
#define MONITOR_FLEET_FLOOR 100u /* ... times the fleet's baseline, at least --fleet-floor */
#define MONITOR_DEVICES 100000u  /* --devices-max: the device table's capacity */
#define MONITOR_DEVICES_MAX 10000000u
#define MONITOR_THRESHOLD_MAX 1000000u
#define MONITOR_FIRMWARE_MAX 64u /* versions in --firmware */

/* ---- how the baselines learn (fixed: they follow from the window) ---- */
#define MONITOR_BUCKETS 10u            /* slices of a window */
#define MONITOR_DEVICE_SPAN_BUCKETS 30 /* a device's baseline forgets over about 3 windows */
#define MONITOR_FLEET_SPAN_BUCKETS 50  /* the fleet's over about 5 windows */
#define MONITOR_DEVICE_WARMUP 1u       /* windows a device is watched before its rate counts */
#define MONITOR_FLEET_WARMUP 2u        /* windows of history before fleet_rate may fire */
#define MONITOR_REPLAY_BITS 64u        /* the last seqs of a device remembered (QoS 1 repeats) */
#define MONITOR_DETAIL_MAX 192         /* an alert's "detail", NUL included */

enum monitor_kind {
    MONITOR_BRUTE_FORCE = 0,
    MONITOR_UNEXPECTED_FIRMWARE,
    MONITOR_INTEGRITY,
    MONITOR_RECONNECT_STORM,
    MONITOR_RATE,
    MONITOR_FLEET_RATE,
    MONITOR_KINDS
};

/* "brute_force", "unexpected_firmware", "integrity", "reconnect_storm", "rate",
 * "fleet_rate"; NULL for another value. */
const char *monitor_kind_name(enum monitor_kind kind);

struct monitor_rules {
    uint32_t window_s;
    uint32_t brute_min;
    uint32_t storm_min;
    uint32_t rate_factor;
    uint32_t rate_floor;
    uint32_t fleet_factor;
    uint32_t fleet_floor;
    uint32_t devices_max;
    /* the expected firmware versions (--firmware); none: only downgrades are flagged */
    char firmware[MONITOR_FIRMWARE_MAX][KEEL_EVENT_FIRMWARE_MAX];
    size_t nfirmware;
};

/* The defaults above. */
void monitor_rules_default(struct monitor_rules *r);

/* "1.0.0,1.1.0" into r->firmware (each must pass the event format's firmware rule; at most
 * MONITOR_FIRMWARE_MAX). KEEL_ERR_PARSE naming nothing; the caller says which option. */
keel_err monitor_firmware_list_parse(const char *text, struct monitor_rules *r);

/* 1 when firmware is expected: the list is empty or holds it. */
int monitor_firmware_expected(const struct monitor_rules *r, const char *firmware);

/* 1 when a device that reported before and now reports now went down: now orders below
 * before (keel_update_version_compare; a string that is not a version orders below every
 * version). */
int monitor_firmware_downgrade(const char *before, const char *now);

/* ---- a sliding count and a baseline ---- */

/* An exponentially weighted mean of counts per bucket. Its weight is 1/n for the n-th value
 * until n reaches span, then 1/span: the plain mean while it learns, then a moving one. */
struct monitor_ewma {
    double mean;
    uint64_t n;
};

void monitor_ewma_add(struct monitor_ewma *e, double value, uint32_t span);
/* The most one bucket may add to a baseline once it has learnt: twice its mean, or one
 * event if that is more. An anomaly then raises the baseline by a small bounded step per
 * bucket and cannot lift the threshold out of its own way, while a genuine change of level
 * is still followed, within a few spans. */
double monitor_ewma_cap(const struct monitor_ewma *e);
/* k buckets with nothing in them (a device that was quiet). */
void monitor_ewma_idle(struct monitor_ewma *e, uint64_t k, uint32_t span);

/* ---- the device table: fixed capacity, least recently seen evicted when full ---- */

#define MONITOR_NONE UINT32_MAX

struct monitor_device {
    uint8_t id[KEEL_EVENT_PSEUDONYM_HEX / 2];
    uint32_t chain;                     /* next in the hash bucket's chain */
    uint32_t older, newer;              /* the recency list */
    int64_t bucket;                     /* the newest bucket counted */
    int64_t first_bucket;               /* when the device was first seen */
    int64_t quiet_until[MONITOR_KINDS]; /* bucket before which a kind is not raised again */
    uint64_t seq_top;                   /* the highest seq seen */
    uint64_t seq_seen;                  /* bit i: seq_top - i was seen */
    struct monitor_ewma rate;           /* events per bucket */
    uint16_t auth[MONITOR_BUCKETS];
    uint16_t link[MONITOR_BUCKETS];
    uint16_t all[MONITOR_BUCKETS];
    char firmware[KEEL_EVENT_FIRMWARE_MAX]; /* the last one reported */
    uint8_t has_seq;
    uint8_t malformed_logged;
};

struct monitor_table {
    struct monitor_device *devices; /* capacity entries */
    uint32_t *heads;                /* nheads chains */
    uint32_t capacity;
    uint32_t nheads; /* a power of two, at least 2 * capacity */
    uint32_t used;
    uint32_t newest, oldest;
    uint64_t key[2]; /* random: where a pseudonym lands cannot be chosen by its sender */
    uint64_t evicted;
};

/* A table of capacity (1..MONITOR_DEVICES_MAX) devices. KEEL_ERR_NOMEM, KEEL_ERR_RANDOM. */
keel_err monitor_table_init(struct monitor_table *t, uint32_t capacity);
void monitor_table_free(struct monitor_table *t);
/* The device for pseudonym (keel_event_pseudonym_valid), or NULL. Marks it most recent when
 * touch is nonzero. */
struct monitor_device *monitor_table_find(struct monitor_table *t, const char *pseudonym,
                                          int touch);
/* The device for pseudonym, made (zeroed but for its id) when new; when the table is full
 * the least recently seen device is evicted first. *fresh says whether it was made. NULL
 * only for an invalid pseudonym. */
struct monitor_device *monitor_table_get(struct monitor_table *t, const char *pseudonym,
                                         int *fresh);

/* ---- the detector ---- */

struct monitor_alert {
    enum monitor_kind kind;
    char device[KEEL_EVENT_PSEUDONYM_HEX + 1]; /* "" for fleet_rate: the fleet, no device */
    uint64_t count;                            /* what crossed the threshold */
    char detail[MONITOR_DETAIL_MAX];
};

typedef void (*monitor_alert_fn)(const struct monitor_alert *a, void *user);

struct monitor_fleet {
    int64_t bucket;
    int64_t first_bucket; /* -1: nothing seen yet */
    uint32_t count[KEEL_EVENT_CLASS_COUNT][MONITOR_BUCKETS];
    struct monitor_ewma base[KEEL_EVENT_CLASS_COUNT];
    int64_t quiet_until[KEEL_EVENT_CLASS_COUNT];
};

struct monitor_counters {
    uint64_t messages;   /* every message received */
    uint64_t events;     /* events counted */
    uint64_t malformed;  /* refused by keel_event_parse */
    uint64_t duplicates; /* a seq seen before from the same device (QoS 1 delivers again) */
    uint64_t alerts;
};

struct monitor_detector {
    struct monitor_rules rules;
    struct monitor_table table;
    struct monitor_fleet fleet;
    struct monitor_counters counters;
    int64_t bucket_ms;
    int64_t unattributed_quiet_until; /* malformed without a known device: one log a window */
    int64_t last_bucket;              /* time never runs backwards here */
    monitor_alert_fn alert;
    void *user;
};

/* A detector with rules r (copied; checked: every threshold >= 1, window 1..
 * MONITOR_WINDOW_S_MAX, devices 1..MONITOR_DEVICES_MAX, else KEEL_ERR_ARG). fn gets each
 * alert. KEEL_ERR_NOMEM, KEEL_ERR_RANDOM. */
keel_err monitor_detector_init(struct monitor_detector *d, const struct monitor_rules *r,
                               monitor_alert_fn fn, void *user);
void monitor_detector_free(struct monitor_detector *d);

/* One event (from keel_event_parse) that arrived at now_ms: counted, every rule applied,
 * each alert handed to the callback. Returns 1 when it was counted, 0 for a repeat. */
int monitor_detector_event(struct monitor_detector *d, const keel_event *e, int64_t now_ms);

/* A message keel_event_parse refused: counted. Returns 1 when it is worth a log line: the
 * first from its device (when it names a device the table knows), or else the first
 * without one in the current window. */
int monitor_detector_malformed(struct monitor_detector *d, const void *msg, size_t len,
                               int64_t now_ms);

/* The rules of one device for event e, of class c (monitor_rules.c). */
void monitor_device_rules(struct monitor_detector *d, struct monitor_device *dev, int fresh,
                          const keel_event *e, keel_event_class c, int64_t bucket);
/* The fleet's count of class c and its rule (monitor_fleet.c). */
void monitor_fleet_init(struct monitor_fleet *f);
void monitor_fleet_count(struct monitor_detector *d, keel_event_class c, int64_t bucket);
/* Raise an alert unless its kind is quiet until *quiet_until (then it becomes quiet for a
 * window from bucket). */
void monitor_raise(struct monitor_detector *d, int64_t *quiet_until, int64_t bucket,
                   const struct monitor_alert *a);

/* ---- alerts out ---- */

/* The alert as one JSON line (no newline): {"time","device","kind","detail","count"},
 * "device" null for the fleet, "time" the monitor's wall clock (RFC 3339, UTC). */
keel_err monitor_alert_json(const struct monitor_alert *a, char *out, size_t outsz);

/* ---- the MQTT link ---- */

struct monitor_link_config {
    const char *host; /* where to connect */
    unsigned port;
    const char *name; /* the name the broker's certificate must carry (default host) */
    const char *ca, *cert, *key;
    const char *subscription; /* "$share/<group>/<topic>" */
    const char *alert_topic;
};

typedef void (*monitor_message_fn)(const void *payload, size_t len, int retained, void *user);

struct monitor_link;

/* Connect (in the background: monitor_link_run does the work) over mutual TLS with keel's
 * policy, MQTT v5, a random client id. KEEL_ERR_ARG (bad topic), KEEL_ERR_IO / CRYPTO (the
 * files), KEEL_ERR_NOMEM; err says which. */
keel_err monitor_link_open(struct monitor_link **out, const struct monitor_link_config *cfg,
                           monitor_message_fn fn, void *user, char *err, size_t errsz);
/* Run the link for up to timeout_ms: read, deliver messages, reconnect after a loss with
 * capped exponential back-off and jitter. KEEL_OK, or an error the link cannot recover
 * from (the broker refused the subscription) with the reason in err. */
keel_err monitor_link_run(struct monitor_link *l, int timeout_ms, char *err, size_t errsz);
/* Publish an alert (QoS 1, not retained); queued while the link is down. */
keel_err monitor_link_publish(struct monitor_link *l, const char *payload, size_t len);
/* 1 once the subscription is in place. */
int monitor_link_subscribed(const struct monitor_link *l);
/* Disconnect (letting queued alerts go for up to a second) and free; NULL is a no-op. */
void monitor_link_close(struct monitor_link *l);

#endif /* KEEL_APPS_MONITOR_H */
