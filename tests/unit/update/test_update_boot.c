/* Boot control (5.3-2: an update that fails must leave the device on working software):
 * the file backend through trial, attempts, fallback, confirmation and cancellation with a
 * simulated bootloader; malformed environments refused, never guessed; power cuts during a
 * change (a failing write or rename) leave the old environment whole; the kernel command
 * line; and U-Boot's and GRUB's real environments through their own tools. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "fetch_private.h"
#include "keel/update.h"

static char tmp[256];
static char env[300];
static char spec[310];
static char cmdline[300];

/* ---- fault injection: a power cut before the rename, or in the middle of a write ---- */

static int fail_rename;
static int fail_write;

int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to)
{
    if (fail_rename) {
        errno = EIO;
        return -1;
    }
    return __real_rename(from, to);
}

ssize_t __real_write(int fd, const void *p, size_t n);
ssize_t __wrap_write(int fd, const void *p, size_t n)
{
    if (fail_write) {
        if (n > 1)
            (void)__real_write(fd, p, n / 2); /* half of it reached the disk */
        errno = EIO;
        return -1;
    }
    return __real_write(fd, p, n);
}

/* ---- helpers ---- */

static void path_join(char *out, size_t outsz, const char *dir, const char *name)
{
    assert_true((size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz);
}

static void file_put(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The file's content, NUL-terminated (at most 32 KiB). */
static char *file_text(const char *path)
{
    static char buf[32768];
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/keel-boot-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    path_join(env, sizeof(env), tmp, "bootenv");
    assert_true((size_t)snprintf(spec, sizeof(spec), "file:%s", env) < sizeof(spec));
    path_join(cmdline, sizeof(cmdline), tmp, "cmdline");
    fail_rename = fail_write = 0;
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];

    (void)state;
    fail_rename = fail_write = 0;
    unsetenv("KEEL_UPDATE_CMDLINE");
    assert_true((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp) < sizeof(cmd));
    assert_int_equal(system(cmd), 0);
    return 0;
}

static keel_update_boot *open_file_env(char slot)
{
    keel_update_boot *boot = NULL;

    assert_int_equal(keel_update_boot_file_create(env, slot), KEEL_OK);
    assert_int_equal(keel_update_boot_open(spec, &boot), KEEL_OK);
    return boot;
}

static void expect_state(keel_update_boot *boot, char primary, char trial, uint32_t attempts,
                         char booted)
{
    keel_update_boot_state st;

    assert_int_equal(keel_update_boot_read(boot, &st), KEEL_OK);
    assert_int_equal(st.primary, primary);
    assert_int_equal(st.trial, trial);
    assert_int_equal(st.attempts, attempts);
    assert_int_equal(st.booted, booted);
}

/* ---- the file backend's state machine ---- */

static void test_file_create(void **state)
{
    keel_update_boot *boot = open_file_env('a');

    (void)state;
    expect_state(boot, 'a', 0, 0, 'a');
    assert_string_equal(file_text(env),
                        "keel_primary=a\nkeel_trial=\nkeel_attempts=0\nkeel_booted=a\n");
    assert_int_equal(keel_update_boot_file_create(env, 'b'), KEEL_ERR_EXISTS);
    assert_int_equal(keel_update_boot_file_create(env, 'c'), KEEL_ERR_ARG);
    keel_update_boot_free(boot);
}

/* A trial that never confirms: every attempt is taken, then the bootloader falls back. */
static void test_file_trial_falls_back(void **state)
{
    keel_update_boot *boot = open_file_env('a');

    (void)state;
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    expect_state(boot, 'a', 'b', KEEL_UPDATE_BOOT_ATTEMPTS, 'a');
    for (uint32_t left = KEEL_UPDATE_BOOT_ATTEMPTS; left > 0; left--) {
        assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
        expect_state(boot, 'a', 'b', left - 1, 'b');
    }
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    expect_state(boot, 'a', 0, 0, 'a');
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    expect_state(boot, 'a', 0, 0, 'a');
    /* The failed slot cannot be confirmed afterwards. */
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_ERR_UPDATE_BOOT);
    /* A new trial may start. */
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    expect_state(boot, 'a', 'b', KEEL_UPDATE_BOOT_ATTEMPTS, 'a');
    keel_update_boot_free(boot);
}

static void test_file_confirm(void **state)
{
    keel_update_boot *boot = open_file_env('a');

    (void)state;
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    /* Not started yet: nothing to confirm. */
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    assert_int_equal(keel_update_boot_confirm(boot, 'a'), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_OK);
    expect_state(boot, 'b', 0, 0, 'b');
    /* Again after a restart between the confirmation and what follows it: still fine. */
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_OK);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    expect_state(boot, 'b', 0, 0, 'b');
    /* The other way back works the same. */
    assert_int_equal(keel_update_boot_try(boot, 'a'), KEEL_OK);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    assert_int_equal(keel_update_boot_confirm(boot, 'a'), KEEL_OK);
    expect_state(boot, 'a', 0, 0, 'a');
    keel_update_boot_free(boot);
}

static void test_file_cancel(void **state)
{
    keel_update_boot *boot = open_file_env('a');

    (void)state;
    assert_int_equal(keel_update_boot_cancel(boot), KEEL_OK); /* nothing to cancel */
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    expect_state(boot, 'a', 'b', KEEL_UPDATE_BOOT_ATTEMPTS - 1, 'b');
    assert_int_equal(keel_update_boot_cancel(boot), KEEL_OK); /* the health check failed */
    expect_state(boot, 'a', 0, 0, 'b');
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    expect_state(boot, 'a', 0, 0, 'a');
    keel_update_boot_free(boot);
}

static void test_try_refused(void **state)
{
    keel_update_boot *boot = open_file_env('a');

    (void)state;
    assert_int_equal(keel_update_boot_try(boot, 'a'), KEEL_ERR_ARG); /* the primary */
    assert_int_equal(keel_update_boot_try(boot, 'c'), KEEL_ERR_ARG);
    assert_int_equal(keel_update_boot_try(boot, 0), KEEL_ERR_ARG);
    assert_int_equal(keel_update_boot_try(NULL, 'b'), KEEL_ERR_ARG);
    assert_int_equal(keel_update_boot_confirm(boot, 'x'), KEEL_ERR_ARG);
    assert_int_equal(keel_update_boot_cancel(NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    /* Running the trial: it must be confirmed or cancelled first. */
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_ERR_UPDATE_BOOT);
    keel_update_boot_free(boot);
}

/* ---- malformed environments: refused, and left as they are ---- */

static void expect_malformed(const char *text, size_t len)
{
    keel_update_boot *boot = NULL;
    keel_update_boot_state st;
    char before[32768];

    file_put(env, text, len);
    memcpy(before, file_text(env), sizeof(before));
    assert_int_equal(keel_update_boot_open(spec, &boot), KEEL_OK);
    if (keel_update_boot_read(boot, &st) != KEEL_ERR_UPDATE_BOOT)
        fail_msg("accepted: %.*s", (int)len, text);
    assert_int_equal(st.primary, 0);
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(keel_update_boot_cancel(boot), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_ERR_UPDATE_BOOT);
    assert_memory_equal(file_text(env), before, len);
    keel_update_boot_free(boot);
}

#define GOOD_TAIL "keel_attempts=0\nkeel_booted=a\n"

static void test_file_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "keel_primary=a\n",
        "keel_primary=a\nkeel_trial=\nkeel_attempts=0\n",   /* no keel_booted */
        "keel_primary=a\nkeel_attempts=0\nkeel_booted=a\n", /* no keel_trial */
        "keel_primary=c\nkeel_trial=\n" GOOD_TAIL,          /* not a slot */
        "keel_primary=\nkeel_trial=\n" GOOD_TAIL,           /* empty */
        "keel_primary=A\nkeel_trial=\n" GOOD_TAIL,          /* upper case */
        "keel_primary=a\nkeel_trial=a\n" GOOD_TAIL,         /* trial of the primary */
        "keel_primary=a\nkeel_trial=ab\n" GOOD_TAIL,        /* two characters */
        "keel_primary=a\nkeel_trial=\nkeel_attempts=x\nkeel_booted=a\n",
        "keel_primary=a\nkeel_trial=\nkeel_attempts=10\nkeel_booted=a\n",
        "keel_primary=a\nkeel_trial=\nkeel_attempts=-1\nkeel_booted=a\n",
        "keel_primary=a\nkeel_trial=\nkeel_attempts=0\nkeel_booted=\n",
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "keel_primary=b\n",  /* twice */
        "keel_primary=a\nkeel_trial=\nkeel_attempts=0\nkeel_booted=a", /* no final newline */
        "keel_primary=a\r\nkeel_trial=\n" GOOD_TAIL,                   /* CR */
        "Keel_primary=a\nkeel_trial=\n" GOOD_TAIL,
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "=x\n",
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "noequals\n",
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "\n",
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "other=tab\there\n",
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "other=\x7f\n",
        "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "other=\xc3\xa9\n",
        "keel primary=a\nkeel_trial=\n" GOOD_TAIL,
    };
    char text[32768];
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_malformed(bad[i], strlen(bad[i]));
    /* A NUL inside. */
    {
        static const char nul[] = "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "x=\0\n";
        expect_malformed(nul, sizeof(nul) - 1);
    }
    /* A line of 257 bytes. */
    n = (size_t)snprintf(text, sizeof(text), "keel_primary=a\nkeel_trial=\n" GOOD_TAIL "x=");
    memset(text + n, 'v', 255);
    text[n + 255] = '\n';
    expect_malformed(text, n + 256);
    /* 65 lines. */
    n = (size_t)snprintf(text, sizeof(text), "keel_primary=a\nkeel_trial=\n" GOOD_TAIL);
    for (int i = 0; i < 61; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "v%d=1\n", i);
    expect_malformed(text, n);
    /* Missing altogether. */
    {
        keel_update_boot *boot = NULL;
        keel_update_boot_state st;
        unlink(env);
        assert_int_equal(keel_update_boot_open(spec, &boot), KEEL_OK);
        assert_int_equal(keel_update_boot_read(boot, &st), KEEL_ERR_UPDATE_BOOT);
        assert_int_equal(keel_update_boot_file_reboot(env), KEEL_ERR_UPDATE_BOOT);
        keel_update_boot_free(boot);
    }
}

/* The limits themselves are accepted: 64 lines, a 256-byte line. */
static void test_file_limits_and_foreign_lines(void **state)
{
    char text[32768];
    size_t n;
    keel_update_boot *boot = NULL;

    (void)state;
    n = (size_t)snprintf(text, sizeof(text),
                         "bootdelay=3\nkeel_primary=a\nkeel_trial=\n" GOOD_TAIL "x=");
    memset(text + n, 'v', 254);
    n += 254;
    text[n++] = '\n';
    for (int i = 0; i < 58; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "v%d=1\n", i);
    file_put(env, text, n);
    assert_int_equal(keel_update_boot_open(spec, &boot), KEEL_OK);
    expect_state(boot, 'a', 0, 0, 'a');
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    /* The lines that are not keel's stay where they were. */
    assert_non_null(strstr(file_text(env), "bootdelay=3\nkeel_primary=a\nkeel_trial=b\n"
                                           "keel_attempts=3\nkeel_booted=a\nx=vvv"));
    assert_non_null(strstr(file_text(env), "v57=1\n"));
    expect_state(boot, 'a', 'b', 3, 'a');
    keel_update_boot_free(boot);
}

/* ---- power cuts ---- */

static void test_file_power_cut(void **state)
{
    keel_update_boot *boot = open_file_env('a');
    char before[4096];

    (void)state;
    memcpy(before, file_text(env), sizeof(before));
    for (int fault = 0; fault < 2; fault++) {
        fail_rename = fault == 0;
        fail_write = fault == 1;
        assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_ERR_IO);
        assert_int_equal(keel_update_boot_file_reboot(env), KEEL_ERR_IO);
        fail_rename = fail_write = 0;
        assert_string_equal(file_text(env), before); /* the old environment, whole */
        assert_int_equal(entries(tmp), 1);           /* no temporary left behind */
        expect_state(boot, 'a', 0, 0, 'a');
    }
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    assert_int_equal(keel_update_boot_file_reboot(env), KEEL_OK);
    memcpy(before, file_text(env), sizeof(before));
    fail_rename = 1;
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_ERR_IO);
    fail_rename = 0;
    assert_string_equal(file_text(env), before);
    expect_state(boot, 'a', 'b', 2, 'b'); /* still a trial: confirming again works */
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_OK);
    expect_state(boot, 'b', 0, 0, 'b');
    assert_int_equal(entries(tmp), 1);
    keel_update_boot_free(boot);
}

/* ---- opening and the text form ---- */

static void test_open_specs(void **state)
{
    static const char *const bad[] = {"",      "file:",   "file",   "grub:",   "grub",  "uboot:",
                                      "UBOOT", "file:-x", "grub:-", "tftp:/x", " uboot"};
    keel_update_boot *boot = (keel_update_boot *)&boot;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_update_boot_open(bad[i], &boot) != KEEL_ERR_ARG)
            fail_msg("spec accepted: '%s'", bad[i]);
        assert_null(boot);
    }
    assert_int_equal(keel_update_boot_open(NULL, &boot), KEEL_ERR_ARG);
    assert_int_equal(keel_update_boot_open("uboot", &boot), KEEL_OK);
    keel_update_boot_free(boot);
    assert_int_equal(keel_update_boot_open("uboot:/etc/fw_env.config", &boot), KEEL_OK);
    keel_update_boot_free(boot);
    assert_int_equal(keel_update_boot_open("grub:/boot/grub/grubenv", &boot), KEEL_OK);
    keel_update_boot_free(boot);
    keel_update_boot_free(NULL);
}

static void test_env_text(void **state)
{
    keel_update_boot_state st = {'b', 'a', 7, 'a'}, back;
    keel_update_boot_state bad = {'b', 'b', 1, 'a'};
    char out[256];
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_update_env_format(NULL, 0, &st, out, sizeof(out), &len), KEEL_OK);
    assert_int_equal(keel_update_env_parse(out, len, KEEL_UPDATE_ENV_FILE, &back), KEEL_OK);
    assert_memory_equal(&st, &back, sizeof(st));
    assert_int_equal(keel_update_env_format(NULL, 0, &bad, out, sizeof(out), &len), KEEL_ERR_ARG);
    bad.trial = 0;
    bad.attempts = 10;
    assert_int_equal(keel_update_env_format(NULL, 0, &bad, out, sizeof(out), &len), KEEL_ERR_ARG);
    assert_int_equal(keel_update_env_format(NULL, 0, &st, out, 20, &len), KEEL_ERR_RANGE);
    assert_string_equal(out, "");
    /* A tool's listing: the bootloader's own lines are skipped, whatever they hold. */
    {
        static const char listing[] = "bootcmd=run x; \x01 anything\nkeel_primary=b\n"
                                      "saved_entry=\xc3\xa9\nkeel_attempts=0\n";
        assert_int_equal(
            keel_update_env_parse(listing, strlen(listing), KEEL_UPDATE_ENV_TOOL, &back), KEEL_OK);
        assert_int_equal(back.primary, 'b');
        assert_int_equal(back.trial, 0);
        assert_int_equal(back.booted, 0);
        assert_int_equal(
            keel_update_env_parse(listing, strlen(listing), KEEL_UPDATE_ENV_FILE, &back),
            KEEL_ERR_UPDATE_BOOT);
    }
}

/* ---- the kernel command line ---- */

static keel_err cmdline_slot(const char *text)
{
    char slot = 'x';
    keel_err ret;

    file_put(cmdline, text, strlen(text));
    assert_int_equal(setenv("KEEL_UPDATE_CMDLINE", cmdline, 1), 0);
    ret = keel_update_boot_cmdline_slot(&slot);
    if (ret == KEEL_OK)
        return slot == 'a' ? 1 : slot == 'b' ? 2 : -100;
    assert_int_equal(slot, 0);
    return ret;
}

static void test_cmdline(void **state)
{
    (void)state;
#if KEEL_PRODUCTION
    skip(); /* production builds read /proc/cmdline only */
#endif
    assert_int_equal(cmdline_slot("BOOT_IMAGE=/vmlinuz keel.slot=b quiet\n"), 2);
    assert_int_equal(cmdline_slot("keel.slot=a"), 1);
    assert_int_equal(cmdline_slot("root=/dev/sda1\tkeel.slot=a\n"), 1);
    assert_int_equal(cmdline_slot("quiet\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot("keel.slot=a keel.slot=b\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot("keel.slot=a keel.slot=a\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot("keel.slot=c\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot("keel.slot=ab\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot("keel.slot=\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot("xkeel.slot=a\n"), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(cmdline_slot(""), KEEL_ERR_UPDATE_BOOT);
}

/* ---- the real tools ---- */

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Run a shell command made from a printf format (the tests' own, fixed commands). */
#define RUN(...)                                                                                   \
    do {                                                                                           \
        char cmd_[1024];                                                                           \
        assert_true((size_t)snprintf(cmd_, sizeof(cmd_), __VA_ARGS__) < sizeof(cmd_));             \
        if (system(cmd_) != 0)                                                                     \
            fail_msg("failed: %s", cmd_);                                                          \
    } while (0)

static void booted_from(char slot)
{
    char text[32];
    snprintf(text, sizeof(text), "quiet keel.slot=%c\n", slot);
    file_put(cmdline, text, strlen(text));
    assert_int_equal(setenv("KEEL_UPDATE_CMDLINE", cmdline, 1), 0);
}

/* The same life of a trial on a real bootloader environment; bootloader_takes_attempt
 * plays the boot script (take an attempt, start the trial slot). */
static void trial_life(const char *boot_spec, void (*bootloader_takes_attempt)(void))
{
    keel_update_boot *boot = NULL;

    booted_from('a');
    assert_int_equal(keel_update_boot_open(boot_spec, &boot), KEEL_OK);
    expect_state(boot, 'a', 0, 0, 'a');
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_OK);
    expect_state(boot, 'a', 'b', 3, 'a');
    bootloader_takes_attempt();
    booted_from('b');
    expect_state(boot, 'a', 'b', 2, 'b');
    assert_int_equal(keel_update_boot_try(boot, 'b'), KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(keel_update_boot_confirm(boot, 'b'), KEEL_OK);
    expect_state(boot, 'b', 0, 0, 'b');
    assert_int_equal(keel_update_boot_try(boot, 'a'), KEEL_OK);
    assert_int_equal(keel_update_boot_cancel(boot), KEEL_OK);
    expect_state(boot, 'b', 0, 0, 'b');
    /* No keel.slot on the command line: refused, not guessed. */
    file_put(cmdline, "quiet\n", 6);
    assert_int_equal(keel_update_boot_try(boot, 'a'), KEEL_ERR_UPDATE_BOOT);
    keel_update_boot_free(boot);
}

static char uboot_config[300];
static char uboot_env[300];

static void uboot_take_attempt(void)
{
    RUN("fw_setenv -c '%s' keel_attempts 2", uboot_config);
}

static void test_uboot(void **state)
{
    char defenv[300], text[400], uspec[320];
    keel_update_boot *boot = NULL;
    keel_update_boot_state st;

    (void)state;
#if KEEL_PRODUCTION
    skip();
#endif
    if (!have("fw_printenv") || !have("fw_setenv"))
        fail_msg(
            "fw_printenv / fw_setenv are missing: scripts/bootstrap installs libubootenv-tool");
    path_join(uboot_env, sizeof(uboot_env), tmp, "uboot.env");
    path_join(uboot_config, sizeof(uboot_config), tmp, "fw_env.config");
    path_join(defenv, sizeof(defenv), tmp, "default.env");
    snprintf(text, sizeof(text), "%s 0x0 0x4000\n", uboot_env);
    file_put(uboot_config, text, strlen(text));
    {
        static char blank[0x4000];
        memset(blank, 0xff, sizeof(blank));
        file_put(uboot_env, blank, sizeof(blank));
    }
    file_put(defenv, "bootdelay=3\nkeel_primary=a\nkeel_attempts=0\n", 43);
    RUN("fw_setenv -c '%s' -f '%s' bootcmd 'run keel_boot'", uboot_config, defenv);
    snprintf(uspec, sizeof(uspec), "uboot:%s", uboot_config);
    trial_life(uspec, uboot_take_attempt);
    /* A value keel did not write is refused. */
    booted_from('b');
    RUN("fw_setenv -c '%s' keel_primary c", uboot_config);
    assert_int_equal(keel_update_boot_open(uspec, &boot), KEEL_OK);
    assert_int_equal(keel_update_boot_read(boot, &st), KEEL_ERR_UPDATE_BOOT);
    /* A damaged environment (its CRC) is refused. */
    RUN("printf XXXX | dd of='%s' bs=1 conv=notrunc 2>/dev/null", uboot_env);
    assert_int_equal(keel_update_boot_read(boot, &st), KEEL_ERR_UPDATE_BOOT);
    keel_update_boot_free(boot);
}

static char grub_env[300];

static void grub_take_attempt(void)
{
    RUN("grub-editenv '%s' set keel_attempts=2", grub_env);
}

static void test_grub(void **state)
{
    char gspec[320];
    keel_update_boot *boot = NULL;
    keel_update_boot_state st;

    (void)state;
#if KEEL_PRODUCTION
    skip();
#endif
    if (!have("grub-editenv"))
        fail_msg("grub-editenv is missing: scripts/bootstrap installs grub-common");
    path_join(grub_env, sizeof(grub_env), tmp, "grubenv");
    RUN("grub-editenv '%s' create", grub_env);
    snprintf(gspec, sizeof(gspec), "grub:%s", grub_env);
    /* An empty block: nothing was set up, refused. */
    booted_from('a');
    assert_int_equal(keel_update_boot_open(gspec, &boot), KEEL_OK);
    assert_int_equal(keel_update_boot_read(boot, &st), KEEL_ERR_UPDATE_BOOT);
    keel_update_boot_free(boot);
    RUN("grub-editenv '%s' set saved_entry=0 keel_primary=a keel_attempts=0", grub_env);
    trial_life(gspec, grub_take_attempt);
    booted_from('b');
    RUN("grub-editenv '%s' set keel_attempts=99", grub_env);
    assert_int_equal(keel_update_boot_open(gspec, &boot), KEEL_OK);
    assert_int_equal(keel_update_boot_read(boot, &st), KEEL_ERR_UPDATE_BOOT);
    keel_update_boot_free(boot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_trial_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_confirm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_try_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_limits_and_foreign_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_power_cut, setup, teardown),
        cmocka_unit_test(test_open_specs),
        cmocka_unit_test(test_env_text),
        cmocka_unit_test_setup_teardown(test_cmdline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grub, setup, teardown),
    };

    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
