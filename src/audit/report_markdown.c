/* The report as GitHub-flavoured Markdown, for a pull request, a wiki page or a laboratory's
 * ticket: the summary by section, a table row per provision, then the test cases of every
 * tested provision with their evidence.
 *
 * Markdown gives meaning to almost every punctuation character, so no text goes out raw.
 * Catalog text has each ASCII punctuation character that can start inline markup backslash-
 * escaped (CommonMark lets any ASCII punctuation be escaped). Evidence, which a hostile device
 * writes, goes into code spans, inside which no emphasis, link, autolink, mention, entity or
 * HTML is recognised; its backtick runs are fenced by a longer run. In a table every '|' of
 * any text is written "\|", which GFM takes as a literal pipe even inside a code span, so no
 * text can add a cell or end a row; evidence holds no line break (evidence.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#ifndef KEEL_AUDIT_TOOL_VERSION
#error "KEEL_AUDIT_TOOL_VERSION is set by src/audit/CMakeLists.txt"
#endif

/* The ASCII punctuation that can open inline markup, a mention, an emoji code, math or a
 * table cell anywhere in a line. The rest ('.', ',', '-', '(', ...) only acts at the start
 * of a line or after one of these, and no text of ours starts a line. */
static int md_special(char c)
{
    return c != '\0' && strchr("\\`*_{}[]<>#!|~&:@$", c) != NULL;
}

/* Write trusted text (catalog, verdict names) with its special characters escaped. */
static void md_text(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (md_special(*s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* The longest run of backticks in s. */
static size_t longest_backtick_run(const char *s)
{
    size_t best = 0, run = 0;

    for (; *s != '\0'; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

/* Write untrusted text s as one code span: fenced by more backticks than its longest run,
 * padded with a space where CommonMark would otherwise take a backtick of s for the fence
 * or strip a space of s (it strips one from each side when both are spaces). In a table
 * each '|' becomes "\|". An empty s writes nothing (an empty code span does not exist). */
static void md_code(FILE *f, const char *s, int in_table)
{
    size_t n = strlen(s), fence = longest_backtick_run(s) + 1;
    int pad;

    if (n == 0)
        return;
    pad = s[0] == '`' || s[n - 1] == '`' || (s[0] == ' ' && s[n - 1] == ' ' && strspn(s, " ") != n);
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    if (pad)
        fputc(' ', f);
    for (size_t i = 0; i < n; i++) {
        if (in_table && s[i] == '|')
            fputc('\\', f);
        fputc(s[i], f);
    }
    if (pad)
        fputc(' ', f);
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
}

static void header(FILE *f, const keel_audit_report *r, const char *when)
{
    const char *version = keel_catalog_version_name(r->version);

    fputs("# EN 303 645 conformance report\n\nETSI EN 303 645 V", f);
    md_text(f, version);
    fputs(", assessed with the test cases of ETSI TS 103 701.\n\n- Target: ", f);
    md_code(f, r->target, 0);
    fputs("\n- Version: ", f);
    md_text(f, version);
    fputs("\n- Generated: ", f);
    fputs(when, f); /* keel_audit_format_time's digits, '-', 'T', ':' and 'Z' */
    fputs("\n- Tool: keel audit " KEEL_AUDIT_TOOL_VERSION "\n", f);
}

/* "| PASS | FAIL | N/A | INCONCLUSIVE | NOT TESTED | Total |" and its alignment row, after
 * the given leading columns. */
static void counts_head(FILE *f, const char *lead, const char *lead_rule)
{
    fprintf(f, "\n| %s |", lead);
    for (int v = 0; v < KEEL_AUDIT_VERDICT_COUNT; v++) {
        fputc(' ', f);
        md_text(f, keel_audit_verdict_name((keel_audit_verdict)v));
        fputs(" |", f);
    }
    fprintf(f, " Total |\n| %s |", lead_rule);
    for (int v = 0; v <= KEEL_AUDIT_VERDICT_COUNT; v++)
        fputs(" --: |", f);
    fputc('\n', f);
}

static void counts_cells(FILE *f, const keel_audit_counts *c)
{
    for (int v = 0; v < KEEL_AUDIT_VERDICT_COUNT; v++)
        fprintf(f, " %zu |", c->n[v]);
    fprintf(f, " %zu |\n", c->total);
}

static void summary(FILE *f, const keel_audit_report *r, const char **sections, size_t n)
{
    keel_audit_summary s;

    if (keel_audit_summarize(r, NULL, &s) != KEEL_OK)
        return;
    fputs("\n## Summary\n", f);
    counts_head(f, "Provisions", ":--");
    fputs("| Mandatory |", f);
    counts_cells(f, &s.mandatory);
    fputs("| All |", f);
    counts_cells(f, &s.all);
    fputs("\nNOT TESTED means no test case was run for the provision; it is never counted as a "
          "pass.\n",
          f);
    counts_head(f, "Section | Title", ":-- | :--");
    for (size_t i = 0; i < n; i++) {
        const char *title = keel_catalog_section_title(r->version, sections[i]);

        if (keel_audit_summarize(r, sections[i], &s) != KEEL_OK)
            continue;
        fputs("| ", f);
        md_text(f, sections[i]);
        fputs(" | ", f);
        md_text(f, title);
        fputs(" |", f);
        counts_cells(f, &s.all);
    }
}

static void provision_row(FILE *f, const keel_audit_entry *e)
{
    const keel_provision *p = e->provision;

    fputs("| ", f);
    md_text(f, p->id);
    fputs(" | ", f);
    md_text(f, p->status);
    fputs(" | ", f);
    md_text(f, p->requirement);
    fputs(" | ", f);
    md_text(f, keel_audit_verdict_name(keel_audit_entry_verdict(e)));
    fprintf(f, " | %zu |\n", e->test_count);
}

static void provision_tables(FILE *f, const keel_audit_report *r, const char **sections, size_t n)
{
    fputs("\n## Provisions\n", f);
    for (size_t i = 0; i < n; i++) {
        const char *title = keel_catalog_section_title(r->version, sections[i]);

        fputs("\n### ", f);
        md_text(f, sections[i]);
        if (title != NULL) {
            fputc(' ', f);
            md_text(f, title);
        }
        fputs("\n\n| Provision | Status | Requirement | Verdict | Test cases |\n"
              "| :-- | :-- | :-- | :-- | --: |\n",
              f);
        for (size_t j = 0; j < r->count; j++) {
            if (strcmp(r->entries[j].provision->section, sections[i]) == 0)
                provision_row(f, &r->entries[j]);
        }
    }
}

/* A row per evidence line; the first carries the test case, the next ones leave its cells
 * empty, so that every row has the table's four cells. */
static void test_rows(FILE *f, const keel_audit_test *t)
{
    size_t i = 0;

    do {
        fputs("| ", f);
        if (i == 0) {
            md_text(f, t->id);
            fputs(" | ", f);
            md_text(f, keel_audit_kind_name(t->kind));
            fputs(" | ", f);
            md_text(f, keel_audit_verdict_name(t->verdict));
            fputs(" | ", f);
        } else {
            fputs(" |  |  | ", f);
        }
        if (i < t->evidence_count)
            md_code(f, t->evidence[i], 1);
        fputs(" |\n", f);
    } while (++i < t->evidence_count);
}

static void evidence_part(FILE *f, const keel_audit_report *r)
{
    size_t shown = 0;

    fputs("\n## Test cases and evidence\n", f);
    for (size_t i = 0; i < r->count; i++) {
        const keel_audit_entry *e = &r->entries[i];

        if (e->test_count == 0)
            continue;
        shown++;
        fputs("\n### ", f);
        md_text(f, e->provision->id);
        fputs(": ", f);
        md_text(f, keel_audit_verdict_name(keel_audit_entry_verdict(e)));
        fputs("\n\n", f);
        md_text(f, e->provision->requirement);
        fputs(" (", f);
        md_text(f, e->provision->status);
        fputs(")\n\n| Test case | Kind | Verdict | Evidence |\n| :-- | :-- | :-- | :-- |\n", f);
        for (size_t j = 0; j < e->test_count; j++)
            test_rows(f, &e->tests[j]);
    }
    if (shown == 0)
        fputs("\nNo test case was run.\n", f);
}

keel_err keel_audit_render_markdown(const keel_audit_report *r, char **out, size_t *len)
{
    const char *sections[KEEL_AUDIT_SECTIONS_MAX];
    char when[32];
    size_t n = 0;
    FILE *f = NULL;
    keel_err ret = keel_audit_render_open(r, when, sizeof(when), sections, &n, out, len, &f);

    if (ret != KEEL_OK)
        return ret;
    header(f, r, when);
    summary(f, r, sections, n);
    provision_tables(f, r, sections, n);
    evidence_part(f, r);
    return keel_audit_memstream_close(f, out, len);
}

keel_err keel_audit_write_markdown(const keel_audit_report *r, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    if (r == NULL || path == NULL)
        return KEEL_ERR_ARG;
    ret = keel_audit_render_markdown(r, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0644);
    free(text);
    return ret;
}
