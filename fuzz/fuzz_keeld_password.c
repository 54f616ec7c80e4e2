/* keeld's POST /api/v1/password body parser on arbitrary bytes: never a crash, an
 * out-of-bounds read or a leak; what it accepts is within the declared bounds, and what it
 * refuses leaves nothing behind. Refused bodies then go through the whole route with a live
 * session, as from the network, and must be answered 400 or 413 before any credential, the
 * guard or the store is touched (the state here has no store: touching it would crash). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t zeros[KEELD_NEW_PASSWORD_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct keeld_state st;
    static char auth[16 + KEEL_AUTH_TOKEN_SIZE];
    static int ready;
    uint8_t new_pw[KEELD_NEW_PASSWORD_MAX];
    size_t new_len = 1;
    keel_secret current;
    struct keeld_response rs;
    keel_err ret = keeld_password_parse(data, size, &current, new_pw, &new_len);

    if (ret == KEEL_OK &&
        (keel_secret_len(&current) == 0 || new_len == 0 || new_len > KEELD_NEW_PASSWORD_MAX ||
         memchr(new_pw, '\0', new_len) != NULL))
        abort();
    if (ret != KEEL_OK &&
        (keel_secret_len(&current) != 0 || new_len != 0 || memcmp(new_pw, zeros, sizeof(zeros))))
        abort();
    keel_secret_clear(&current);
    keel_wipe(new_pw, sizeof(new_pw));
    if (!ready) {
        char token[KEEL_AUTH_TOKEN_SIZE];
        memset(&st, 0, sizeof(st));
        if (keel_auth_sessions_init(&st.sessions, st.slots, KEELD_SESSION_SLOTS, 3600) != KEEL_OK ||
            keel_auth_session_create(&st.sessions, keel_auth_now_ms(), token) != KEEL_OK ||
            keel_str_format(auth, sizeof(auth), "Bearer %s", token) != KEEL_OK)
            abort();
        ready = 1;
    }
    if (ret != KEEL_OK) {
        struct keeld_request rq = {KEELD_POST,
                                   "/api/v1/password",
                                   "192.0.2.1",
                                   auth,
                                   data,
                                   size,
                                   size > KEELD_PASSWORD_BODY_MAX};
        keeld_dispatch(&st, &rq, &rs);
        if (rs.status != 400 && rs.status != 413)
            abort();
    }
    return 0;
}
