/* Shared by the power-loss writer and its checker: the value belonging to a generation. */
#ifndef KEEL_STORE_WRITER_H
#define KEEL_STORE_WRITER_H

#include <stdint.h>

#define STORE_WRITER_VALUE_LEN 512

void store_writer_value(uint64_t gen, uint8_t out[STORE_WRITER_VALUE_LEN]);

#endif /* KEEL_STORE_WRITER_H */
