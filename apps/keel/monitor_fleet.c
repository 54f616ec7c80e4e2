/*
 * The fleet's rule (5.10-1): fleet_rate, when the whole fleet's count of one class of event
 * in the window reaches --fleet-floor and exceeds --fleet-factor times the fleet's baseline
 * for that class. It sees what no single device shows: a password-guessing campaign spread
 * thinly over many devices, a wave of integrity failures, the whole fleet reconnecting. The
 * fleet learns for MONITOR_FLEET_WARMUP windows before the rule may fire, so the burst of
 * every device connecting when the monitor starts is not taken for one.
 */
#include "monitor.h"

void monitor_fleet_init(struct monitor_fleet *f)
{
    *f = (struct monitor_fleet){.first_bucket = -1};
}

static int learnt(const struct monitor_fleet *f, int64_t bucket)
{
    return bucket - f->first_bucket >= (int64_t)(MONITOR_FLEET_WARMUP * MONITOR_BUCKETS);
}

static void advance(struct monitor_fleet *f, int64_t bucket)
{
    int64_t k;

    if (f->first_bucket < 0) {
        f->first_bucket = f->bucket = bucket;
        return;
    }
    k = bucket - f->bucket;
    if (k <= 0)
        return;
    for (int c = 0; c < KEEL_EVENT_CLASS_COUNT; c++) {
        double last = f->count[c][f->bucket % MONITOR_BUCKETS];
        if (learnt(f, f->bucket)) {
            double cap = monitor_ewma_cap(&f->base[c]);
            last = last < cap ? last : cap;
        }
        monitor_ewma_add(&f->base[c], last, MONITOR_FLEET_SPAN_BUCKETS);
        monitor_ewma_idle(&f->base[c], (uint64_t)(k - 1), MONITOR_FLEET_SPAN_BUCKETS);
        for (int64_t i = 1; i <= k && i <= (int64_t)MONITOR_BUCKETS; i++)
            f->count[c][(f->bucket + i) % MONITOR_BUCKETS] = 0;
    }
    f->bucket = bucket;
}

void monitor_fleet_count(struct monitor_detector *d, keel_event_class c, int64_t bucket)
{
    struct monitor_fleet *f = &d->fleet;
    struct monitor_alert a = {.kind = MONITOR_FLEET_RATE};
    uint64_t n = 0;
    double base;
    uint32_t *slot;

    advance(f, bucket);
    slot = &f->count[c][bucket % MONITOR_BUCKETS];
    if (*slot < UINT32_MAX)
        (*slot)++;
    for (unsigned i = 0; i < MONITOR_BUCKETS; i++)
        n += f->count[c][i];
    base = f->base[c].mean * MONITOR_BUCKETS;
    if (!learnt(f, bucket) || n < d->rules.fleet_floor || (double)n <= base * d->rules.fleet_factor)
        return;
    a.count = n;
    (void)keel_str_format(a.detail, sizeof(a.detail),
                          "%s: %llu events fleet-wide in %u s against a baseline of %.1f "
                          "(factor %u, floor %u)",
                          keel_event_class_name(c), (unsigned long long)n, d->rules.window_s, base,
                          d->rules.fleet_factor, d->rules.fleet_floor);
    monitor_raise(d, &f->quiet_until[c], bucket, &a);
}
