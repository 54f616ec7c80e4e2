/*
 * The detector: each event counted once for its device and once for the fleet, then the
 * rules (monitor_rules.c, monitor_fleet.c). Each kind of alert is raised at most once per
 * device (or per class, for the fleet) per window, so an attack in progress makes one line
 * a window, not one per event. QoS 1 may deliver an event twice; a device's events carry a
 * seq that never repeats, and a seq among the device's last MONITOR_REPLAY_BITS is counted
 * once.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "monitor.h"

keel_err monitor_detector_init(struct monitor_detector *d, const struct monitor_rules *r,
                               monitor_alert_fn fn, void *user)
{
    keel_err ret;

    if (d == NULL || r == NULL)
        return KEEL_ERR_ARG;
    if (r->window_s == 0 || r->window_s > MONITOR_WINDOW_S_MAX || r->brute_min == 0 ||
        r->storm_min == 0 || r->rate_factor == 0 || r->rate_floor == 0 || r->fleet_factor == 0 ||
        r->fleet_floor == 0 || r->devices_max == 0 || r->devices_max > MONITOR_DEVICES_MAX ||
        r->nfirmware > MONITOR_FIRMWARE_MAX)
        return KEEL_ERR_ARG;
    memset(d, 0, sizeof(*d));
    d->rules = *r;
    d->bucket_ms = (int64_t)r->window_s * 1000 / MONITOR_BUCKETS;
    d->alert = fn;
    d->user = user;
    monitor_fleet_init(&d->fleet);
    ret = monitor_table_init(&d->table, r->devices_max);
    if (ret != KEEL_OK)
        memset(d, 0, sizeof(*d));
    return ret;
}

void monitor_detector_free(struct monitor_detector *d)
{
    if (d == NULL)
        return;
    monitor_table_free(&d->table);
    memset(d, 0, sizeof(*d));
}

void monitor_raise(struct monitor_detector *d, int64_t *quiet_until, int64_t bucket,
                   const struct monitor_alert *a)
{
    if (bucket < *quiet_until)
        return;
    *quiet_until = bucket + MONITOR_BUCKETS;
    d->counters.alerts++;
    if (d->alert != NULL)
        d->alert(a, d->user);
}

/* 1 when the device sent seq already (within the last MONITOR_REPLAY_BITS); records it. */
static int repeated(struct monitor_device *dev, uint64_t seq)
{
    uint64_t back;

    if (!dev->has_seq || seq > dev->seq_top) {
        uint64_t shift = dev->has_seq ? seq - dev->seq_top : MONITOR_REPLAY_BITS;
        dev->seq_seen = (shift >= MONITOR_REPLAY_BITS ? 0 : dev->seq_seen << shift) | 1u;
        dev->seq_top = seq;
        dev->has_seq = 1;
        return 0;
    }
    back = dev->seq_top - seq;
    if (back >= MONITOR_REPLAY_BITS)
        return 0; /* too old to tell: counted */
    if (dev->seq_seen & (1ull << back))
        return 1;
    dev->seq_seen |= 1ull << back;
    return 0;
}

/* The bucket of now_ms; never one before the last (a caller's clock that stepped back). */
static int64_t bucket_of(struct monitor_detector *d, int64_t now_ms)
{
    int64_t b = now_ms < 0 ? 0 : now_ms / d->bucket_ms;

    if (b < d->last_bucket)
        return d->last_bucket;
    d->last_bucket = b;
    return b;
}

int monitor_detector_event(struct monitor_detector *d, const keel_event *e, int64_t now_ms)
{
    int64_t bucket = bucket_of(d, now_ms);
    keel_event_class c = keel_event_class_of(e->event);
    int fresh = 0;
    struct monitor_device *dev = monitor_table_get(&d->table, e->device, &fresh);

    d->counters.messages++;
    if (dev == NULL) { /* not an event from keel_event_parse */
        d->counters.malformed++;
        return 0;
    }
    if (repeated(dev, e->seq)) {
        d->counters.duplicates++;
        return 0;
    }
    d->counters.events++;
    monitor_device_rules(d, dev, fresh, e, c, bucket);
    monitor_fleet_count(d, c, bucket);
    return 1;
}

/* The device a refused message names, when it names one validly and the table knows it. */
static struct monitor_device *named_device(struct monitor_detector *d, const void *msg, size_t len)
{
    struct monitor_device *dev = NULL;
    cJSON *doc;
    const cJSON *device;

    if (msg == NULL || len == 0 || len > KEEL_EVENT_JSON_MAX)
        return NULL;
    doc = cJSON_ParseWithLength(msg, len);
    device = cJSON_GetObjectItemCaseSensitive(doc, "device");
    if (cJSON_IsString(device))
        dev = monitor_table_find(&d->table, device->valuestring, 0);
    cJSON_Delete(doc);
    return dev;
}

int monitor_detector_malformed(struct monitor_detector *d, const void *msg, size_t len,
                               int64_t now_ms)
{
    int64_t bucket = bucket_of(d, now_ms);
    struct monitor_device *dev = named_device(d, msg, len);

    d->counters.messages++;
    d->counters.malformed++;
    if (dev != NULL) {
        if (dev->malformed_logged)
            return 0;
        dev->malformed_logged = 1;
        return 1;
    }
    if (bucket < d->unattributed_quiet_until)
        return 0;
    d->unattributed_quiet_until = bucket + MONITOR_BUCKETS;
    return 1;
}
