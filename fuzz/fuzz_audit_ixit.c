/* Fuzz the IXIT parser of keel audit (--ixit): the file comes from the device maker and is
 * untrusted. Properties beyond memory safety: a parsed IXIT stays within its bounds, every
 * port is 1-65535, every route path passes keel_audit_http_path_valid, and a refusal always
 * says why; the same for its "update" object, whose URL must have given a host and port; and
 * for the privacy members: counts within bounds, every datum's consent purpose declared, every
 * user_data body holding its placeholder, every MQTT port set. */
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

static void privacy_members(const keel_audit_ixit *x)
{
    const keel_audit_ixit_privacy *p = x->privacy;

    if (p == NULL)
        return;
    if (p->personal_data.data_count > KEEL_AUDIT_PRIVACY_DATA_MAX ||
        p->personal_data.consent_count > KEEL_AUDIT_PRIVACY_CONSENTS_MAX ||
        p->telemetry.field_count > KEEL_AUDIT_TELEMETRY_FIELDS_MAX ||
        p->sensing.count > KEEL_AUDIT_SENSING_MAX ||
        p->deletion.user_data_count > KEEL_AUDIT_USER_DATA_MAX ||
        p->user_info.count > KEEL_AUDIT_USER_DOCS_MAX)
        abort();
    for (size_t i = 0; i < p->personal_data.data_count; i++) {
        const char *want = p->personal_data.data[i].consent_purpose;
        int found = want[0] == '\0';

        for (size_t j = 0; !found && j < p->personal_data.consent_count; j++)
            found = strcmp(p->personal_data.consent[j].purpose, want) == 0;
        if (!found || p->personal_data.data[i].recipient_count > KEEL_AUDIT_PRIVACY_RECIPIENTS_MAX)
            abort();
    }
    for (size_t i = 0; i < p->deletion.user_data_count; i++) {
        if (strstr(p->deletion.user_data[i].body, KEEL_AUDIT_CANARY_PLACEHOLDER) == NULL ||
            !keel_audit_http_path_valid(p->deletion.user_data[i].path))
            abort();
    }
    if (p->deletion.present && !keel_audit_http_path_valid(p->deletion.reset.path))
        abort();
    if (p->consent_check.present &&
        (p->consent_check.mqtt.port == 0 || p->consent_check.mqtt.topic[0] == '\0'))
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
        if (x.interfaces != NULL || x.routes != NULL || x.interface_count || x.route_count ||
            x.privacy != NULL)
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
    privacy_members(&x);
    keel_audit_ixit_free(&x);
    return 0;
}
