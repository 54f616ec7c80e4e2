/*
 * keeld's cloud link: MQTT over mutual TLS to the broker (5.5-1, 5.5-7, 5.8-2).
 *
 * The TLS context comes from the tls module (keel's one policy; the broker verified against
 * --mqtt-ca and its name; the device presenting its identity certificate, whose key signs
 * inside the root of trust). libmosquitto gets that context as it is
 * (MOSQ_OPT_SSL_CTX_WITH_DEFAULTS off: it then neither loads other trust nor changes it).
 *
 * One thread, started after the sandbox is in place, owns the MQTT client: it connects,
 * runs the protocol and reconnects. The thread is keel's rather than mosquitto_loop_start's
 * because mosquitto_loop_forever gives up for good on a TLS or name-resolution failure, and
 * the link must come back by itself once the broker or the network is right again. Nothing
 * local waits on the link: the lock, the keypad and the HTTPS API work whether the broker is
 * there or not (5.9-2).
 *
 * Reconnection (5.9-3): before retry number n (0 for the first) the thread waits
 * keel_backoff_ms(n, KEELD_CLOUD_BACKOFF_BASE_MS, KEELD_CLOUD_BACKOFF_CAP_MS), a time drawn
 * uniformly from [0, min(cap, base * 2^n)]; n starts again at 0 once the broker accepts a
 * session. A broker restart drops every device at the same moment; with the whole wait drawn
 * at random they come back spread over the window instead of in step, which is what keeps
 * a fleet from knocking the broker over again (tests/integration/storm.sh measures it).
 *
 * Topics, all under keel/<serial>/ (the broker's ACL gives each device its own subtree):
 *   status           retained: {"state":"online","model":...,"firmware_version":...} on
 *                    connect, {"state":"offline"} as the will (an unclean loss) and on a clean
 *                    stop.
 *   events           the security telemetry (5.10-1): the lock's queued events, keel/events.h
 *                    objects (a pseudonymous "device", no personal data: 6-4), QoS 1, oldest
 *                    first, one in flight. Every connection queues "link.up".
 *   accesslog        QoS 1, only while the owner consents (6-2, 6-3A): copies of the access
 *                    log with who (keeld_lock_sync_peek), one in flight (cloud_sync.c).
 *   command          subscribed (QoS 1): {"id":"...","action":"lock"|"unlock"|"state"}
 *                    (keeld.h).
 *   reply            QoS 1: the answer to each command.
 *   privacy/delete   QoS 1: the owner's request that the service delete their data
 *                    (5.11-2), {"request":"<id>","requested":"RFC 3339"}, sent on every
 *                    connection while it is pending (cloud_sync.c).
 *   privacy/deleted  subscribed (QoS 1): the service's confirmation (5.11-4),
 *                    {"request":"<id>","items":N}, parsed strictly (cloud_privacy.c); a
 *                    retained one is refused, one for another id ignored.
 *
 * Delivery of events, in order and exactly once from the device's view: the events wait in
 * lock.db (SQLite, so they survive a power cut and a restart). While the link is up and no
 * event is in flight, the thread publishes the oldest one; the broker's PUBACK for it removes
 * it from the queue (keeld_lock_outbox_done), and only then does the next one go. When the
 * link is lost with an event in flight, the event stays queued and goes again after the
 * reconnection (libmosquitto resends it, marked as a duplicate, as soon as the broker has
 * accepted the new session; after a restart of keeld, or when the link thread renewed the
 * client because an access-log copy was in flight too, it is published afresh from the queue).
 * So the broker can receive an event twice when its PUBACK was lost on the way: every event
 * carries its seq, which counts up by one per event and is never reused, and the cloud drops
 * an event whose seq it has already seen. It never receives one out of order, and never
 * misses one unless the queue overflowed while offline, which the next event's "dropped"
 * count and the jump in seq both show.
 *
 * Commands (5.13-1A): a payload over KEELD_COMMAND_MAX bytes, or anything not of the declared
 * shape, is answered with an error and changes nothing (keeld_command_execute). A command
 * arriving as a retained message is refused: it would be carried out again at every
 * reconnection. QoS 1 may deliver a command twice; lock and unlock are idempotent, and the
 * reply carries the command's id so that the cloud can match it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <openssl/ssl.h>

#include "cloud_int.h"
#include "keel/tls.h"

#define CLOUD_KEEPALIVE_S 60
#define CLOUD_LOOP_MS 500          /* how soon the thread sees a stop request */
#define CLOUD_CONNECT_TIMEOUT_S 20 /* from TCP connect to the broker's CONNACK */
#define CLOUD_GOODBYE_ROUNDS 10    /* of CLOUD_LOOP_MS: the offline status's time to go out */
#define CLOUD_REPLY_MAX 256        /* the largest reply keeld_command_execute writes is ~90 bytes */
#define CLOUD_PATH_MAX 4096
#define CLOUD_QOS KEELD_CLOUD_QOS

static const char offline_status[] = "{\"state\":\"offline\"}";

static void set_online(struct keeld_cloud *c, int online)
{
    c->online = online;
    if (c->online_flag != NULL)
        __atomic_store_n(c->online_flag, online, __ATOMIC_SEQ_CST);
}

/* ---- callbacks: run on the link thread ---- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct keeld_cloud *c = obj;
    int prc;

    if (rc != 0) {
        keel_log(KEEL_LOG_WARN, "cloud: the broker %s:%u refused the connection: %s", c->host,
                 c->port, mosquitto_connack_string(rc));
        return;
    }
    set_online(c, 1);
    c->attempt = 0;
    keel_log(KEEL_LOG_INFO, "cloud: connected to %s:%u over mutual TLS", c->host, c->port);
    prc = mosquitto_publish(mosq, NULL, c->topic, (int)strlen(c->online_status), c->online_status,
                            CLOUD_QOS, true);
    if (prc != MOSQ_ERR_SUCCESS)
        keel_log(KEEL_LOG_WARN, "cloud: cannot publish the status: %s", mosquitto_strerror(prc));
    if (c->lock == NULL)
        return;
    prc = mosquitto_subscribe(mosq, NULL, c->command_topic, CLOUD_QOS);
    if (prc != MOSQ_ERR_SUCCESS)
        keel_log(KEEL_LOG_WARN, "cloud: cannot subscribe to the commands: %s",
                 mosquitto_strerror(prc));
    prc = mosquitto_subscribe(mosq, NULL, c->deleted_topic, CLOUD_QOS);
    if (prc != MOSQ_ERR_SUCCESS)
        keel_log(KEEL_LOG_WARN, "cloud: cannot subscribe to the deletion confirmations: %s",
                 mosquitto_strerror(prc));
    c->deletion_sent[0] = '\0'; /* a pending request goes again in this session */
    /* Every connection is a security event (5.10-1): a device reconnecting in a storm is
     * what the service's monitor looks for. */
    keeld_security_event(c->lock, "link.up", KEELD_SRC_SYSTEM);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    struct keeld_cloud *c = obj;

    (void)mosq;
    if (c->online && rc != 0)
        keel_log(KEEL_LOG_WARN, "cloud: lost the link to %s:%u", c->host, c->port);
    set_online(c, 0);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    struct keeld_cloud *c = obj;
    keel_err ret;

    (void)mosq;
    if (c->goodbye_mid != 0 && mid == c->goodbye_mid)
        c->goodbye_sent = 1;
    if (keeld_cloud_sync_acked(c, mid))
        return;
    if (!c->inflight || mid != c->inflight_mid)
        return;
    /* The broker has the event: only now does it leave the queue. Should the removal fail,
     * the event goes again later, a repeat the cloud recognises by its seq. */
    c->inflight = 0;
    ret = keeld_lock_outbox_done(c->lock, c->inflight_seq);
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "cloud: delivered event %llu", (unsigned long long)c->inflight_seq);
    else
        keel_log(KEEL_LOG_WARN, "cloud: event %llu delivered but still queued: %s",
                 (unsigned long long)c->inflight_seq, keel_strerror(ret));
}

static void publish_reply(struct keeld_cloud *c, const char *reply)
{
    int rc;

    if (reply[0] == '\0') {
        keel_log(KEEL_LOG_ERROR, "cloud: no reply could be made for a command");
        return;
    }
    rc = mosquitto_publish(c->mosq, NULL, c->reply_topic, (int)strlen(reply), reply, CLOUD_QOS,
                           false);
    if (rc != MOSQ_ERR_SUCCESS)
        keel_log(KEEL_LOG_WARN, "cloud: cannot publish a command's reply: %s",
                 mosquitto_strerror(rc));
}

/* A retained command would be carried out again at every reconnection: refused. */
static void refuse_retained(const struct mosquitto_message *msg, char *reply, size_t replysz)
{
    char id[KEELD_COMMAND_ID_MAX + 1];
    keeld_command_action action;
    keel_err ret = keeld_command_parse(msg->payload, (size_t)msg->payloadlen, id, &action);

    if (ret == KEEL_OK)
        ret = keel_str_format(reply, replysz,
                              "{\"id\":\"%s\",\"result\":\"error\",\"error\":\"retained\"}", id);
    else
        ret = keel_str_copy(reply, replysz, "{\"result\":\"error\",\"error\":\"retained\"}");
    if (ret != KEEL_OK)
        reply[0] = '\0';
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct keeld_cloud *c = obj;
    char reply[CLOUD_REPLY_MAX];

    (void)mosq;
    if (c->lock == NULL || msg->topic == NULL || msg->payloadlen < 0 ||
        (msg->payload == NULL && msg->payloadlen != 0))
        return;
    if (strcmp(msg->topic, c->deleted_topic) == 0) {
        /* logged there; nothing is answered */
        (void)keeld_cloud_deleted(c->lock, msg->payload, (size_t)msg->payloadlen, msg->retain);
        return;
    }
    if (strcmp(msg->topic, c->command_topic) != 0)
        return;
    if (msg->retain) {
        keel_log(KEEL_LOG_WARN, "cloud: refused a retained command");
        refuse_retained(msg, reply, sizeof(reply));
    } else {
        /* Over KEELD_COMMAND_MAX bytes the answer is "too large", nothing of it parsed. */
        keeld_command_execute(c->lock, msg->payload, (size_t)msg->payloadlen, reply, sizeof(reply));
        keel_log(KEEL_LOG_INFO, "cloud: command %s",
                 strstr(reply, "\"result\":\"ok\"") != NULL ? "carried out" : "refused");
    }
    publish_reply(c, reply);
}

/* ---- the link thread ---- */

static int stop_requested(struct keeld_cloud *c)
{
    int stop;

    pthread_mutex_lock(&c->mutex);
    stop = c->stop;
    pthread_mutex_unlock(&c->mutex);
    return stop;
}

/* Sleep ms milliseconds unless a stop comes first; 1 when stopping. */
static int backoff_wait(struct keeld_cloud *c, uint32_t ms)
{
    struct timespec until;
    int stop;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000u);
    until.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->mutex);
    while (!c->stop && pthread_cond_timedwait(&c->wake, &c->mutex, &until) != ETIMEDOUT)
        ;
    stop = c->stop;
    pthread_mutex_unlock(&c->mutex);
    return stop;
}

int keeld_cloud_publish_not_queued(int rc)
{
    return rc == MOSQ_ERR_NOMEM || rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_PAYLOAD_SIZE ||
           rc == MOSQ_ERR_MALFORMED_UTF8 || rc == MOSQ_ERR_OVERSIZE_PACKET ||
           rc == MOSQ_ERR_QOS_NOT_SUPPORTED || rc == MOSQ_ERR_NOT_SUPPORTED;
}

/* While online with nothing in flight: publish the oldest queued event. */
static void deliver_next(struct keeld_cloud *c)
{
    char json[KEELD_EVENT_MAX];
    uint64_t seq;
    int mid = 0;
    int rc;
    keel_err ret;

    if (!c->online || c->lock == NULL || c->inflight)
        return;
    ret = keeld_lock_outbox_peek(c->lock, &seq, json, sizeof(json));
    if (ret == KEEL_ERR_NOT_FOUND) {
        c->queue_failing = 0;
        return;
    }
    if (ret != KEEL_OK) {
        if (!c->queue_failing)
            keel_log(KEEL_LOG_ERROR, "cloud: cannot read the queue of events: %s",
                     keel_strerror(ret));
        c->queue_failing = 1;
        return;
    }
    c->queue_failing = 0;
    rc = mosquitto_publish(c->mosq, &mid, c->events_topic, (int)strlen(json), json, CLOUD_QOS,
                           false);
    if (keeld_cloud_publish_not_queued(rc)) {
        keel_log(KEEL_LOG_WARN, "cloud: cannot publish event %llu: %s", (unsigned long long)seq,
                 mosquitto_strerror(rc));
        return;
    }
    c->inflight = 1;
    c->inflight_mid = mid;
    c->inflight_seq = seq;
}

/* Leave the retained state right: the will is published only on an unclean loss, so a
 * clean stop says "offline" itself, waits briefly for the broker to take it, then says
 * goodbye. */
static void goodbye(struct keeld_cloud *c)
{
    if (!c->online)
        return;
    if (mosquitto_publish(c->mosq, &c->goodbye_mid, c->topic, (int)strlen(offline_status),
                          offline_status, CLOUD_QOS, true) == MOSQ_ERR_SUCCESS) {
        for (int i = 0; i < CLOUD_GOODBYE_ROUNDS && !c->goodbye_sent; i++)
            if (mosquitto_loop(c->mosq, CLOUD_LOOP_MS, 1) != MOSQ_ERR_SUCCESS)
                break;
    }
    if (mosquitto_disconnect(c->mosq) == MOSQ_ERR_SUCCESS)
        for (int i = 0; i < CLOUD_GOODBYE_ROUNDS && mosquitto_socket(c->mosq) >= 0; i++)
            if (mosquitto_loop(c->mosq, CLOUD_LOOP_MS, 1) != MOSQ_ERR_SUCCESS)
                break;
    keel_log(KEEL_LOG_INFO, "cloud: disconnected from %s:%u", c->host, c->port);
    set_online(c, 0);
}

/* libmosquitto 2.0 takes every system error of a TLS handshake for "try again" (a refused
 * or reset connection then spins in mosquitto_loop and never fails), so until the broker
 * has accepted the session the thread watches the socket itself: a pending socket error,
 * the broker closing it, or no session within CLOUD_CONNECT_TIMEOUT_S end the attempt.
 * MOSQ_ERR_ERRNO with errno set, or MOSQ_ERR_SUCCESS while it may go on. */
static int attempt_check(struct keeld_cloud *c, time_t started)
{
    int sock = mosquitto_socket(c->mosq);

    if (c->online || sock < 0)
        return MOSQ_ERR_SUCCESS;
    if (keel_socket_failed(sock) != KEEL_OK)
        return MOSQ_ERR_ERRNO; /* refused, or closed by the broker during the handshake */
    if (time(NULL) - started > CLOUD_CONNECT_TIMEOUT_S) {
        errno = ETIMEDOUT;
        return MOSQ_ERR_ERRNO;
    }
    return MOSQ_ERR_SUCCESS;
}

static const char *failure_reason(int rc)
{
    if (rc != MOSQ_ERR_ERRNO)
        return mosquitto_strerror(rc);
    return errno == ENOTCONN ? "refused or closed by the broker" : strerror(errno);
}

/* The wait before the next attempt (5.9-3), in milliseconds; the attempt counted. Should
 * the CSPRNG fail, the whole capped window is waited: never a shorter, predictable time. */
static uint32_t next_wait_ms(struct keeld_cloud *c)
{
    uint32_t ms;
    keel_err ret =
        keel_backoff_ms(c->attempt, KEELD_CLOUD_BACKOFF_BASE_MS, KEELD_CLOUD_BACKOFF_CAP_MS, &ms);

    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "cloud: no random back-off (%s); waiting the cap",
                 keel_strerror(ret));
        ms = KEELD_CLOUD_BACKOFF_CAP_MS;
    }
    if (c->attempt < UINT32_MAX)
        c->attempt++;
    return ms;
}

static keel_err renew_client(struct keeld_cloud *c);

static void *link_thread(void *arg)
{
    struct keeld_cloud *c = arg;
    int first = 1;
    time_t started;
    uint32_t wait_ms;
    int rc;

    while (!stop_requested(c)) {
        /* Non-blocking TCP connect: the TLS handshake and MQTT CONNECT run in the loop. */
        started = time(NULL);
        rc = first ? mosquitto_connect_async(c->mosq, c->host, (int)c->port, CLOUD_KEEPALIVE_S)
                   : mosquitto_reconnect_async(c->mosq);
        first = 0;
        while (rc == MOSQ_ERR_SUCCESS && !stop_requested(c)) {
            rc = mosquitto_loop(c->mosq, CLOUD_LOOP_MS, 1);
            if (rc == MOSQ_ERR_SUCCESS)
                rc = attempt_check(c, started);
            if (rc == MOSQ_ERR_SUCCESS) {
                /* an event first, then a copy: neither waits behind the other (cloud_sync.c) */
                deliver_next(c);
                keeld_cloud_sync_next(c);
                keeld_cloud_deletion_next(c);
            }
        }
        if (rc == MOSQ_ERR_SUCCESS)
            break; /* stopping */
        if (c->online)
            keel_log(KEEL_LOG_WARN, "cloud: lost the link to %s:%u", c->host, c->port);
        set_online(c, 0);
        wait_ms = next_wait_ms(c);
        keel_log(KEEL_LOG_WARN, "cloud: no link to %s:%u (%s); retrying in %u ms", c->host, c->port,
                 failure_reason(rc), (unsigned)wait_ms);
        if (backoff_wait(c, wait_ms))
            break;
        /* A copy of the access log was in flight: libmosquitto would resend it by itself,
         * even after the owner withdrew their consent. A fresh client holds nothing; what
         * is still queued in lock.db goes from there, and only while the consent holds. */
        if (c->sync_inflight) {
            if (renew_client(c) != KEEL_OK)
                continue; /* no connection with the old client: tried again after a wait */
            first = 1;
        }
    }
    goodbye(c);
    return NULL;
}

/* ---- open, start, close ---- */

/* The retained status; with an integrity alert (5.7-2) the alert rides in it, so the cloud
 * learns of it on the one message the device still sends. */
static keel_err status_json(const struct keeld_identity *id, const char *alert, char **out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *a = alert != NULL ? cJSON_Parse(alert) : NULL;
    keel_err ret = KEEL_ERR_NOMEM;

    if (alert != NULL && (a == NULL || !cJSON_AddItemToObject(o, "alert", a))) {
        cJSON_Delete(a);
        cJSON_Delete(o);
        return KEEL_ERR_NOMEM;
    }
    if (o != NULL && cJSON_AddStringToObject(o, "state", "online") != NULL &&
        cJSON_AddStringToObject(o, "model", id->model) != NULL &&
        cJSON_AddStringToObject(o, "firmware_version", KEELD_FIRMWARE_VERSION) != NULL) {
        *out = cJSON_PrintUnformatted(o);
        if (*out != NULL)
            ret = KEEL_OK;
    }
    cJSON_Delete(o);
    return ret;
}

/* The TLS client context: keel's policy, the broker's CA and name, the device identity. */
static keel_err tls_context(const struct keeld_config *cfg, struct keeld_device *dev, SSL_CTX **ctx,
                            char *err, size_t errsz)
{
    char cert[CLOUD_PATH_MAX];
    EVP_PKEY *key = NULL;
    keel_tls_client_config tc;
    keel_err ret =
        keel_str_format(cert, sizeof(cert), "%s/%s", cfg->data_dir, KEELD_IDENTITY_CERT_FILE);

    if (ret != KEEL_OK) {
        (void)keel_str_format(err, errsz, "the data directory path is too long");
        return ret;
    }
    ret = keel_rot_identity_tls_key(dev->rot, &key);
    if (ret != KEEL_OK) {
        (void)keel_str_format(err, errsz,
                              "cloud: the identity key in the root of trust "
                              "cannot be used for TLS (%s)",
                              keel_strerror(ret));
        return ret;
    }
    memset(&tc, 0, sizeof(tc));
    tc.ca_file = cfg->mqtt_ca;
    tc.host = cfg->mqtt_name != NULL ? cfg->mqtt_name : cfg->mqtt_host;
    tc.cert_file = cert;
    tc.key = key;
    ret = keel_tls_client_new(&tc, ctx);
    EVP_PKEY_free(key); /* the context holds its own reference */
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz,
                              "cloud: no TLS client context (CA %s, certificate %s): %s",
                              cfg->mqtt_ca, cert, keel_strerror(ret));
    return ret;
}

/* A new MQTT client for c (its serial as the client id, keel's TLS context, the will, the
 * callbacks) into *out. */
static keel_err client_make(struct keeld_cloud *c, struct mosquitto **out, char *err, size_t errsz)
{
    struct mosquitto *mosq = mosquitto_new(c->serial, true, c);
    int rc;

    *out = NULL;
    if (mosq == NULL) {
        (void)keel_str_format(err, errsz, "cloud: cannot create the MQTT client");
        return KEEL_ERR_NOMEM;
    }
    rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    /* mosquitto takes its own reference on the context */
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, c->ssl_ctx);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_will_set(mosq, c->topic, (int)strlen(offline_status), offline_status,
                                CLOUD_QOS, true);
    if (rc != MOSQ_ERR_SUCCESS) {
        (void)keel_str_format(err, errsz, "cloud: cannot configure the MQTT client: %s",
                              mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        return KEEL_ERR_ARG;
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    mosquitto_publish_callback_set(mosq, on_publish);
    mosquitto_message_callback_set(mosq, on_message);
    *out = mosq;
    return KEEL_OK;
}

/* Replace the client by a fresh one (on the link thread, while not connected): whatever
 * libmosquitto still held to send is gone; the events and copies in flight go again from
 * lock.db. */
static keel_err renew_client(struct keeld_cloud *c)
{
    char err[KEELD_ERROR_MAX];
    struct mosquitto *mosq = NULL;
    keel_err ret = client_make(c, &mosq, err, sizeof(err));

    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "%s", err);
        return ret;
    }
    mosquitto_destroy(c->mosq);
    c->mosq = mosq;
    c->inflight = 0;
    c->sync_inflight = 0;
    c->goodbye_mid = 0;
    keel_log(KEEL_LOG_INFO, "cloud: a fresh client: the access-log copy in flight is not resent");
    return KEEL_OK;
}

/* keel/<serial>/<leaf> into topic (KEELD_CLOUD_TOPIC_MAX bytes). */
static keel_err topic_make(char *topic, const char *serial, const char *leaf)
{
    return keel_str_format(topic, KEELD_CLOUD_TOPIC_MAX, "keel/%s/%s", serial, leaf);
}

static keel_err cloud_init(struct keeld_cloud *c, const struct keeld_config *cfg,
                           const struct keeld_identity *id, const char *alert, char *err,
                           size_t errsz)
{
    if (keel_str_copy(c->host, sizeof(c->host), cfg->mqtt_host) != KEEL_OK ||
        keel_str_copy(c->serial, sizeof(c->serial), id->serial) != KEEL_OK ||
        topic_make(c->accesslog_topic, id->serial, "accesslog") != KEEL_OK ||
        topic_make(c->delete_topic, id->serial, "privacy/delete") != KEEL_OK ||
        topic_make(c->deleted_topic, id->serial, "privacy/deleted") != KEEL_OK ||
        topic_make(c->topic, id->serial, "status") != KEEL_OK ||
        topic_make(c->events_topic, id->serial, "events") != KEEL_OK ||
        topic_make(c->command_topic, id->serial, "command") != KEEL_OK ||
        topic_make(c->reply_topic, id->serial, "reply") != KEEL_OK) {
        (void)keel_str_format(err, errsz, "cloud: the broker name or serial is too long");
        return KEEL_ERR_RANGE;
    }
    c->port = cfg->mqtt_port;
    if (status_json(id, alert, &c->online_status) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "cloud: out of memory");
        return KEEL_ERR_NOMEM;
    }
    return KEEL_OK;
}

/* The wait in backoff_wait runs on the monotonic clock (a clock step must not stretch it). */
static int sync_init(struct keeld_cloud *c)
{
    pthread_condattr_t attr;
    int ok;

    if (pthread_condattr_init(&attr) != 0)
        return 0;
    ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&c->wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (ok && pthread_mutex_init(&c->mutex, NULL) != 0) {
        pthread_cond_destroy(&c->wake);
        ok = 0;
    }
    return ok;
}

keel_err keeld_cloud_open(const struct keeld_config *cfg, struct keeld_device *dev,
                          const struct keeld_identity *id, const char *alert,
                          struct keeld_cloud **out, char *err, size_t errsz)
{
    struct keeld_cloud *c = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (out != NULL)
        *out = NULL;
    if (cfg == NULL || dev == NULL || id == NULL || out == NULL || cfg->mqtt_host == NULL ||
        cfg->mqtt_ca == NULL) {
        (void)keel_str_copy(err, errsz, "cloud: --mqtt and --mqtt-ca are both needed");
        return KEEL_ERR_ARG;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || !sync_init(c)) {
        free(c);
        (void)keel_str_copy(err, errsz, "cloud: out of memory");
        return KEEL_ERR_NOMEM;
    }
    if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
        (void)keel_str_copy(err, errsz, "cloud: libmosquitto cannot start");
        ret = KEEL_ERR_IO;
        goto out;
    }
    ret = cloud_init(c, cfg, id, alert, err, errsz);
    if (ret == KEEL_OK)
        ret = tls_context(cfg, dev, &c->ssl_ctx, err, errsz);
    if (ret == KEEL_OK)
        ret = client_make(c, &c->mosq, err, errsz);
    if (ret == KEEL_OK) {
        *out = c;
        c = NULL;
    }
out:
    keeld_cloud_close(c);
    return ret;
}

void keeld_cloud_attach(struct keeld_cloud *c, struct keeld_lock *lock, int *online)
{
    if (c == NULL || c->thread_started)
        return; /* the link thread reads both without a lock: only before it starts */
    c->lock = lock;
    c->online_flag = online;
    if (online != NULL)
        __atomic_store_n(online, 0, __ATOMIC_SEQ_CST);
}

keel_err keeld_cloud_start(struct keeld_cloud *c)
{
    if (c == NULL || c->thread_started)
        return KEEL_ERR_ARG;
    if (pthread_create(&c->thread, NULL, link_thread, c) != 0) {
        keel_log(KEEL_LOG_ERROR, "cloud: cannot start the link thread: %s", strerror(errno));
        return KEEL_ERR_IO;
    }
    c->thread_started = 1;
    return KEEL_OK;
}

void keeld_cloud_close(struct keeld_cloud *c)
{
    if (c == NULL)
        return;
    if (c->thread_started) {
        pthread_mutex_lock(&c->mutex);
        c->stop = 1;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->mutex);
        pthread_join(c->thread, NULL);
    }
    mosquitto_destroy(c->mosq); /* frees its reference on the TLS context */
    SSL_CTX_free(c->ssl_ctx);   /* and ours: with the last one goes the key */
    mosquitto_lib_cleanup();
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->mutex);
    cJSON_free(c->online_status);
    free(c);
}
