/*
 * The catalog's TSV reader: the grammar is in tsv.h. A wrong row in data/en303645 must stop
 * the build with its file and line (the catalog is what 4-1 / 5.0-1 reports are checked
 * against), so every check names the line and the reason; and since the fuzz target feeds
 * it arbitrary bytes, every read is bounded by the buffer's length.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tsv.h"

#define SHOW_MAX 40
#define MAX_FIELDS 4

static const char provisions_header[] = "id\tstatus\tcondition\trequirement";
static const char sections_header[] = "version\tsection\ttitle";

/* ---- errors ---- */

KEEL_PRINTF(3, 4)
static keel_err fail(keel_catalog_tsv_error *err, size_t line, const char *fmt, ...)
{
    va_list ap;

    err->line = line;
    va_start(ap, fmt);
    /* A reason cut at the buffer's end is still a useful message; the line is exact. */
    (void)vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
    return KEEL_ERR_PARSE;
}

/* A field quoted in an error message: printable ASCII only, so that a hostile file cannot
 * put control sequences on the build log. */
typedef struct shown {
    char s[SHOW_MAX + 4];
} shown;

static shown show(keel_catalog_tsv_text t)
{
    shown out;
    size_t n = t.len < SHOW_MAX ? t.len : SHOW_MAX;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t.ptr[i];
        out.s[i] = (char)((c >= 0x20 && c < 0x7f) ? c : '?');
    }
    if (t.len > SHOW_MAX) {
        memcpy(out.s + i, "...", 3);
        i += 3;
    }
    out.s[i] = '\0';
    return out;
}

int keel_catalog_tsv_equals(keel_catalog_tsv_text t, const char *s)
{
    size_t n = strlen(s);

    return t.len == n && (n == 0 || memcmp(t.ptr, s, n) == 0);
}

static int text_equal(keel_catalog_tsv_text a, keel_catalog_tsv_text b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* ---- lines and fields ---- */

typedef struct cursor {
    const char *buf;
    size_t len;
    size_t pos;
    size_t line; /* number of the line last returned */
} cursor;

/* The next line without its LF; 0 at the end of the buffer. */
static int next_line(cursor *c, keel_catalog_tsv_text *out)
{
    const char *nl;

    if (c->pos >= c->len)
        return 0;
    out->ptr = c->buf + c->pos;
    nl = memchr(out->ptr, '\n', c->len - c->pos);
    out->len = nl != NULL ? (size_t)(nl - out->ptr) : c->len - c->pos;
    c->pos += out->len + (nl != NULL ? 1 : 0);
    c->line++;
    return 1;
}

/* Split line at TABs into exactly want fields. */
static keel_err split(keel_catalog_tsv_text line, keel_catalog_tsv_text *fields, size_t want,
                      size_t lineno, keel_catalog_tsv_error *err)
{
    size_t n = 0;
    size_t start = 0;

    for (size_t i = 0; i <= line.len; i++) {
        if (i < line.len && line.ptr[i] != '\t')
            continue;
        if (n < want) {
            fields[n].ptr = line.ptr + start;
            fields[n].len = i - start;
        }
        n++;
        start = i + 1;
    }
    if (n != want)
        return fail(err, lineno, "expected %zu tab-separated fields, found %zu", want, n);
    return KEEL_OK;
}

/* ---- text ---- */

static keel_err check_text(keel_catalog_tsv_text t, const char *name, size_t lineno,
                           keel_catalog_tsv_error *err)
{
    const unsigned char *p = (const unsigned char *)t.ptr;

    if (t.len > KEEL_CATALOG_TSV_FIELD_MAX)
        return fail(err, lineno, "%s longer than %d bytes", name, KEEL_CATALOG_TSV_FIELD_MAX);
    for (size_t i = 0; i < t.len;) {
        size_t n = keel_utf8_next(p + i, t.len - i, NULL);
        if (n == 0)
            return fail(err, lineno, "%s is not valid UTF-8 (byte %zu)", name, i + 1);
        if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
            return fail(err, lineno, "control character 0x%02x in %s", p[i], name);
        i += n;
    }
    if (t.len > 0 && (p[0] == ' ' || p[t.len - 1] == ' '))
        return fail(err, lineno, "leading or trailing space in %s", name);
    return KEEL_OK;
}

static keel_err check_required(keel_catalog_tsv_text t, const char *name, size_t lineno,
                               keel_catalog_tsv_error *err)
{
    if (t.len == 0)
        return fail(err, lineno, "empty %s", name);
    return check_text(t, name, lineno, err);
}

/* ---- grammar: a scanner over one field ---- */

typedef struct scan {
    const char *p;
    size_t n;
    size_t i;
} scan;

static int at_end(const scan *s)
{
    return s->i == s->n;
}

static int peek_is(const scan *s, const char *lit)
{
    size_t k = strlen(lit);

    return s->n - s->i >= k && memcmp(s->p + s->i, lit, k) == 0;
}

static int accept(scan *s, const char *lit)
{
    if (!peek_is(s, lit))
        return 0;
    s->i += strlen(lit);
    return 1;
}

static int peek_in(const scan *s, char lo, char hi)
{
    return s->i < s->n && s->p[s->i] >= lo && s->p[s->i] <= hi;
}

/* A decimal of at most max_digits without a leading zero; zero_ok also allows "0". */
static int accept_number(scan *s, size_t max_digits, int zero_ok, unsigned *out)
{
    size_t digits = 0;
    unsigned v = 0;

    if (!peek_in(s, '0', '9'))
        return 0;
    if (s->p[s->i] == '0') {
        s->i++;
        *out = 0;
        return zero_ok && !peek_in(s, '0', '9');
    }
    while (peek_in(s, '0', '9')) {
        if (++digits > max_digits)
            return 0;
        v = v * 10 + (unsigned)(s->p[s->i++] - '0');
    }
    *out = v;
    return 1;
}

/* Where a provision sits in the standard, for the order check. */
typedef struct id_key {
    unsigned clause;
    int sub; /* -1 for a clause without a subclause ("6") */
    unsigned number;
    char letter; /* 0 when none */
} id_key;

static int accept_section(scan *s, id_key *k)
{
    unsigned sub;

    if (!accept_number(s, 3, 1, &k->clause))
        return 0;
    k->sub = -1;
    if (accept(s, ".")) {
        if (!accept_number(s, 3, 1, &sub))
            return 0;
        k->sub = (int)sub;
    }
    return 1;
}

static int parse_id(keel_catalog_tsv_text id, id_key *k, keel_catalog_tsv_text *section)
{
    scan s = {id.ptr, id.len, 0};

    if (!accept_section(&s, k))
        return 0;
    section->ptr = id.ptr;
    section->len = s.i;
    if (!accept(&s, "-") || !accept_number(&s, 3, 0, &k->number))
        return 0;
    k->letter = 0;
    if (peek_in(&s, 'A', 'Z'))
        k->letter = s.p[s.i++];
    return at_end(&s);
}

static int parse_section(keel_catalog_tsv_text t)
{
    scan s = {t.ptr, t.len, 0};
    id_key k;

    return accept_section(&s, &k) && at_end(&s);
}

static int compare_keys(const id_key *a, const id_key *b)
{
    if (a->clause != b->clause)
        return a->clause < b->clause ? -1 : 1;
    if (a->sub != b->sub)
        return a->sub < b->sub ? -1 : 1;
    if (a->number != b->number)
        return a->number < b->number ? -1 : 1;
    if (a->letter != b->letter)
        return a->letter < b->letter ? -1 : 1;
    return 0;
}

/* cond = "1".."9" [DIGIT] */
static int accept_cond(scan *s)
{
    unsigned v;

    return accept_number(s, 2, 0, &v);
}

/* feat = 1*2("a".."z") */
static int accept_feat(scan *s)
{
    if (!peek_in(s, 'a', 'z'))
        return 0;
    s->i++;
    if (peek_in(s, 'a', 'z'))
        s->i++;
    return !peek_in(s, 'a', 'z');
}

static int accept_conds(scan *s)
{
    if (!accept_cond(s))
        return 0;
    /* ", " followed by a letter starts the features of a "C F" gate: leave it. */
    while (peek_is(s, ", ") && s->n - s->i > 2 && s->p[s->i + 2] >= '0' && s->p[s->i + 2] <= '9') {
        s->i += 2;
        if (!accept_cond(s))
            return 0;
    }
    return 1;
}

static int accept_feats(scan *s)
{
    if (!accept_feat(s))
        return 0;
    while (accept(s, ", ")) {
        if (!accept_feat(s))
            return 0;
    }
    return 1;
}

static int accept_gate(scan *s)
{
    if (accept(s, "C F ("))
        return accept_conds(s) && accept(s, ", ") && accept_feats(s) && accept(s, ")");
    if (accept(s, "C ("))
        return accept_conds(s) && accept(s, ")");
    if (accept(s, "F ("))
        return accept_feats(s) && accept(s, ")");
    return 0;
}

/* Returns 1 when status is well formed; *gated says whether it has a condition/feature. */
static int parse_status(keel_catalog_tsv_text t, int *mandatory, int *gated)
{
    scan s = {t.ptr, t.len, 0};

    if (accept(&s, "M"))
        *mandatory = 1;
    else if (accept(&s, "R"))
        *mandatory = 0;
    else
        return 0;
    *gated = !at_end(&s);
    if (!*gated)
        return 1;
    return accept(&s, " ") && accept_gate(&s) && at_end(&s);
}

/* ---- provisions ---- */

static keel_err check_unique(const keel_catalog_tsv_provision *rows, size_t n,
                             const keel_catalog_tsv_provision *row, keel_catalog_tsv_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (text_equal(rows[i].id, row->id))
            return fail(err, row->line, "duplicate id '%s' (first on line %zu)", show(row->id).s,
                        rows[i].line);
    }
    return KEEL_OK;
}

static keel_err check_order(const keel_catalog_tsv_provision *prev, const id_key *prev_key,
                            const keel_catalog_tsv_provision *row, const id_key *key,
                            keel_catalog_tsv_error *err)
{
    if (prev != NULL && compare_keys(prev_key, key) >= 0)
        return fail(err, row->line, "id '%s' out of order: it follows '%s' on line %zu",
                    show(row->id).s, show(prev->id).s, prev->line);
    return KEEL_OK;
}

static keel_err parse_provision(keel_catalog_tsv_text line, size_t lineno,
                                keel_catalog_tsv_provision *row, id_key *key,
                                keel_catalog_tsv_error *err)
{
    keel_catalog_tsv_text f[MAX_FIELDS] = {{NULL, 0}};
    keel_err ret = split(line, f, 4, lineno, err);
    int gated = 0;

    if (ret != KEEL_OK)
        return ret;
    row->line = lineno;
    row->id = f[0], row->status = f[1], row->condition = f[2], row->requirement = f[3];
    if ((ret = check_required(f[0], "id", lineno, err)) != KEEL_OK ||
        (ret = check_required(f[1], "status", lineno, err)) != KEEL_OK ||
        (ret = check_text(f[2], "condition", lineno, err)) != KEEL_OK ||
        (ret = check_required(f[3], "requirement", lineno, err)) != KEEL_OK)
        return ret;
    if (!parse_id(f[0], key, &row->section))
        return fail(err, lineno, "malformed id '%s' (want <section>-<number>[A-Z], e.g. 5.1-1)",
                    show(f[0]).s);
    if (!parse_status(f[1], &row->mandatory, &gated))
        return fail(err, lineno,
                    "malformed status '%s' (want M or R, optionally with "
                    "C (n, ...), F (x, ...) or C F (n, ..., x, ...))",
                    show(f[1]).s);
    if (gated && f[2].len == 0)
        return fail(err, lineno, "status '%s' is conditional but the condition is empty",
                    show(f[1]).s);
    if (!gated && f[2].len != 0)
        return fail(err, lineno, "status '%s' is unconditional but a condition is given",
                    show(f[1]).s);
    return KEEL_OK;
}

static keel_err check_header(cursor *c, const char *want, keel_catalog_tsv_error *err)
{
    keel_catalog_tsv_text line;

    if (!next_line(c, &line))
        return fail(err, 1, "empty file: missing header");
    if (!keel_catalog_tsv_equals(line, want))
        return fail(err, 1, "bad header '%s'", show(line).s);
    return KEEL_OK;
}

static keel_err check_args(const char *buf, size_t len, const void *rows, size_t *count,
                           keel_catalog_tsv_error *err)
{
    const char *nul;

    if (err == NULL)
        return KEEL_ERR_ARG;
    err->line = 0;
    err->reason[0] = '\0';
    if ((buf == NULL && len != 0) || rows == NULL || count == NULL)
        return KEEL_ERR_ARG;
    *count = 0;
    nul = len > 0 ? memchr(buf, '\0', len) : NULL;
    if (nul != NULL) {
        size_t line = 1;
        for (const char *p = buf; p < nul; p++)
            line += *p == '\n';
        return fail(err, line, "NUL byte in file");
    }
    return KEEL_OK;
}

static keel_err too_many(keel_catalog_tsv_error *err, size_t lineno, size_t cap)
{
    (void)fail(err, lineno, "too many rows (at most %zu)", cap);
    return KEEL_ERR_RANGE;
}

keel_err keel_catalog_tsv_provisions(const char *buf, size_t len, keel_catalog_tsv_provision *rows,
                                     size_t cap, size_t *count, keel_catalog_tsv_error *err)
{
    cursor c = {buf, len, 0, 0};
    keel_catalog_tsv_text line;
    id_key prev_key = {0, 0, 0, 0};
    keel_err ret = check_args(buf, len, rows, count, err);
    size_t n = 0;

    if (ret != KEEL_OK)
        return ret;
    if ((ret = check_header(&c, provisions_header, err)) != KEEL_OK)
        return ret;
    while (next_line(&c, &line)) {
        id_key key;
        if (line.len == 0)
            return fail(err, c.line, "empty line");
        if (n == cap)
            return too_many(err, c.line, cap);
        if ((ret = parse_provision(line, c.line, &rows[n], &key, err)) != KEEL_OK ||
            (ret = check_unique(rows, n, &rows[n], err)) != KEEL_OK ||
            (ret = check_order(n > 0 ? &rows[n - 1] : NULL, &prev_key, &rows[n], &key, err)) !=
                KEEL_OK)
            return ret;
        prev_key = key;
        n++;
    }
    if (n == 0)
        return fail(err, c.line + 1, "no provisions after the header");
    *count = n;
    return KEEL_OK;
}

/* ---- sections ---- */

static int parse_version(keel_catalog_tsv_text t)
{
    scan s = {t.ptr, t.len, 0};
    unsigned v;

    return accept_number(&s, 3, 1, &v) && accept(&s, ".") && accept_number(&s, 3, 1, &v) &&
           accept(&s, ".") && accept_number(&s, 3, 1, &v) && at_end(&s);
}

static keel_err parse_section_row(keel_catalog_tsv_text line, size_t lineno,
                                  keel_catalog_tsv_section *row, keel_catalog_tsv_error *err)
{
    keel_catalog_tsv_text f[MAX_FIELDS] = {{NULL, 0}};
    keel_err ret = split(line, f, 3, lineno, err);

    if (ret != KEEL_OK)
        return ret;
    row->line = lineno;
    row->version = f[0], row->section = f[1], row->title = f[2];
    if ((ret = check_required(f[0], "version", lineno, err)) != KEEL_OK ||
        (ret = check_required(f[1], "section", lineno, err)) != KEEL_OK ||
        (ret = check_required(f[2], "title", lineno, err)) != KEEL_OK)
        return ret;
    if (!parse_version(f[0]))
        return fail(err, lineno, "malformed version '%s' (want e.g. 3.1.3)", show(f[0]).s);
    if (!parse_section(f[1]))
        return fail(err, lineno, "malformed section '%s' (want e.g. 5.1 or 6)", show(f[1]).s);
    return KEEL_OK;
}

static keel_err check_unique_section(const keel_catalog_tsv_section *rows, size_t n,
                                     const keel_catalog_tsv_section *row,
                                     keel_catalog_tsv_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (text_equal(rows[i].version, row->version) && text_equal(rows[i].section, row->section))
            return fail(err, row->line,
                        "duplicate section '%s' of version '%s' (first on line %zu)",
                        show(row->section).s, show(row->version).s, rows[i].line);
    }
    return KEEL_OK;
}

keel_err keel_catalog_tsv_sections(const char *buf, size_t len, keel_catalog_tsv_section *rows,
                                   size_t cap, size_t *count, keel_catalog_tsv_error *err)
{
    cursor c = {buf, len, 0, 0};
    keel_catalog_tsv_text line;
    keel_err ret = check_args(buf, len, rows, count, err);
    size_t n = 0;

    if (ret != KEEL_OK)
        return ret;
    if ((ret = check_header(&c, sections_header, err)) != KEEL_OK)
        return ret;
    while (next_line(&c, &line)) {
        if (line.len == 0)
            return fail(err, c.line, "empty line");
        if (n == cap)
            return too_many(err, c.line, cap);
        if ((ret = parse_section_row(line, c.line, &rows[n], err)) != KEEL_OK ||
            (ret = check_unique_section(rows, n, &rows[n], err)) != KEEL_OK)
            return ret;
        n++;
    }
    if (n == 0)
        return fail(err, c.line + 1, "no sections after the header");
    *count = n;
    return KEEL_OK;
}

/* ---- cross-checks ---- */

static const keel_catalog_tsv_section *heading_of(const char *version,
                                                  keel_catalog_tsv_text section,
                                                  const keel_catalog_tsv_section *sections,
                                                  size_t nsections)
{
    for (size_t i = 0; i < nsections; i++) {
        if (keel_catalog_tsv_equals(sections[i].version, version) &&
            text_equal(sections[i].section, section))
            return &sections[i];
    }
    return NULL;
}

keel_err keel_catalog_tsv_check_headings(const char *version,
                                         const keel_catalog_tsv_provision *rows, size_t count,
                                         const keel_catalog_tsv_section *sections, size_t nsections,
                                         keel_catalog_tsv_error *err)
{
    if (err == NULL || version == NULL || (rows == NULL && count != 0) ||
        (sections == NULL && nsections != 0))
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < count; i++) {
        if (heading_of(version, rows[i].section, sections, nsections) == NULL)
            return fail(err, rows[i].line,
                        "section '%s' of id '%s' has no heading for version "
                        "%s in sections.tsv",
                        show(rows[i].section).s, show(rows[i].id).s, version);
    }
    return KEEL_OK;
}

keel_err keel_catalog_tsv_check_used(const char *version, const keel_catalog_tsv_provision *rows,
                                     size_t count, const keel_catalog_tsv_section *sections,
                                     size_t nsections, keel_catalog_tsv_error *err)
{
    if (err == NULL || version == NULL || (rows == NULL && count != 0) ||
        (sections == NULL && nsections != 0))
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < nsections; i++) {
        size_t j = 0;
        if (!keel_catalog_tsv_equals(sections[i].version, version))
            continue;
        while (j < count && !text_equal(rows[j].section, sections[i].section))
            j++;
        if (j == count)
            return fail(err, sections[i].line, "section '%s' of version %s has no provisions",
                        show(sections[i].section).s, version);
    }
    return KEEL_OK;
}
