/*
 * The monitor's MQTT link: mutual TLS with keel's one policy (the broker verified against
 * --ca and its name; the monitor presenting --cert and --key), MQTT v5, and one shared
 * subscription $share/<group>/<topic> at QoS 1: the broker hands each event to one member of
 * the group, so monitors started with the same --group share the fleet's load between them.
 *
 * The loop is the monitor's own rather than mosquitto_loop_forever's, which gives up for
 * good on a TLS failure: after a lost link the monitor tries again after a capped,
 * exponential, jittered wait (keel_backoff_ms), for as long as it runs. libmosquitto 2.0 takes
 * a refused or reset TLS handshake for "try again" and would spin, so until the broker has
 * accepted the session the socket is watched here (as keeld's cloud link does). A broker
 * that refuses the subscription itself (its ACL) is not retried: that is a configuration to
 * fix, and the monitor stops saying so.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <mosquitto.h>
#include <openssl/pem.h>

#include "keel/tls.h"
#include "monitor.h"

#define LINK_KEEPALIVE_S 60
#define LINK_CONNECT_TIMEOUT_MS 20000
#define LINK_BACKOFF_BASE_MS 500u
#define LINK_BACKOFF_CAP_MS 30000u
#define LINK_GOODBYE_ROUNDS 10 /* of 100 ms: the last alerts' time to be acknowledged */
#define LINK_HOST_MAX 256
#define LINK_TOPIC_MAX 512

struct monitor_link {
    struct mosquitto *mosq;
    char host[LINK_HOST_MAX];
    unsigned port;
    char subscription[LINK_TOPIC_MAX];
    char alert_topic[LINK_TOPIC_MAX];
    monitor_message_fn fn;
    void *user;
    int active;     /* a connection attempt or session is under way */
    int online;     /* the broker accepted the session */
    int subscribed; /* and the subscription */
    int refused;    /* the broker refused the subscription: fatal */
    int sub_mid;
    uint64_t published, acknowledged; /* alerts handed to the broker, and its PUBACKs */
    uint32_t attempt;
    int64_t started_ms;
    int64_t retry_at_ms;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct monitor_link *l = obj;
    int src;

    if (rc != 0) {
        keel_log(KEEL_LOG_WARN, "monitor: %s:%u refused the session: %s", l->host, l->port,
                 mosquitto_reason_string(rc));
        return; /* the broker closes the socket; the loop sees it */
    }
    l->online = 1;
    l->attempt = 0;
    keel_log(KEEL_LOG_INFO, "monitor: connected to %s:%u", l->host, l->port);
    src = mosquitto_subscribe(mosq, &l->sub_mid, l->subscription, 1);
    if (src != MOSQ_ERR_SUCCESS)
        keel_log(KEEL_LOG_WARN, "monitor: cannot subscribe to %s: %s", l->subscription,
                 mosquitto_strerror(src));
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted)
{
    struct monitor_link *l = obj;

    (void)mosq;
    if (mid != l->sub_mid)
        return;
    if (count < 1 || granted[0] < 0 || granted[0] > 2) {
        l->refused = 1;
        return;
    }
    l->subscribed = 1;
    keel_log(KEEL_LOG_INFO, "monitor: subscribed to %s", l->subscription);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    struct monitor_link *l = obj;

    (void)mosq;
    (void)mid;
    l->acknowledged++;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct monitor_link *l = obj;

    (void)mosq;
    l->fn(msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0, msg->retain, l->user);
}

/* The client key from a PEM file; an encrypted key is refused rather than prompted for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static keel_err tls_context(const struct monitor_link_config *cfg, SSL_CTX **ctx, char *err,
                            size_t errsz)
{
    keel_tls_client_config tc;
    EVP_PKEY *key = NULL;
    BIO *bio = BIO_new_file(cfg->key, "r");
    keel_err ret;

    if (bio != NULL)
        key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (key == NULL) {
        (void)keel_str_format(err, errsz, "--key %s: no unencrypted PEM private key", cfg->key);
        return KEEL_ERR_CRYPTO;
    }
    memset(&tc, 0, sizeof(tc));
    tc.ca_file = cfg->ca;
    tc.host = cfg->name != NULL ? cfg->name : cfg->host;
    tc.cert_file = cfg->cert;
    tc.key = key;
    ret = keel_tls_client_new(&tc, ctx);
    EVP_PKEY_free(key); /* the context holds its own reference */
    if (ret != KEEL_OK)
        (void)keel_str_format(err, errsz, "no TLS client context (--ca %s, --cert %s): %s", cfg->ca,
                              cfg->cert, keel_strerror(ret));
    return ret;
}

static keel_err topics(struct monitor_link *l, const struct monitor_link_config *cfg, char *err,
                       size_t errsz)
{
    const char *filter = NULL;

    if (strncmp(cfg->subscription, "$share/", 7) == 0)
        filter = strchr(cfg->subscription + 7, '/');
    if (filter == NULL || filter == cfg->subscription + 7 ||
        mosquitto_sub_topic_check(filter + 1) != MOSQ_ERR_SUCCESS ||
        keel_str_copy(l->subscription, sizeof(l->subscription), cfg->subscription) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "'%s' is not a shared subscription $share/GROUP/TOPIC",
                              cfg->subscription);
        return KEEL_ERR_ARG;
    }
    if (mosquitto_pub_topic_check(cfg->alert_topic) != MOSQ_ERR_SUCCESS ||
        keel_str_copy(l->alert_topic, sizeof(l->alert_topic), cfg->alert_topic) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "--alert-topic '%s' is not a topic to publish to",
                              cfg->alert_topic);
        return KEEL_ERR_ARG;
    }
    if (keel_str_copy(l->host, sizeof(l->host), cfg->host) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "the broker's host name is too long");
        return KEEL_ERR_ARG;
    }
    return KEEL_OK;
}

static keel_err client(struct monitor_link *l, SSL_CTX *ctx, char *err, size_t errsz)
{
    uint8_t raw[8];
    char id[sizeof("keel-monitor-") + 2 * sizeof(raw)];
    char hex[2 * sizeof(raw) + 1];
    int rc;

    if (keel_random(raw, sizeof(raw)) != KEEL_OK ||
        keel_hex_encode(raw, sizeof(raw), hex, sizeof(hex)) != KEEL_OK ||
        keel_str_format(id, sizeof(id), "keel-monitor-%s", hex) != KEEL_OK) {
        (void)keel_str_format(err, errsz, "no random client id");
        return KEEL_ERR_RANDOM;
    }
    l->mosq = mosquitto_new(id, true, l);
    if (l->mosq == NULL) {
        (void)keel_str_format(err, errsz, "cannot create the MQTT client");
        return KEEL_ERR_NOMEM;
    }
    rc = mosquitto_int_option(l->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    if (rc == MOSQ_ERR_SUCCESS) /* mosquitto takes its own reference on ctx */
        rc = mosquitto_void_option(l->mosq, MOSQ_OPT_SSL_CTX, ctx);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_int_option(l->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    if (rc != MOSQ_ERR_SUCCESS) {
        (void)keel_str_format(err, errsz, "cannot configure the MQTT client: %s",
                              mosquitto_strerror(rc));
        return KEEL_ERR_ARG;
    }
    mosquitto_connect_callback_set(l->mosq, on_connect);
    mosquitto_subscribe_callback_set(l->mosq, on_subscribe);
    mosquitto_message_callback_set(l->mosq, on_message);
    mosquitto_publish_callback_set(l->mosq, on_publish);
    return KEEL_OK;
}

keel_err monitor_link_open(struct monitor_link **out, const struct monitor_link_config *cfg,
                           monitor_message_fn fn, void *user, char *err, size_t errsz)
{
    struct monitor_link *l;
    SSL_CTX *ctx = NULL;
    keel_err ret;

    if (out == NULL || cfg == NULL || fn == NULL || cfg->host == NULL || cfg->ca == NULL ||
        cfg->cert == NULL || cfg->key == NULL || cfg->subscription == NULL ||
        cfg->alert_topic == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return KEEL_ERR_NOMEM;
    l->port = cfg->port;
    l->fn = fn;
    l->user = user;
    ret = topics(l, cfg, err, errsz);
    if (ret == KEEL_OK)
        ret = tls_context(cfg, &ctx, err, errsz);
    if (ret == KEEL_OK)
        ret = client(l, ctx, err, errsz);
    SSL_CTX_free(ctx);
    if (ret != KEEL_OK) {
        monitor_link_close(l);
        return ret;
    }
    *out = l;
    return KEEL_OK;
}

/* While the session is not accepted yet: a socket error, the broker closing it, or no
 * session within LINK_CONNECT_TIMEOUT_MS end the attempt (errno says which). */
static int attempt_check(struct monitor_link *l)
{
    int sock = mosquitto_socket(l->mosq);

    if (l->online || sock < 0)
        return MOSQ_ERR_SUCCESS;
    if (keel_socket_failed(sock) != KEEL_OK)
        return MOSQ_ERR_ERRNO;
    if (now_ms() - l->started_ms > LINK_CONNECT_TIMEOUT_MS) {
        errno = ETIMEDOUT;
        return MOSQ_ERR_ERRNO;
    }
    return MOSQ_ERR_SUCCESS;
}

static void lost(struct monitor_link *l, int rc)
{
    uint32_t wait = LINK_BACKOFF_CAP_MS;

    if (keel_backoff_ms(l->attempt, LINK_BACKOFF_BASE_MS, LINK_BACKOFF_CAP_MS, &wait) != KEEL_OK)
        wait = LINK_BACKOFF_CAP_MS; /* never a shorter, predictable wait */
    if (l->attempt < UINT32_MAX)
        l->attempt++;
    keel_log(KEEL_LOG_WARN, "monitor: %s %s:%u (%s); retrying in %u ms",
             l->online ? "lost the link to" : "no link to", l->host, l->port,
             rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc), (unsigned)wait);
    l->active = l->online = l->subscribed = 0;
    l->retry_at_ms = now_ms() + wait;
}

keel_err monitor_link_run(struct monitor_link *l, int timeout_ms, char *err, size_t errsz)
{
    int rc;

    if (l == NULL)
        return KEEL_ERR_ARG;
    if (!l->active) {
        int64_t wait = l->retry_at_ms - now_ms();
        if (wait > 0) {
            (void)poll(NULL, 0, wait < timeout_ms ? (int)wait : timeout_ms);
            return KEEL_OK;
        }
        l->started_ms = now_ms();
        l->active = 1;
        rc = mosquitto_connect_async(l->mosq, l->host, (int)l->port, LINK_KEEPALIVE_S);
        if (rc != MOSQ_ERR_SUCCESS) {
            lost(l, rc);
            return KEEL_OK;
        }
    }
    rc = mosquitto_loop(l->mosq, timeout_ms, 1);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = attempt_check(l);
    if (l->refused) {
        (void)keel_str_format(err, errsz, "%s:%u refused the subscription %s (its ACL?)", l->host,
                              l->port, l->subscription);
        return KEEL_ERR_PERM;
    }
    if (rc != MOSQ_ERR_SUCCESS)
        lost(l, rc);
    return KEEL_OK;
}

keel_err monitor_link_publish(struct monitor_link *l, const char *payload, size_t len)
{
    int rc;

    if (l == NULL || payload == NULL || len > INT32_MAX)
        return KEEL_ERR_ARG;
    rc = mosquitto_publish(l->mosq, NULL, l->alert_topic, (int)len, payload, 1, false);
    if (rc != MOSQ_ERR_SUCCESS) {
        keel_log(KEEL_LOG_WARN, "monitor: cannot publish an alert to %s: %s", l->alert_topic,
                 mosquitto_strerror(rc));
        return KEEL_ERR_IO;
    }
    l->published++;
    return KEEL_OK;
}

int monitor_link_subscribed(const struct monitor_link *l)
{
    return l != NULL && l->subscribed;
}

void monitor_link_close(struct monitor_link *l)
{
    if (l == NULL)
        return;
    if (l->mosq != NULL && l->online) {
        for (int i = 0; i < LINK_GOODBYE_ROUNDS && l->acknowledged < l->published; i++)
            if (mosquitto_loop(l->mosq, 100, 1) != MOSQ_ERR_SUCCESS)
                break;
        if (mosquitto_disconnect(l->mosq) == MOSQ_ERR_SUCCESS)
            for (int i = 0; i < LINK_GOODBYE_ROUNDS && mosquitto_socket(l->mosq) >= 0; i++)
                if (mosquitto_loop(l->mosq, 100, 1) != MOSQ_ERR_SUCCESS)
                    break;
    }
    mosquitto_destroy(l->mosq); /* frees its reference on the TLS context */
    free(l);
}
