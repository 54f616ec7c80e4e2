#define _XOPEN_SOURCE 700 /* nftw */
/* 5.6-8-2: the bounded ELF reader on images built here field by field with <elf.h>'s layouts
 * (32 and 64 bit, both byte orders, symbols through the section headers, DT_HASH and
 * DT_GNU_HASH), on malformed ones (each bound refused with its reason) and on this test's
 * own executable (built with keel's hardening flags); the judge's findings and warnings, the
 * verdict, and the test case on a tree. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "expect_line.h"
#include "tree_helpers.h"
#include "whitebox.h"

#define IMG 8192
#define PH_AT 0x40
#define DYN_AT 0x400
#define SYM_AT 0x800
#define STR_AT 0xa00
#define HASH_AT 0xc00
#define SH_AT 0x1000

typedef struct spec {
    int is64, be;
    unsigned type, machine;
    int interp, gnu_stack, exec_stack, relro, wx, dynamic, bind_now, pie_flag;
    int symbols; /* 0 none, 1 section headers, 2 DT_HASH only, 3 DT_GNU_HASH only */
    const char *imports[6];
    const char *defines[2];
} spec;

typedef struct image {
    const spec *s;
    uint8_t b[IMG];
    size_t len;
} image;

static void put(image *m, size_t off, uint64_t v, size_t size)
{
    assert_true(off + size <= IMG);
    for (size_t i = 0; i < size; i++) {
        size_t at = m->s->be ? off + size - 1 - i : off + i;
        m->b[at] = (uint8_t)(v >> (8 * i));
    }
}

#define PUT(m, base, T32, T64, f, v)                                                               \
    put(m, (base) + ((m)->s->is64 ? offsetof(T64, f) : offsetof(T32, f)), (uint64_t)(v),           \
        (m)->s->is64 ? sizeof(((T64 *)0)->f) : sizeof(((T32 *)0)->f))
#define SZ(m, T32, T64) ((m)->s->is64 ? sizeof(T64) : sizeof(T32))

static size_t phdr(image *m, size_t i, unsigned type, unsigned flags, uint64_t off, uint64_t size)
{
    size_t base = PH_AT + i * SZ(m, Elf32_Phdr, Elf64_Phdr);

    PUT(m, base, Elf32_Phdr, Elf64_Phdr, p_type, type);
    PUT(m, base, Elf32_Phdr, Elf64_Phdr, p_flags, flags);
    PUT(m, base, Elf32_Phdr, Elf64_Phdr, p_offset, off);
    PUT(m, base, Elf32_Phdr, Elf64_Phdr, p_vaddr, off);
    PUT(m, base, Elf32_Phdr, Elf64_Phdr, p_filesz, size);
    PUT(m, base, Elf32_Phdr, Elf64_Phdr, p_memsz, size);
    return i + 1;
}

static size_t dyn(image *m, size_t i, uint64_t tag, uint64_t val)
{
    size_t base = DYN_AT + i * SZ(m, Elf32_Dyn, Elf64_Dyn);

    PUT(m, base, Elf32_Dyn, Elf64_Dyn, d_tag, tag);
    PUT(m, base, Elf32_Dyn, Elf64_Dyn, d_un.d_val, val);
    return i + 1;
}

/* Names and symbols; returns the number of symbols (the null one included). */
static size_t symbols(image *m, size_t *strsz)
{
    size_t n = 1, str = 1;
    const char *names[9];
    int undefined[9];

    for (size_t i = 0; i < 6 && m->s->imports[i] != NULL; i++) {
        names[n] = m->s->imports[i];
        undefined[n++] = 1;
    }
    for (size_t i = 0; i < 2 && m->s->defines[i] != NULL; i++) {
        names[n] = m->s->defines[i];
        undefined[n++] = 0;
    }
    for (size_t i = 1; i < n; i++) {
        size_t base = SYM_AT + i * SZ(m, Elf32_Sym, Elf64_Sym);

        memcpy(m->b + STR_AT + str, names[i], strlen(names[i]) + 1);
        PUT(m, base, Elf32_Sym, Elf64_Sym, st_name, str);
        PUT(m, base, Elf32_Sym, Elf64_Sym, st_info, (STB_GLOBAL << 4) | STT_FUNC);
        PUT(m, base, Elf32_Sym, Elf64_Sym, st_shndx, undefined[i] ? SHN_UNDEF : 1);
        str += strlen(names[i]) + 1;
    }
    *strsz = str;
    return n;
}

static void hashes(image *m, size_t nsyms)
{
    if (m->s->symbols == 2) {
        put(m, HASH_AT, 1, 4);         /* nbucket */
        put(m, HASH_AT + 4, nsyms, 4); /* nchain */
    } else if (m->s->symbols == 3) {
        size_t word = m->s->is64 ? 8 : 4, buckets = HASH_AT + 16 + word;

        put(m, HASH_AT, 1, 4);     /* nbuckets */
        put(m, HASH_AT + 4, 1, 4); /* symoffset */
        put(m, HASH_AT + 8, 1, 4); /* bloom words */
        put(m, HASH_AT + 12, 6, 4);
        put(m, buckets, 1, 4);
        for (size_t k = 0; k + 1 < nsyms; k++)
            put(m, buckets + 4 + 4 * k, k + 2 == nsyms ? 1 : 0, 4);
    }
}

static void sections(image *m, size_t nsyms, size_t strsz)
{
    size_t sz = SZ(m, Elf32_Shdr, Elf64_Shdr), s1 = SH_AT + sz, s2 = SH_AT + 2 * sz;

    PUT(m, s1, Elf32_Shdr, Elf64_Shdr, sh_type, SHT_DYNSYM);
    PUT(m, s1, Elf32_Shdr, Elf64_Shdr, sh_offset, SYM_AT);
    PUT(m, s1, Elf32_Shdr, Elf64_Shdr, sh_size, nsyms * SZ(m, Elf32_Sym, Elf64_Sym));
    PUT(m, s1, Elf32_Shdr, Elf64_Shdr, sh_link, 2);
    PUT(m, s1, Elf32_Shdr, Elf64_Shdr, sh_entsize, SZ(m, Elf32_Sym, Elf64_Sym));
    PUT(m, s2, Elf32_Shdr, Elf64_Shdr, sh_type, SHT_STRTAB);
    PUT(m, s2, Elf32_Shdr, Elf64_Shdr, sh_offset, STR_AT);
    PUT(m, s2, Elf32_Shdr, Elf64_Shdr, sh_size, strsz);
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_shoff, SH_AT);
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_shnum, 3);
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_shentsize, sz);
}

static size_t dynamic(image *m)
{
    size_t d = 0, strsz = 0, nsyms = 0;

    if (m->s->symbols != 0) {
        nsyms = symbols(m, &strsz);
        hashes(m, nsyms);
        d = dyn(m, d, DT_SYMTAB, SYM_AT);
        d = dyn(m, d, DT_STRTAB, STR_AT);
        d = dyn(m, d, DT_STRSZ, strsz);
        d = dyn(m, d, DT_SYMENT, SZ(m, Elf32_Sym, Elf64_Sym));
        if (m->s->symbols == 2)
            d = dyn(m, d, DT_HASH, HASH_AT);
        if (m->s->symbols == 3)
            d = dyn(m, d, DT_GNU_HASH, HASH_AT);
        if (m->s->symbols == 1)
            sections(m, nsyms, strsz);
    }
    if (m->s->bind_now)
        d = dyn(m, d, DT_FLAGS, DF_BIND_NOW);
    if (m->s->pie_flag)
        d = dyn(m, d, DT_FLAGS_1, DF_1_PIE | DF_1_NOW);
    d = dyn(m, d, DT_NULL, 0);
    return d * SZ(m, Elf32_Dyn, Elf64_Dyn);
}

static void build(image *m, const spec *s)
{
    size_t p = 0;

    memset(m, 0, sizeof(*m));
    m->s = s;
    m->len = IMG;
    memcpy(m->b, ELFMAG, SELFMAG);
    m->b[EI_CLASS] = s->is64 ? ELFCLASS64 : ELFCLASS32;
    m->b[EI_DATA] = s->be ? ELFDATA2MSB : ELFDATA2LSB;
    m->b[EI_VERSION] = EV_CURRENT;
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_type, s->type);
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_machine, s->machine ? s->machine : EM_X86_64);
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phoff, PH_AT);
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phentsize, SZ(m, Elf32_Phdr, Elf64_Phdr));
    p = phdr(m, p, PT_LOAD, PF_R | PF_X | (s->wx ? PF_W : 0), 0, IMG);
    if (s->interp)
        p = phdr(m, p, PT_INTERP, PF_R, 0x300, 16);
    if (s->gnu_stack)
        p = phdr(m, p, PT_GNU_STACK, PF_R | PF_W | (s->exec_stack ? PF_X : 0), 0, 0);
    if (s->relro)
        p = phdr(m, p, PT_GNU_RELRO, PF_R, DYN_AT, 0x100);
    if (s->dynamic)
        p = phdr(m, p, PT_DYNAMIC, PF_R | PF_W, DYN_AT, dynamic(m));
    PUT(m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phnum, p);
}

static const spec hardened = {.is64 = 1,
                              .type = ET_DYN,
                              .interp = 1,
                              .gnu_stack = 1,
                              .relro = 1,
                              .dynamic = 1,
                              .bind_now = 1,
                              .pie_flag = 1,
                              .symbols = 1,
                              .imports = {"memcpy", "__memcpy_chk", "__stack_chk_fail", "puts"}};

static keel_audit_elf_facts facts_of(const spec *s)
{
    image m;
    keel_audit_elf_facts f;
    char why[128];

    build(&m, s);
    assert_int_equal(keel_audit_elf_read(m.b, m.len, &f, why, sizeof(why)), KEEL_OK);
    return f;
}

static void test_hardened_every_layout(void **state)
{
    (void)state;
    for (int layout = 0; layout < 8; layout++) {
        spec s = hardened;
        keel_audit_elf_facts f;
        keel_audit_elf_tally t;
        keel_audit_evidence findings, warnings;

        s.is64 = layout & 1;
        s.be = (layout >> 1) & 1;
        s.symbols = 1 + (layout >> 2) + (layout >> 2 && s.be); /* sections, DT_HASH, GNU_HASH */
        f = facts_of(&s);
        assert_int_equal(f.is64, s.is64);
        assert_int_equal(f.big_endian, s.be);
        assert_true(f.interp && f.dynamic && f.gnu_stack && !f.exec_stack && f.relro &&
                    f.bind_now && f.pie_flag && f.symbols && f.stack_chk);
        assert_int_equal(f.chk_imports, 1);
        assert_int_equal(f.plain_imports, 1);
        assert_string_equal(f.plain_example, "memcpy");
        memset(&t, 0, sizeof(t));
        keel_audit_evidence_init(&findings);
        keel_audit_evidence_init(&warnings);
        keel_audit_elf_judge("usr/bin/good", &f, &t, &findings, &warnings);
        assert_int_equal(t.executables, 1);
        assert_int_equal(t.failed, 0);
        assert_int_equal(findings.count, 0);
        assert_int_equal(warnings.count, 0);
        keel_audit_evidence_free(&findings);
        keel_audit_evidence_free(&warnings);
    }
}

static void judge_one(const spec *s, keel_audit_elf_tally *t, keel_audit_evidence *findings,
                      keel_audit_evidence *warnings)
{
    keel_audit_elf_facts f = facts_of(s);

    memset(t, 0, sizeof(*t));
    keel_audit_evidence_init(findings);
    keel_audit_evidence_init(warnings);
    keel_audit_elf_judge("usr/bin/x", &f, t, findings, warnings);
}

static void test_findings(void **state)
{
    keel_audit_elf_tally t;
    keel_audit_evidence fi, wa;
    spec s = hardened;

    (void)state;
    /* gcc -no-pie -z execstack, no RELRO */
    s.type = ET_EXEC;
    s.pie_flag = 0;
    s.exec_stack = 1;
    s.relro = 0;
    judge_one(&s, &t, &fi, &wa);
    EXPECT_LINE(&fi, "usr/bin/x: program (x86-64, 64-bit LSB): no NX (PT_GNU_STACK executable), "
                     "not PIE (ET_EXEC), no RELRO");
    assert_int_equal(t.no_nx + t.no_pie + t.no_relro, 3);
    keel_audit_evidence_free(&fi);
    keel_audit_evidence_free(&wa);

    /* a shared object without PT_GNU_STACK, partial RELRO, no canary, not fortified */
    s = hardened;
    s.interp = s.pie_flag = s.gnu_stack = s.bind_now = 0;
    s.be = 1;
    s.is64 = 0;
    s.machine = EM_MIPS;
    s.imports[1] = s.imports[2] = NULL;
    judge_one(&s, &t, &fi, &wa);
    assert_int_equal(t.shared, 1);
    EXPECT_LINE(&fi, "usr/bin/x: shared object (MIPS, 32-bit MSB): no NX marking (no "
                     "PT_GNU_STACK: executable stack)");
    EXPECT_LINE(&wa, "usr/bin/x: warning: partial RELRO (no BIND_NOW), no stack protector "
                     "(__stack_chk_fail not imported), not fortified (imports memcpy, no __*_chk)");
    keel_audit_evidence_free(&fi);
    keel_audit_evidence_free(&wa);

    /* a writable and executable segment; a library defining the canary's function */
    s = hardened;
    s.wx = 1;
    s.imports[2] = NULL;
    s.defines[0] = "__stack_chk_fail";
    judge_one(&s, &t, &fi, &wa);
    EXPECT_LINE(&fi, "usr/bin/x: program (x86-64, 64-bit LSB): a writable and executable segment");
    assert_int_equal(wa.count, 0);
    keel_audit_evidence_free(&fi);
    keel_audit_evidence_free(&wa);

    /* firmware for another processor (no interpreter, dynamic section or stack marking) */
    s = hardened;
    s.type = ET_EXEC;
    s.machine = EM_ARM;
    s.interp = s.dynamic = s.gnu_stack = s.relro = 0;
    judge_one(&s, &t, &fi, &wa);
    assert_int_equal(t.not_judged, 1);
    assert_int_equal(fi.count + wa.count, 0);
    keel_audit_evidence_free(&fi);
    keel_audit_evidence_free(&wa);

    /* statically linked: no dynamic symbols to judge the canary by */
    s = hardened;
    s.type = ET_EXEC;
    s.interp = s.dynamic = 0;
    judge_one(&s, &t, &fi, &wa);
    EXPECT_LINE(&fi, "usr/bin/x: program (x86-64, 64-bit LSB): not PIE (ET_EXEC)");
    EXPECT_LINE(&wa, "usr/bin/x: warning: stack protector and FORTIFY not checked (no dynamic "
                     "symbols)");
    keel_audit_evidence_free(&fi);
    keel_audit_evidence_free(&wa);
}

static void malformed(image *m, const char *expect)
{
    keel_audit_elf_facts f;
    char why[128];

    assert_int_equal(keel_audit_elf_read(m->b, m->len, &f, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_string_equal(why, expect);
}

static void test_malformed(void **state)
{
    image m;
    keel_audit_elf_facts f;
    char why[128];
    spec s = hardened;

    (void)state;
    build(&m, &hardened);
    assert_int_equal(keel_audit_elf_read(m.b, 3, &f, why, sizeof(why)), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_audit_elf_read((const uint8_t *)"#!/bin/sh\n", 10, &f, why, sizeof(why)),
                     KEEL_ERR_NOT_FOUND);
    m.len = 40;
    malformed(&m, "shorter than its ELF header");
    build(&m, &hardened);
    m.b[EI_CLASS] = 3;
    malformed(&m, "unknown class 3");
    build(&m, &hardened);
    PUT(&m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phoff, IMG - 8);
    malformed(&m, "the program headers lie outside the file");
    build(&m, &hardened);
    PUT(&m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phoff, UINT64_MAX - 8);
    malformed(&m, "the program headers lie outside the file");
    build(&m, &hardened);
    PUT(&m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phnum, PN_XNUM);
    malformed(&m, "65535 program headers");
    build(&m, &hardened);
    PUT(&m, 0, Elf32_Ehdr, Elf64_Ehdr, e_phentsize, 12);
    malformed(&m, "program headers of 12 bytes");
    /* PT_DYNAMIC (the fifth header) pointing past the end */
    build(&m, &hardened);
    PUT(&m, PH_AT + 4 * sizeof(Elf64_Phdr), Elf32_Phdr, Elf64_Phdr, p_offset, IMG - 16);
    PUT(&m, PH_AT + 4 * sizeof(Elf64_Phdr), Elf32_Phdr, Elf64_Phdr, p_filesz, 64);
    malformed(&m, "the dynamic section lies outside the file");
    /* a name past its string table: through DT_HASH, the string table cut short */
    s.symbols = 2;
    build(&m, &s);
    memset(m.b + STR_AT + 1, 'A', 64);
    PUT(&m, DYN_AT + 2 * sizeof(Elf64_Dyn), Elf32_Dyn, Elf64_Dyn, d_un.d_val, 10);
    malformed(&m, "dynamic symbol 1's name runs past its string table");
    /* a symbol count far past the file */
    build(&m, &s);
    put(&m, HASH_AT + 4, 0x7fffffff, 4);
    malformed(&m, "more than 1048576 dynamic symbols");
}

/* This test program, linked with keel's flags (PIE, full RELRO, no executable stack). */
static void test_self(void **state)
{
    char *text = NULL;
    size_t len = 0;
    keel_audit_elf_facts f;
    keel_audit_elf_tally t;
    char why[128];

    (void)state;
    assert_int_equal(keel_file_read("/proc/self/exe", 64 << 20, &text, &len), KEEL_OK);
    assert_int_equal(keel_audit_elf_read((const uint8_t *)text, len, &f, why, sizeof(why)),
                     KEEL_OK);
    memset(&t, 0, sizeof(t));
    keel_audit_elf_judge("self", &f, &t, NULL, NULL);
    assert_int_equal(t.executables, 1);
    assert_int_equal(t.failed, 0);
    assert_true(f.bind_now && f.symbols);
    keel_file_free(text, len);
}

static void test_verdict(void **state)
{
    keel_audit_elf_tally t;
    keel_audit_scan_stats s;
    keel_audit_evidence ev;

    (void)state;
    memset(&t, 0, sizeof(t));
    memset(&s, 0, sizeof(s));
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_elf_verdict(&t, &s, &ev), KEEL_AUDIT_NA);
    EXPECT_LINE(&ev, "no ELF program or shared object for the device's system in the tree");
    keel_audit_evidence_free(&ev);
    t.executables = 2;
    assert_int_equal(keel_audit_elf_verdict(&t, &s, &ev), KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
    t.malformed = 1;
    assert_int_equal(keel_audit_elf_verdict(&t, &s, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    t.malformed = 0;
    s.skipped_large = 1;
    assert_int_equal(keel_audit_elf_verdict(&t, &s, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    t.failed = t.no_pie = 1;
    assert_int_equal(keel_audit_elf_verdict(&t, &s, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
}

static void copy_self(const tree *tr, const char *rel)
{
    char *text = NULL, path[512];
    size_t len = 0;
    FILE *f;

    assert_int_equal(keel_file_read("/proc/self/exe", 64 << 20, &text, &len), KEEL_OK);
    tree_dirs(tr, rel, 0);
    snprintf(path, sizeof(path), "%s/%s", tr->root, rel);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    keel_file_free(text, len);
}

static void test_check_tree(void **state)
{
    keel_audit_report *r;
    const keel_audit_test *t;
    image m;
    spec s = hardened;
    char path[512];
    FILE *f;
    tree tr;

    (void)state;
    tree_make(&tr);
    copy_self(&tr, "usr/bin/good");
    s.type = ET_EXEC;
    s.pie_flag = 0;
    build(&m, &s);
    tree_dirs(&tr, "usr/sbin/legacy", 0);
    snprintf(path, sizeof(path), "%s/usr/sbin/legacy", tr.root);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(m.b, 1, m.len, f), m.len);
    assert_int_equal(fclose(f), 0);
    tree_link(&tr, "usr/bin/host-ls", "/bin/ls"); /* not followed */
    tree_write(&tr, "etc/motd", "\177EL", 0644);
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V2_1_1, "127.0.0.1:1", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_elf(r, tr.root), KEEL_OK);
    t = tree_test(r, "5.6-8");
    assert_string_equal(t->id, "5.6-8-2");
    assert_int_equal(t->verdict, KEEL_AUDIT_FAIL);
    EXPECT_TEST_LINE(t, "usr/sbin/legacy: program (x86-64, 64-bit LSB): not PIE (ET_EXEC)");
    assert_false(test_mentions(t, "usr/bin/good: program")); /* a warning may name it */
    assert_true(test_mentions(t, "1 symbolic links (not followed)"));
    keel_audit_report_free(r);
    snprintf(path, sizeof(path), "%s/usr/sbin/legacy", tr.root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_elf(r, tr.root), KEEL_OK);
    t = tree_test(r, "5.6-8");
    assert_int_equal(t->verdict, KEEL_AUDIT_PASS);
    assert_true(test_mentions(t, "1 programs and 0 shared objects judged: 0 without NX"));
    keel_audit_report_free(r);
    tree_free(&tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hardened_every_layout),
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_check_tree),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
