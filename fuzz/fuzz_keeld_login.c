/* keeld's POST /api/v1/login body parser on arbitrary bytes: it must never crash, read out
 * of bounds or leak, and whatever it accepts must be a password within the secret's bounds.
 * Then the same bytes go through the whole route, as a request from the network would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct keeld_state st;
    static int ready;
    struct keeld_request rq = {KEELD_POST, "/api/v1/login", "192.0.2.1", NULL, data, size, 0};
    struct keeld_response rs;
    keel_secret pw;
    keel_err ret = keeld_login_parse(data, size, &pw);

    if (ret == KEEL_OK && (keel_secret_len(&pw) == 0 || keel_secret_len(&pw) > KEEL_SECRET_MAX))
        abort();
    if (ret != KEEL_OK && keel_secret_len(&pw) != 0)
        abort(); /* a refused body leaves nothing behind */
    keel_secret_clear(&pw);
    if (!ready) {
        /* Only refused bodies reach the route (below), and those are answered before the
         * credential, the guard or the store is touched: a state without a store shows it,
         * as any access to one would crash. */
        memset(&st, 0, sizeof(st));
        if (keel_auth_sessions_init(&st.sessions, st.slots, KEELD_SESSION_SLOTS, 60) != KEEL_OK)
            abort();
        ready = 1;
    }
    if (ret != KEEL_OK) { /* Argon2 per accepted input would make fuzzing crawl */
        keeld_dispatch(&st, &rq, &rs);
        if (rs.status != 400 && rs.status != 413)
            abort();
    }
    return 0;
}
