/* The store tests' world (store_env.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_env.h"

static char log_text[16384];
static size_t log_len;
static int log_errors;

static void sink(keel_log_level level, const char *line, void *user)
{
    size_t n = strlen(line);
    (void)user;
    if (level != KEEL_LOG_ERROR)
        return;
    log_errors++;
    if (log_len + n + 2 < sizeof(log_text)) {
        memcpy(log_text + log_len, line, n);
        log_len += n;
        log_text[log_len++] = '\n';
        log_text[log_len] = '\0';
    }
}

void store_env_log_capture(void)
{
    log_len = 0;
    log_text[0] = '\0';
    log_errors = 0;
    keel_log_configure(KEEL_LOG_INFO, sink, NULL);
}

const char *store_env_log_text(void)
{
    return log_text;
}

int store_env_log_errors(void)
{
    return log_errors;
}

const char *store_env_backend(int argc, char **argv)
{
    if (argc > 1)
        return strcmp(argv[1], "tpm2") == 0 ? "tpm2" : "file";
    return KEEL_ROT_FILE ? "file" : "tpm2"; /* production builds have no file backend */
}

int store_env_rot_open(store_env *e)
{
    return keel_rot_open(e->spec, e->state, &e->rot) == KEEL_OK ? 0 : -1;
}

void store_env_rot_close(store_env *e)
{
    keel_rot_close(e->rot);
    e->rot = NULL;
}

int store_env_reboot(store_env *e)
{
    if (!e->tpm2)
        return 0;
    if (keel_test_swtpm_restart(&e->swtpm) != 0)
        return -1;
    snprintf(e->spec, sizeof(e->spec), "%s", e->swtpm.spec);
    return 0;
}

int store_env_setup(store_env *e, const char *backend)
{
    memset(e, 0, sizeof(*e));
    e->tpm2 = strcmp(backend, "tpm2") == 0;
    snprintf(e->dir, sizeof(e->dir), "/tmp/keel-store-XXXXXX");
    if (mkdtemp(e->dir) == NULL)
        return -1;
    snprintf(e->state, sizeof(e->state), "%s/rot", e->dir);
    snprintf(e->path, sizeof(e->path), "%s/store", e->dir);
    snprintf(e->spec, sizeof(e->spec), "file");
    if (e->tpm2) {
        if (keel_test_swtpm_start(&e->swtpm) != 0)
            return -1;
        snprintf(e->spec, sizeof(e->spec), "%s", e->swtpm.spec);
    }
    if (store_env_rot_open(e) != 0)
        return -1;
    return keel_rot_storage_key_create(e->rot) == KEEL_OK ? 0 : -1;
}

void store_env_teardown(store_env *e)
{
    char cmd[128];
    store_env_rot_close(e);
    if (e->tpm2)
        keel_test_swtpm_stop(&e->swtpm);
    if (e->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", e->dir);
    }
    memset(e, 0, sizeof(*e));
}

long store_env_read(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL)
        return -1;
    n = fread(buf, 1, cap, f);
    if (n == cap && fgetc(f) != EOF)
        n = (size_t)-1; /* larger than cap */
    fclose(f);
    return n == (size_t)-1 ? -1 : (long)n;
}

int store_env_write(const char *path, const unsigned char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (f == NULL)
        return -1;
    ok = fwrite(buf, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int store_env_copy(const char *from, const char *to)
{
    static unsigned char buf[KEEL_STORE_MAX_BYTES + 1];
    long n = store_env_read(from, buf, sizeof(buf));
    return n < 0 ? -1 : store_env_write(to, buf, (size_t)n);
}
