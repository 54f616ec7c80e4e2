/* The data inventory (6-1, 6-5): every personal datum keeld processes, why, on which legal
 * basis, how long, who receives it, and the security telemetry's fields. The file
 * data/privacy/keeld-inventory.json is compiled in (apps/keeld/inventory.cmake), so the notice
 * the device serves, the docs and the IXIT (keeld --describe) all come from the one file. */
#include "keeld.h"

void keeld_handle_privacy(struct keeld_state *st, const struct keeld_request *rq,
                          struct keeld_response *rs)
{
    (void)st;
    (void)rq;
    rs->status = 200;
    rs->ext_body = keeld_inventory_data; /* byte for byte, as the file is */
    rs->ext_len = keeld_inventory_size;
    rs->content_type = "application/json";
}

keel_err keeld_inventory_add(cJSON *root)
{
    cJSON *inventory;

    if (root == NULL)
        return KEEL_ERR_ARG;
    inventory = cJSON_ParseWithLength((const char *)keeld_inventory_data, keeld_inventory_size);
    if (inventory == NULL || !cJSON_IsObject(inventory)) {
        cJSON_Delete(inventory);
        return KEEL_ERR_PARSE;
    }
    if (!cJSON_AddItemToObject(root, "privacy", inventory)) {
        cJSON_Delete(inventory);
        return KEEL_ERR_NOMEM;
    }
    return KEEL_OK;
}
