/* The laboratory's subscription on the device's broker (6-3A-2): libmosquitto with keel's TLS
 * client policy (keel_tls_client_new: the laboratory's CA alone, the broker's name, the
 * laboratory's certificate), driven by a thread of the audit's own. libmosquitto 2.0 takes a
 * system error during a TLS handshake for "try again", so the thread also watches the socket
 * and gives up when the broker has not accepted the session in time. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mosquitto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "keel/tls.h"
#include "mqtt_watch.h"
#include "net.h"

#define LOOP_MS 50
#define QOS 1
#define KEEPALIVE_S 30

struct keel_audit_mqtt_watch {
    struct mosquitto *mosq;
    SSL_CTX *ctx;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    /* under lock */
    int stop;
    int subscribed; /* 1 granted, -1 refused or failed */
    int lost;
    char failure[160];
    size_t count;
    long long last_ms;
    char topic[KEEL_AUDIT_TOPIC_MAX];
};

static void settle(keel_audit_mqtt_watch *w, int subscribed, const char *failure)
{
    pthread_mutex_lock(&w->lock);
    if (w->subscribed == 0) {
        w->subscribed = subscribed;
        if (failure != NULL)
            (void)keel_str_copy(w->failure, sizeof(w->failure), failure);
    }
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    keel_audit_mqtt_watch *w = obj;
    char why[160];
    int src;

    if (rc != 0) {
        (void)keel_str_format(why, sizeof(why), "the broker refused the session: %s",
                              mosquitto_connack_string(rc));
        settle(w, -1, why);
        return;
    }
    src = mosquitto_subscribe(mosq, NULL, w->topic, QOS);
    if (src != MOSQ_ERR_SUCCESS) {
        (void)keel_str_format(why, sizeof(why), "cannot subscribe: %s", mosquitto_strerror(src));
        settle(w, -1, why);
    }
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted)
{
    (void)mosq;
    (void)mid;
    if (count < 1 || granted[0] > 2)
        settle(obj, -1, "the broker refused the subscription");
    else
        settle(obj, 1, NULL);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    keel_audit_mqtt_watch *w = obj;

    (void)mosq;
    if (msg->retain)
        return; /* an old message the broker kept: not something the device did now */
    pthread_mutex_lock(&w->lock);
    w->count++;
    w->last_ms = keel_audit_net_now_ms();
    pthread_mutex_unlock(&w->lock);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    keel_audit_mqtt_watch *w = obj;
    int err = errno; /* libmosquitto's reason for MOSQ_ERR_ERRNO */
    char why[160];

    (void)mosq;
    pthread_mutex_lock(&w->lock);
    w->lost = 1;
    pthread_mutex_unlock(&w->lock);
    (void)keel_str_format(why, sizeof(why), "the connection to the broker ended: %s",
                          rc == 0                ? "closed by the broker"
                          : rc == MOSQ_ERR_ERRNO ? strerror(err)
                                                 : mosquitto_strerror(rc));
    settle(w, -1, why);
}

/* A failed connection attempt that libmosquitto would retry for ever: a pending socket error
 * or the peer closing the socket before the session. */
static const char *socket_failed(keel_audit_mqtt_watch *w)
{
    int sock = mosquitto_socket(w->mosq);

    if (sock < 0 || keel_socket_failed(sock) == KEEL_OK)
        return NULL;
    if (errno == ENOTCONN)
        return "the connection closed before the session (refused, or the TLS handshake failed)";
    return strerror(errno);
}

static void *run(void *arg)
{
    keel_audit_mqtt_watch *w = arg;
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_MQTT_CONNECT_MS;

    for (;;) {
        int stop, subscribed, rc;
        const char *failed = NULL;

        pthread_mutex_lock(&w->lock);
        stop = w->stop;
        subscribed = w->subscribed;
        pthread_mutex_unlock(&w->lock);
        if (stop || subscribed < 0)
            break;
        rc = mosquitto_loop(w->mosq, LOOP_MS, 1);
        if (subscribed == 0) {
            failed = rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO ? mosquitto_strerror(rc)
                                                                    : socket_failed(w);
            if (failed == NULL && keel_audit_net_now_ms() > deadline)
                failed = "no session and subscription from the broker in time";
            if (failed != NULL)
                settle(w, -1, failed);
        } else if (rc != MOSQ_ERR_SUCCESS) {
            pthread_mutex_lock(&w->lock);
            w->lost = 1;
            pthread_mutex_unlock(&w->lock);
            break;
        }
    }
    return NULL;
}

static keel_err tls_context(const keel_audit_ixit_mqtt *m, SSL_CTX **ctx, char *why, size_t whysz)
{
    keel_tls_client_config tc;
    EVP_PKEY *key = NULL;
    BIO *bio = BIO_new_file(m->key, "r");
    keel_err ret;

    if (bio != NULL)
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (key == NULL) {
        (void)keel_str_format(why, whysz, "cannot read the laboratory's key %s", m->key);
        return KEEL_ERR_IO;
    }
    memset(&tc, 0, sizeof(tc));
    tc.ca_file = m->ca;
    tc.host = m->host;
    tc.cert_file = m->cert;
    tc.key = key;
    ret = keel_tls_client_new(&tc, ctx);
    EVP_PKEY_free(key);
    if (ret != KEEL_OK)
        (void)keel_str_format(why, whysz, "no TLS client (CA %s, certificate %s): %s", m->ca,
                              m->cert, keel_strerror(ret));
    return ret == KEEL_ERR_NOMEM ? ret : (ret != KEEL_OK ? KEEL_ERR_IO : KEEL_OK);
}

static keel_err client(keel_audit_mqtt_watch *w, const keel_audit_ixit_mqtt *m, char *why,
                       size_t whysz)
{
    char id[32];
    uint8_t rnd[6];
    int rc;

    if (keel_random(rnd, sizeof(rnd)) != KEEL_OK)
        return KEEL_ERR_RANDOM;
    (void)keel_str_format(id, sizeof(id), "keel-audit-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
                          rnd[2], rnd[3], rnd[4], rnd[5]);
    w->mosq = mosquitto_new(id, true, w);
    if (w->mosq == NULL)
        return KEEL_ERR_NOMEM;
    rc = mosquitto_int_option(w->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_void_option(w->mosq, MOSQ_OPT_SSL_CTX, w->ctx);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_int_option(w->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    if (rc != MOSQ_ERR_SUCCESS) {
        (void)keel_str_format(why, whysz, "cannot set up the MQTT client: %s",
                              mosquitto_strerror(rc));
        return KEEL_ERR_IO;
    }
    mosquitto_connect_callback_set(w->mosq, on_connect);
    mosquitto_subscribe_callback_set(w->mosq, on_subscribe);
    mosquitto_message_callback_set(w->mosq, on_message);
    mosquitto_disconnect_callback_set(w->mosq, on_disconnect);
    rc = mosquitto_connect_async(w->mosq, m->host, m->port, KEEPALIVE_S);
    if (rc != MOSQ_ERR_SUCCESS) {
        (void)keel_str_format(why, whysz, "cannot connect to %s:%u: %s", m->host, (unsigned)m->port,
                              rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

/* Wait for the subscription's outcome. */
static keel_err granted(keel_audit_mqtt_watch *w, char *why, size_t whysz)
{
    int subscribed;

    pthread_mutex_lock(&w->lock);
    while (w->subscribed == 0)
        pthread_cond_wait(&w->changed, &w->lock);
    subscribed = w->subscribed;
    if (subscribed < 0)
        (void)keel_str_copy(why, whysz, w->failure);
    pthread_mutex_unlock(&w->lock);
    return subscribed > 0 ? KEEL_OK : KEEL_ERR_IO;
}

keel_err keel_audit_mqtt_watch_start(const keel_audit_ixit_mqtt *m, keel_audit_mqtt_watch **out,
                                     char *why, size_t whysz)
{
    keel_audit_mqtt_watch *w;
    keel_err ret;

    if (out == NULL || m == NULL || why == NULL || whysz == 0)
        return KEEL_ERR_ARG;
    *out = NULL;
    why[0] = '\0';
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return KEEL_ERR_NOMEM;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    (void)keel_str_copy(w->topic, sizeof(w->topic), m->topic);
    if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
        (void)keel_str_copy(why, whysz, "libmosquitto cannot start");
        free(w);
        return KEEL_ERR_IO;
    }
    ret = tls_context(m, &w->ctx, why, whysz);
    if (ret == KEEL_OK)
        ret = client(w, m, why, whysz);
    if (ret == KEEL_OK) {
        if (pthread_create(&w->thread, NULL, run, w) != 0)
            ret = KEEL_ERR_NOMEM;
        else
            w->thread_started = 1;
    }
    if (ret == KEEL_OK)
        ret = granted(w, why, whysz);
    if (ret != KEEL_OK) {
        keel_audit_mqtt_watch_stop(w);
        return ret;
    }
    *out = w;
    return KEEL_OK;
}

size_t keel_audit_mqtt_watch_count(keel_audit_mqtt_watch *w, long long *last_ms, int *lost)
{
    size_t n;

    if (w == NULL)
        return 0;
    pthread_mutex_lock(&w->lock);
    n = w->count;
    if (last_ms != NULL)
        *last_ms = w->last_ms;
    if (lost != NULL)
        *lost = w->lost;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void keel_audit_mqtt_watch_stop(keel_audit_mqtt_watch *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_mutex_unlock(&w->lock);
    if (w->thread_started)
        (void)pthread_join(w->thread, NULL);
    if (w->mosq != NULL) {
        if (mosquitto_disconnect(w->mosq) == MOSQ_ERR_SUCCESS)
            (void)mosquitto_loop(w->mosq, LOOP_MS, 1);
        mosquitto_destroy(w->mosq); /* frees its reference on the TLS context */
    }
    SSL_CTX_free(w->ctx);
    mosquitto_lib_cleanup();
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
