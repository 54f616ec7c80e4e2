/* For the audit's unit tests: assert that a test case's evidence holds an exact line. */
#ifndef KEEL_TESTS_AUDIT_EXPECT_LINE_H
#define KEEL_TESTS_AUDIT_EXPECT_LINE_H

#include <string.h>

#include "audit.h"

static inline int has_line(const keel_audit_evidence *ev, const char *line)
{
    for (size_t i = 0; i < ev->count; i++) {
        if (strcmp(ev->lines[i], line) == 0)
            return 1;
    }
    return 0;
}

#define EXPECT_LINE(ev, line)                                                                      \
    do {                                                                                           \
        if (!has_line(ev, line))                                                                   \
            fail_msg("no evidence line '%s'", line);                                               \
    } while (0)

#endif /* KEEL_TESTS_AUDIT_EXPECT_LINE_H */
