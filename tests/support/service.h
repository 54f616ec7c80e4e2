/*
 * What the tests' service starters share (swtpm.c, nginx.c): whether a loopback port answers,
 * a sleep that survives signals, and removing a service's scratch directory.
 */
#ifndef KEEL_TEST_SERVICE_H
#define KEEL_TEST_SERVICE_H

#include <stdint.h>

/* 1 when a TCP connection to 127.0.0.1:port succeeds (the service is up), 0 otherwise. */
int keel_test_port_answers(uint16_t port);

/* Sleep ms milliseconds, resuming after a signal. */
void keel_test_sleep_ms(long ms);

/* Remove dir and everything under it, symbolic links not followed. Missing is fine. */
void keel_test_tree_remove(const char *dir);

#endif /* KEEL_TEST_SERVICE_H */
