/*
 * The text form of a bootloader environment ("name=value" lines), as the file backend keeps
 * it and as fw_printenv and grub-editenv list it. The bootloader acts on these variables
 * before keel runs, so a value that is not exactly one keel wrote is refused, never guessed
 * (a wrong guess could start a slot that was never verified, 5.3-2 and 5.7-1).
 */
#include <string.h>

#include "fetch_private.h"

enum { VAR_PRIMARY, VAR_TRIAL, VAR_ATTEMPTS, VAR_BOOTED, VARS };

static const char *const var_names[VARS] = {"keel_primary", "keel_trial", "keel_attempts",
                                            "keel_booted"};

/* The value of each of keel's variables as it was read: at most one character. */
typedef struct env_read {
    unsigned seen;
    char value[VARS];
    size_t line;
} env_read;

int keel_update_boot_slot_valid(char c)
{
    return c == 'a' || c == 'b';
}

static keel_err bad(const env_read *r, const char *what)
{
    if (r->line > 0)
        keel_log(KEEL_LOG_ERROR, "update: boot environment line %zu: %s", r->line, what);
    else
        keel_log(KEEL_LOG_ERROR, "update: boot environment: %s", what);
    return KEEL_ERR_UPDATE_BOOT;
}

static int var_find(const char *name, size_t len)
{
    for (int i = 0; i < VARS; i++) {
        if (strlen(var_names[i]) == len && memcmp(var_names[i], name, len) == 0)
            return i;
    }
    return -1;
}

static keel_err line_check(env_read *r, const char *p, size_t len)
{
    const char *eq = memchr(p, '=', len);
    size_t nlen;
    int var;

    if (len > KEEL_UPDATE_ENV_LINE_MAX)
        return bad(r, "longer than 256 bytes");
    if (eq == NULL || eq == p)
        return bad(r, "not name=value");
    nlen = (size_t)(eq - p);
    for (size_t i = 0; i < nlen; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
            return bad(r, "a name is made of a-z, 0-9 and _");
    }
    for (size_t i = nlen + 1; i < len; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e)
            return bad(r, "a value is printable ASCII");
    }
    var = var_find(p, nlen);
    if (var < 0)
        return KEEL_OK;
    if (r->seen & (1u << var))
        return bad(r, "a variable is set twice");
    if (len - nlen - 1 > 1)
        return bad(r, "a keel variable holds one character");
    r->seen |= 1u << var;
    r->value[var] = '\0';
    if (len - nlen - 1 == 1)
        r->value[var] = eq[1];
    return KEEL_OK;
}

static keel_err lines_read(env_read *r, const char *text, size_t len, keel_update_env_mode mode)
{
    const char *p = text, *end = text + len;
    size_t counted = 0;

    while (p < end) {
        const char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n;
        keel_err ret;

        r->line++;
        if (nl == NULL)
            return bad(r, "does not end with a newline");
        n = (size_t)(nl - line);
        p = nl + 1;
        if (mode == KEEL_UPDATE_ENV_TOOL && (n < 5 || memcmp(line, "keel_", 5) != 0))
            continue; /* the bootloader's own variable */
        if (++counted > KEEL_UPDATE_ENV_LINES)
            return bad(r, "more than 64 lines");
        ret = line_check(r, line, n);
        if (ret != KEEL_OK)
            return ret;
    }
    return KEEL_OK;
}

static keel_err values_check(env_read *r, keel_update_env_mode mode, keel_update_boot_state *out)
{
    unsigned need = (1u << VAR_PRIMARY) | (1u << VAR_ATTEMPTS);
    char attempts = r->value[VAR_ATTEMPTS];

    r->line = 0;
    if (mode == KEEL_UPDATE_ENV_FILE)
        need |= (1u << VAR_TRIAL) | (1u << VAR_BOOTED);
    if ((r->seen & need) != need)
        return bad(r, "keel_primary, keel_attempts (and in a file keel_trial, keel_booted)"
                      " are required");
    if (!keel_update_boot_slot_valid(r->value[VAR_PRIMARY]))
        return bad(r, "keel_primary is a or b");
    if (r->value[VAR_TRIAL] != '\0' && (!keel_update_boot_slot_valid(r->value[VAR_TRIAL]) ||
                                        r->value[VAR_TRIAL] == r->value[VAR_PRIMARY]))
        return bad(r, "keel_trial is empty or the slot other than keel_primary");
    if (attempts < '0' || attempts > '9')
        return bad(r, "keel_attempts is 0 to 9");
    if (mode == KEEL_UPDATE_ENV_FILE && !keel_update_boot_slot_valid(r->value[VAR_BOOTED]))
        return bad(r, "keel_booted is a or b");
    out->primary = r->value[VAR_PRIMARY];
    out->trial = r->value[VAR_TRIAL];
    out->attempts = (uint32_t)(attempts - '0');
    out->booted = '\0';
    if (mode == KEEL_UPDATE_ENV_FILE)
        out->booted = r->value[VAR_BOOTED];
    return KEEL_OK;
}

keel_err keel_update_env_parse(const char *text, size_t len, keel_update_env_mode mode,
                               keel_update_boot_state *out)
{
    env_read r;
    keel_err ret;

    if ((text == NULL && len != 0) || out == NULL ||
        (mode != KEEL_UPDATE_ENV_FILE && mode != KEEL_UPDATE_ENV_TOOL))
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    if (len > (mode == KEEL_UPDATE_ENV_FILE ? KEEL_UPDATE_ENV_TEXT_MAX : KEEL_UPDATE_ENV_TOOL_MAX))
        return bad(&r, "the environment is too large");
    ret = len > 0 ? lines_read(&r, text, len, mode) : KEEL_OK;
    if (ret == KEEL_OK)
        ret = values_check(&r, mode, out);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

/* ---- writing ---- */

static keel_err var_append(keel_buf *b, int var, const keel_update_boot_state *st)
{
    char value[2] = {'\0', '\0'};
    keel_err ret;

    switch (var) {
    case VAR_PRIMARY: value[0] = st->primary; break;
    case VAR_TRIAL: value[0] = st->trial; break;
    case VAR_ATTEMPTS: value[0] = (char)('0' + st->attempts); break;
    default: value[0] = st->booted; break;
    }
    ret = keel_buf_append_str(b, var_names[var]);
    if (ret == KEEL_OK)
        ret = keel_buf_append(b, "=", 1);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(b, value);
    if (ret == KEEL_OK)
        ret = keel_buf_append(b, "\n", 1);
    return ret;
}

static int state_valid(const keel_update_boot_state *st)
{
    return keel_update_boot_slot_valid(st->primary) && keel_update_boot_slot_valid(st->booted) &&
           (st->trial == '\0' ||
            (keel_update_boot_slot_valid(st->trial) && st->trial != st->primary)) &&
           st->attempts <= 9;
}

/* Copy old's lines, each of keel's variables with its new value; then the missing ones. */
static keel_err lines_write(keel_buf *b, const char *old, size_t oldlen,
                            const keel_update_boot_state *st)
{
    const char *p = old, *end = old != NULL ? old + oldlen : NULL;
    unsigned done = 0;
    keel_err ret = KEEL_OK;

    while (p != NULL && p < end && ret == KEEL_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eq = memchr(p, '=', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        int var = eq != NULL && eq < p + n ? var_find(p, (size_t)(eq - p)) : -1;

        if (var >= 0 && !(done & (1u << var))) {
            done |= 1u << var;
            ret = var_append(b, var, st);
        } else if (var < 0) {
            ret = keel_buf_append(b, p, n);
        }
        p += n;
    }
    for (int var = 0; var < VARS && ret == KEEL_OK; var++) {
        if (!(done & (1u << var)))
            ret = var_append(b, var, st);
    }
    return ret;
}

keel_err keel_update_env_format(const char *old, size_t oldlen, const keel_update_boot_state *st,
                                char *out, size_t outsz, size_t *out_len)
{
    keel_buf b;
    keel_err ret;

    if ((old == NULL && oldlen != 0) || st == NULL || out == NULL || outsz == 0 || out_len == NULL)
        return KEEL_ERR_ARG;
    *out_len = 0;
    out[0] = '\0';
    if (!state_valid(st))
        return KEEL_ERR_ARG;
    keel_buf_init(&b, out, outsz - 1);
    ret = lines_write(&b, old, oldlen, st);
    if (ret != KEEL_OK) {
        keel_buf_reset(&b);
        out[0] = '\0';
        return KEEL_ERR_RANGE;
    }
    out[b.len] = '\0';
    *out_len = b.len;
    return KEEL_OK;
}
