/* A login attempt that honours the device's brute-force guard (5.1-5): tests that must
 * reach the password check (5.1-1-2, 5.1-4-2) wait when told to, within their budget, and
 * never hammer a throttling device. */
#include <string.h>

#include "http.h"
#include "net.h"

/* A little past the named wait: the device's clock and ours need not tick together. */
#define WAIT_MARGIN_MS 150
#define DEFAULT_WAIT_MS 1000

keel_err keel_audit_login(keel_audit_http *h, const char *login_path, const char *password,
                          long long deadline_ms, keel_audit_http_answer *out, long long *waited_ms)
{
    static const char *const names[] = {"password"};
    const char *values[1] = {password};
    char *body;
    keel_err ret;

    if (h == NULL || password == NULL || out == NULL)
        return KEEL_ERR_ARG;
    body = keel_audit_http_json(names, values, 1);
    if (body == NULL)
        return KEEL_ERR_NOMEM;
    for (;;) {
        long long wait;

        ret = keel_audit_http_post(h, login_path, body, strlen(body), NULL, out);
        if (ret != KEEL_OK || out->status != 429)
            break;
        wait = out->retry_after > 0 ? out->retry_after * 1000LL : DEFAULT_WAIT_MS;
        wait += WAIT_MARGIN_MS;
        if (keel_audit_net_now_ms() + wait > deadline_ms)
            break;
        keel_audit_sleep_ms(wait);
        if (waited_ms != NULL)
            *waited_ms += wait;
    }
    keel_audit_http_json_free(body);
    return ret;
}
