/* The common-password rule of 5.1-4: a binary search of the compiled-in list, on a
 * lower-cased copy of the candidate that is wiped before returning. */
#include <stdlib.h>
#include <string.h>

#include "auth_internal.h"
#include "keel/auth.h"

static int by_text(const void *key, const void *entry)
{
    return strcmp((const char *)key, *(const char *const *)entry);
}

int keel_auth_password_is_common(const void *word, size_t len)
{
    char lower[KEEL_AUTH_PASSWORD_MAX_BYTES + 1];
    const uint8_t *w = word;
    int found;

    if (word == NULL || len == 0 || len > KEEL_AUTH_PASSWORD_MAX_BYTES ||
        memchr(word, '\0', len) != NULL)
        return 0;
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + ('a' - 'A') : w[i]);
    lower[len] = '\0';
    found = bsearch(lower, keel_auth_common_passwords, keel_auth_common_password_count,
                    sizeof(keel_auth_common_passwords[0]), by_text) != NULL;
    keel_wipe(lower, sizeof(lower));
    return found;
}
