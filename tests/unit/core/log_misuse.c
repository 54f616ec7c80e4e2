/* Compiled twice by log_misuse.sh: as is it must build; with KEEL_MISUSE_STRUCT or
 * KEEL_MISUSE_BYTES defined it hands a secret to the logger and must be rejected. */
#include "keel/core.h"

void log_misuse(const keel_secret *s);

void log_misuse(const keel_secret *s)
{
    keel_log(KEEL_LOG_INFO, "secret is %zu bytes long", keel_secret_len(s));
#if defined(KEEL_MISUSE_STRUCT)
    keel_log(KEEL_LOG_INFO, "secret is %s", *s);
#elif defined(KEEL_MISUSE_BYTES)
    keel_log(KEEL_LOG_INFO, "secret is %s", keel_secret_bytes(s));
#elif defined(KEEL_MISUSE_POINTER)
    keel_log(KEEL_LOG_INFO, "secret is %s", s);
#endif
}
