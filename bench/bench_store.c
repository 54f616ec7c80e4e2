/* The secure store's puts and gets per second on the file backend, against the reference of
 * keel_file_write_atomic writing the same number of bytes without any cryptography or
 * counter. The ratio is what authenticated encryption (HKDF, AES-256-GCM, unsealing the
 * storage key) and the rollback counter cost on top of a crash-safe write.
 * With KEEL_BENCH_TPM2=<spec> (for example "tpm2:swtpm:host=127.0.0.1,port=2321", a TPM
 * already running) the store is measured on that TPM too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "keel/store.h"

#define PUT_ROUNDS 300
#define GET_ROUNDS 200000
#define RECORDS 24
#define VALUE_LEN 96

static void die(const char *what, keel_err ret)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, keel_strerror(ret));
    exit(1);
}

/* A store with RECORDS records of VALUE_LEN bytes, like a device's parameters. */
static keel_store *make_store(const char *spec, const char *dir, keel_rot **rot)
{
    char state[128];
    char path[128];
    char name[16];
    uint8_t value[VALUE_LEN];
    keel_store *s = NULL;
    keel_err ret;

    snprintf(state, sizeof(state), "%s/rot", dir);
    snprintf(path, sizeof(path), "%s/store", dir);
    memset(value, 0x5a, sizeof(value));
    if ((ret = keel_rot_open(spec, state, rot)) != KEEL_OK)
        die("keel_rot_open", ret);
    if ((ret = keel_rot_storage_key_create(*rot)) != KEEL_OK)
        die("keel_rot_storage_key_create", ret);
    if ((ret = keel_store_create(path, *rot)) != KEEL_OK)
        die("keel_store_create", ret);
    if ((ret = keel_store_open(path, *rot, &s)) != KEEL_OK)
        die("keel_store_open", ret);
    for (int i = 0; i < RECORDS; i++) {
        snprintf(name, sizeof(name), "param.%d", i);
        if ((ret = keel_store_put(s, name, value, sizeof(value))) != KEEL_OK)
            die("keel_store_put", ret);
    }
    return s;
}

static double puts_per_s(keel_store *s, int rounds)
{
    uint8_t value[VALUE_LEN];
    double t0 = bench_now();
    keel_err ret;

    for (int i = 0; i < rounds; i++) {
        memset(value, i, sizeof(value));
        if ((ret = keel_store_put(s, "param.0", value, sizeof(value))) != KEEL_OK)
            die("keel_store_put", ret);
    }
    return rounds / (bench_now() - t0);
}

static double gets_per_s(const keel_store *s)
{
    uint8_t value[VALUE_LEN];
    char name[16];
    size_t len = 0;
    double t0 = bench_now();
    keel_err ret;

    for (int i = 0; i < GET_ROUNDS; i++) {
        snprintf(name, sizeof(name), "param.%d", i % RECORDS);
        if ((ret = keel_store_get(s, name, value, sizeof(value), &len)) != KEEL_OK)
            die("keel_store_get", ret);
    }
    return GET_ROUNDS / (bench_now() - t0);
}

static double reference_writes_per_s(const char *dir, size_t size)
{
    char path[128];
    uint8_t *data = calloc(1, size);
    double t0;
    keel_err ret;

    if (data == NULL)
        exit(1);
    snprintf(path, sizeof(path), "%s/reference", dir);
    t0 = bench_now();
    for (int i = 0; i < PUT_ROUNDS; i++) {
        data[0] = (uint8_t)i;
        if ((ret = keel_file_write_atomic(path, data, size, 0600)) != KEEL_OK)
            die("keel_file_write_atomic", ret);
    }
    t0 = bench_now() - t0;
    free(data);
    return PUT_ROUNDS / t0;
}

static void measure(const char *spec, int put_rounds)
{
    char dir[] = "/tmp/keel-bench-store-XXXXXX";
    char cmd[64];
    char path[128];
    keel_rot *rot = NULL;
    keel_store *s;
    FILE *f;
    long size;
    double put_rate;
    double ref_rate;

    if (mkdtemp(dir) == NULL)
        exit(1);
    s = make_store(spec, dir, &rot);
    snprintf(path, sizeof(path), "%s/store", dir);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0)
        exit(1);
    fclose(f);
    put_rate = puts_per_s(s, put_rounds);
    printf("  [%s] store of %d records, %ld bytes on flash\n", spec, RECORDS, size);
    printf("  [%s] keel_store_put: %8.0f puts/s (each durable, counter raised)\n", spec, put_rate);
    printf("  [%s] keel_store_get: %8.0f gets/s\n", spec, gets_per_s(s));
    ref_rate = reference_writes_per_s(dir, (size_t)size);
    printf("  [%s] reference (keel_file_write_atomic of %ld bytes, no crypto, no counter): "
           "%8.0f writes/s\n",
           spec, size, ref_rate);
    printf("  [%s] ratio keel_store_put/reference throughput: %.2f\n", spec, put_rate / ref_rate);
    keel_store_close(s);
    keel_rot_close(rot);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
    const char *tpm = getenv("KEEL_BENCH_TPM2");

    bench_print_machine("secure store");
    keel_log_configure(KEEL_LOG_WARN, NULL, NULL);
#if KEEL_ROT_FILE
    measure("file", PUT_ROUNDS);
#endif
    if (tpm != NULL && *tpm != '\0')
        measure(tpm, PUT_ROUNDS / 10);
    return 0;
}
