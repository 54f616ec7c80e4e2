#include <string.h>

#include "keel/core.h"

void keel_buf_init(keel_buf *b, void *mem, size_t cap)
{
    b->data = mem;
    b->cap = mem == NULL ? 0 : cap;
    b->len = 0;
}

keel_err keel_buf_append(keel_buf *b, const void *p, size_t len)
{
    if (b == NULL || (p == NULL && len != 0))
        return KEEL_ERR_ARG;
    if (len > b->cap - b->len)
        return KEEL_ERR_RANGE;
    if (len != 0)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    return KEEL_OK;
}

keel_err keel_buf_append_str(keel_buf *b, const char *s)
{
    if (s == NULL)
        return KEEL_ERR_ARG;
    return keel_buf_append(b, s, strlen(s));
}

void keel_buf_reset(keel_buf *b)
{
    if (b == NULL)
        return;
    keel_wipe(b->data, b->len);
    b->len = 0;
}
