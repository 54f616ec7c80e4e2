/* An alert as the JSON line the monitor writes and publishes:
 *   {"time":"2026-11-22T06:00:00Z","device":"<32 hex>"|null,"kind":"brute_force",
 *    "detail":"12 authentication failures in 60 s (threshold 10)","count":12}
 * "time" is the monitor's clock when it raised the alert; "device" the pseudonym, null for a
 * fleet-wide alert. Nothing in it identifies a person (6-4): the pseudonym, a kind, numbers
 * and, for firmware, version strings. */
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "monitor.h"

static keel_err now_rfc3339(char out[KEEL_EVENT_TIME_LEN + 1])
{
    time_t t = time(NULL);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(out, KEEL_EVENT_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != KEEL_EVENT_TIME_LEN)
        return KEEL_ERR_RANGE;
    return KEEL_OK;
}

keel_err monitor_alert_json(const struct monitor_alert *a, char *out, size_t outsz)
{
    char when[KEEL_EVENT_TIME_LEN + 1];
    cJSON *o;
    char *text = NULL;
    keel_err ret = KEEL_ERR_NOMEM;

    if (a == NULL || out == NULL || outsz == 0 || monitor_kind_name(a->kind) == NULL)
        return KEEL_ERR_ARG;
    if (now_rfc3339(when) != KEEL_OK)
        return KEEL_ERR_RANGE;
    o = cJSON_CreateObject();
    if (o != NULL && cJSON_AddStringToObject(o, "time", when) != NULL &&
        (a->device[0] != '\0' ? cJSON_AddStringToObject(o, "device", a->device)
                              : cJSON_AddNullToObject(o, "device")) != NULL &&
        cJSON_AddStringToObject(o, "kind", monitor_kind_name(a->kind)) != NULL &&
        cJSON_AddStringToObject(o, "detail", a->detail) != NULL &&
        cJSON_AddNumberToObject(o, "count", (double)a->count) != NULL)
        text = cJSON_PrintUnformatted(o);
    if (text != NULL)
        ret = keel_str_copy(out, outsz, text);
    cJSON_free(text);
    cJSON_Delete(o);
    return ret;
}
