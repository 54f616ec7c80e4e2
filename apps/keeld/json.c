/* What keeld's body parsers share: cJSON does the parsing; these close the gaps that matter
 * for passwords (trailing bytes, copies left in freed memory, strings cut at an escaped NUL). */
#include <string.h>

#include "keeld.h"

int keeld_json_only_space(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return 0;
    }
    return 1;
}

void keeld_json_wipe_strings(cJSON *root)
{
    for (cJSON *m = root != NULL ? root->child : NULL; m != NULL; m = m->next) {
        if (cJSON_IsString(m) && m->valuestring != NULL)
            keel_wipe(m->valuestring, strlen(m->valuestring));
    }
}

int keeld_json_has_escaped_nul(const uint8_t *body, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (body[i] != '\\')
            continue;
        if (body[i + 1] == 'u' && i + 6 <= len && memcmp(body + i + 2, "0000", 4) == 0)
            return 1;
        i++; /* the escaped character, which may itself be a backslash */
    }
    return 0;
}

const cJSON *keeld_json_member(const cJSON *root, const char *name)
{
    for (const cJSON *m = root != NULL ? root->child : NULL; m != NULL; m = m->next) {
        if (m->string != NULL && strcmp(m->string, name) == 0)
            return m;
    }
    return NULL;
}

const char *keeld_json_string(const cJSON *root, const char *name, size_t max, size_t *len)
{
    const cJSON *m = keeld_json_member(root, name);

    if (m == NULL || !cJSON_IsString(m) || m->valuestring == NULL)
        return NULL;
    *len = strlen(m->valuestring);
    return *len >= 1 && *len <= max ? m->valuestring : NULL;
}

int keeld_text_printable(const char *text, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = keel_utf8_next(text + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return 0;
        i += n;
    }
    return 1;
}
