/* keel_random (getrandom, failing closed) against OpenSSL's RAND_bytes, the reference CSPRNG
 * of the libraries keel builds on, for the 32-byte requests keel makes (keys, tokens, salts). */
#include <openssl/rand.h>
#include <stdio.h>

#include "bench.h"
#include "keel/core.h"

#define CALLS 200000
#define SIZE 32

int main(void)
{
    unsigned char buf[SIZE];
    double t0;
    double keel_s;
    double ref_s;

    bench_print_machine("CSPRNG");
    t0 = bench_now();
    for (int i = 0; i < CALLS; i++) {
        if (keel_random(buf, sizeof(buf)) != KEEL_OK)
            return 1;
    }
    keel_s = bench_now() - t0;
    t0 = bench_now();
    for (int i = 0; i < CALLS; i++) {
        if (RAND_bytes(buf, sizeof(buf)) != 1)
            return 1;
    }
    ref_s = bench_now() - t0;
    printf("  %d requests of %d bytes\n", CALLS, SIZE);
    printf("  keel_random:        %10.0f requests/s\n", CALLS / keel_s);
    printf("  OpenSSL RAND_bytes: %10.0f requests/s\n", CALLS / ref_s);
    printf("  ratio keel/OpenSSL throughput: %.2f\n", ref_s / keel_s);
    return 0;
}
