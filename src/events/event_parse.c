/*
 * Parsing one event from the network (5.13-1A): the service side reads what a device, or
 * anyone holding a device's credentials, published. Exactly the eight members of
 * keel/events.h, each once and of its type; then every value is held to the same rules as
 * the encoder's (events_private.h).
 *
 * Two refusals go beyond what a JSON parser checks:
 * - a NUL byte anywhere: it would end the text early and hide what follows;
 * - a backslash anywhere: no member name or value of the format needs an escape, and an
 *   escape such as \u0000 would decode to a string cut short, letting a value that breaks
 *   the rules pass for one that keeps them.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "events_private.h"

enum member { M_SEQ, M_TIME, M_EVENT, M_SOURCE, M_LOCKED, M_DROPPED, M_DEVICE, M_FIRMWARE, M_N };

static const char *const member_names[M_N] = {"seq",    "time",    "event",  "source",
                                              "locked", "dropped", "device", "firmware"};

static keel_err refuse(char *why, size_t whysz, keel_err code, const char *member,
                       const char *reason)
{
    if (why != NULL && whysz > 0) {
        if (member != NULL)
            (void)keel_str_format(why, whysz, "%s: %s", member, reason);
        else
            (void)keel_str_copy(why, whysz, reason);
    }
    return code;
}

/* A JSON number that is a whole number in 0..2^53, into *out. */
static int count_value(const cJSON *item, uint64_t *out)
{
    double v;

    if (!cJSON_IsNumber(item))
        return 0;
    v = item->valuedouble;
    if (!(v >= 0.0 && v <= (double)KEEL_EVENT_COUNT_MAX) || (double)(uint64_t)v != v)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

/* A JSON string copied whole into dst (dstsz bytes); the rules are checked afterwards. */
static int string_value(const cJSON *item, char *dst, size_t dstsz)
{
    return cJSON_IsString(item) && item->valuestring != NULL &&
           keel_str_copy(dst, dstsz, item->valuestring) == KEEL_OK;
}

static int member_value(enum member m, const cJSON *item, keel_event *out)
{
    switch (m) {
    case M_SEQ: return count_value(item, &out->seq);
    case M_TIME: return string_value(item, out->time, sizeof(out->time));
    case M_EVENT: return string_value(item, out->event, sizeof(out->event));
    case M_SOURCE: return string_value(item, out->source, sizeof(out->source));
    case M_LOCKED: out->locked = cJSON_IsTrue(item) ? 1 : 0; return cJSON_IsBool(item);
    case M_DROPPED: return count_value(item, &out->dropped);
    case M_DEVICE: return string_value(item, out->device, sizeof(out->device));
    case M_FIRMWARE: return string_value(item, out->firmware, sizeof(out->firmware));
    case M_N: break;
    }
    return 0;
}

static const char *const member_types[M_N] = {"not a whole number in 0..2^53",
                                              "not a string of 20 characters",
                                              "not a short string",
                                              "not a short string",
                                              "not true or false",
                                              "not a whole number in 0..2^53",
                                              "not a string of 32 characters",
                                              "not a short string"};

static keel_err members(const cJSON *doc, keel_event *out, char *why, size_t whysz)
{
    unsigned seen = 0;
    const cJSON *item;

    cJSON_ArrayForEach(item, doc)
    {
        enum member m = M_N;
        for (int i = 0; i < M_N && item->string != NULL; i++)
            if (strcmp(item->string, member_names[i]) == 0)
                m = (enum member)i;
        if (m == M_N)
            return refuse(why, whysz, KEEL_ERR_PARSE, NULL, "a member the format does not have");
        if (seen & (1u << m))
            return refuse(why, whysz, KEEL_ERR_PARSE, member_names[m], "given twice");
        seen |= 1u << m;
        if (!member_value(m, item, out))
            return refuse(why, whysz, KEEL_ERR_PARSE, member_names[m], member_types[m]);
    }
    for (int i = 0; i < M_N; i++)
        if (!(seen & (1u << i)))
            return refuse(why, whysz, KEEL_ERR_PARSE, member_names[i], "missing");
    return KEEL_OK;
}

keel_err keel_event_parse(const void *json, size_t len, keel_event *out, char *why, size_t whysz)
{
    char text[KEEL_EVENT_JSON_MAX + 1];
    cJSON *doc = NULL;
    const char *end = NULL;
    keel_err ret = KEEL_ERR_PARSE;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (out == NULL || (json == NULL && len != 0))
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (len > KEEL_EVENT_JSON_MAX)
        return refuse(why, whysz, KEEL_ERR_TOO_LARGE, NULL, "larger than an event may be");
    if (len == 0 || memchr(json, '\0', len) != NULL)
        return refuse(why, whysz, KEEL_ERR_PARSE, NULL, "empty, or a NUL byte in the text");
    if (memchr(json, '\\', len) != NULL)
        return refuse(why, whysz, KEEL_ERR_PARSE, NULL, "an escape sequence (none is needed)");
    memcpy(text, json, len);
    text[len] = '\0';
    doc = cJSON_ParseWithOpts(text, &end, 1);
    if (!cJSON_IsObject(doc)) {
        ret = refuse(why, whysz, KEEL_ERR_PARSE, NULL, "not one JSON object");
        goto out;
    }
    ret = members(doc, out, why, whysz);
    if (ret == KEEL_OK && keel_event_check(out, why, whysz) != KEEL_OK)
        ret = KEEL_ERR_PARSE;
out:
    cJSON_Delete(doc);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}
