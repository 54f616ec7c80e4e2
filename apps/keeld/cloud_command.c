/* Commands from the cloud (keel/<serial>/command): the only input the broker can push into
 * the lock, so it is validated whole against its declared shape before anything moves
 * (5.13-1A): exactly {"id":"...","action":"lock"|"unlock"|"state"}, the id 1 to 36 of
 * [A-Za-z0-9-] (a UUID fits), nothing else. Anything else is answered with an error and
 * changes nothing. The reply repeats the id only when it could be read and is itself of
 * that shape, so nothing the sender wrote is echoed that the cloud could mistake for
 * something else. */
#include <string.h>

#include "keeld.h"

#define COMMAND_MEMBERS 2

static int id_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > KEELD_COMMAND_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-'))
            return 0;
    }
    return 1;
}

static int action_from(const char *s, keeld_command_action *out)
{
    static const struct {
        const char *name;
        keeld_command_action action;
    } actions[] = {
        {"lock", KEELD_CMD_LOCK}, {"unlock", KEELD_CMD_UNLOCK}, {"state", KEELD_CMD_STATE}};

    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(s, actions[i].name) == 0) {
            *out = actions[i].action;
            return 1;
        }
    }
    return 0;
}

/* The payload as a JSON object with nothing after it, or NULL. Raw and escaped NUL are
 * refused first: cJSON would cut a string at one, so what it read would not be what came. */
static cJSON *parse_object(const uint8_t *payload, size_t len)
{
    const char *end = NULL;
    cJSON *root;

    if (len == 0 || memchr(payload, '\0', len) != NULL || keeld_json_has_escaped_nul(payload, len))
        return NULL;
    root = cJSON_ParseWithLengthOpts((const char *)payload, len, &end, 0);
    if (root == NULL || end == NULL || !cJSON_IsObject(root) ||
        !keeld_json_only_space(end, (const char *)payload + len)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

keel_err keeld_command_parse(const uint8_t *payload, size_t len, char id[KEELD_COMMAND_ID_MAX + 1],
                             keeld_command_action *action)
{
    const cJSON *m_id = NULL, *m_action = NULL;
    keeld_command_action act = KEELD_CMD_STATE;
    keel_err ret = KEEL_ERR_PARSE;
    cJSON *root;
    int members = 0;

    if ((payload == NULL && len != 0) || id == NULL || action == NULL)
        return KEEL_ERR_ARG;
    id[0] = '\0';
    if (len > KEELD_COMMAND_MAX)
        return KEEL_ERR_TOO_LARGE;
    root = parse_object(payload, len);
    if (root == NULL)
        return KEEL_ERR_PARSE;
    /* Walk the members themselves: cJSON keeps duplicates, and a lookup by name would see
     * only the first of two. */
    for (const cJSON *m = root->child; m != NULL; m = m->next) {
        if (++members > COMMAND_MEMBERS || m->string == NULL)
            goto out;
        if (strcmp(m->string, "id") == 0 && m_id == NULL)
            m_id = m;
        else if (strcmp(m->string, "action") == 0 && m_action == NULL)
            m_action = m;
        else
            goto out; /* unknown, or the second of a name */
    }
    if (m_id == NULL || m_action == NULL || !cJSON_IsString(m_id) || !cJSON_IsString(m_action) ||
        m_id->valuestring == NULL || m_action->valuestring == NULL ||
        !id_valid(m_id->valuestring) || !action_from(m_action->valuestring, &act))
        goto out;
    memcpy(id, m_id->valuestring, strlen(m_id->valuestring) + 1);
    *action = act;
    ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

/* For the error reply of a command that was refused: its id when the payload is a JSON
 * object with exactly one member "id" holding a valid id; else "". */
static void readable_id(const uint8_t *payload, size_t len, char id[KEELD_COMMAND_ID_MAX + 1])
{
    const cJSON *found = NULL;
    cJSON *root;

    id[0] = '\0';
    if (payload == NULL || len > KEELD_COMMAND_MAX)
        return;
    root = parse_object(payload, len);
    if (root == NULL)
        return;
    for (const cJSON *m = root->child; m != NULL; m = m->next) {
        if (m->string != NULL && strcmp(m->string, "id") == 0) {
            if (found != NULL) {
                found = NULL; /* two ids: neither is the command's */
                break;
            }
            found = m;
        }
    }
    if (found != NULL && cJSON_IsString(found) && found->valuestring != NULL &&
        id_valid(found->valuestring))
        memcpy(id, found->valuestring, strlen(found->valuestring) + 1);
    cJSON_Delete(root);
}

static void reply_error(const char *id, const char *why, char *out, size_t outsz)
{
    keel_err ret;

    if (id[0] != '\0')
        ret = keel_str_format(out, outsz, "{\"id\":\"%s\",\"result\":\"error\",\"error\":\"%s\"}",
                              id, why);
    else
        ret = keel_str_format(out, outsz, "{\"result\":\"error\",\"error\":\"%s\"}", why);
    if (ret != KEEL_OK)
        out[0] = '\0';
}

void keeld_command_execute(struct keeld_lock *l, const uint8_t *payload, size_t len, char *out,
                           size_t outsz)
{
    char id[KEELD_COMMAND_ID_MAX + 1];
    keeld_command_action action;
    struct keeld_lock_state s;
    keel_err ret;

    if (out == NULL || outsz == 0)
        return;
    out[0] = '\0';
    ret = keeld_command_parse(payload, len, id, &action);
    if (ret != KEEL_OK) {
        readable_id(payload, len, id);
        reply_error(id, ret == KEEL_ERR_TOO_LARGE ? "too large" : "malformed", out, outsz);
        return;
    }
    if (l == NULL) {
        reply_error(id, "unavailable", out, outsz);
        return;
    }
    ret = KEEL_OK;
    if (action != KEELD_CMD_STATE)
        ret = keeld_lock_set(l, action == KEELD_CMD_LOCK, KEELD_SRC_CLOUD, NULL);
    if (ret == KEEL_OK)
        ret = keeld_lock_get(l, &s);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_WARN, "cloud: a command could not be carried out: %s",
                 keel_strerror(ret));
        reply_error(id, "unavailable", out, outsz);
        return;
    }
    if (keel_str_format(out, outsz, "{\"id\":\"%s\",\"result\":\"ok\",\"locked\":%s}", id,
                        s.locked ? "true" : "false") != KEEL_OK)
        out[0] = '\0';
}
