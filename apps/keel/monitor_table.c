/*
 * The device table: the monitor's memory is bounded by its capacity, whatever the fleet
 * sends. Devices are found by their pseudonym through a chained hash table whose hash is
 * keyed with a random key made at start, so that a sender cannot pick pseudonyms that all
 * land in one chain; a list ordered by when each device was last seen gives the device to
 * evict when a new one arrives and the table is full: the one idle the longest.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

/* splitmix64's finaliser: every input bit moves about half the output bits. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint32_t slot_of(const struct monitor_table *t, const uint8_t id[16])
{
    uint64_t w0, w1;

    memcpy(&w0, id, 8);
    memcpy(&w1, id + 8, 8);
    return (uint32_t)(mix(mix(w0 ^ t->key[0]) ^ w1 ^ t->key[1]) & (t->nheads - 1));
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10;
}

static int decode(const char *pseudonym, uint8_t id[16])
{
    if (!keel_event_pseudonym_valid(pseudonym))
        return 0;
    for (size_t i = 0; i < 16; i++)
        id[i] = (uint8_t)(hexval(pseudonym[2 * i]) << 4 | hexval(pseudonym[2 * i + 1]));
    return 1;
}

keel_err monitor_table_init(struct monitor_table *t, uint32_t capacity)
{
    keel_err ret;

    if (t == NULL || capacity == 0 || capacity > MONITOR_DEVICES_MAX)
        return KEEL_ERR_ARG;
    memset(t, 0, sizeof(*t));
    t->nheads = 1;
    while (t->nheads < 2 * capacity)
        t->nheads <<= 1;
    t->capacity = capacity;
    t->newest = t->oldest = MONITOR_NONE;
    t->devices = calloc(capacity, sizeof(*t->devices));
    t->heads = malloc((size_t)t->nheads * sizeof(*t->heads));
    if (t->devices == NULL || t->heads == NULL) {
        monitor_table_free(t);
        return KEEL_ERR_NOMEM;
    }
    memset(t->heads, 0xff, (size_t)t->nheads * sizeof(*t->heads)); /* MONITOR_NONE */
    ret = keel_random(t->key, sizeof(t->key));
    if (ret != KEEL_OK)
        monitor_table_free(t);
    return ret;
}

void monitor_table_free(struct monitor_table *t)
{
    if (t == NULL)
        return;
    free(t->devices);
    free(t->heads);
    keel_wipe(t, sizeof(*t));
}

static void unlink_recent(struct monitor_table *t, uint32_t i)
{
    struct monitor_device *d = &t->devices[i];

    if (d->newer != MONITOR_NONE)
        t->devices[d->newer].older = d->older;
    else
        t->newest = d->older;
    if (d->older != MONITOR_NONE)
        t->devices[d->older].newer = d->newer;
    else
        t->oldest = d->newer;
}

static void push_newest(struct monitor_table *t, uint32_t i)
{
    struct monitor_device *d = &t->devices[i];

    d->newer = MONITOR_NONE;
    d->older = t->newest;
    if (t->newest != MONITOR_NONE)
        t->devices[t->newest].newer = i;
    t->newest = i;
    if (t->oldest == MONITOR_NONE)
        t->oldest = i;
}

static uint32_t lookup(const struct monitor_table *t, const uint8_t id[16])
{
    for (uint32_t i = t->heads[slot_of(t, id)]; i != MONITOR_NONE; i = t->devices[i].chain)
        if (memcmp(t->devices[i].id, id, 16) == 0)
            return i;
    return MONITOR_NONE;
}

struct monitor_device *monitor_table_find(struct monitor_table *t, const char *pseudonym, int touch)
{
    uint8_t id[16];
    uint32_t i;

    if (t == NULL || t->devices == NULL || !decode(pseudonym, id))
        return NULL;
    i = lookup(t, id);
    if (i == MONITOR_NONE)
        return NULL;
    if (touch && t->newest != i) {
        unlink_recent(t, i);
        push_newest(t, i);
    }
    return &t->devices[i];
}

/* Take the least recently seen device out of its chain and the recency list. */
static uint32_t evict_oldest(struct monitor_table *t)
{
    uint32_t victim = t->oldest;
    uint32_t *link = &t->heads[slot_of(t, t->devices[victim].id)];

    while (*link != victim)
        link = &t->devices[*link].chain;
    *link = t->devices[victim].chain;
    unlink_recent(t, victim);
    t->evicted++;
    return victim;
}

struct monitor_device *monitor_table_get(struct monitor_table *t, const char *pseudonym, int *fresh)
{
    uint8_t id[16];
    uint32_t i, slot;
    struct monitor_device *d;

    if (t == NULL || t->devices == NULL || fresh == NULL)
        return NULL;
    *fresh = 0;
    d = monitor_table_find(t, pseudonym, 1);
    if (d != NULL || !decode(pseudonym, id))
        return d;
    i = t->used < t->capacity ? t->used++ : evict_oldest(t);
    d = &t->devices[i];
    memset(d, 0, sizeof(*d));
    memcpy(d->id, id, sizeof(d->id));
    slot = slot_of(t, id);
    d->chain = t->heads[slot];
    t->heads[slot] = i;
    push_newest(t, i);
    *fresh = 1;
    return d;
}
