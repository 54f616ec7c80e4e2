/* Shared by keel's benchmarks: a monotonic clock and a line naming the machine, so every
 * printed figure says where it was measured. */
#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

double bench_now(void);
void bench_print_machine(const char *name);

#endif /* KEEL_BENCH_H */
