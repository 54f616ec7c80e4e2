/*
 * The keypad's line protocol (keeld.h): one command per line, checked against the grammar
 * where it enters (5.13-1A), and carried out on the lock. Everything outside the grammar is
 * one uniform answer, "ERROR malformed", and changes nothing.
 */
#include <string.h>

#include "keeld.h"

/* Decimal digits only, 1 to max of them. */
static int all_digits(const char *p, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
    }
    return 1;
}

/* line equals the NUL-terminated word. */
static int is(const char *line, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(line, word, len) == 0;
}

/* "0" to "100", without a leading zero. */
static int percent(const char *p, size_t len, int *out)
{
    int v = 0;

    if (!all_digits(p, len, 3) || (len > 1 && p[0] == '0'))
        return 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (p[i] - '0');
    if (v > 100)
        return 0;
    *out = v;
    return 1;
}

keel_err keeld_keypad_parse(const char *line, size_t len, struct keeld_keypad_cmd *out)
{
    static const char pin_word[] = "PIN ";
    static const char battery_word[] = "BATTERY ";

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (out == NULL || (line == NULL && len > 0))
        return KEEL_ERR_ARG;
    if (len > KEELD_KEYPAD_LINE_MAX)
        return KEEL_ERR_TOO_LARGE;
    /* printable ASCII only: no control character, no NUL, nothing a log could misread */
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
            return KEEL_ERR_PARSE;
    }
    if (is(line, len, "LOCK")) {
        out->op = KEELD_KEYPAD_LOCK;
    } else if (is(line, len, "BUTTON")) {
        out->op = KEELD_KEYPAD_BUTTON;
    } else if (is(line, len, "STATE")) {
        out->op = KEELD_KEYPAD_STATE;
    } else if (is(line, len, "DOOR OPEN") || is(line, len, "DOOR CLOSED")) {
        out->op = KEELD_KEYPAD_DOOR;
        out->value = len == strlen("DOOR OPEN");
    } else if (len > sizeof(pin_word) - 1 && memcmp(line, pin_word, sizeof(pin_word) - 1) == 0 &&
               all_digits(line + sizeof(pin_word) - 1, len - (sizeof(pin_word) - 1),
                          KEELD_PIN_MAX_DIGITS)) {
        out->op = KEELD_KEYPAD_PIN;
        memcpy(out->pin, line + sizeof(pin_word) - 1, len - (sizeof(pin_word) - 1));
    } else if (len > sizeof(battery_word) - 1 &&
               memcmp(line, battery_word, sizeof(battery_word) - 1) == 0 &&
               percent(line + sizeof(battery_word) - 1, len - (sizeof(battery_word) - 1),
                       &out->value)) {
        out->op = KEELD_KEYPAD_BATTERY;
    } else {
        memset(out, 0, sizeof(*out));
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

static void answer(char *out, size_t outsz, const char *text)
{
    if (keel_str_copy(out, outsz, text) != KEEL_OK && outsz > 0)
        out[0] = '\0';
}

static void execute_pin(struct keeld_lock *l, const struct keeld_keypad_cmd *cmd, char *out,
                        size_t outsz)
{
    uint32_t wait = 0;
    keel_err ret = keeld_lock_keypad_pin(l, cmd->pin, strlen(cmd->pin), &wait);

    if (ret == KEEL_OK)
        answer(out, outsz, "OK unlocked");
    else if (ret == KEEL_ERR_AUTH_THROTTLED)
        (void)keel_str_format(out, outsz, "WAIT %u", (unsigned)wait);
    else if (ret == KEEL_ERR_AUTH_DENIED || ret == KEEL_ERR_PARSE)
        answer(out, outsz, "DENIED");
    else
        answer(out, outsz, "ERROR internal");
}

/* The thumb-turn turns the bolt the other way from where it is. */
static keel_err button(struct keeld_lock *l, int *locked)
{
    struct keeld_lock_state st;
    keel_err ret = keeld_lock_get(l, &st);

    if (ret == KEEL_OK) {
        *locked = !st.locked;
        ret = keeld_lock_set(l, *locked, KEELD_SRC_BUTTON, NULL);
    }
    return ret;
}

static void execute_state(struct keeld_lock *l, char *out, size_t outsz)
{
    struct keeld_lock_state st;

    if (keeld_lock_get(l, &st) != KEEL_OK ||
        keel_str_format(out, outsz, "STATE %s %s %d", st.locked ? "locked" : "unlocked",
                        st.door_open ? "open" : "closed", st.battery) != KEEL_OK)
        answer(out, outsz, "ERROR internal");
}

void keeld_keypad_execute(struct keeld_lock *l, const struct keeld_keypad_cmd *cmd, char *out,
                          size_t outsz)
{
    int locked = 1;
    keel_err ret;

    if (out == NULL || outsz == 0)
        return;
    if (l == NULL || cmd == NULL) {
        answer(out, outsz, "ERROR internal");
        return;
    }
    switch (cmd->op) {
    case KEELD_KEYPAD_PIN: execute_pin(l, cmd, out, outsz); return;
    case KEELD_KEYPAD_STATE: execute_state(l, out, outsz); return;
    case KEELD_KEYPAD_LOCK: ret = keeld_lock_set(l, 1, KEELD_SRC_BUTTON, NULL); break;
    case KEELD_KEYPAD_BUTTON: ret = button(l, &locked); break;
    case KEELD_KEYPAD_DOOR: ret = keeld_lock_door(l, cmd->value); break;
    case KEELD_KEYPAD_BATTERY: ret = keeld_lock_battery(l, cmd->value); break;
    default: ret = KEEL_ERR_ARG; break;
    }
    if (ret != KEEL_OK)
        answer(out, outsz, "ERROR internal");
    else if (cmd->op == KEELD_KEYPAD_LOCK || cmd->op == KEELD_KEYPAD_BUTTON)
        answer(out, outsz, locked ? "OK locked" : "OK unlocked");
    else
        answer(out, outsz, "OK");
}
