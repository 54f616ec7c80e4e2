/* Fuzz the bounded ELF reader of 5.6-8-2 and its judge on hostile files (32 and 64 bit,
 * either byte order; seeds are real and crafted programs). Properties beyond memory safety:
 * only a file with the ELF magic is read, a refusal says why, the facts are flags of 0 or 1,
 * the example of an unfortified import is a short C string, and judging the facts counts the
 * file exactly once. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whitebox.h"

static int flag(int v)
{
    return v == 0 || v == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_elf_facts f;
    keel_audit_elf_tally t;
    keel_audit_evidence findings, warnings;
    char why[128];
    keel_err err = keel_audit_elf_read(data, size, &f, why, sizeof(why));

    if (err == KEEL_ERR_NOT_FOUND) {
        if (size >= 4 && memcmp(data, "\177ELF", 4) == 0)
            abort();
        return 0;
    }
    if (size < 4 || memcmp(data, "\177ELF", 4) != 0)
        abort();
    if (err != KEEL_OK) {
        if (err != KEEL_ERR_PARSE || why[0] == '\0')
            abort();
        return 0;
    }
    if (!flag(f.interp) || !flag(f.dynamic) || !flag(f.gnu_stack) || !flag(f.exec_stack) ||
        !flag(f.wx_load) || !flag(f.relro) || !flag(f.bind_now) || !flag(f.pie_flag) ||
        !flag(f.textrel) || !flag(f.symbols) || !flag(f.stack_chk) ||
        strnlen(f.plain_example, sizeof(f.plain_example)) == sizeof(f.plain_example) ||
        (f.plain_imports > 0) != (f.plain_example[0] != '\0'))
        abort();
    memset(&t, 0, sizeof(t));
    keel_audit_evidence_init(&findings);
    keel_audit_evidence_init(&warnings);
    keel_audit_elf_judge("fuzz", &f, &t, &findings, &warnings);
    if (t.executables + t.shared + t.not_judged != 1 || findings.count != t.failed)
        abort();
    keel_audit_evidence_free(&findings);
    keel_audit_evidence_free(&warnings);
    return 0;
}
