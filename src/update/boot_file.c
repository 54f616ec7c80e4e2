/*
 * The file backend: a text environment that models a bootloader's, for tests and for
 * devices whose bootloader reads such a file. Every change replaces the whole file with
 * keel_file_write_atomic, so a power cut leaves the old environment or the new one, never a
 * mixture; keel_update_boot_file_reboot plays the bootloader's part as docs/updates.md's
 * U-Boot and GRUB scripts do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fetch_private.h"

/* The environment's text (free with keel_file_free) and the state it holds. */
static keel_err file_load_text(const char *path, char **text, size_t *len,
                               keel_update_boot_state *st)
{
    keel_err ret = keel_file_read(path, KEEL_UPDATE_ENV_TEXT_MAX, text, len);

    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: boot environment '%s' %s", path,
                 ret == KEEL_ERR_NOT_FOUND   ? "is missing"
                 : ret == KEEL_ERR_TOO_LARGE ? "is too large"
                                             : "cannot be read");
        return ret == KEEL_ERR_NOMEM ? ret : KEEL_ERR_UPDATE_BOOT;
    }
    ret = keel_update_env_parse(*text, *len, KEEL_UPDATE_ENV_FILE, st);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: boot environment '%s' is malformed", path);
        keel_file_free(*text, *len);
        *text = NULL;
        *len = 0;
    }
    return ret;
}

/* Replace the environment with st, keeping lines that are not keel's. */
static keel_err file_save(const char *path, const char *old, size_t oldlen,
                          const keel_update_boot_state *st)
{
    char *text = malloc(KEEL_UPDATE_ENV_TEXT_MAX + 1);
    size_t len = 0;
    keel_err ret = KEEL_ERR_NOMEM;

    if (text == NULL)
        return ret;
    ret = keel_update_env_format(old, oldlen, st, text, KEEL_UPDATE_ENV_TEXT_MAX + 1, &len);
    if (ret == KEEL_OK && len > KEEL_UPDATE_ENV_TEXT_MAX)
        ret = KEEL_ERR_RANGE;
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0600);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: boot environment '%s' cannot be written", path);
    free(text);
    return ret == KEEL_OK ? KEEL_OK : KEEL_ERR_IO;
}

static keel_err file_load(keel_update_boot *boot, keel_update_boot_state *st)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret = file_load_text(boot->path, &text, &len, st);

    keel_file_free(text, len);
    return ret;
}

static keel_err file_store(keel_update_boot *boot, const keel_update_boot_state *st)
{
    keel_update_boot_state now;
    keel_update_boot_state next;
    char *text = NULL;
    size_t len = 0;
    keel_err ret = file_load_text(boot->path, &text, &len, &now);

    if (ret == KEEL_OK) {
        next = *st;
        next.booted = now.booted; /* only the bootloader says what it started */
        ret = file_save(boot->path, text, len, &next);
    }
    keel_file_free(text, len);
    return ret;
}

const keel_update_boot_ops keel_update_boot_file_ops = {file_load, file_store};

/* The bootloader's decision, as the scripts in docs/updates.md make it. */
static void boot_decide(keel_update_boot_state *st)
{
    if (st->trial != '\0' && st->attempts > 0) {
        st->attempts--;
        st->booted = st->trial;
    } else {
        st->trial = '\0'; /* no attempts left: the trial failed, fall back */
        st->attempts = 0;
        st->booted = st->primary;
    }
}

keel_err keel_update_boot_file_reboot(const char *path)
{
    keel_update_boot_state st;
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    if (path == NULL || *path == '\0')
        return KEEL_ERR_ARG;
    ret = file_load_text(path, &text, &len, &st);
    if (ret == KEEL_OK) {
        boot_decide(&st);
        ret = file_save(path, text, len, &st);
    }
    keel_file_free(text, len);
    return ret;
}

keel_err keel_update_boot_file_create(const char *path, char slot)
{
    keel_update_boot_state st = {slot, '\0', 0, slot};
    char text[128];
    size_t len = 0;
    struct stat sb;
    keel_err ret;

    if (path == NULL || *path == '\0' || !keel_update_boot_slot_valid(slot))
        return KEEL_ERR_ARG;
    if (lstat(path, &sb) == 0 || errno != ENOENT) {
        keel_log(KEEL_LOG_ERROR, "update: boot environment '%s' exists: not replaced", path);
        return KEEL_ERR_EXISTS;
    }
    ret = keel_update_env_format(NULL, 0, &st, text, sizeof(text), &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0600);
    return ret;
}
