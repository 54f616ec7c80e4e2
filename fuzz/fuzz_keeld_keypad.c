/* keeld's keypad lines on arbitrary bytes, split at newlines as the keypad's socket splits
 * them: the parser must never crash, read out of bounds or accept anything outside the
 * grammar. The grammar has one spelling per command, so every accepted line must equal the
 * command written back out; a refused line must leave nothing behind in the command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The one spelling of cmd. */
static void spell(const struct keeld_keypad_cmd *cmd, char *out, size_t outsz)
{
    keel_err ret = KEEL_ERR_ARG;

    switch (cmd->op) {
    case KEELD_KEYPAD_PIN: ret = keel_str_format(out, outsz, "PIN %s", cmd->pin); break;
    case KEELD_KEYPAD_LOCK: ret = keel_str_copy(out, outsz, "LOCK"); break;
    case KEELD_KEYPAD_BUTTON: ret = keel_str_copy(out, outsz, "BUTTON"); break;
    case KEELD_KEYPAD_STATE: ret = keel_str_copy(out, outsz, "STATE"); break;
    case KEELD_KEYPAD_DOOR:
        ret = keel_str_copy(out, outsz, cmd->value ? "DOOR OPEN" : "DOOR CLOSED");
        break;
    case KEELD_KEYPAD_BATTERY:
        if (cmd->value < 0 || cmd->value > 100)
            abort();
        ret = keel_str_format(out, outsz, "BATTERY %d", cmd->value);
        break;
    }
    if (ret != KEEL_OK)
        abort();
}

static void one_line(const char *line, size_t len)
{
    static const struct keeld_keypad_cmd empty;
    struct keeld_keypad_cmd cmd;
    char again[KEELD_KEYPAD_LINE_MAX + 16];
    keel_err ret = keeld_keypad_parse(line, len, &cmd);

    if (ret == KEEL_OK) {
        size_t digits = strnlen(cmd.pin, sizeof(cmd.pin));
        if (digits == sizeof(cmd.pin) || len > KEELD_KEYPAD_LINE_MAX)
            abort();
        spell(&cmd, again, sizeof(again));
        if (strlen(again) != len || memcmp(again, line, len) != 0)
            abort();
    } else {
        if (ret != KEEL_ERR_PARSE && ret != KEEL_ERR_TOO_LARGE)
            abort();
        if (ret == KEEL_ERR_TOO_LARGE && len <= KEELD_KEYPAD_LINE_MAX)
            abort();
        if (memcmp(&cmd, &empty, sizeof(cmd)) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *end = p + size;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        one_line(p, len);
        p += len + (nl != NULL);
    }
    return 0;
}
