/* Every port and service keeld opens, declared in one table (5.6-1, 5.6-5) that the
 * server binds from and that `keeld --describe` prints for the IXIT (15-Intf): nothing is
 * opened that is not here, and an assessor can compare it with what a scan finds. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "keeld.h"

static keel_err set_address(struct keeld_interface *it, const char *address)
{
    return keel_str_copy(it->address, sizeof(it->address), address);
}

/* The update repository's host and port from its URL, by libcurl's own URL parser (the one
 * that will fetch from it). */
static keel_err update_endpoint(const char *url, struct keeld_interface *it)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    uint64_t p = 0;
    keel_err ret = KEEL_ERR_PARSE;

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        keel_str_to_u64(port, 1, 65535, &p) == KEEL_OK) {
        it->port = (unsigned)p;
        ret = set_address(it, host);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ret;
}

keel_err keeld_interfaces(const struct keeld_config *cfg, struct keeld_interface *out, size_t max,
                          size_t *n)
{
    size_t count = 1 + (cfg->mqtt_host != NULL) + (cfg->update_url != NULL);
    size_t i = 1;

    *n = 0;
    if (max < count)
        return KEEL_ERR_RANGE;
    memset(out, 0, count * sizeof(*out));
    out[0] = (struct keeld_interface){
        .id = "local-api",
        .direction = "inbound",
        .transport = "tcp",
        .port = cfg->port,
        .protocol = "HTTPS (TLS 1.2 or 1.3, HTTP/1.1)",
        .purpose = "the setup page and the owner's local API: setup, the lock, its PIN codes "
                   "and access log, password change, updates",
        .authentication = "owner session (bearer token from the password) on every route but "
                          "the public ones",
    };
    if (set_address(&out[0], cfg->listen) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if (cfg->mqtt_host != NULL) {
        out[i] = (struct keeld_interface){
            .id = "cloud",
            .direction = "outbound",
            .transport = "tcp",
            .port = cfg->mqtt_port,
            .protocol = "MQTT 3.1.1 over mutual TLS (TLS 1.2 or 1.3)",
            .purpose = "the cloud link: device status and the lock's events (queued while offline) "
                       "to the manufacturer's service, and lock commands from it",
            .authentication = "device certificate from provisioning, key in the root of trust; "
                              "the broker's certificate checked against its CA and name",
        };
        if (set_address(&out[i++], cfg->mqtt_host) != KEEL_OK)
            return KEEL_ERR_RANGE;
    }
    if (cfg->update_url != NULL) {
        out[i] = (struct keeld_interface){
            .id = "update",
            .direction = "outbound",
            .transport = "tcp",
            .protocol = "HTTPS (TLS 1.2 or 1.3): signed update metadata and images",
            .purpose = "software updates: checks after start and periodically (5.3)",
            .authentication = "the repository's certificate checked against its CA and name; "
                              "every file verified against signed metadata",
        };
        if (update_endpoint(cfg->update_url, &out[i++]) != KEEL_OK)
            return KEEL_ERR_PARSE;
    }
    *n = count;
    return KEEL_OK;
}

static int add_interface(cJSON *list, const struct keeld_interface *it)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL || !cJSON_AddItemToArray(list, o))
        return cJSON_Delete(o), 0;
    return cJSON_AddStringToObject(o, "id", it->id) != NULL &&
           cJSON_AddStringToObject(o, "direction", it->direction) != NULL &&
           cJSON_AddStringToObject(o, "transport", it->transport) != NULL &&
           cJSON_AddStringToObject(o, "address", it->address) != NULL &&
           cJSON_AddNumberToObject(o, "port", it->port) != NULL &&
           cJSON_AddStringToObject(o, "protocol", it->protocol) != NULL &&
           cJSON_AddStringToObject(o, "purpose", it->purpose) != NULL &&
           cJSON_AddStringToObject(o, "authentication", it->authentication) != NULL;
}

/* "factory": served before the owner has set their password (5.12-1). */
static int add_route(cJSON *list, const char *method, const char *path, int is_public,
                     int security_relevant, int factory)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL || !cJSON_AddItemToArray(list, o))
        return cJSON_Delete(o), 0;
    return cJSON_AddStringToObject(o, "method", method) != NULL &&
           cJSON_AddStringToObject(o, "path", path) != NULL &&
           cJSON_AddBoolToObject(o, "public", is_public) != NULL &&
           cJSON_AddBoolToObject(o, "security_relevant", security_relevant) != NULL &&
           cJSON_AddBoolToObject(o, "factory", factory) != NULL;
}

static keel_err fill(cJSON *root, const struct keeld_config *cfg)
{
    struct keeld_interface its[KEELD_INTERFACES_MAX];
    cJSON *ilist = cJSON_AddArrayToObject(root, "interfaces");
    cJSON *rlist = cJSON_AddArrayToObject(root, "routes");
    size_t n = 0;
    keel_err ret = keeld_interfaces(cfg, its, KEELD_INTERFACES_MAX, &n);

    if (ret != KEEL_OK)
        return ret;
    if (ilist == NULL || rlist == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!add_interface(ilist, &its[i]))
            return KEEL_ERR_NOMEM;
    }
    for (size_t i = 0; i < keeld_route_count(); i++) {
        const struct keeld_route *r = keeld_route_at(i);
        if (!add_route(rlist, keeld_method_name(r->method), r->path, !r->needs_session,
                       r->security_relevant, r->factory))
            return KEEL_ERR_NOMEM;
    }
    /* the setup page and security.txt: public, read-only, in every state */
    for (size_t i = 0; i < keeld_web_path_count(); i++) {
        if (!add_route(rlist, "GET", keeld_web_path_at(i), 1, 0, 1))
            return KEEL_ERR_NOMEM;
    }
    /* the personal data keeld processes (6-1, 6-5): the IXIT's 21-PersData and 24-TelData */
    return keeld_inventory_add(root);
}

keel_err keeld_describe(const struct keeld_config *cfg, char **out)
{
    cJSON *root = cJSON_CreateObject();
    keel_err ret = root != NULL ? fill(root, cfg) : KEEL_ERR_NOMEM;

    *out = NULL;
    if (ret == KEEL_OK) {
        *out = cJSON_Print(root);
        if (*out == NULL)
            ret = KEEL_ERR_NOMEM;
    }
    cJSON_Delete(root);
    return ret;
}
