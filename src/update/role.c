/* The names the metadata uses: roles, target names and hardware ids, and the owner-facing
 * notice texts (5.3-11, 5.3-12). Target names become file names under targets/ in the
 * repository and on the device, so they are held to a character set that cannot climb out
 * of a directory. */
#include <string.h>

#include "meta_private.h"

const char *keel_update_role_name(keel_update_role role)
{
    switch (role) {
    case KEEL_UPDATE_ROLE_ROOT: return "root";
    case KEEL_UPDATE_ROLE_TARGETS: return "targets";
    case KEEL_UPDATE_ROLE_SNAPSHOT: return "snapshot";
    case KEEL_UPDATE_ROLE_TIMESTAMP: return "timestamp";
    default: return "?";
    }
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

keel_err keel_update_name_check(const char *name, size_t size)
{
    size_t n;

    if (name == NULL || size == 0)
        return KEEL_ERR_ARG;
    n = strnlen(name, size);
    if (n >= size)
        return KEEL_ERR_TOO_LARGE;
    if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        if (!name_char(name[i]))
            return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

/* C0 controls, DEL, the C1 controls U+0080..U+009F and the bidirectional embeddings,
 * overrides and isolates (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069): none may reach an
 * owner's screen, where they could reorder or hide the rest of the notice. */
static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

keel_err keel_update_text_check(const char *text)
{
    size_t n;
    size_t i = 0;

    if (text == NULL)
        return KEEL_ERR_ARG;
    n = strnlen(text, KEEL_UPDATE_TEXT_MAX);
    if (n >= KEEL_UPDATE_TEXT_MAX)
        return KEEL_ERR_TOO_LARGE;
    while (i < n) {
        uint32_t cp = 0;
        size_t step = keel_utf8_next(text + i, n - i, &cp);

        if (step == 0 || is_control(cp))
            return KEEL_ERR_PARSE;
        i += step;
    }
    return KEEL_OK;
}
