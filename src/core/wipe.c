#include <string.h>

#include "keel/core.h"

void keel_wipe(void *p, size_t len)
{
    if (p == NULL || len == 0)
        return;
    explicit_bzero(p, len);
}
