/* For the audit's privacy unit tests: an IXIT with every privacy member as keel's reference
 * lock declares them, and a way to change one member of it (cJSON) before it is parsed. */
#ifndef KEEL_TESTS_AUDIT_PRIVACY_IXIT_H
#define KEEL_TESTS_AUDIT_PRIVACY_IXIT_H

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

#define PRIVACY_IXIT                                                                               \
    "{\"interfaces\":[],"                                                                          \
    "\"routes\":["                                                                                 \
    "{\"method\":\"POST\",\"path\":\"/api/v1/privacy/consent\",\"public\":false,"                  \
    "\"security_relevant\":true},"                                                                 \
    "{\"method\":\"POST\",\"path\":\"/api/v1/"                                                     \
    "reset\",\"public\":false,\"security_relevant\":true},"                                        \
    "{\"method\":\"POST\",\"path\":\"/api/v1/privacy/cloud-delete\",\"public\":false,"             \
    "\"security_relevant\":false},"                                                                \
    "{\"method\":\"GET\",\"path\":\"/api/v1/privacy/cloud-delete\",\"public\":false,"              \
    "\"security_relevant\":false},"                                                                \
    "{\"method\":\"POST\",\"path\":\"/api/v1/"                                                     \
    "pins\",\"public\":false,\"security_relevant\":true}],"                                        \
    "\"personal_data\":{\"controller\":\"the lock's owner\",\"data\":["                            \
    "{\"id\":\"pin_codes\",\"datum\":\"keypad PIN codes and their holders' names\","               \
    "\"purpose\":\"open the door from the keypad\",\"legal_basis\":\"contract\","                  \
    "\"retention\":\"until the owner removes the PIN\",\"retention_days\":null,"                   \
    "\"recipients\":[],\"stored\":\"lock.db\",\"sealed\":true,\"consent_purpose\":null},"          \
    "{\"id\":\"access_log\",\"datum\":\"who locked or unlocked, when\","                           \
    "\"purpose\":\"the owner's history of the door\",\"legal_basis\":\"contract\","                \
    "\"retention\":\"90 days\",\"retention_days\":90,\"recipients\":[],\"stored\":\"lock.db\","    \
    "\"sealed\":true,\"consent_purpose\":null},"                                                   \
    "{\"id\":\"access_log_copy\",\"datum\":\"a copy of the access log\","                          \
    "\"purpose\":\"the owner's history in the cloud app\",\"legal_basis\":\"consent\","            \
    "\"retention\":\"until the owner asks the service to delete it\",\"retention_days\":null,"     \
    "\"recipients\":[\"keel cloud service\"],\"stored\":\"the cloud service\",\"sealed\":false,"   \
    "\"consent_purpose\":\"access_log_sync\"}],"                                                   \
    "\"consent\":[{\"purpose\":\"access_log_sync\",\"description\":\"copy the access log to the "  \
    "cloud\",\"default\":false,\"route\":\"/api/v1/privacy/consent\"}]},"                          \
    "\"telemetry\":{\"topic\":\"keel/+/events\",\"recipient\":\"the fleet operator\","             \
    "\"purpose\":\"find attacks on the fleet\",\"examined_by\":\"keel monitor: per-device and "    \
    "per-fleet baselines\",\"fields\":["                                                           \
    "{\"name\":\"device\",\"meaning\":\"a pseudonym of the lock\",\"personal\":false},"            \
    "{\"name\":\"event\",\"meaning\":\"what happened\",\"personal\":false}]},"                     \
    "\"sensing\":[{\"capability\":\"door sensor\",\"what\":\"whether the door is open\","          \
    "\"documented_in\":\"docs/user-guide.md#the-door-sensor\"}],"                                  \
    "\"deletion\":{\"reset\":{\"method\":\"POST\",\"path\":\"/api/v1/reset\","                     \
    "\"body\":{\"password\":\"{password}\",\"confirm\":\"erase\"},\"restarts\":true},"             \
    "\"user_data\":[{\"method\":\"POST\",\"path\":\"/api/v1/pins\","                               \
    "\"body\":{\"name\":\"{canary}\",\"pin\":\"73914682\"}}],"                                     \
    "\"service\":{\"request\":{\"method\":\"POST\",\"path\":\"/api/v1/privacy/cloud-delete\"},"    \
    "\"status\":{\"path\":\"/api/v1/privacy/cloud-delete\",\"field\":\"state\","                   \
    "\"confirmed\":\"confirmed\",\"timeout_ms\":5000}},"                                           \
    "\"instructions\":\"docs/user-guide.md#deleting-your-data\"},"                                 \
    "\"consent_check\":{\"purpose\":\"access_log_sync\",\"route\":\"/api/v1/privacy/consent\","    \
    "\"quiet_ms\":3000,"                                                                           \
    "\"trigger\":{\"method\":\"POST\",\"path\":\"/api/v1/"                                         \
    "lock\",\"body\":{\"action\":\"unlock\"}},"                                                    \
    "\"observe\":{\"mqtt\":{\"host\":\"127.0.0.1\",\"port\":8883,\"ca\":\"lab/ca.pem\","           \
    "\"cert\":\"lab/lab.pem\",\"key\":\"/abs/lab.key\",\"topic\":\"keel/+/accesslog\"}}},"         \
    "\"user_info\":{\"documents\":[{\"title\":\"User guide\",\"path\":\"docs/user-guide.md\"},"    \
    "{\"title\":\"Privacy notice\",\"path\":\"docs/privacy.md\"}]}}"

/* The member at path ("deletion.user_data.0.body"; numbers index arrays) of the JSON text doc
 * replaced by the JSON text value, or removed when value is NULL; the document's text in a
 * new string (free()). NULL when the path does not exist. */
static inline char *privacy_edit(const char *doc, const char *path, const char *value)
{
    cJSON *root = cJSON_Parse(doc), *at = root, *parent = NULL;
    char copy[256], *save = NULL, *last = NULL, *text = NULL;

    if (root == NULL || strlen(path) >= sizeof(copy))
        goto out;
    memcpy(copy, path, strlen(path) + 1);
    for (char *k = strtok_r(copy, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save)) {
        parent = at;
        last = k;
        at = cJSON_IsArray(at) ? cJSON_GetArrayItem(at, (int)strtol(k, NULL, 10))
                               : cJSON_GetObjectItemCaseSensitive(at, k);
        if (at == NULL)
            goto out;
    }
    if (value == NULL && cJSON_IsArray(parent))
        cJSON_DeleteItemFromArray(parent, (int)strtol(last, NULL, 10));
    else if (value == NULL)
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
    else if (cJSON_IsArray(parent))
        cJSON_ReplaceItemInArray(parent, (int)strtol(last, NULL, 10), cJSON_Parse(value));
    else
        cJSON_ReplaceItemInObjectCaseSensitive(parent, last, cJSON_Parse(value));
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return text;
}

/* privacy_edit of PRIVACY_IXIT. */
static inline char *privacy_ixit_with(const char *path, const char *value)
{
    return privacy_edit(PRIVACY_IXIT, path, value);
}

/* Two edits of PRIVACY_IXIT, in order. */
static inline char *privacy_ixit_with2(const char *path1, const char *value1, const char *path2,
                                       const char *value2)
{
    char *one = privacy_ixit_with(path1, value1), *two;

    if (one == NULL)
        return NULL;
    two = privacy_edit(one, path2, value2);
    free(one);
    return two;
}

#endif /* KEEL_TESTS_AUDIT_PRIVACY_IXIT_H */
