/* What a login costs keeld (5.1-3, 5.1-5): one Argon2id verification under each of keel's
 * two profiles (default: 19 MiB, t=2; small: 7 MiB, t=5, for devices with little RAM), and
 * the session check every later request pays. The ratio small/default shows the price in
 * time of the small profile's memory saving. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "keel/auth.h"

#define VERIFIES 10
#define VALIDATES 200000L

/* Seconds per verification of a correct password under params; < 0 on failure. */
static double verify_time(const keel_auth_argon2_params *params)
{
    char hash[KEEL_AUTH_HASH_MAX];
    keel_secret pw;
    double t0;
    double spent;
    int ok = 1;

    if (keel_secret_set(&pw, "a passphrase of the owner", 25) != KEEL_OK ||
        keel_auth_hash_password_params(params, &pw, hash, sizeof(hash)) != KEEL_OK)
        return -1;
    t0 = bench_now();
    for (int i = 0; i < VERIFIES; i++)
        ok &= keel_auth_verify_password(hash, &pw) == KEEL_OK;
    spent = bench_now() - t0;
    keel_secret_clear(&pw);
    return ok ? spent / VERIFIES : -1;
}

static double validate_rate(void)
{
    keel_auth_session slots[8];
    keel_auth_sessions table;
    char token[KEEL_AUTH_TOKEN_SIZE];
    uint64_t now = keel_auth_now_ms();
    double t0;
    long ok = 0;

    if (keel_auth_sessions_init(&table, slots, 8, 900) != KEEL_OK ||
        keel_auth_session_create(&table, now, token) != KEEL_OK)
        return -1;
    t0 = bench_now();
    for (long i = 0; i < VALIDATES; i++)
        ok += keel_auth_session_validate(&table, now, token, KEEL_AUTH_TOKEN_TEXT_LEN) == KEEL_OK;
    t0 = bench_now() - t0;
    keel_wipe(token, sizeof(token));
    keel_auth_sessions_wipe(&table);
    return ok == VALIDATES ? VALIDATES / t0 : -1;
}

int main(void)
{
    static const keel_auth_argon2_params def = {KEEL_AUTH_ARGON2_DEFAULT_M_KIB,
                                                KEEL_AUTH_ARGON2_DEFAULT_T, KEEL_AUTH_ARGON2_P};
    static const keel_auth_argon2_params small = {KEEL_AUTH_ARGON2_SMALL_M_KIB,
                                                  KEEL_AUTH_ARGON2_SMALL_T, KEEL_AUTH_ARGON2_P};
    double d;
    double s;
    double v;

    bench_print_machine("login: Argon2id verification and session validation");
    d = verify_time(&def);
    s = verify_time(&small);
    v = validate_rate();
    if (d <= 0 || s <= 0 || v <= 0) {
        fprintf(stderr, "bench_login: a measured operation failed\n");
        return 1;
    }
    printf("  this build hashes new passwords with the %s profile\n",
           keel_auth_argon2_profile_name());
    printf("  Argon2id verify, default (m=%u KiB, t=%u): %8.2f ms each (%d runs)\n",
           (unsigned)def.m_kib, (unsigned)def.t, d * 1e3, VERIFIES);
    printf("  Argon2id verify, small   (m=%u KiB, t=%u):  %8.2f ms each (%d runs)\n",
           (unsigned)small.m_kib, (unsigned)small.t, s * 1e3, VERIFIES);
    printf("  ratio small/default time: %.2f (memory %.2f)\n", s / d,
           (double)small.m_kib / (double)def.m_kib);
    printf("  session validate: %.0f per second (%ld calls)\n", v, VALIDATES);
    return 0;
}
