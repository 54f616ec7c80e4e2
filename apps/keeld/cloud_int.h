/*
 * The cloud link's inside (cloud.c, cloud_sync.c): the link's state and the helpers its
 * parts share. Not part of keeld's interface: keeld.h is. Everything below the mutex is
 * touched by the link thread only (libmosquitto runs its callbacks there), or before it
 * starts.
 */
#ifndef KEEL_APPS_KEELD_CLOUD_INT_H
#define KEEL_APPS_KEELD_CLOUD_INT_H

#include <pthread.h>
#include <stdint.h>

#include <mosquitto.h>
#include <openssl/ssl.h>

#include "keeld.h"

#define KEELD_CLOUD_TOPIC_MAX (sizeof("keel//privacy/deleted") + KEELD_NAME_MAX)
#define KEELD_CLOUD_QOS 1

struct keeld_cloud {
    struct mosquitto *mosq;
    SSL_CTX *ssl_ctx; /* our reference, to configure a renewed client */
    char serial[KEELD_NAME_MAX + 1];
    char host[KEELD_ADDRESS_MAX];
    unsigned port;
    char topic[KEELD_CLOUD_TOPIC_MAX]; /* status */
    char events_topic[KEELD_CLOUD_TOPIC_MAX];
    char command_topic[KEELD_CLOUD_TOPIC_MAX];
    char reply_topic[KEELD_CLOUD_TOPIC_MAX];
    char accesslog_topic[KEELD_CLOUD_TOPIC_MAX];
    char delete_topic[KEELD_CLOUD_TOPIC_MAX];
    char deleted_topic[KEELD_CLOUD_TOPIC_MAX];
    char *online_status;     /* cJSON-made */
    struct keeld_lock *lock; /* borrowed (keeld_cloud_attach); NULL: status only */
    int *online_flag;        /* borrowed; written with __atomic_store_n */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mutex; /* guards stop */
    pthread_cond_t wake;
    int stop;
    /* Touched by the link thread only. */
    int online;
    int goodbye_mid;
    int goodbye_sent;
    uint32_t attempt; /* retries since the broker last accepted a session */
    int inflight;     /* an event is published and its PUBACK not yet in */
    int inflight_mid;
    uint64_t inflight_seq;
    int queue_failing; /* the queue could not be read: logged once until it can again */
    int sync_inflight; /* an access-log copy is published and its PUBACK not yet in */
    int sync_mid;
    uint64_t sync_seq;
    int sync_failing; /* the copies could not be read: logged once until they can again */
    /* The deletion request published in this session ("" none yet): sent once per
     * connection while it is pending. */
    char deletion_sent[KEELD_DELETION_ID_HEX + 1];
    int deletion_failing;
};

/* Errors of mosquitto_publish raised before the message is queued; after any other the
 * message is in libmosquitto's queue and goes out (again) once the link is up. */
int keeld_cloud_publish_not_queued(int rc);

/* While online with no copy in flight and the owner's consent granted right now: publish
 * the oldest access-log copy (cloud_sync.c). */
void keeld_cloud_sync_next(struct keeld_cloud *c);
/* The broker acknowledged mid: when it is the copy in flight, the copy leaves the queue; 1
 * then, else 0. */
int keeld_cloud_sync_acked(struct keeld_cloud *c, int mid);
/* While online: publish the pending deletion request unless it went in this session. */
void keeld_cloud_deletion_next(struct keeld_cloud *c);

#endif /* KEEL_APPS_KEELD_CLOUD_INT_H */
