/* keeld's cloud command parser (keel/<serial>/command, 5.13-1A) on arbitrary bytes: it must
 * never crash, read out of bounds or leak; whatever it accepts must be an id of 1 to 36
 * characters of [A-Za-z0-9-] and one of the three actions, and whatever it refuses leaves no
 * id behind. Then the same bytes go through keeld_command_execute (with no lock, so that
 * the reply path itself is what is fuzzed): the reply is always one JSON object of the
 * declared shape, echoing an id only when that id is itself valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int id_ok(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > KEELD_COMMAND_ID_MAX)
        return 0;
    return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void check_reply(const char *reply, int accepted, const char *id)
{
    cJSON *r = cJSON_Parse(reply);
    const cJSON *result, *rid, *error;

    if (r == NULL || !cJSON_IsObject(r))
        abort();
    result = cJSON_GetObjectItemCaseSensitive(r, "result");
    rid = cJSON_GetObjectItemCaseSensitive(r, "id");
    error = cJSON_GetObjectItemCaseSensitive(r, "error");
    if (!cJSON_IsString(result) || strcmp(result->valuestring, "error") != 0 ||
        !cJSON_IsString(error))
        abort(); /* with no lock every command ends in an error */
    if (rid != NULL && (!cJSON_IsString(rid) || !id_ok(rid->valuestring)))
        abort();
    if (accepted && (rid == NULL || strcmp(rid->valuestring, id) != 0 ||
                     strcmp(error->valuestring, "unavailable") != 0))
        abort();
    if (!accepted && strcmp(error->valuestring, "malformed") != 0 &&
        strcmp(error->valuestring, "too large") != 0)
        abort();
    cJSON_Delete(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[KEELD_COMMAND_ID_MAX + 1];
    char reply[KEELD_COMMAND_MAX];
    keeld_command_action action = (keeld_command_action)-1;
    keel_err ret = keeld_command_parse(data, size, id, &action);

    if (ret == KEEL_OK) {
        if (size > KEELD_COMMAND_MAX || !id_ok(id) ||
            (action != KEELD_CMD_LOCK && action != KEELD_CMD_UNLOCK && action != KEELD_CMD_STATE))
            abort();
    } else if (id[0] != '\0' || (ret != KEEL_ERR_PARSE && ret != KEEL_ERR_TOO_LARGE) ||
               (ret == KEEL_ERR_TOO_LARGE) != (size > KEELD_COMMAND_MAX)) {
        abort();
    }
    keeld_command_execute(NULL, data, size, reply, sizeof(reply));
    check_reply(reply, ret == KEEL_OK, id);
    return 0;
}
