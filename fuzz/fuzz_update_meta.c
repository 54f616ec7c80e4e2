/* The payloads of the four role documents, as an attacker would write them once a
 * signature check is passed or before it is made (5.13-1). Each parser must refuse
 * anything malformed without crashing; what one accepts must emit, parse again to the same
 * document, and emit again to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta_private.h"

static void quiet(keel_log_level level, const char *line, void *user)
{
    (void)level;
    (void)line;
    (void)user;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    keel_log_configure(KEEL_LOG_ERROR, quiet, NULL);
    return 0;
}

static void same_header(const keel_update_header *a, const keel_update_header *b)
{
    if (a->type != b->type || a->version != b->version || a->expires != b->expires)
        abort();
}

static void same_ref(const keel_update_meta_ref *a, const keel_update_meta_ref *b)
{
    if (a->version != b->version || a->length != b->length || a->has_sha256 != b->has_sha256 ||
        memcmp(a->sha256, b->sha256, 32) != 0)
        abort();
}

/* Whether the first emit worked. Its only allowed refusal is the size limit: a compact
 * document near KEEL_UPDATE_META_MAX may not fit once indented. */
static int emitted(keel_err ret)
{
    if (ret != KEEL_OK && ret != KEEL_ERR_TOO_LARGE)
        abort();
    return ret == KEEL_OK;
}

/* The second emit must give the bytes of the first. */
static void same_text(char *a, size_t alen, char *b, size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0)
        abort();
    free(a);
    free(b);
}

static void same_root(const keel_update_root *a, const keel_update_root *b)
{
    same_header(&a->header, &b->header);
    if (a->nkeys != b->nkeys)
        abort();
    for (size_t i = 0; i < a->nkeys; i++) {
        if (strcmp(a->keyids[i], b->keyids[i]) != 0 || EVP_PKEY_eq(a->keys[i], b->keys[i]) != 1)
            abort();
    }
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        if (a->roles[r].nkeyids != b->roles[r].nkeyids ||
            a->roles[r].threshold != b->roles[r].threshold)
            abort();
        for (size_t i = 0; i < a->roles[r].nkeyids; i++) {
            if (strcmp(a->roles[r].keyids[i], b->roles[r].keyids[i]) != 0)
                abort();
        }
    }
}

static void root_round_trip(const uint8_t *data, size_t size)
{
    keel_update_root a, b;
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;

    if (keel_update_root_parse(data, size, &a) != KEEL_OK)
        return;
    if (!emitted(keel_update_root_emit(&a, &t1, &n1))) {
        keel_update_root_free(&a);
        return;
    }
    if (keel_update_root_parse(t1, n1, &b) != KEEL_OK)
        abort();
    same_root(&a, &b);
    if (keel_update_root_emit(&b, &t2, &n2) != KEEL_OK)
        abort();
    same_text(t1, n1, t2, n2);
    keel_update_root_free(&a);
    keel_update_root_free(&b);
}

static void timestamp_round_trip(const uint8_t *data, size_t size)
{
    keel_update_timestamp a, b;
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;

    if (keel_update_timestamp_parse(data, size, &a) != KEEL_OK)
        return;
    if (!emitted(keel_update_timestamp_emit(&a, &t1, &n1)))
        return;
    if (keel_update_timestamp_parse(t1, n1, &b) != KEEL_OK)
        abort();
    same_header(&a.header, &b.header);
    same_ref(&a.snapshot, &b.snapshot);
    if (keel_update_timestamp_emit(&b, &t2, &n2) != KEEL_OK)
        abort();
    same_text(t1, n1, t2, n2);
}

static void snapshot_round_trip(const uint8_t *data, size_t size)
{
    keel_update_snapshot a, b;
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;

    if (keel_update_snapshot_parse(data, size, &a) != KEEL_OK)
        return;
    if (!emitted(keel_update_snapshot_emit(&a, &t1, &n1)))
        return;
    if (keel_update_snapshot_parse(t1, n1, &b) != KEEL_OK)
        abort();
    same_header(&a.header, &b.header);
    same_ref(&a.targets, &b.targets);
    if (keel_update_snapshot_emit(&b, &t2, &n2) != KEEL_OK)
        abort();
    same_text(t1, n1, t2, n2);
}

static void same_target(const keel_update_target *a, const keel_update_target *b)
{
    if (strcmp(a->name, b->name) != 0 || a->length != b->length ||
        memcmp(a->sha256, b->sha256, 32) != 0 || strcmp(a->hardware_id, b->hardware_id) != 0 ||
        a->security_version != b->security_version || strcmp(a->version, b->version) != 0 ||
        strcmp(a->notice.fixes, b->notice.fixes) != 0 ||
        strcmp(a->notice.risks_mitigated, b->notice.risks_mitigated) != 0 ||
        a->notice.interrupts_function != b->notice.interrupts_function ||
        a->notice.interruption_seconds != b->notice.interruption_seconds)
        abort();
}

static void targets_round_trip(const uint8_t *data, size_t size)
{
    keel_update_targets a, b;
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;

    if (keel_update_targets_parse(data, size, &a) != KEEL_OK)
        return;
    if (!emitted(keel_update_targets_emit(&a, &t1, &n1))) {
        keel_update_targets_free(&a);
        return;
    }
    if (keel_update_targets_parse(t1, n1, &b) != KEEL_OK)
        abort();
    same_header(&a.header, &b.header);
    if (a.ntargets != b.ntargets)
        abort();
    for (size_t i = 0; i < a.ntargets; i++)
        same_target(&a.targets[i], &b.targets[i]);
    if (keel_update_targets_emit(&b, &t2, &n2) != KEEL_OK)
        abort();
    same_text(t1, n1, t2, n2);
    keel_update_targets_free(&a);
    keel_update_targets_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    root_round_trip(data, size);
    timestamp_round_trip(data, size);
    snapshot_round_trip(data, size);
    targets_round_trip(data, size);
    return 0;
}
