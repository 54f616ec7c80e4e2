/* TS 103 701 5.4-4 (white-box, functional) test case "5.4-4-2": critical security parameters
 * used for authentication are unique per device. Two devices' firmware or data trees of the
 * same model are searched for private keys (every encoding keel_audit_scan_keys knows) and the
 * keys compared by their fingerprint, which is taken over the key's public part whenever keel
 * can derive it: the same key stored as PEM on one device and as DER, PKCS#8 or OpenSSH on the
 * other is still one key. A key in both trees is a FAIL naming both paths; evidence shows
 * fingerprints only, never key material. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

#define UNIQUE_KEYS_MAX 4096
#define UNIQUE_PATH_MAX 200

typedef struct found_key {
    char path[UNIQUE_PATH_MAX];
    char what[64];
    char fingerprint[17];
    uint64_t offset;
} found_key;

typedef struct key_list {
    found_key *k;
    size_t n, cap;
    size_t dropped; /* keys past UNIQUE_KEYS_MAX */
    int nomem;
} key_list;

static void collect(const char *path, const keel_audit_finding *f, void *user)
{
    key_list *l = user;

    if (f->kind != KEEL_AUDIT_FOUND_PEM_KEY && f->kind != KEEL_AUDIT_FOUND_DER_KEY &&
        f->kind != KEEL_AUDIT_FOUND_SSH_KEY)
        return;
    if (l->n == UNIQUE_KEYS_MAX) {
        l->dropped++;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        found_key *k = realloc(l->k, cap * sizeof(*k));
        if (k == NULL) {
            l->nomem = 1;
            return;
        }
        l->k = k;
        l->cap = cap;
    }
    memset(&l->k[l->n], 0, sizeof(l->k[l->n]));
    if (keel_str_copy(l->k[l->n].path, UNIQUE_PATH_MAX, path) != KEEL_OK) {
        memcpy(l->k[l->n].path, path, UNIQUE_PATH_MAX - 4);
        memcpy(l->k[l->n].path + UNIQUE_PATH_MAX - 4, "...", 4);
    }
    (void)keel_str_copy(l->k[l->n].what, sizeof(l->k[l->n].what), f->what);
    (void)keel_str_copy(l->k[l->n].fingerprint, sizeof(l->k[l->n].fingerprint), f->fingerprint);
    l->k[l->n].offset = f->offset;
    l->n++;
}

static void scan_file(const char *path, const uint8_t *data, size_t len, void *user)
{
    keel_audit_scan_sink sink = {.path = path, .fn = collect, .user = user};

    keel_audit_scan_keys(data, len, &sink);
}

/* The private keys of the tree at dir into l; 0 when dir cannot be opened. */
static int keys_of(const char *dir, key_list *l, keel_audit_scan_stats *s)
{
    return keel_audit_walk_tree(dir, NULL, 0, scan_file, l, s) == KEEL_OK;
}

static int incomplete(const keel_audit_scan_stats *s, const key_list *l)
{
    return s->skipped_large > 0 || s->unreadable > 0 || s->truncated || l->dropped > 0;
}

static void summary(keel_audit_evidence *ev, const char *name, const char *dir,
                    const keel_audit_scan_stats *s, const key_list *l)
{
    (void)keel_audit_evidence_addf(ev,
                                   "%s %s: %zu files (%" PRIu64 " bytes) searched, %zu private "
                                   "keys%s; not searched: %zu files over %" PRIu64
                                   " MiB, %zu unreadable%s",
                                   name, dir, s->files, s->bytes, l->n + l->dropped,
                                   l->dropped ? " (only the first 4096 compared)" : "",
                                   s->skipped_large, KEEL_AUDIT_SCAN_FILE_MAX >> 20, s->unreadable,
                                   s->truncated ? "; the walk hit its bounds and stopped" : "");
}

/* Compare the two lists: one evidence line per key of a found in b (each fingerprint once). */
static size_t shared(const key_list *a, const key_list *b, keel_audit_evidence *ev)
{
    size_t n = 0;

    for (size_t i = 0; i < a->n; i++) {
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(a->k[k].fingerprint, a->k[i].fingerprint) == 0;
        if (seen || a->k[i].fingerprint[0] == '?')
            continue;
        for (size_t j = 0; j < b->n; j++) {
            if (strcmp(a->k[i].fingerprint, b->k[j].fingerprint) != 0)
                continue;
            (void)keel_audit_evidence_addf(ev,
                                           "the same private key (SHA-256 %s) on both devices: "
                                           "firmware %s offset %" PRIu64 " (%s) and peer %s "
                                           "offset %" PRIu64 " (%s)",
                                           a->k[i].fingerprint, a->k[i].path, a->k[i].offset,
                                           a->k[i].what, b->k[j].path, b->k[j].offset,
                                           b->k[j].what);
            n++;
            break;
        }
    }
    return n;
}

keel_err keel_audit_check_unique(keel_audit_report *r, const char *dir, const char *peer)
{
    keel_audit_scan_stats sa, sb;
    key_list a = {0}, b = {0};
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    int ok_a, ok_b;

    if (r == NULL || dir == NULL || peer == NULL)
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    (void)keel_audit_evidence_addf(&ev,
                                   "white-box comparison of the private keys of two devices of "
                                   "one model: %s and the peer %s; a key is known by the "
                                   "SHA-256 of its public part (any encoding) or, where that "
                                   "cannot be derived (an encrypted key), of its bytes",
                                   dir, peer);
    ok_a = keys_of(dir, &a, &sa);
    ok_b = keys_of(peer, &b, &sb);
    if (!ok_a || !ok_b) {
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", !ok_a ? dir : peer);
    } else if (a.nomem || b.nomem) {
        (void)keel_audit_evidence_addf(&ev, "out of memory while collecting the keys");
    } else {
        size_t n;
        summary(&ev, "firmware", dir, &sa, &a);
        summary(&ev, "peer", peer, &sb, &b);
        n = shared(&a, &b, &ev);
        if (n > 0) {
            (void)keel_audit_evidence_addf(&ev,
                                           "%zu private key(s) shared: critical security "
                                           "parameters are not unique per device (5.4-4)",
                                           n);
            verdict = KEEL_AUDIT_FAIL;
        } else if (incomplete(&sa, &a) || incomplete(&sb, &b)) {
            (void)keel_audit_evidence_addf(&ev, "no shared key among those compared, but not "
                                                "every file was searched");
        } else if (a.n == 0 && b.n == 0) {
            (void)keel_audit_evidence_addf(&ev, "no private key in either tree: nothing to "
                                                "compare");
            verdict = KEEL_AUDIT_NA;
        } else {
            (void)keel_audit_evidence_addf(&ev,
                                           "%zu and %zu private keys, none shared: unique per "
                                           "device",
                                           a.n, b.n);
            verdict = KEEL_AUDIT_PASS;
        }
    }
    free(a.k);
    free(b.k);
    return keel_audit_record(r, "5.4-4-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
