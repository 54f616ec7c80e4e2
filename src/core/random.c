/* The system CSPRNG, failing closed: a short read, an interrupted call that cannot be
 * resumed, or a kernel without getrandom gives an error and a wiped buffer, never bytes
 * from a weaker source. */
#include <errno.h>
#include <sys/random.h>

#include "keel/core.h"

keel_err keel_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t done = 0;

    if (buf == NULL && len != 0)
        return KEEL_ERR_ARG;
    while (done < len) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            keel_wipe(buf, len);
            return KEEL_ERR_RANDOM;
        }
        done += (size_t)n;
    }
    return KEEL_OK;
}

keel_err keel_random_uniform(uint32_t bound, uint32_t *out)
{
    uint32_t limit;
    uint32_t r;

    if (bound == 0 || out == NULL)
        return KEEL_ERR_ARG;
    /* Reject the top values that would make r % bound uneven. */
    limit = UINT32_MAX - (UINT32_MAX % bound);
    do {
        keel_err err = keel_random(&r, sizeof(r));
        if (err != KEEL_OK)
            return err;
    } while (r >= limit);
    *out = r % bound;
    return KEEL_OK;
}
