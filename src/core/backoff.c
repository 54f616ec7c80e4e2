/* Capped exponential back-off with full jitter (5.9-3). Devices that lost their link at the
 * same moment (the broker restarted, the home router rebooted) must not all retry at the
 * same moments after it: a fixed or purely doubling delay keeps them in step, so every retry
 * becomes a storm. Drawing the whole wait uniformly from [0, window] spreads them evenly
 * over the window, and the window doubles per attempt up to the cap.
 *
 * The window is computed without overflow: base_ms * 2^attempt is only formed while it
 * stays at or below cap_ms, which itself fits 32 bits; the inclusive draw over a window of
 * UINT32_MAX (one value more than keel_random_uniform's bound can say) takes 32 random
 * bits directly, which are uniform over exactly that range. */
#include "keel/core.h"

keel_err keel_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t *out)
{
    uint32_t window = base_ms;
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_ARG;
    *out = 0;
    if (base_ms == 0 || cap_ms < base_ms)
        return KEEL_ERR_ARG;
    for (uint32_t i = 0; i < attempt && window < cap_ms; i++)
        window = window > cap_ms / 2 ? cap_ms : window * 2;
    if (window > cap_ms)
        window = cap_ms;
    if (window == UINT32_MAX) {
        uint32_t r;
        ret = keel_random(&r, sizeof(r));
        if (ret == KEEL_OK)
            *out = r;
        return ret;
    }
    return keel_random_uniform(window + 1, out);
}
