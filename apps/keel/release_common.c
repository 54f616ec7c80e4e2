/* What every part of keel release shares: messages that name the file and the problem, and
 * paths inside the repository and the key directory. */
#include <stdarg.h>
#include <stdio.h>

#include "release.h"

keel_err release_fail(struct release_err *e, keel_err code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return code;
    va_start(ap, fmt);
    /* A message cut short still names its file first; truncation is acceptable here. */
    if (vsnprintf(e->text, sizeof(e->text), fmt, ap) < 0)
        e->text[0] = '\0';
    va_end(ap);
    return code;
}

keel_err release_path(char *out, const char *dir, const char *name)
{
    return keel_str_format(out, RELEASE_PATH_MAX, "%s/%s", dir, name);
}

int64_t release_expiry(int64_t now, uint32_t days)
{
    return now + (int64_t)days * RELEASE_DAY;
}

static void discard(keel_log_level level, const char *line, void *user)
{
    (void)level;
    (void)line;
    (void)user;
}

void release_log_quiet(int quiet)
{
    /* keel's defaults (information and above, to stderr) are what the command runs with */
    keel_log_configure(KEEL_LOG_INFO, quiet ? discard : NULL, NULL);
}
