/* The Argon2id cost profile, fixed at build time (KEEL_AUTH_PROFILE in
 * src/auth/CMakeLists.txt): a device with little RAM trades memory for passes at the same
 * cost in time, as OWASP's equivalent profiles do (5.1-3). */
#include "keel/auth.h"

#ifndef KEEL_AUTH_PROFILE_SMALL
#error "KEEL_AUTH_PROFILE_SMALL must be defined by the build (0 or 1)"
#endif

#if KEEL_AUTH_PROFILE_SMALL
static const keel_auth_argon2_params profile = {KEEL_AUTH_ARGON2_SMALL_M_KIB,
                                                KEEL_AUTH_ARGON2_SMALL_T, KEEL_AUTH_ARGON2_P};
static const char profile_name[] = "small";
#else
static const keel_auth_argon2_params profile = {KEEL_AUTH_ARGON2_DEFAULT_M_KIB,
                                                KEEL_AUTH_ARGON2_DEFAULT_T, KEEL_AUTH_ARGON2_P};
static const char profile_name[] = "default";
#endif

const keel_auth_argon2_params *keel_auth_argon2_profile(void)
{
    return &profile;
}

const char *keel_auth_argon2_profile_name(void)
{
    return profile_name;
}
