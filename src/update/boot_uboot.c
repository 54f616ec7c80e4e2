/*
 * U-Boot's environment through libubootenv's tools: fw_printenv reads keel's variables,
 * fw_setenv writes them in one change from a script on its standard input (with a
 * redundant environment configured in fw_env.config, that change survives a power cut:
 * U-Boot keeps the copy whose CRC is valid). The spec "uboot" uses the tools' default
 * configuration (/etc/fw_env.config), "uboot:PATH" another one. The slot that was started is
 * what U-Boot put on the kernel command line (keel.slot=a|b).
 */
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"

#define SCRIPT_MAX 128u

static keel_err uboot_env(keel_update_boot *boot, keel_update_boot_state *st)
{
    const char *argv[8];
    size_t n = 0, len = 0;
    char *out = NULL;
    keel_err ret;

    argv[n++] = "fw_printenv";
    if (boot->path[0] != '\0') {
        argv[n++] = "-c";
        argv[n++] = boot->path;
    }
    argv[n++] = "keel_primary"; /* fw_printenv prints "name=" for a missing one */
    argv[n++] = "keel_trial";
    argv[n++] = "keel_attempts";
    argv[n] = NULL;
    out = malloc(KEEL_UPDATE_ENV_TOOL_MAX);
    if (out == NULL)
        return KEEL_ERR_NOMEM;
    ret = keel_update_boot_run(argv, NULL, 0, out, KEEL_UPDATE_ENV_TOOL_MAX, &len);
    if (ret == KEEL_OK)
        ret = keel_update_env_parse(out, len, KEEL_UPDATE_ENV_TOOL, st);
    free(out);
    return ret;
}

static keel_err uboot_load(keel_update_boot *boot, keel_update_boot_state *st)
{
    keel_err ret = uboot_env(boot, st);

    if (ret == KEEL_OK)
        ret = keel_update_boot_cmdline_slot(&st->booted);
    return ret;
}

static keel_err uboot_store(keel_update_boot *boot, const keel_update_boot_state *st)
{
    const char *argv[6];
    char script[SCRIPT_MAX], out[1024];
    const char trial[2] = {st->trial, '\0'};
    size_t n = 0, len = 0;
    keel_update_boot_state back;
    keel_err ret;

    /* "name=" with nothing after it deletes the variable: no trial. */
    ret = keel_str_format(script, sizeof(script),
                          "keel_primary=%c\nkeel_trial=%s\nkeel_attempts=%u\n", st->primary, trial,
                          (unsigned)st->attempts);
    if (ret != KEEL_OK)
        return ret;
    argv[n++] = "fw_setenv";
    if (boot->path[0] != '\0') {
        argv[n++] = "-c";
        argv[n++] = boot->path;
    }
    argv[n++] = "-s";
    argv[n++] = "-";
    argv[n] = NULL;
    ret = keel_update_boot_run(argv, script, strlen(script), out, sizeof(out), &len);
    if (ret == KEEL_OK)
        ret = uboot_env(boot, &back);
    if (ret == KEEL_OK &&
        (back.primary != st->primary || back.trial != st->trial || back.attempts != st->attempts)) {
        keel_log(KEEL_LOG_ERROR, "update: fw_setenv did not change U-Boot's environment");
        ret = KEEL_ERR_UPDATE_BOOT;
    }
    return ret;
}

const keel_update_boot_ops keel_update_boot_uboot_ops = {uboot_load, uboot_store};
