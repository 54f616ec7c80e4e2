/*
 * The rules for one device (5.10-1), applied to each of its events as it arrives:
 *   brute_force          its auth-failure events in the window reach --brute;
 *   unexpected_firmware  it reports firmware not in --firmware (when given), or firmware
 *                        that orders below what it reported before (always);
 *   integrity            any integrity-class event: its software failed its check (5.7-1);
 *   reconnect_storm      its link.up events in the window reach --storm;
 *   rate                 its events in the window reach --rate-floor and exceed
 *                        --rate-factor times its own baseline (after a window of learning).
 * A device is the event's "device" pseudonym, never the topic it came on: a hub may carry
 * many devices, and the topic names a serial the service side need not know (6-4).
 */
#include "monitor.h"

static const char *const kind_names[MONITOR_KINDS] = {
    "brute_force", "unexpected_firmware", "integrity", "reconnect_storm", "rate", "fleet_rate",
};

const char *monitor_kind_name(enum monitor_kind kind)
{
    if ((int)kind < 0 || kind >= MONITOR_KINDS)
        return NULL;
    return kind_names[kind];
}

void monitor_rules_default(struct monitor_rules *r)
{
    *r = (struct monitor_rules){
        .window_s = MONITOR_WINDOW_S,
        .brute_min = MONITOR_BRUTE_MIN,
        .storm_min = MONITOR_STORM_MIN,
        .rate_factor = MONITOR_RATE_FACTOR,
        .rate_floor = MONITOR_RATE_FLOOR,
        .fleet_factor = MONITOR_FLEET_FACTOR,
        .fleet_floor = MONITOR_FLEET_FLOOR,
        .devices_max = MONITOR_DEVICES,
    };
}

static void bump(uint16_t *v)
{
    if (*v < UINT16_MAX)
        (*v)++;
}

static uint32_t window_sum(const uint16_t v[MONITOR_BUCKETS])
{
    uint32_t sum = 0;

    for (unsigned i = 0; i < MONITOR_BUCKETS; i++)
        sum += v[i];
    return sum;
}

static int learnt(const struct monitor_device *dev, int64_t bucket)
{
    return bucket - dev->first_bucket >= (int64_t)(MONITOR_DEVICE_WARMUP * MONITOR_BUCKETS);
}

/* Close the buckets between the device's last event and now: the one that held its last
 * events (capped once the baseline has learnt) and the quiet ones after it go into its
 * baseline, and their slots are emptied. */
static void advance(struct monitor_device *dev, int64_t bucket)
{
    int64_t k = bucket - dev->bucket;
    double last;

    if (k <= 0)
        return;
    last = dev->all[dev->bucket % MONITOR_BUCKETS];
    if (learnt(dev, dev->bucket)) {
        double cap = monitor_ewma_cap(&dev->rate);
        last = last < cap ? last : cap;
    }
    monitor_ewma_add(&dev->rate, last, MONITOR_DEVICE_SPAN_BUCKETS);
    monitor_ewma_idle(&dev->rate, (uint64_t)(k - 1), MONITOR_DEVICE_SPAN_BUCKETS);
    for (int64_t i = 1; i <= k && i <= (int64_t)MONITOR_BUCKETS; i++) {
        unsigned s = (unsigned)((dev->bucket + i) % MONITOR_BUCKETS);
        dev->auth[s] = dev->link[s] = dev->all[s] = 0;
    }
    dev->bucket = bucket;
}

static void raise_device(struct monitor_detector *d, struct monitor_device *dev,
                         const keel_event *e, enum monitor_kind kind, uint64_t count,
                         int64_t bucket, const char *detail)
{
    struct monitor_alert a = {.kind = kind, .count = count};

    if (keel_str_copy(a.device, sizeof(a.device), e->device) != KEEL_OK ||
        keel_str_copy(a.detail, sizeof(a.detail), detail) != KEEL_OK)
        return; /* cannot happen: both are bounded by the event format */
    monitor_raise(d, &dev->quiet_until[kind], bucket, &a);
}

static void firmware_rule(struct monitor_detector *d, struct monitor_device *dev,
                          const keel_event *e, int64_t bucket)
{
    char detail[MONITOR_DETAIL_MAX];

    if (!monitor_firmware_expected(&d->rules, e->firmware)) {
        (void)keel_str_format(detail, sizeof(detail),
                              "firmware %s is not one of the %zu expected versions", e->firmware,
                              d->rules.nfirmware);
        raise_device(d, dev, e, MONITOR_UNEXPECTED_FIRMWARE, 1, bucket, detail);
    } else if (dev->firmware[0] != '\0' && monitor_firmware_downgrade(dev->firmware, e->firmware)) {
        (void)keel_str_format(detail, sizeof(detail), "firmware went down from %s to %s",
                              dev->firmware, e->firmware);
        raise_device(d, dev, e, MONITOR_UNEXPECTED_FIRMWARE, 1, bucket, detail);
    }
    (void)keel_str_copy(dev->firmware, sizeof(dev->firmware), e->firmware);
}

static void count_rule(struct monitor_detector *d, struct monitor_device *dev, const keel_event *e,
                       enum monitor_kind kind, uint32_t n, uint32_t min, int64_t bucket)
{
    char detail[MONITOR_DETAIL_MAX];

    if (n < min)
        return;
    (void)keel_str_format(detail, sizeof(detail), "%u %s in %u s (threshold %u)", n,
                          kind == MONITOR_BRUTE_FORCE ? "authentication failures"
                                                      : "reconnections (link.up)",
                          d->rules.window_s, min);
    raise_device(d, dev, e, kind, n, bucket, detail);
}

static void rate_rule(struct monitor_detector *d, struct monitor_device *dev, const keel_event *e,
                      int64_t bucket)
{
    char detail[MONITOR_DETAIL_MAX];
    uint32_t n = window_sum(dev->all);
    double base = dev->rate.mean * MONITOR_BUCKETS;

    if (!learnt(dev, bucket) || n < d->rules.rate_floor || (double)n <= base * d->rules.rate_factor)
        return;
    (void)keel_str_format(detail, sizeof(detail),
                          "%u events in %u s against a baseline of %.1f (factor %u, floor %u)", n,
                          d->rules.window_s, base, d->rules.rate_factor, d->rules.rate_floor);
    raise_device(d, dev, e, MONITOR_RATE, n, bucket, detail);
}

void monitor_device_rules(struct monitor_detector *d, struct monitor_device *dev, int fresh,
                          const keel_event *e, keel_event_class c, int64_t bucket)
{
    unsigned s = (unsigned)(bucket % MONITOR_BUCKETS);
    char detail[MONITOR_DETAIL_MAX];

    if (fresh)
        dev->bucket = dev->first_bucket = bucket;
    advance(dev, bucket);
    bump(&dev->all[s]);
    if (c == KEEL_EVENT_AUTH_FAILURE)
        bump(&dev->auth[s]);
    if (c == KEEL_EVENT_LINK)
        bump(&dev->link[s]);
    firmware_rule(d, dev, e, bucket);
    if (c == KEEL_EVENT_INTEGRITY) {
        (void)keel_str_format(detail, sizeof(detail),
                              "%s: the installed software failed its check (5.7-1)", e->event);
        raise_device(d, dev, e, MONITOR_INTEGRITY, 1, bucket, detail);
    }
    if (c == KEEL_EVENT_AUTH_FAILURE)
        count_rule(d, dev, e, MONITOR_BRUTE_FORCE, window_sum(dev->auth), d->rules.brute_min,
                   bucket);
    if (c == KEEL_EVENT_LINK)
        count_rule(d, dev, e, MONITOR_RECONNECT_STORM, window_sum(dev->link), d->rules.storm_min,
                   bucket);
    rate_rule(d, dev, e, bucket);
}
