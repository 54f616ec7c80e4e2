#include <string.h>

#include "keel/core.h"

keel_err keel_secret_set(keel_secret *s, const void *p, size_t len)
{
    if (s == NULL || (p == NULL && len != 0))
        return KEEL_ERR_ARG;
    keel_secret_clear(s);
    if (len > sizeof(s->bytes_))
        return KEEL_ERR_TOO_LARGE;
    if (len != 0)
        memcpy(s->bytes_, p, len);
    s->len_ = len;
    return KEEL_OK;
}

const void *keel_secret_bytes(const keel_secret *s)
{
    return s->bytes_;
}

size_t keel_secret_len(const keel_secret *s)
{
    return s->len_;
}

void keel_secret_clear(keel_secret *s)
{
    if (s == NULL)
        return;
    keel_wipe(s, sizeof(*s));
}
