/* The laboratory's MQTT subscription for 6-3A-2 (private to src/audit): it watches a topic on
 * the device's broker, with the laboratory's client certificate and keel's TLS policy, and
 * counts what arrives. libmosquitto runs on a thread of its own so that arrival times are
 * taken when the message comes, not when the audit next looks. */
#ifndef KEEL_AUDIT_MQTT_WATCH_H
#define KEEL_AUDIT_MQTT_WATCH_H

#include "audit.h"

/* How long the watch waits for the broker's session and the subscription's grant. */
#define KEEL_AUDIT_MQTT_CONNECT_MS 10000LL

typedef struct keel_audit_mqtt_watch keel_audit_mqtt_watch;

/* Connect to m's broker (TLS: m->ca only, the name m->host, m->cert and m->key as the client)
 * and subscribe to m->topic with QoS 1. KEEL_OK with *out once the broker granted the
 * subscription within KEEL_AUDIT_MQTT_CONNECT_MS; otherwise an error and why (whysz bytes)
 * says what failed: KEEL_ERR_IO (the files, the connection, the broker's refusal, no answer in
 * time), KEEL_ERR_NOMEM. Stop the watch with keel_audit_mqtt_watch_stop. */
keel_err keel_audit_mqtt_watch_start(const keel_audit_ixit_mqtt *m, keel_audit_mqtt_watch **out,
                                     char *why, size_t whysz);

/* Messages that arrived so far (retained messages the broker replays do not count), and the
 * time of the last one (keel_audit_net_now_ms clock; 0 when none) into *last_ms (may be
 * NULL). *lost (may be NULL) is 1 once the connection to the broker was lost. */
size_t keel_audit_mqtt_watch_count(keel_audit_mqtt_watch *w, long long *last_ms, int *lost);

/* Disconnect and free. NULL is a no-op. */
void keel_audit_mqtt_watch_stop(keel_audit_mqtt_watch *w);

#endif /* KEEL_AUDIT_MQTT_WATCH_H */
