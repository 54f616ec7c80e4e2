/* A baseline: the mean count per bucket, learnt as a plain mean until span buckets have
 * been seen (so the first windows are not read against a baseline of zero) and then as an
 * exponentially weighted mean that forgets over about span buckets (so a fleet that grows,
 * or a device that is busier on weekdays, is not an anomaly for ever). */
#include "monitor.h"

/* Beyond this many quiet buckets a baseline's weight is below 1e-30 of what it was. */
#define IDLE_STEPS_MAX 4096u

void monitor_ewma_add(struct monitor_ewma *e, double value, uint32_t span)
{
    double w;

    if (e->n < UINT64_MAX)
        e->n++;
    w = e->n < span ? 1.0 / (double)e->n : 1.0 / (double)span;
    e->mean += w * (value - e->mean);
}

double monitor_ewma_cap(const struct monitor_ewma *e)
{
    return e->mean * 2.0 > 1.0 ? e->mean * 2.0 : 1.0;
}

void monitor_ewma_idle(struct monitor_ewma *e, uint64_t k, uint32_t span)
{
    uint64_t steps = k < IDLE_STEPS_MAX ? k : IDLE_STEPS_MAX;

    for (uint64_t i = 0; i < steps; i++)
        monitor_ewma_add(e, 0.0, span);
    if (k > steps) {
        e->mean = 0.0;
        e->n = UINT64_MAX - e->n < k - steps ? UINT64_MAX : e->n + (k - steps);
    }
}
