/* Fuzz the IXIT parser of keel audit (--ixit): the file comes from the device maker and is
 * untrusted. Properties beyond memory safety: a parsed IXIT stays within its bounds, every
 * port is 1-65535, every route path passes keel_audit_http_path_valid, and a refusal always
 * says why; the same for its "update" object, whose URL must have given a host and port. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static void update_object(const uint8_t *data, size_t size)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit_update u;
    keel_err err = keel_audit_ixit_update_parse(data, size, &u, why, sizeof(why));

    if (err != KEEL_OK) {
        if ((why[0] == '\0' && err != KEEL_ERR_NOMEM) || u.present || u.repository[0] != '\0')
            abort();
        return;
    }
    if (!u.present)
        return;
    if (u.repository_at.port == 0 || u.repository_at.host[0] == '\0' || u.lab_listen.port == 0 ||
        u.server.port == 0 || u.mirror[0] == '\0' ||
        (u.repository_path[0] != '\0' && !keel_audit_http_path_valid(u.repository_path)) ||
        (u.lab_cert[0] == '\0') != (u.lab_key[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit x;
    keel_err err = keel_audit_ixit_parse(data, size, &x, why, sizeof(why));

    update_object(data, size);
    if (err != KEEL_OK) {
        if (why[0] == '\0' && err != KEEL_ERR_NOMEM)
            abort();
        if (x.interfaces != NULL || x.routes != NULL || x.interface_count || x.route_count)
            abort();
        return 0;
    }
    if (x.interface_count > KEEL_AUDIT_IXIT_INTERFACES_MAX ||
        x.route_count > KEEL_AUDIT_IXIT_ROUTES_MAX)
        abort();
    for (size_t i = 0; i < x.interface_count; i++) {
        if (x.interfaces[i].port == 0 || x.interfaces[i].id[0] == '\0' ||
            strlen(x.interfaces[i].address) >= KEEL_AUDIT_HOST_MAX)
            abort();
    }
    for (size_t i = 0; i < x.route_count; i++) {
        if (!keel_audit_http_path_valid(x.routes[i].path))
            abort();
    }
    keel_audit_ixit_free(&x);
    return 0;
}
