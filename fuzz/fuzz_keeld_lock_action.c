/* keeld's POST /api/v1/lock body parser on arbitrary bytes (5.13-1A): never a crash, an
 * out-of-bounds read or a leak; what it accepts is one of the two actions. Refused bodies
 * then go through the whole route with a live session on a real lock, as from the network:
 * the answer is 400 or 413 and the bolt, its last change and the access log stay as they
 * were. */
#include "keeld_fuzz_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device();
    struct keeld_lock_state before, after;
    int locked = 7;
    keel_err ret = keeld_lock_action_parse(data, size, &locked);
    int status;

    if (ret == KEEL_OK && locked != 0 && locked != 1)
        abort();
    if (ret != KEEL_OK && locked != 0)
        abort();
    if (ret == KEEL_OK)
        return 0; /* a bolt thrown per input (a synchronous SQLite write) would make it crawl */
    if (keeld_lock_get(d->lock, &before) != KEEL_OK)
        abort();
    status = fuzz_post(d, "/api/v1/lock", data, size, KEELD_LOCK_BODY_MAX);
    if ((status != 400 && status != 413) || (ret == KEEL_ERR_TOO_LARGE) != (status == 413))
        abort();
    if (keeld_lock_get(d->lock, &after) != KEEL_OK || after.locked != before.locked ||
        after.changed_at != before.changed_at || after.queued != before.queued)
        abort();
    return 0;
}
