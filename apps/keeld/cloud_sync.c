/*
 * What the cloud link carries for the owner beside the security events: the copies of the
 * access log they consented to (6-2, 6-3A) and their request that the service delete their
 * data (5.11-2).
 *
 * Access-log copies (keel/<serial>/accesslog, QoS 1): they wait in lock.db, sealed, only
 * while the owner's consent is granted (keeld_lock_sync_peek); one is in flight at a time,
 * removed on the broker's PUBACK (keeld_lock_sync_done). The consent is read again right
 * before each copy is handed to libmosquitto, so a withdrawal committed before that moment
 * sends nothing more; the withdrawal itself deletes every copy still waiting (lock.h). A
 * copy in flight when the link drops would be resent by libmosquitto on its own at the next
 * connection, after a withdrawal as well as before: cloud.c renews the client in that case,
 * so the copy is sent again only from lock.db, and so only while the consent still holds.
 *
 * Interleaving with the events: copies and events are two queues, each with its own one
 * message in flight. Each round of the link thread offers the next event first, then the
 * next copy, so an event never waits behind a copy (nor a copy behind an event) for more
 * than that one round; events stay in order among themselves, copies among themselves.
 *
 * The deletion request (keel/<serial>/privacy/delete, QoS 1) is published once per
 * connection while it is pending, and in the link thread's next round (CLOUD_LOOP_MS, half a
 * second at most) when the owner makes it while the link is up; the service treats a repeated
 * request id as the same request.
 */
#include <string.h>

#include "cloud_int.h"

void keeld_cloud_sync_next(struct keeld_cloud *c)
{
    char json[KEELD_EVENT_MAX];
    uint64_t seq = 0;
    int mid = 0;
    int rc;
    keel_err ret;

    if (!c->online || c->lock == NULL || c->sync_inflight)
        return;
    ret = keeld_lock_sync_peek(c->lock, &seq, json, sizeof(json));
    if (ret == KEEL_ERR_NOT_FOUND) {
        c->sync_failing = 0;
        return;
    }
    if (ret != KEEL_OK) {
        if (!c->sync_failing)
            keel_log(KEEL_LOG_ERROR, "cloud: cannot read the access-log copies: %s",
                     keel_strerror(ret));
        c->sync_failing = 1;
        return;
    }
    c->sync_failing = 0;
    /* The owner may have withdrawn since the copy was read: asked again, at the last moment. */
    if (!keeld_lock_consent_granted(c->lock, KEELD_CONSENT_ACCESS_LOG_SYNC))
        return;
    rc = mosquitto_publish(c->mosq, &mid, c->accesslog_topic, (int)strlen(json), json,
                           KEELD_CLOUD_QOS, false);
    keel_wipe(json, sizeof(json)); /* it names a person: no copy stays behind on the stack */
    if (keeld_cloud_publish_not_queued(rc)) {
        keel_log(KEEL_LOG_WARN, "cloud: cannot publish access-log copy %llu: %s",
                 (unsigned long long)seq, mosquitto_strerror(rc));
        return;
    }
    c->sync_inflight = 1;
    c->sync_mid = mid;
    c->sync_seq = seq;
    keel_log(KEEL_LOG_INFO, "cloud: sent access-log copy %llu", (unsigned long long)seq);
}

int keeld_cloud_sync_acked(struct keeld_cloud *c, int mid)
{
    keel_err ret;

    if (!c->sync_inflight || mid != c->sync_mid)
        return 0;
    c->sync_inflight = 0;
    /* A copy the withdrawal already deleted is KEEL_OK here too. */
    ret = keeld_lock_sync_done(c->lock, c->sync_seq);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "cloud: delivered access-log copy %llu",
                 (unsigned long long)c->sync_seq);
    else
        keel_log(KEEL_LOG_WARN, "cloud: access-log copy %llu delivered but still queued: %s",
                 (unsigned long long)c->sync_seq, keel_strerror(ret));
    return 1;
}

void keeld_cloud_deletion_next(struct keeld_cloud *c)
{
    char id[KEELD_DELETION_ID_HEX + 1];
    char json[KEELD_DELETION_REQUEST_MAX];
    int64_t requested = 0;
    int rc;
    keel_err ret;

    if (!c->online || c->lock == NULL)
        return;
    ret = keeld_lock_deletion_pending(c->lock, id, &requested);
    if (ret == KEEL_ERR_NOT_FOUND) {
        c->deletion_failing = 0;
        return;
    }
    if (ret == KEEL_OK && strcmp(id, c->deletion_sent) == 0)
        return; /* sent in this session */
    if (ret == KEEL_OK)
        ret = keeld_deletion_request_json(id, requested, json, sizeof(json));
    if (ret != KEEL_OK) {
        if (!c->deletion_failing)
            keel_log(KEEL_LOG_ERROR, "cloud: cannot read the pending deletion request: %s",
                     keel_strerror(ret));
        c->deletion_failing = 1;
        return;
    }
    c->deletion_failing = 0;
    rc = mosquitto_publish(c->mosq, NULL, c->delete_topic, (int)strlen(json), json, KEELD_CLOUD_QOS,
                           false);
    if (keeld_cloud_publish_not_queued(rc)) {
        keel_log(KEEL_LOG_WARN, "cloud: cannot publish deletion request %s: %s", id,
                 mosquitto_strerror(rc));
        return;
    }
    memcpy(c->deletion_sent, id, sizeof(c->deletion_sent));
    keel_log(KEEL_LOG_INFO, "cloud: sent deletion request %s to the service", id);
}
