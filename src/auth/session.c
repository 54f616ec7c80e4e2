/* Login sessions (5.5-4): a fixed table of slots, each holding only the SHA-256 of a
 * 256-bit random token and an expiry on the monotonic clock. A copy of the table (a core
 * dump, a swapped page) gives no usable token. */
#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#include "keel/auth.h"

uint64_t keel_auth_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return UINT64_MAX; /* fails closed: every session looks expired */
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

keel_err keel_auth_sessions_init(keel_auth_sessions *table, keel_auth_session *slots, size_t nslots,
                                 uint32_t ttl_s)
{
    if (table == NULL || slots == NULL || nslots == 0 || ttl_s == 0)
        return KEEL_ERR_ARG;
    keel_wipe(slots, nslots * sizeof(*slots));
    table->slots_ = slots;
    table->nslots_ = nslots;
    table->ttl_ms_ = (uint64_t)ttl_s * 1000u;
    return KEEL_OK;
}

static keel_err token_hash(const void *token, size_t len, uint8_t out[32])
{
    unsigned int n = 0;

    if (EVP_Digest(token, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return KEEL_ERR_CRYPTO;
    return KEEL_OK;
}

static int is_live(const keel_auth_session *s, uint64_t now_ms)
{
    return s->in_use_ && now_ms < s->expires_ms_;
}

static keel_auth_session *free_slot(keel_auth_sessions *table, uint64_t now_ms)
{
    for (size_t i = 0; i < table->nslots_; i++) {
        if (!is_live(&table->slots_[i], now_ms))
            return &table->slots_[i];
    }
    return NULL;
}

keel_err keel_auth_session_create(keel_auth_sessions *table, uint64_t now_ms,
                                  char token[KEEL_AUTH_TOKEN_SIZE])
{
    uint8_t raw[KEEL_AUTH_TOKEN_BYTES];
    keel_auth_session *slot;
    keel_err ret = KEEL_ERR_ARG;

    if (table == NULL || table->slots_ == NULL || token == NULL)
        return KEEL_ERR_ARG;
    slot = free_slot(table, now_ms);
    if (slot == NULL) {
        ret = KEEL_ERR_AUTH_FULL;
        goto out;
    }
    ret = keel_random(raw, sizeof(raw));
    if (ret == KEEL_OK)
        ret = keel_hex_encode(raw, sizeof(raw), token, KEEL_AUTH_TOKEN_SIZE);
    if (ret == KEEL_OK)
        ret = token_hash(token, KEEL_AUTH_TOKEN_TEXT_LEN, slot->token_hash_);
    if (ret != KEEL_OK)
        goto out;
    slot->expires_ms_ = now_ms > UINT64_MAX - table->ttl_ms_ ? UINT64_MAX : now_ms + table->ttl_ms_;
    slot->in_use_ = 1;
out:
    if (ret != KEEL_OK) {
        keel_wipe(token, KEEL_AUTH_TOKEN_SIZE);
        if (slot != NULL)
            keel_wipe(slot, sizeof(*slot));
    }
    keel_wipe(raw, sizeof(raw));
    return ret;
}

/* The slot holding token's hash, or NULL. Every slot is compared, so the time taken does
 * not tell which slot (if any) matched. */
static keel_err find(keel_auth_sessions *table, const void *token, size_t len,
                     keel_auth_session **found)
{
    uint8_t h[32];
    keel_err ret;

    *found = NULL;
    if (table == NULL || table->slots_ == NULL || token == NULL)
        return KEEL_ERR_ARG;
    if (len != KEEL_AUTH_TOKEN_TEXT_LEN)
        return KEEL_ERR_AUTH_DENIED;
    ret = token_hash(token, len, h);
    if (ret != KEEL_OK)
        return ret;
    for (size_t i = 0; i < table->nslots_; i++) {
        keel_auth_session *s = &table->slots_[i];
        int match = keel_ct_equal(s->token_hash_, h, sizeof(h)) & (s->in_use_ != 0);
        if (match)
            *found = s;
    }
    keel_wipe(h, sizeof(h));
    return *found != NULL ? KEEL_OK : KEEL_ERR_AUTH_DENIED;
}

keel_err keel_auth_session_validate(keel_auth_sessions *table, uint64_t now_ms, const void *token,
                                    size_t len)
{
    keel_auth_session *s;
    keel_err ret = find(table, token, len, &s);

    if (ret != KEEL_OK)
        return ret;
    if (now_ms >= s->expires_ms_) {
        keel_wipe(s, sizeof(*s));
        return KEEL_ERR_AUTH_EXPIRED;
    }
    return KEEL_OK;
}

keel_err keel_auth_session_end(keel_auth_sessions *table, const void *token, size_t len)
{
    keel_auth_session *s;
    keel_err ret = find(table, token, len, &s);

    if (ret != KEEL_OK)
        return ret;
    keel_wipe(s, sizeof(*s));
    return KEEL_OK;
}

void keel_auth_sessions_wipe(keel_auth_sessions *table)
{
    if (table == NULL || table->slots_ == NULL)
        return;
    keel_wipe(table->slots_, table->nslots_ * sizeof(*table->slots_));
}
