/* A bounded reader of the parts of an ELF file that say how its memory is protected (5.6-8):
 * the program headers (PT_GNU_STACK, PT_GNU_RELRO, PT_INTERP, PT_LOAD flags), the dynamic
 * section (BIND_NOW, DF_1_PIE, TEXTREL) and the names of the dynamic symbols
 * (__stack_chk_fail, the __*_chk functions of FORTIFY_SOURCE). libelf is not a keel
 * dependency: this reads <elf.h>'s structures field by field (offsetof, so that 32 and 64 bit
 * share the code), in the file's byte order, and checks every offset, size and count against
 * the file before it is used. The file is untrusted: a firmware tree can hold anything. */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "whitebox.h"

typedef struct reader {
    const uint8_t *d;
    size_t len;
    int be, is64;
    char *why;
    size_t whysz;
} reader;

static KEEL_PRINTF(2, 3) keel_err bad(const reader *r, const char *fmt, ...)
{
    va_list ap;

    if (r->why != NULL && r->whysz > 0) {
        va_start(ap, fmt);
        if (vsnprintf(r->why, r->whysz, fmt, ap) < 0)
            r->why[0] = '\0';
        va_end(ap);
    }
    return KEEL_ERR_PARSE;
}

/* An unsigned number of size bytes (1, 2, 4, 8) at off; the caller has checked the bounds. */
static uint64_t num(const reader *r, size_t off, size_t size)
{
    uint64_t v = 0;

    for (size_t i = 0; i < size; i++) {
        size_t at = r->be ? off + i : off + size - 1 - i;
        v = (v << 8) | r->d[at];
    }
    return v;
}

/* A field of a structure at base: the 32- or 64-bit layout by offsetof and sizeof. */
#define FIELD(r, base, T32, T64, f)                                                                \
    num(r, (base) + ((r)->is64 ? offsetof(T64, f) : offsetof(T32, f)),                             \
        (r)->is64 ? sizeof(((T64 *)0)->f) : sizeof(((T32 *)0)->f))
#define SIZE(r, T32, T64) ((r)->is64 ? sizeof(T64) : sizeof(T32))
#define EH(r, f) FIELD(r, 0, Elf32_Ehdr, Elf64_Ehdr, f)
#define PH(r, base, f) FIELD(r, base, Elf32_Phdr, Elf64_Phdr, f)
#define SH(r, base, f) FIELD(r, base, Elf32_Shdr, Elf64_Shdr, f)
#define DYN(r, base, f) FIELD(r, base, Elf32_Dyn, Elf64_Dyn, f)
#define SYM(r, base, f) FIELD(r, base, Elf32_Sym, Elf64_Sym, f)

/* 1 when [off, off + count * size) lies inside the file. */
static int inside(const reader *r, uint64_t off, uint64_t count, uint64_t size)
{
    if (off > r->len || (size != 0 && count > (r->len - off) / size))
        return 0;
    return 1;
}

typedef struct dyninfo {
    uint64_t symtab, strtab, strsz, syment, hash, gnu_hash;
    int has_symtab, has_strtab, has_hash, has_gnu_hash;
} dyninfo;

/* The file offset of virtual address addr (size bytes from it) by the PT_LOAD segments. */
static int to_offset(const reader *r, uint64_t phoff, uint64_t phnum, uint64_t addr, uint64_t size,
                     uint64_t *off)
{
    size_t phsz = SIZE(r, Elf32_Phdr, Elf64_Phdr);

    for (uint64_t i = 0; i < phnum; i++) {
        size_t base = (size_t)(phoff + i * phsz);
        uint64_t vaddr = PH(r, base, p_vaddr), filesz = PH(r, base, p_filesz);
        uint64_t offset = PH(r, base, p_offset);

        if (PH(r, base, p_type) != PT_LOAD || addr < vaddr || addr - vaddr >= filesz ||
            size > filesz - (addr - vaddr))
            continue;
        if (offset > UINT64_MAX - (addr - vaddr))
            return 0;
        *off = offset + (addr - vaddr);
        return inside(r, *off, 1, size);
    }
    return 0;
}

static const char *const plain_functions[] = {
    "memcpy",  "memmove",  "mempcpy",  "memset",    "strcpy",         "stpcpy",    "strncpy",
    "stpncpy", "strcat",   "strncat",  "sprintf",   "snprintf",       "vsprintf",  "vsnprintf",
    "printf",  "fprintf",  "vprintf",  "vfprintf",  "dprintf",        "vdprintf",  "fgets",
    "read",    "pread",    "pread64",  "recv",      "recvfrom",       "readlink",  "readlinkat",
    "getcwd",  "realpath", "wcscpy",   "wcsncpy",   "wmemcpy",        "wmemmove",  "wmemset",
    "fread",   "poll",     "ppoll",    "confstr",   "getgroups",      "ttyname_r", "gethostname",
    "syslog",  "vsyslog",  "asprintf", "vasprintf", "obstack_printf", "fwprintf",  "swprintf"};

static int is_plain(const char *name)
{
    for (size_t i = 0; i < sizeof(plain_functions) / sizeof(plain_functions[0]); i++) {
        if (strcmp(name, plain_functions[i]) == 0)
            return 1;
    }
    return 0;
}

static void note_symbol(keel_audit_elf_facts *f, const char *name, size_t n, int undefined)
{
    if (strcmp(name, "__stack_chk_fail") == 0 || strcmp(name, "__stack_chk_fail_local") == 0 ||
        strcmp(name, "__stack_chk_guard") == 0) {
        f->stack_chk = 1;
        return;
    }
    if (!undefined)
        return;
    if (n > 6 && memcmp(name, "__", 2) == 0 && memcmp(name + n - 4, "_chk", 4) == 0) {
        f->chk_imports++;
    } else if (is_plain(name)) {
        if (f->plain_imports++ == 0)
            (void)keel_str_copy(f->plain_example, sizeof(f->plain_example), name);
    }
}

/* Symbols [0, count) at symoff (entries of syment bytes), names in [stroff, stroff + strsz). */
static keel_err read_symbols(const reader *r, keel_audit_elf_facts *f, uint64_t symoff,
                             uint64_t count, uint64_t syment, uint64_t stroff, uint64_t strsz)
{
    if (syment != SIZE(r, Elf32_Sym, Elf64_Sym))
        return bad(r, "dynamic symbols of %llu bytes each", (unsigned long long)syment);
    if (count > KEEL_AUDIT_ELF_SYMBOLS_MAX)
        return bad(r, "more than %d dynamic symbols", KEEL_AUDIT_ELF_SYMBOLS_MAX);
    if (!inside(r, symoff, count, syment) || !inside(r, stroff, 1, strsz))
        return bad(r, "the dynamic symbols or their names lie outside the file");
    for (uint64_t i = 1; i < count; i++) { /* symbol 0 is the undefined null symbol */
        size_t base = (size_t)(symoff + i * syment);
        uint64_t name = SYM(r, base, st_name);
        const char *s;
        const uint8_t *nul;

        if (name == 0 || name >= strsz)
            continue;
        s = (const char *)r->d + stroff + name;
        nul = memchr(s, '\0', (size_t)(strsz - name));
        if (nul == NULL)
            return bad(r, "dynamic symbol %llu's name runs past its string table",
                       (unsigned long long)i);
        note_symbol(f, s, (size_t)(nul - (const uint8_t *)s), SYM(r, base, st_shndx) == SHN_UNDEF);
    }
    f->symbols = 1;
    return KEEL_OK;
}

/* The symbol table from the section headers; KEEL_ERR_NOT_FOUND when they do not give one
 * (stripped of sections, or unusable: the loader does not need them). */
static keel_err symbols_from_sections(const reader *r, keel_audit_elf_facts *f)
{
    uint64_t shoff = EH(r, e_shoff), shnum = EH(r, e_shnum), shentsize = EH(r, e_shentsize);
    size_t shsz = SIZE(r, Elf32_Shdr, Elf64_Shdr);

    if (shoff == 0 || shnum == 0 || shnum > KEEL_AUDIT_ELF_SHNUM_MAX || shentsize != shsz ||
        !inside(r, shoff, shnum, shsz))
        return KEEL_ERR_NOT_FOUND;
    for (uint64_t i = 0; i < shnum; i++) {
        size_t base = (size_t)(shoff + i * shsz), sbase;
        uint64_t link = SH(r, base, sh_link);

        if (SH(r, base, sh_type) != SHT_DYNSYM)
            continue;
        if (link == 0 || link >= shnum)
            return KEEL_ERR_NOT_FOUND;
        sbase = (size_t)(shoff + link * shsz);
        if (SH(r, sbase, sh_type) != SHT_STRTAB || SH(r, base, sh_entsize) == 0)
            return KEEL_ERR_NOT_FOUND;
        return read_symbols(r, f, SH(r, base, sh_offset),
                            SH(r, base, sh_size) / SH(r, base, sh_entsize), SH(r, base, sh_entsize),
                            SH(r, sbase, sh_offset), SH(r, sbase, sh_size));
    }
    return KEEL_ERR_NOT_FOUND;
}

/* The number of dynamic symbols from DT_GNU_HASH: past the highest bucket's chain end. */
static int gnu_hash_count(const reader *r, uint64_t off, uint64_t *count)
{
    uint64_t nbuckets, symoffset, bloom, buckets, chains, max = 0;
    size_t word = r->is64 ? 8 : 4;

    if (!inside(r, off, 4, 4))
        return 0;
    nbuckets = num(r, (size_t)off, 4);
    symoffset = num(r, (size_t)off + 4, 4);
    bloom = num(r, (size_t)off + 8, 4);
    buckets = off + 16 + bloom * word;
    if (bloom > r->len / word || !inside(r, buckets, nbuckets, 4))
        return 0;
    for (uint64_t i = 0; i < nbuckets; i++) {
        uint64_t b = num(r, (size_t)(buckets + 4 * i), 4);
        if (b > max)
            max = b;
    }
    chains = buckets + 4 * nbuckets;
    if (max < symoffset) {
        *count = symoffset;
        return 1;
    }
    for (uint64_t i = max - symoffset;; i++) {
        if (i > KEEL_AUDIT_ELF_SYMBOLS_MAX || !inside(r, chains + 4 * i, 1, 4))
            return 0;
        if (num(r, (size_t)(chains + 4 * i), 4) & 1) {
            *count = symoffset + i + 1;
            return 1;
        }
    }
}

static keel_err symbols_from_dynamic(const reader *r, keel_audit_elf_facts *f, const dyninfo *di,
                                     uint64_t phoff, uint64_t phnum)
{
    uint64_t symoff, stroff, hoff, count = 0;

    if (!di->has_symtab || !di->has_strtab)
        return KEEL_OK; /* no dynamic symbols: f->symbols stays 0 */
    if (!to_offset(r, phoff, phnum, di->strtab, di->strsz, &stroff) ||
        !to_offset(r, phoff, phnum, di->symtab, 1, &symoff))
        return bad(r, "DT_SYMTAB or DT_STRTAB lies outside the loaded segments");
    if (di->has_hash && to_offset(r, phoff, phnum, di->hash, 8, &hoff))
        count = num(r, (size_t)hoff + 4, 4); /* nchain */
    else if (!(di->has_gnu_hash && to_offset(r, phoff, phnum, di->gnu_hash, 16, &hoff) &&
               gnu_hash_count(r, hoff, &count)))
        return bad(r, "no readable DT_HASH or DT_GNU_HASH gives the number of dynamic symbols");
    return read_symbols(r, f, symoff, count, di->syment, stroff, di->strsz);
}

static void dyn_entry(keel_audit_elf_facts *f, dyninfo *di, uint64_t tag, uint64_t val)
{
    switch (tag) {
    case DT_FLAGS:
        f->bind_now |= (val & DF_BIND_NOW) != 0;
        f->textrel |= (val & DF_TEXTREL) != 0;
        break;
    case DT_FLAGS_1:
        f->bind_now |= (val & DF_1_NOW) != 0;
        f->pie_flag |= (val & DF_1_PIE) != 0;
        break;
    case DT_BIND_NOW: f->bind_now = 1; break;
    case DT_TEXTREL: f->textrel = 1; break;
    case DT_SYMTAB:
        di->symtab = val;
        di->has_symtab = 1;
        break;
    case DT_STRTAB:
        di->strtab = val;
        di->has_strtab = 1;
        break;
    case DT_STRSZ: di->strsz = val; break;
    case DT_SYMENT: di->syment = val; break;
    case DT_HASH:
        di->hash = val;
        di->has_hash = 1;
        break;
    case DT_GNU_HASH:
        di->gnu_hash = val;
        di->has_gnu_hash = 1;
        break;
    default: break;
    }
}

static keel_err read_dynamic(const reader *r, keel_audit_elf_facts *f, dyninfo *di, uint64_t off,
                             uint64_t size)
{
    size_t dsz = SIZE(r, Elf32_Dyn, Elf64_Dyn);
    uint64_t n = size / dsz;

    if (!inside(r, off, n, dsz))
        return bad(r, "the dynamic section lies outside the file");
    if (n > KEEL_AUDIT_ELF_DYNAMIC_MAX)
        return bad(r, "more than %d dynamic entries", KEEL_AUDIT_ELF_DYNAMIC_MAX);
    di->syment = SIZE(r, Elf32_Sym, Elf64_Sym);
    for (uint64_t i = 0; i < n; i++) {
        size_t base = (size_t)(off + i * dsz);
        uint64_t tag = DYN(r, base, d_tag);

        if (tag == DT_NULL)
            break;
        dyn_entry(f, di, tag, DYN(r, base, d_un.d_val));
    }
    return KEEL_OK;
}

static keel_err read_header(reader *r, keel_audit_elf_facts *f)
{
    const uint8_t *id = r->d;

    if (r->len < 4 || memcmp(id, ELFMAG, SELFMAG) != 0)
        return KEEL_ERR_NOT_FOUND;
    if (r->len < EI_NIDENT)
        return bad(r, "shorter than the ELF identification");
    if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
        return bad(r, "unknown class %u", id[EI_CLASS]);
    if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
        return bad(r, "unknown byte order %u", id[EI_DATA]);
    if (id[EI_VERSION] != EV_CURRENT)
        return bad(r, "unknown ELF version %u", id[EI_VERSION]);
    r->is64 = id[EI_CLASS] == ELFCLASS64;
    r->be = id[EI_DATA] == ELFDATA2MSB;
    if (r->len < SIZE(r, Elf32_Ehdr, Elf64_Ehdr))
        return bad(r, "shorter than its ELF header");
    f->is64 = r->is64;
    f->big_endian = r->be;
    f->linux_abi = id[EI_OSABI] == ELFOSABI_GNU;
    f->type = (unsigned)EH(r, e_type);
    f->machine = (unsigned)EH(r, e_machine);
    return KEEL_OK;
}

static keel_err read_segments(const reader *r, keel_audit_elf_facts *f, uint64_t phoff,
                              uint64_t phnum, dyninfo *di)
{
    size_t phsz = SIZE(r, Elf32_Phdr, Elf64_Phdr);
    keel_err ret = KEEL_OK;

    for (uint64_t i = 0; i < phnum && ret == KEEL_OK; i++) {
        size_t base = (size_t)(phoff + i * phsz);
        uint64_t flags = PH(r, base, p_flags);

        switch (PH(r, base, p_type)) {
        case PT_INTERP: f->interp = 1; break;
        case PT_GNU_RELRO: f->relro = 1; break;
        case PT_GNU_STACK:
            f->gnu_stack = 1;
            f->exec_stack = (flags & PF_X) != 0;
            break;
        case PT_LOAD: f->wx_load |= (flags & PF_W) && (flags & PF_X); break;
        case PT_DYNAMIC:
            if (f->dynamic)
                return bad(r, "two PT_DYNAMIC segments");
            f->dynamic = 1;
            ret = read_dynamic(r, f, di, PH(r, base, p_offset), PH(r, base, p_filesz));
            break;
        default: break;
        }
    }
    return ret;
}

keel_err keel_audit_elf_read(const uint8_t *data, size_t len, keel_audit_elf_facts *out, char *why,
                             size_t whysz)
{
    reader r = {.d = data, .len = len, .why = why, .whysz = whysz};
    dyninfo di;
    uint64_t phoff, phnum;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if ((data == NULL && len != 0) || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    memset(&di, 0, sizeof(di));
    if ((ret = read_header(&r, out)) != KEEL_OK)
        return ret;
    phoff = EH(&r, e_phoff);
    phnum = EH(&r, e_phnum);
    if (phnum == PN_XNUM || phnum > KEEL_AUDIT_ELF_PHNUM_MAX)
        return bad(&r, "%llu program headers", (unsigned long long)phnum);
    if (phnum > 0 && EH(&r, e_phentsize) != SIZE(&r, Elf32_Phdr, Elf64_Phdr))
        return bad(&r, "program headers of %llu bytes", (unsigned long long)EH(&r, e_phentsize));
    if (!inside(&r, phoff, phnum, SIZE(&r, Elf32_Phdr, Elf64_Phdr)))
        return bad(&r, "the program headers lie outside the file");
    if ((ret = read_segments(&r, out, phoff, phnum, &di)) != KEEL_OK)
        return ret;
    if (!out->dynamic)
        return KEEL_OK;
    /* The section headers, when usable, name every dynamic symbol; the loader does not need
     * them, so a file without (or with broken) ones is read through its dynamic section. */
    ret = symbols_from_sections(&r, out);
    if (ret != KEEL_OK) {
        memset(&out->stack_chk, 0, sizeof(*out) - offsetof(keel_audit_elf_facts, stack_chk));
        ret = symbols_from_dynamic(&r, out, &di, phoff, phnum);
    }
    return ret;
}
