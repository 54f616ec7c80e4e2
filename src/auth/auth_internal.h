/* Private to src/auth: the compiled-in list of common passwords (generated at build time
 * from data/passwords/common.txt by src/auth/CMakeLists.txt). */
#ifndef KEEL_AUTH_INTERNAL_H
#define KEEL_AUTH_INTERNAL_H

#include <stddef.h>

/* Lower case, sorted in strcmp order, without duplicates. */
extern const char *const keel_auth_common_passwords[];
extern const size_t keel_auth_common_password_count;

#endif /* KEEL_AUTH_INTERNAL_H */
