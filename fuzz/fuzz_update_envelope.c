/* What a device fetches from an update repository, which a mirror or a man in the middle
 * may have written (5.3-10, 5.13-1): an envelope opened against a fixed root for each of the four
 * roles, and read without checks as the release tool and trust_init do. Opening must never
 * succeed where reading the envelope fails, and must hand out the same payload. When a
 * role's signatures verify, the payload goes on to that role's parser. The root trusts only
 * public keys; the seeds in corpus/update_envelope/ were signed once with their private
 * halves, which keel does not keep. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta_private.h"

static const char *const public_pems[] = {
    /* Ed25519 */
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAt1Z7Ghupyd+7tv6ruN7rY+YabrSPSwtovlx7iqq8A68=\n"
    "-----END PUBLIC KEY-----\n",
    /* Ed25519 */
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA6+VoCT5wz54QAuATE5bZRFNfEhW/xG4B+8PFdSS4HoE=\n"
    "-----END PUBLIC KEY-----\n",
    /* ECDSA P-256 */
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0r704urfSkOCg5Ym40KYtbzHnHwY\n"
    "o+0nOEaw3USombdpup3tU0r/JWHb7iGp31LK1CgNzAjrWVtjHBOpGmcWzw==\n"
    "-----END PUBLIC KEY-----\n",
};

static keel_update_root root;

/* Which keys each role trusts (indexes into public_pems) and how many must sign. */
static void role_set(keel_update_role r, const int *keys, size_t n, uint32_t threshold)
{
    for (size_t i = 0; i < n; i++)
        memcpy(root.roles[r].keyids[i], root.keyids[keys[i]], KEEL_UPDATE_KEYID_SIZE);
    root.roles[r].nkeyids = n;
    root.roles[r].threshold = threshold;
}

static void quiet(keel_log_level level, const char *line, void *user)
{
    (void)level;
    (void)line;
    (void)user;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const int all[] = {0, 1, 2};
    static const int p256[] = {2};
    static const int ed[] = {0, 1};

    (void)argc;
    (void)argv;
    keel_log_configure(KEEL_LOG_ERROR, quiet, NULL);
    root.header.type = KEEL_UPDATE_ROLE_ROOT;
    root.header.version = 1;
    for (size_t i = 0; i < 3; i++) {
        if (keel_update_key_from_pem(public_pems[i], &root.keys[i]) != KEEL_OK ||
            keel_update_key_id(root.keys[i], root.keyids[i]) != KEEL_OK)
            abort();
    }
    root.nkeys = 3;
    role_set(KEEL_UPDATE_ROLE_ROOT, all, 3, 2);
    role_set(KEEL_UPDATE_ROLE_TARGETS, p256, 1, 1);
    role_set(KEEL_UPDATE_ROLE_SNAPSHOT, ed, 2, 1);
    role_set(KEEL_UPDATE_ROLE_TIMESTAMP, ed, 2, 2);
    return 0;
}

static void parse_as(keel_update_role role, const uint8_t *payload, size_t len)
{
    keel_update_root r;
    keel_update_targets t;
    keel_update_snapshot s;
    keel_update_timestamp ts;

    switch (role) {
    case KEEL_UPDATE_ROLE_ROOT:
        if (keel_update_root_parse(payload, len, &r) == KEEL_OK)
            keel_update_root_free(&r);
        break;
    case KEEL_UPDATE_ROLE_TARGETS:
        if (keel_update_targets_parse(payload, len, &t) == KEEL_OK)
            keel_update_targets_free(&t);
        break;
    case KEEL_UPDATE_ROLE_SNAPSHOT: (void)keel_update_snapshot_parse(payload, len, &s); break;
    default: (void)keel_update_timestamp_parse(payload, len, &ts); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    keel_err read = keel_update_envelope_payload(data, size, &plain, &plain_len);

    if ((read == KEEL_OK) != (plain != NULL))
        abort();
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        uint8_t *payload = NULL;
        size_t len = 0;
        keel_err ret =
            keel_update_envelope_open(data, size, &root, (keel_update_role)r, &payload, &len);

        if (ret != KEEL_OK) {
            if (payload != NULL || len != 0)
                abort();
            continue;
        }
        if (read != KEEL_OK || len != plain_len || memcmp(payload, plain, len) != 0 ||
            payload[len] != '\0')
            abort();
        parse_as((keel_update_role)r, payload, len);
        free(payload);
    }
    free(plain);
    return 0;
}
