/*
 * The progress line of keel audit's long steps (the TCP and UDP port scans, the brute-force
 * rate, the firmware scans): on a terminal, one line at the bottom of the screen, rewritten in
 * place about four times a second, names the step, how far it is when the step counts its
 * work ("31240/65535"), and how long it has taken. Anywhere else (a file, a pipe, a CI log)
 * nothing is drawn, so logs hold only the step lines the CLI prints.
 *
 * A step reports through the report it records into (keel_audit_report.progress, NULL when
 * there is no line): no hidden global state. Every function takes a NULL progress as a no-op,
 * so a check reports unconditionally. Counting is safe from any thread.
 */
#ifndef KEEL_AUDIT_PROGRESS_H
#define KEEL_AUDIT_PROGRESS_H

#include <stdint.h>

#include "keel/core.h"

typedef struct keel_audit_progress keel_audit_progress;

/* A progress line on fd when fd is a terminal (isatty), drawn by a thread of its own; *out is
 * NULL (and KEEL_OK returned) when fd is not a terminal. KEEL_ERR_NOMEM, KEEL_ERR_IO when the
 * thread cannot start. Close with keel_audit_progress_close. */
keel_err keel_audit_progress_open(int fd, keel_audit_progress **out);

/* A new step: the label (copied, cut to the line's width; control bytes shown as '?') and
 * the clock start again, the count is cleared. */
void keel_audit_progress_step(keel_audit_progress *p, const char *label);

/* The step's work done so far out of total (total 0: not counted, only the time is shown). */
void keel_audit_progress_count(keel_audit_progress *p, uint64_t done, uint64_t total);

/* Erase the line now (before the caller writes other lines to the terminal); the next draw
 * brings it back. */
void keel_audit_progress_clear(keel_audit_progress *p);

/* Stop the thread, erase the line and free. NULL is a no-op. */
void keel_audit_progress_close(keel_audit_progress *p);

/* The text of the line, without control sequences, into out (outsz bytes, always
 * NUL-terminated): "5.6-1-2 TCP scan [######----] 31240/65535 12 s". Exposed for the tests. */
void keel_audit_progress_format(const char *label, uint64_t done, uint64_t total, unsigned seconds,
                                char *out, size_t outsz);

#endif /* KEEL_AUDIT_PROGRESS_H */
