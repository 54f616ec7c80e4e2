/*
 * keel events: security telemetry (5.10-1, 6-4, 6-5). One event is one JSON object a device
 * publishes to its broker (keeld: keel/<serial>/events, QoS 1, in order of seq) and that
 * `keel monitor` examines for anomalies on the service side:
 *
 *   {"seq":12,"time":"2026-11-22T06:00:00Z","event":"auth.failure","source":"api",
 *    "locked":true,"dropped":0,"device":"<32 hex>","firmware":"1.0.0"}
 *
 * - "device" is a pseudonym: 16 random bytes as 32 lower-case hex digits, made on the device
 *   and replaced at every factory reset. It is neither the serial nor derived from it, so the
 *   telemetry store cannot be joined to a person without the device's own records (6-4).
 * - No event carries personal data: no names, no PIN codes, no client addresses, no
 *   free text (6-4). The members above are the whole format; a parser refuses any other.
 * - "locked" is the bolt after the event (a device without a bolt sends false).
 * - "dropped" counts events the device dropped from a full queue just before this one.
 *
 * Functions return keel_err; NULL where the contract forbids it is KEEL_ERR_ARG.
 */
#ifndef KEEL_EVENTS_H
#define KEEL_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_EVENT_JSON_MAX 512     /* one encoded event, and the most a parser accepts */
#define KEEL_EVENT_NAME_MAX 32      /* "auth.failure": [a-z0-9_.], 1..31 bytes */
#define KEEL_EVENT_SOURCE_MAX 16    /* "keypad", "button", "api", "cloud", "system": [a-z] */
#define KEEL_EVENT_PSEUDONYM_HEX 32 /* hex digits of "device" */
#define KEEL_EVENT_FIRMWARE_MAX 32  /* "1.2.0": [0-9A-Za-z.+-], 1..31 bytes */
#define KEEL_EVENT_TIME_LEN 20      /* "YYYY-MM-DDTHH:MM:SSZ" */

typedef struct keel_event {
    uint64_t seq;
    char time[KEEL_EVENT_TIME_LEN + 1];
    char event[KEEL_EVENT_NAME_MAX];
    char source[KEEL_EVENT_SOURCE_MAX];
    int locked; /* 0 or 1 */
    uint64_t dropped;
    char device[KEEL_EVENT_PSEUDONYM_HEX + 1];
    char firmware[KEEL_EVENT_FIRMWARE_MAX];
} keel_event;

/* What an event tells the monitor (keel_event_class). */
typedef enum keel_event_class {
    KEEL_EVENT_OTHER = 0,    /* lock activity and anything not listed below */
    KEEL_EVENT_AUTH_FAILURE, /* "auth.failure", "pin_rejected": a wrong password or PIN */
    KEEL_EVENT_LOCKOUT,      /* "auth.lockout", "auth.throttled", "keypad_wait" */
    KEEL_EVENT_INTEGRITY,    /* "integrity.failed": the installed software failed 5.7-1 */
    KEEL_EVENT_LINK,         /* "link.up": the device (re)connected to the broker */
    KEEL_EVENT_CONFIG,       /* "auth.password_changed", "setup.completed", "config.changed",
                                "consent.granted", "consent.withdrawn" */
    KEEL_EVENT_UPDATE,       /* every name starting "update." */
    KEEL_EVENT_RESET,        /* "factory_reset" */
    KEEL_EVENT_FAIL_SECURE   /* "fail_secure": the lock restarted after an unclean stop */
} keel_event_class;

#define KEEL_EVENT_CLASS_COUNT 9

/* The class of an event name (unknown names are KEEL_EVENT_OTHER). */
keel_event_class keel_event_class_of(const char *event);
/* "other", "auth_failure", "lockout", "integrity", "link", "config", "update", "reset",
 * "fail_secure"; NULL for an unknown value. */
const char *keel_event_class_name(keel_event_class c);

/* 1 when name is 1..KEEL_EVENT_NAME_MAX-1 bytes of [a-z0-9_.]. */
int keel_event_name_valid(const char *name);

/* Encode e (every field checked as keel_event_parse would) into out (outsz bytes,
 * NUL-terminated), its length without the NUL into *len (may be NULL). KEEL_ERR_ARG for a
 * field that breaks the format, KEEL_ERR_RANGE when out is too small. */
keel_err keel_event_encode(const keel_event *e, char *out, size_t outsz, size_t *len);

/* Parse len bytes of untrusted JSON (need not be NUL-terminated): exactly the eight members
 * above, each once, of the right type and characters, seq and dropped whole numbers
 * 0..2^53. KEEL_ERR_TOO_LARGE past KEEL_EVENT_JSON_MAX bytes; KEEL_ERR_PARSE otherwise, with
 * the member at fault named in why (whysz bytes; may be NULL). *out is zeroed on failure. */
keel_err keel_event_parse(const void *json, size_t len, keel_event *out, char *why, size_t whysz);

/* A new random pseudonym (KEEL_EVENT_PSEUDONYM_HEX hex digits and a NUL) from the CSPRNG. */
keel_err keel_event_pseudonym_new(char out[KEEL_EVENT_PSEUDONYM_HEX + 1]);

/* 1 when text is exactly KEEL_EVENT_PSEUDONYM_HEX lower-case hex digits. */
int keel_event_pseudonym_valid(const char *text);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_EVENTS_H */
