/* Expiry times in the metadata: "YYYY-MM-DDTHH:MM:SSZ" in UTC and nothing else, so that a
 * freeze attack (stale metadata replayed against the update mechanism, 5.3-2) cannot hide
 * behind a time zone, a fraction or a lenient reading of a date that does not exist. */
#include <string.h>
#include <time.h>

#include "keel/update.h"

/* The years the four-digit form covers from the epoch: 1970-01-01T00:00:00Z ..
 * 9999-12-31T23:59:59Z. */
#define TIME_MIN INT64_C(0)
#define TIME_MAX INT64_C(253402300799)

/* n decimal digits at s into *out; 0 when one is not a digit. */
static int digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* The fields of text, each in its range; whether the day exists is checked by the caller. */
static int split(const char *text, struct tm *tm)
{
    int year, mon, day, hour, min, sec;

    if (strnlen(text, 21) != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        return 0;
    if (!digits(text, 4, &year) || !digits(text + 5, 2, &mon) || !digits(text + 8, 2, &day) ||
        !digits(text + 11, 2, &hour) || !digits(text + 14, 2, &min) || !digits(text + 17, 2, &sec))
        return 0;
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
        sec > 59)
        return 0;
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = year - 1900;
    tm->tm_mon = mon - 1;
    tm->tm_mday = day;
    tm->tm_hour = hour;
    tm->tm_min = min;
    tm->tm_sec = sec;
    return 1;
}

keel_err keel_update_time_parse(const char *text, int64_t *out)
{
    struct tm want;
    struct tm tm;
    struct tm back;
    time_t t;

    if (text == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = 0;
    if (!split(text, &want))
        return KEEL_ERR_PARSE;
    tm = want;
    t = timegm(&tm);
    /* timegm normalises 2023-02-30 into March: a date that does not come back the same
     * does not exist. */
    if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != want.tm_mday ||
        back.tm_mon != want.tm_mon || back.tm_year != want.tm_year)
        return KEEL_ERR_PARSE;
    *out = (int64_t)t;
    return KEEL_OK;
}

keel_err keel_update_time_format(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (out == NULL)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    if (t < TIME_MIN || t > TIME_MAX || (int64_t)tt != t || gmtime_r(&tt, &tm) == NULL)
        return KEEL_ERR_ARG;
    if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20) {
        out[0] = '\0';
        return KEEL_ERR_ARG;
    }
    return KEEL_OK;
}
