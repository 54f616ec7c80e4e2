/* TS 103 701 test case 5.6-8-2 (keel's white-box addition to the conceptual 5.6-8-1): the
 * memory protections of every program and shared object in the firmware tree. 5.6-8 asks for
 * hardware-level memory access control; on an MMU the programs decide whether it is used:
 * NX (no executable stack, no writable and executable segment: the MMU's no-execute bit),
 * PIE (address space layout randomisation of the program itself) and RELRO (relocations made
 * read-only after loading). A program without one of them FAILs. The stack protector and
 * FORTIFY_SOURCE are compiler hardening of secure development (5.6-9): reported as warnings,
 * never a verdict, since a program without arrays on its stack needs no canary. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whitebox.h"

#define JUDGE_LINE_MAX 384

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "x86";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM";
    case EM_MIPS: return "MIPS";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_RISCV: return "RISC-V";
    case EM_SH: return "SuperH";
    case EM_XTENSA: return "Xtensa";
    default: return "other machine";
    }
}

/* Appends ", what" (or "what" first) to line. */
static void add(char *line, size_t sz, int *first, const char *what)
{
    size_t used = strlen(line);

    if (keel_str_format(line + used, sz - used, "%s%s", *first ? "" : ", ", what) != KEEL_OK)
        line[used] = '\0';
    *first = 0;
}

/* 1 executable, 2 shared object, 0 not judged. */
static int role(const keel_audit_elf_facts *f)
{
    int for_os = f->interp || f->dynamic || f->gnu_stack || f->linux_abi;

    if (f->type == ET_EXEC)
        return for_os ? 1 : 0;
    if (f->type == ET_DYN && (f->interp || f->pie_flag))
        return 1;
    if (f->type == ET_DYN && f->dynamic)
        return 2;
    return 0;
}

static void judge_failures(const keel_audit_elf_facts *f, int r, keel_audit_elf_tally *t,
                           char *line, size_t sz, int *first)
{
    int no_nx = !f->gnu_stack || f->exec_stack || f->wx_load;

    if (!f->gnu_stack)
        add(line, sz, first, "no NX marking (no PT_GNU_STACK: executable stack)");
    else if (f->exec_stack)
        add(line, sz, first, "no NX (PT_GNU_STACK executable)");
    if (f->wx_load)
        add(line, sz, first, "a writable and executable segment");
    if (r == 1 && f->type == ET_EXEC)
        add(line, sz, first, "not PIE (ET_EXEC)");
    if (!f->relro)
        add(line, sz, first, "no RELRO");
    t->no_nx += no_nx;
    t->no_pie += r == 1 && f->type == ET_EXEC;
    t->no_relro += !f->relro;
}

static void judge_warnings(const keel_audit_elf_facts *f, keel_audit_elf_tally *t, char *line,
                           size_t sz, int *first)
{
    char fortify[96];

    if (f->relro && f->dynamic && !f->bind_now) { /* a static program binds nothing late */
        add(line, sz, first, "partial RELRO (no BIND_NOW)");
        t->partial_relro++;
    }
    if (f->textrel) {
        add(line, sz, first, "text relocations");
        t->textrel++;
    }
    if (!f->symbols) {
        add(line, sz, first, "stack protector and FORTIFY not checked (no dynamic symbols)");
        return;
    }
    if (!f->stack_chk) {
        add(line, sz, first, "no stack protector (__stack_chk_fail not imported)");
        t->no_stack_protector++;
    }
    if (f->plain_imports > 0 && f->chk_imports == 0) {
        if (keel_str_format(fortify, sizeof(fortify), "not fortified (imports %s, no __*_chk)",
                            f->plain_example) == KEEL_OK)
            add(line, sz, first, fortify);
        t->not_fortified++;
    }
}

void keel_audit_elf_judge(const char *path, const keel_audit_elf_facts *f, keel_audit_elf_tally *t,
                          keel_audit_evidence *findings, keel_audit_evidence *warnings)
{
    char fails[JUDGE_LINE_MAX] = "", warns[JUDGE_LINE_MAX] = "";
    int first_fail = 1, first_warn = 1;
    int r;

    if (path == NULL || f == NULL || t == NULL)
        return;
    r = role(f);
    if (r == 0) {
        t->not_judged++;
        return;
    }
    if (r == 1)
        t->executables++;
    else
        t->shared++;
    judge_failures(f, r, t, fails, sizeof(fails), &first_fail);
    judge_warnings(f, t, warns, sizeof(warns), &first_warn);
    if (!first_fail) {
        t->failed++;
        if (findings != NULL)
            (void)keel_audit_evidence_addf(
                findings, "%s: %s (%s, %d-bit %s): %s", path, r == 1 ? "program" : "shared object",
                machine_name(f->machine), f->is64 ? 64 : 32, f->big_endian ? "MSB" : "LSB", fails);
    }
    if (!first_warn && warnings != NULL)
        (void)keel_audit_evidence_addf(warnings, "%s: warning: %s", path, warns);
}

keel_audit_verdict keel_audit_elf_verdict(const keel_audit_elf_tally *t,
                                          const keel_audit_scan_stats *s, keel_audit_evidence *ev)
{
    int complete;

    if (t == NULL || s == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    complete = t->malformed == 0 && s->skipped_large == 0 && s->unreadable == 0 && !s->truncated;
    (void)keel_audit_evidence_addf(ev,
                                   "%zu programs and %zu shared objects judged: %zu without NX, "
                                   "%zu not PIE, %zu without RELRO; warnings: %zu partial RELRO, "
                                   "%zu without stack protector, %zu not fortified, %zu with text "
                                   "relocations; %zu ELF files not judged (objects, core files, "
                                   "firmware for another processor), %zu malformed",
                                   t->executables, t->shared, t->no_nx, t->no_pie, t->no_relro,
                                   t->partial_relro, t->no_stack_protector, t->not_fortified,
                                   t->textrel, t->not_judged, t->malformed);
    (void)keel_audit_evidence_addf(ev,
                                   "%zu files looked at; not read: %zu ELF files over %" PRIu64
                                   " MiB, %zu unreadable, %zu symbolic links (not followed)%s",
                                   s->files, s->skipped_large, KEEL_AUDIT_SCAN_FILE_MAX >> 20,
                                   s->unreadable, s->skipped_links,
                                   s->truncated ? "; the walk hit its bounds and stopped" : "");
    if (t->failed > 0)
        return KEEL_AUDIT_FAIL;
    if (!complete)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (t->executables + t->shared == 0) {
        (void)keel_audit_evidence_addf(ev, "no ELF program or shared object for the device's "
                                           "system in the tree");
        return KEEL_AUDIT_NA;
    }
    return KEEL_AUDIT_PASS;
}

typedef struct elf_walk {
    keel_audit_elf_tally t;
    keel_audit_scan_stats *s;
    keel_audit_evidence *findings, *warnings;
    uint8_t *buf;
    size_t cap;
} elf_walk;

static int read_exact(int fd, uint8_t *buf, size_t want, size_t *got)
{
    *got = 0;
    while (*got < want) {
        ssize_t n = read(fd, buf + *got, want - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* The whole file into w->buf; its length, or -1. */
static long long load(elf_walk *w, int fd, size_t size, const uint8_t head[4])
{
    size_t got;

    if (size + 1 > w->cap) {
        uint8_t *more = realloc(w->buf, size + 1);
        if (more == NULL)
            return -1;
        w->buf = more;
        w->cap = size + 1;
    }
    memcpy(w->buf, head, 4);
    if (read_exact(fd, w->buf + 4, size - 4, &got) != 0)
        return -1;
    return (long long)got + 4;
}

static void inspect(elf_walk *w, const char *path, int fd, const struct stat *st)
{
    uint8_t head[4];
    keel_audit_elf_facts f;
    char why[128];
    size_t got;
    long long len;
    keel_err err;

    if (read_exact(fd, head, sizeof(head), &got) != 0) {
        w->s->unreadable++;
        return;
    }
    if (got < 4 || st->st_size < 4 || memcmp(head, ELFMAG, SELFMAG) != 0)
        return;
    if ((uint64_t)st->st_size > KEEL_AUDIT_SCAN_FILE_MAX) {
        w->s->skipped_large++;
        (void)keel_audit_evidence_addf(w->findings, "%s: ELF file over %" PRIu64 " MiB, not read",
                                       path, KEEL_AUDIT_SCAN_FILE_MAX >> 20);
        return;
    }
    len = load(w, fd, (size_t)st->st_size, head);
    if (len < 0) {
        w->s->unreadable++;
        return;
    }
    w->s->bytes += (uint64_t)len;
    err = keel_audit_elf_read(w->buf, (size_t)len, &f, why, sizeof(why));
    if (err == KEEL_OK) {
        keel_audit_elf_judge(path, &f, &w->t, w->findings, w->warnings);
    } else {
        w->t.malformed++;
        (void)keel_audit_evidence_addf(w->findings, "%s: malformed ELF: %s", path, why);
    }
}

static void visit(const char *path, int dirfd, const char *name, const struct stat *st, void *user)
{
    elf_walk *w = user;
    struct stat now;
    int fd;

    if (!S_ISREG(st->st_mode) || st->st_size < 4)
        return;
    fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &now) != 0 || !S_ISREG(now.st_mode)) {
        w->s->unreadable++;
        if (fd >= 0)
            close(fd);
        return;
    }
    inspect(w, path, fd, &now);
    close(fd);
}

static void append(keel_audit_evidence *ev, keel_audit_evidence *more)
{
    for (size_t i = 0; i < more->count; i++)
        (void)keel_audit_evidence_add(ev, more->lines[i], strlen(more->lines[i]));
    ev->dropped += more->dropped;
    keel_audit_evidence_free(more);
}

keel_err keel_audit_check_elf(keel_audit_report *r, const char *dir)
{
    keel_audit_scan_stats s;
    keel_audit_evidence ev, findings, warnings;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    elf_walk w;

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    memset(&w, 0, sizeof(w));
    w.s = &s;
    w.findings = &findings;
    w.warnings = &warnings;
    keel_audit_evidence_init(&ev);
    keel_audit_evidence_init(&findings);
    keel_audit_evidence_init(&warnings);
    (void)keel_audit_evidence_addf(&ev,
                                   "white-box: every ELF program and shared object of %s (by "
                                   "magic): NX, PIE, RELRO; stack protector and FORTIFY as "
                                   "warnings",
                                   dir);
    if (keel_audit_walk_entries(dir, visit, &w, &s) != KEEL_OK)
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", dir);
    else
        v = keel_audit_elf_verdict(&w.t, &s, &ev);
    free(w.buf);
    append(&ev, &findings);
    append(&ev, &warnings);
    return keel_audit_record(r, "5.6-8-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
