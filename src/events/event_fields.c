/* The rules for each member of an event (keel/events.h). The character sets are narrow on
 * purpose: no member can carry free text, so no event can carry personal data (6-4), and no
 * value ever needs a JSON escape. */
#include <string.h>

#include "events_private.h"

/* 1 when s is 1..max-1 bytes, each accepted by ok. */
static int chars_valid(const char *s, size_t max, int (*ok)(char c))
{
    size_t n;

    if (s == NULL)
        return 0;
    n = strnlen(s, max);
    if (n == 0 || n >= max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ok(s[i]))
            return 0;
    return 1;
}

static int lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

static int name_char(char c)
{
    return lower(c) || digit(c) || c == '_' || c == '.';
}

static int firmware_char(char c)
{
    return lower(c) || digit(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-';
}

int keel_event_name_valid(const char *name)
{
    return chars_valid(name, KEEL_EVENT_NAME_MAX, name_char);
}

int keel_event_source_valid(const char *source)
{
    return chars_valid(source, KEEL_EVENT_SOURCE_MAX, lower);
}

int keel_event_firmware_valid(const char *firmware)
{
    return chars_valid(firmware, KEEL_EVENT_FIRMWARE_MAX, firmware_char);
}

/* The n digits at s as a number; -1 when one is not a digit. */
static int number(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (!digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

int keel_event_time_valid(const char *time)
{
    int year, month, day;

    if (time == NULL || strnlen(time, KEEL_EVENT_TIME_LEN + 1) != KEEL_EVENT_TIME_LEN)
        return 0;
    if (time[4] != '-' || time[7] != '-' || time[10] != 'T' || time[13] != ':' || time[16] != ':' ||
        time[19] != 'Z')
        return 0;
    year = number(time, 4);
    month = number(time + 5, 2);
    day = number(time + 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return 0;
    return number(time + 11, 2) >= 0 && number(time + 11, 2) <= 23 && number(time + 14, 2) >= 0 &&
           number(time + 14, 2) <= 59 && number(time + 17, 2) >= 0 && number(time + 17, 2) <= 60;
}

static keel_err broken(char *why, size_t whysz, const char *member, const char *rule)
{
    if (why != NULL && whysz > 0)
        (void)keel_str_format(why, whysz, "%s: %s", member, rule);
    return KEEL_ERR_ARG;
}

keel_err keel_event_check(const keel_event *e, char *why, size_t whysz)
{
    if (e == NULL)
        return KEEL_ERR_ARG;
    if (e->seq > KEEL_EVENT_COUNT_MAX)
        return broken(why, whysz, "seq", "above 2^53");
    if (!keel_event_time_valid(e->time))
        return broken(why, whysz, "time", "not YYYY-MM-DDTHH:MM:SSZ");
    if (!keel_event_name_valid(e->event))
        return broken(why, whysz, "event", "not 1..31 characters of [a-z0-9_.]");
    if (!keel_event_source_valid(e->source))
        return broken(why, whysz, "source", "not 1..15 characters of [a-z]");
    if (e->locked != 0 && e->locked != 1)
        return broken(why, whysz, "locked", "neither 0 nor 1");
    if (e->dropped > KEEL_EVENT_COUNT_MAX)
        return broken(why, whysz, "dropped", "above 2^53");
    if (!keel_event_pseudonym_valid(e->device))
        return broken(why, whysz, "device", "not 32 lower-case hex digits");
    if (!keel_event_firmware_valid(e->firmware))
        return broken(why, whysz, "firmware", "not 1..31 characters of [0-9A-Za-z.+-]");
    return KEEL_OK;
}
