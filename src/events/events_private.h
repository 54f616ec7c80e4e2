/* The rules for each member of an event, shared by the encoder and the parser so that
 * whatever keel_event_encode writes keel_event_parse accepts, and nothing else. */
#ifndef KEEL_EVENTS_PRIVATE_H
#define KEEL_EVENTS_PRIVATE_H

#include <stddef.h>

#include "keel/events.h"

/* The largest seq and dropped a JSON number carries exactly: 2^53. */
#define KEEL_EVENT_COUNT_MAX 9007199254740992ull

/* 1 when source is 1..KEEL_EVENT_SOURCE_MAX-1 bytes of [a-z]. */
int keel_event_source_valid(const char *source);
/* 1 when firmware is 1..KEEL_EVENT_FIRMWARE_MAX-1 bytes of [0-9A-Za-z.+-]. */
int keel_event_firmware_valid(const char *firmware);
/* 1 when time is "YYYY-MM-DDTHH:MM:SSZ", a real calendar date and a time of day (a leap
 * second :60 included). */
int keel_event_time_valid(const char *time);

/* Every field of e held to the format; on failure KEEL_ERR_ARG with the member at fault and
 * the rule it breaks in why (whysz bytes; may be NULL). */
keel_err keel_event_check(const keel_event *e, char *why, size_t whysz);

#endif /* KEEL_EVENTS_PRIVATE_H */
