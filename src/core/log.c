/* The logger. It takes a printf format checked by the compiler, so a keel_secret (a struct,
 * or its bytes as `const void *`) cannot be passed to it; and it escapes every control
 * character, so text from the network cannot start a forged log line. */
#include <stdio.h>

#include "keel/core.h"

static keel_log_level log_threshold = KEEL_LOG_INFO;
static keel_log_sink log_sink;
static void *log_user;

static const char *level_name(keel_log_level level)
{
    switch (level) {
    case KEEL_LOG_ERROR: return "error";
    case KEEL_LOG_WARN: return "warn";
    case KEEL_LOG_INFO: return "info";
    case KEEL_LOG_DEBUG: return "debug";
    }
    return "?";
}

void keel_log_configure(keel_log_level threshold, keel_log_sink sink, void *user)
{
    log_threshold = threshold;
    log_sink = sink;
    log_user = user;
}

/* Copy raw into line, turning bytes below 0x20 and 0x7f into "\xNN". */
static void escape_into(char *line, size_t cap, const char *raw)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)raw; *p != '\0'; p++) {
        int plain = *p >= 0x20 && *p != 0x7f && *p != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need + 4 > cap) { /* room for "..." and the NUL */
            line[o++] = '.';
            line[o++] = '.';
            line[o++] = '.';
            break;
        }
        if (plain) {
            line[o++] = (char)*p;
        } else {
            line[o++] = '\\';
            line[o++] = 'x';
            line[o++] = digits[*p >> 4];
            line[o++] = digits[*p & 0x0f];
        }
    }
    line[o] = '\0';
}

void keel_log(keel_log_level level, const char *fmt, ...)
{
    char raw[KEEL_LOG_LINE_MAX];
    char line[KEEL_LOG_LINE_MAX];
    va_list ap;
    int n;

    if (level > log_threshold || fmt == NULL)
        return;
    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(raw)) /* cut: say so */
        raw[sizeof(raw) - 4] = raw[sizeof(raw) - 3] = raw[sizeof(raw) - 2] = '.';
    escape_into(line, sizeof(line), raw);
    if (log_sink != NULL)
        log_sink(level, line, log_user);
    else
        fprintf(stderr, "keel %s: %s\n", level_name(level), line);
}
