/* The terminal summary of a report: one line per clause, then the totals. It holds only
 * catalog text and numbers, never device evidence, so the terminal sees nothing hostile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define TITLE_WIDTH 44

/* Print title in exactly TITLE_WIDTH columns, cut on a UTF-8 boundary. */
static void title_column(FILE *f, const char *title)
{
    size_t n = strlen(title), cols = 0, i = 0;

    while (i < n && cols < TITLE_WIDTH) {
        size_t j = i + 1;
        while (j < n && ((unsigned char)title[j] & 0xc0) == 0x80)
            j++;
        fwrite(title + i, 1, j - i, f);
        i = j;
        cols++;
    }
    for (; cols < TITLE_WIDTH; cols++)
        fputc(' ', f);
}

static void counts_line(FILE *f, const keel_audit_counts *c)
{
    for (int v = 0; v < KEEL_AUDIT_VERDICT_COUNT; v++)
        fprintf(f, "  %s %zu", keel_audit_verdict_name((keel_audit_verdict)v), c->n[v]);
    fprintf(f, "  (total %zu)\n", c->total);
}

static void section_line(FILE *f, const keel_audit_report *r, const char *section)
{
    const char *title = keel_catalog_section_title(r->version, section);
    keel_audit_summary s;

    if (keel_audit_summarize(r, section, &s) != KEEL_OK)
        return;
    fprintf(f, "%-6s ", section);
    title_column(f, title != NULL ? title : "");
    counts_line(f, &s.all);
}

keel_err keel_audit_render_text(const keel_audit_report *r, char **out, size_t *len)
{
    const char *sections[KEEL_AUDIT_SECTIONS_MAX];
    keel_audit_summary s;
    size_t n = 0;
    FILE *f;
    keel_err ret;

    if (r == NULL || out == NULL || len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *len = 0;
    ret = keel_audit_sections(r, sections, KEEL_AUDIT_SECTIONS_MAX, &n);
    if (ret == KEEL_OK)
        ret = keel_audit_summarize(r, NULL, &s);
    if (ret != KEEL_OK)
        return ret;
    f = open_memstream(out, len);
    if (f == NULL)
        return KEEL_ERR_NOMEM;
    fprintf(f, "EN 303 645 V%s, target %s\n", keel_catalog_version_name(r->version), r->target);
    for (size_t i = 0; i < n; i++)
        section_line(f, r, sections[i]);
    fprintf(f, "%-6s %-*s", "all", TITLE_WIDTH, "every provision");
    counts_line(f, &s.all);
    fprintf(f, "%-6s %-*s", "M", TITLE_WIDTH, "mandatory provisions");
    counts_line(f, &s.mandatory);
    return keel_audit_memstream_close(f, out, len);
}
