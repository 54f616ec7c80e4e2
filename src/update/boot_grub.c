/*
 * GRUB's environment block through grub-editenv: "list" reads it, "set" writes keel's three
 * variables in one rewrite of the block. grub.cfg loads the block, takes an attempt and
 * picks the slot (docs/updates.md), and tells the kernel which one with keel.slot=a|b.
 */
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"

/* GRUB's block is 1 KiB; a listing longer than this is not one. */
#define LIST_MAX 4096u

static keel_err grub_env(keel_update_boot *boot, keel_update_boot_state *st)
{
    const char *argv[] = {"grub-editenv", boot->path, "list", NULL};
    char *out = malloc(LIST_MAX);
    size_t len = 0;
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_NOMEM;
    ret = keel_update_boot_run(argv, NULL, 0, out, LIST_MAX, &len);
    if (ret == KEEL_OK)
        ret = keel_update_env_parse(out, len, KEEL_UPDATE_ENV_TOOL, st);
    free(out);
    return ret;
}

static keel_err grub_load(keel_update_boot *boot, keel_update_boot_state *st)
{
    keel_err ret = grub_env(boot, st);

    if (ret == KEEL_OK)
        ret = keel_update_boot_cmdline_slot(&st->booted);
    return ret;
}

static keel_err grub_store(keel_update_boot *boot, const keel_update_boot_state *st)
{
    char primary[16], trial[16], attempts[24], out[1024];
    const char *argv[] = {"grub-editenv", boot->path, "set", primary, trial, attempts, NULL};
    const char trial_value[2] = {st->trial, '\0'};
    keel_update_boot_state back;
    size_t len = 0;
    keel_err ret = keel_str_format(primary, sizeof(primary), "keel_primary=%c", st->primary);

    if (ret == KEEL_OK)
        ret = keel_str_format(trial, sizeof(trial), "keel_trial=%s", trial_value);
    if (ret == KEEL_OK)
        ret =
            keel_str_format(attempts, sizeof(attempts), "keel_attempts=%u", (unsigned)st->attempts);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_update_boot_run(argv, NULL, 0, out, sizeof(out), &len);
    if (ret == KEEL_OK)
        ret = grub_env(boot, &back);
    if (ret == KEEL_OK &&
        (back.primary != st->primary || back.trial != st->trial || back.attempts != st->attempts)) {
        keel_log(KEEL_LOG_ERROR, "update: grub-editenv did not change '%s'", boot->path);
        ret = KEEL_ERR_UPDATE_BOOT;
    }
    return ret;
}

const keel_update_boot_ops keel_update_boot_grub_ops = {grub_load, grub_store};
