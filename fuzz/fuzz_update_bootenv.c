/* A bootloader environment as keel reads it: the file backend's text, which anyone with
 * write access to the boot partition may have changed, and fw_printenv's or grub-editenv's
 * listing. The parser must refuse what breaks a rule and never let a state through that the
 * bootloader could act on wrongly; what it accepts must survive a rewrite unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"

static void quiet(keel_log_level level, const char *line, void *user)
{
    (void)level;
    (void)line;
    (void)user;
}

static void state_check(const keel_update_boot_state *st, keel_update_env_mode mode)
{
    if (!keel_update_boot_slot_valid(st->primary) || st->attempts > 9 ||
        (st->trial != '\0' &&
         (!keel_update_boot_slot_valid(st->trial) || st->trial == st->primary)))
        abort();
    if (mode == KEEL_UPDATE_ENV_FILE ? !keel_update_boot_slot_valid(st->booted) : st->booted != 0)
        abort();
}

/* Rewrite the accepted text with st, then with a changed state: each must read back as it
 * was written, and every line that is not keel's must still be there. */
static void rewrite(const char *text, size_t len, const keel_update_boot_state *st)
{
    static char out[KEEL_UPDATE_ENV_TEXT_MAX + 64];
    keel_update_boot_state next = *st, back;
    size_t out_len = 0;

    for (int round = 0; round < 2; round++) {
        if (keel_update_env_format(text, len, &next, out, sizeof(out), &out_len) != KEEL_OK)
            abort();
        if (out_len > len + 1) /* only keel_trial may grow, by its one character */
            abort();
        if (keel_update_env_parse(out, out_len, KEEL_UPDATE_ENV_FILE, &back) != KEEL_OK &&
            out_len <= KEEL_UPDATE_ENV_TEXT_MAX)
            abort();
        if (out_len <= KEEL_UPDATE_ENV_TEXT_MAX && memcmp(&back, &next, sizeof(back)) != 0)
            abort();
        next.trial = next.trial != '\0' ? '\0' : (next.primary == 'a' ? 'b' : 'a');
        next.attempts = next.trial != '\0' ? 3 : 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_update_boot_state st;

    keel_log_configure(KEEL_LOG_ERROR, quiet, NULL);
    if (keel_update_env_parse((const char *)data, size, KEEL_UPDATE_ENV_TOOL, &st) == KEEL_OK)
        state_check(&st, KEEL_UPDATE_ENV_TOOL);
    if (keel_update_env_parse((const char *)data, size, KEEL_UPDATE_ENV_FILE, &st) == KEEL_OK) {
        state_check(&st, KEEL_UPDATE_ENV_FILE);
        rewrite((const char *)data, size, &st);
    }
    return 0;
}
