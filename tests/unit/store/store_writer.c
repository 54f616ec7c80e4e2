/* The victim of the power-loss test: opens the store and puts ever-increasing values as
 * fast as it can, reporting each completed put on stdout, until it is killed.
 *
 *   store_writer SPEC STATE_DIR STORE_PATH
 *
 * The value of record "counter" written at generation g is store_writer_value(g), so the
 * checker can tell that what it finds belongs to the generation it finds it at. Exit codes:
 * 2 usage, 3 cannot open, 4 a put failed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keel/store.h"
#include "store_writer.h"

void store_writer_value(uint64_t gen, uint8_t out[STORE_WRITER_VALUE_LEN])
{
    for (size_t i = 0; i < 8; i++)
        out[i] = (uint8_t)(gen >> (56 - 8 * i));
    for (size_t i = 8; i < STORE_WRITER_VALUE_LEN; i++)
        out[i] = (uint8_t)(gen * 131 + i * 7);
}

#ifndef STORE_WRITER_NO_MAIN
static int report(uint64_t gen)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)gen);
    return write(STDOUT_FILENO, line, (size_t)n) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    uint8_t value[STORE_WRITER_VALUE_LEN];
    keel_rot *rot = NULL;
    keel_store *s = NULL;
    keel_err ret;

    if (argc != 4) {
        fprintf(stderr, "usage: store_writer SPEC STATE_DIR STORE_PATH\n");
        return 2;
    }
    ret = keel_rot_open(argv[1], argv[2], &rot);
    if (ret == KEEL_OK)
        ret = keel_store_open(argv[3], rot, &s);
    if (ret != KEEL_OK) {
        fprintf(stderr, "store_writer: cannot open: %s\n", keel_strerror(ret));
        keel_rot_close(rot);
        return 3;
    }
    for (;;) {
        uint64_t gen = keel_store_generation(s) + 1;
        store_writer_value(gen, value);
        ret = keel_store_put(s, "counter", value, sizeof(value));
        if (ret != KEEL_OK || keel_store_generation(s) != gen || report(gen) != 0)
            break;
    }
    fprintf(stderr, "store_writer: put failed: %s\n", keel_strerror(ret));
    keel_store_close(s);
    keel_rot_close(rot);
    return 4;
}
#endif
