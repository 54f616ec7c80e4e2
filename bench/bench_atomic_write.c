/* keel_file_write_atomic against the plain way to persist a file (truncate, write, fsync),
 * which is not crash-safe. The ratio is what crash safety costs: the temporary file, the
 * rename and the directory fsync. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "keel/core.h"

#define ROUNDS 300
#define SIZE 4096

static double plain_writes(const char *path, const uint8_t *data)
{
    double t0 = bench_now();
    for (int i = 0; i < ROUNDS; i++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, data, SIZE) != SIZE || fsync(fd) != 0) {
            perror("reference write");
            exit(1);
        }
        close(fd);
    }
    return bench_now() - t0;
}

static double atomic_writes(const char *path, const uint8_t *data)
{
    double t0 = bench_now();
    for (int i = 0; i < ROUNDS; i++) {
        if (keel_file_write_atomic(path, data, SIZE, 0600) != KEEL_OK) {
            fprintf(stderr, "keel_file_write_atomic failed\n");
            exit(1);
        }
    }
    return bench_now() - t0;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/keel-bench-XXXXXX";
    char path[64];
    uint8_t data[SIZE];
    double keel_s;
    double ref_s;

    memset(data, 0x42, sizeof(data));
    if (mkdtemp(argc > 1 ? argv[1] : dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/file", dir);
    bench_print_machine("atomic write");
    ref_s = plain_writes(path, data);
    keel_s = atomic_writes(path, data);
    unlink(path);
    rmdir(dir);
    printf("  %d writes of %d bytes, each durable (fsync)\n", ROUNDS, SIZE);
    printf("  keel_file_write_atomic: %8.0f writes/s\n", ROUNDS / keel_s);
    printf("  reference (truncate, write, fsync; not crash-safe): %8.0f writes/s\n",
           ROUNDS / ref_s);
    printf("  ratio keel/reference throughput: %.2f\n", ref_s / keel_s);
    return 0;
}
