/* The report as one self-contained HTML page for the people who read it: the assessor, the
 * device maker, a market surveillance authority. No script, no external resource (the
 * page must open offline and years later); <details> gives the drill-down into test cases.
 *
 * Every piece of text goes through html_text: evidence is written by the device under
 * test, which may be hostile, and even catalog text is escaped so no path is unsafe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#ifndef KEEL_AUDIT_TOOL_VERSION
#error "KEEL_AUDIT_TOOL_VERSION is set by src/audit/CMakeLists.txt"
#endif

static const char css[] =
    ":root{--ink:#1d2330;--muted:#5b6577;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;"
    "--pass:#1f7a3f;--fail:#b3261e;--na:#5b6577;--inc:#a15c00;--nt:#6b7280}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--ink);background:var(--bg)}"
    "main{max-width:1100px;margin:0 auto;padding:24px}"
    "header{background:#1d2330;color:#fff;padding:28px 24px}"
    "header .inner{max-width:1100px;margin:0 auto}"
    "header h1{margin:0 0 4px;font-size:26px;font-weight:600}"
    "header p{margin:0;color:#c7cdd8}"
    "header dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:18px 0 0}"
    "header dt{color:#9aa3b2}header dd{margin:0;font-family:ui-monospace,monospace}"
    "h2{font-size:19px;margin:32px 0 10px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:12px 16px;min-width:130px}"
    ".card .n{font-size:26px;font-weight:650}.card .l{color:var(--muted);font-size:13px}"
    "table{width:100%;border-collapse:collapse;background:var(--card);"
    "border:1px solid var(--line);border-radius:8px;overflow:hidden}"
    "th,td{text-align:left;vertical-align:top;padding:8px 10px;border-top:1px solid var(--line)}"
    "th{background:#eef1f5;font-size:13px;color:var(--muted);font-weight:600}"
    "td.id{font-family:ui-monospace,monospace;white-space:nowrap}"
    "td.st{white-space:nowrap;color:var(--muted)}td.num{text-align:right}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:999px;color:#fff;"
    "font-size:12px;font-weight:650;white-space:nowrap}"
    ".PASS{background:var(--pass)}.FAIL{background:var(--fail)}.NA{background:var(--na)}"
    ".INCONCLUSIVE{background:var(--inc)}.NOT-TESTED{background:var(--nt)}"
    "details{margin-top:6px}summary{cursor:pointer;color:var(--muted);font-size:13px}"
    ".test{margin:8px 0 0 4px;padding-left:10px;border-left:3px solid var(--line)}"
    ".test code{font-weight:600}"
    "ul.ev{margin:4px 0 0;padding-left:18px;font-family:ui-monospace,monospace;"
    "font-size:12.5px;color:#333;overflow-wrap:anywhere}"
    ".muted{color:var(--muted);font-size:13px}"
    "nav a{margin-right:12px;white-space:nowrap}"
    "tr.row-FAIL td{background:#fdf3f2}tr.row-INCONCLUSIVE td{background:#fdf8ef}"
    "footer{max-width:1100px;margin:0 auto;padding:16px 24px 40px;color:var(--muted);"
    "font-size:13px}";

/* Write s with the five characters that carry meaning in HTML text and attributes
 * replaced by entities. */
static void html_text(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

/* The CSS class of a verdict: its name with '/' and ' ' made class-safe. */
static const char *verdict_class(keel_audit_verdict v)
{
    static const char *const classes[KEEL_AUDIT_VERDICT_COUNT] = {"PASS", "FAIL", "NA",
                                                                  "INCONCLUSIVE", "NOT-TESTED"};
    return (unsigned)v < KEEL_AUDIT_VERDICT_COUNT ? classes[v] : "NOT-TESTED";
}

static void badge(FILE *f, keel_audit_verdict v)
{
    fprintf(f, "<span class=\"badge %s\">", verdict_class(v));
    html_text(f, keel_audit_verdict_name(v));
    fputs("</span>", f);
}

static void header(FILE *f, const keel_audit_report *r, const char *when)
{
    const char *version = keel_catalog_version_name(r->version);

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>keel audit: ",
          f);
    html_text(f, r->target);
    fputs(" against EN 303 645 V", f);
    html_text(f, version);
    fprintf(f,
            "</title>\n<style>%s</style>\n</head>\n<body>\n<header><div class=\"inner\">\n"
            "<h1>EN 303 645 conformance report</h1>\n"
            "<p>ETSI EN 303 645 V",
            css);
    html_text(f, version);
    fputs(", assessed with the test cases of ETSI TS 103 701</p>\n<dl><dt>Target</dt><dd>", f);
    html_text(f, r->target);
    fputs("</dd><dt>Version</dt><dd>", f);
    html_text(f, version);
    fputs("</dd><dt>Generated</dt><dd>", f);
    html_text(f, when);
    fputs("</dd><dt>Tool</dt><dd>keel audit " KEEL_AUDIT_TOOL_VERSION "</dd></dl>\n"
          "</div></header>\n<main>\n",
          f);
}

static void count_cards(FILE *f, const char *title, const keel_audit_counts *c)
{
    fputs("<h3>", f);
    html_text(f, title);
    fprintf(f, " <span class=\"muted\">(%zu provisions)</span></h3>\n<div class=\"cards\">",
            c->total);
    for (int v = 0; v < KEEL_AUDIT_VERDICT_COUNT; v++) {
        fprintf(f, "<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">", c->n[v]);
        badge(f, (keel_audit_verdict)v);
        fputs("</div></div>", f);
    }
    fputs("</div>\n", f);
}

static void summary(FILE *f, const keel_audit_report *r, const char **sections, size_t n)
{
    keel_audit_summary s;

    if (keel_audit_summarize(r, NULL, &s) != KEEL_OK)
        return;
    fputs("<h2>Summary</h2>\n", f);
    count_cards(f, "Mandatory provisions", &s.mandatory);
    count_cards(f, "All provisions", &s.all);
    fputs("<p class=\"muted\">NOT TESTED means no test case was run for the provision; it "
          "is never counted as a pass.</p>\n<nav>",
          f);
    for (size_t i = 0; i < n; i++) {
        fputs("<a href=\"#s-", f);
        html_text(f, sections[i]);
        fputs("\">", f);
        html_text(f, sections[i]);
        fputs("</a>", f);
    }
    fputs("</nav>\n", f);
}

static void test_case(FILE *f, const keel_audit_test *t)
{
    fputs("<div class=\"test\">", f);
    badge(f, t->verdict);
    fputs(" <code>", f);
    html_text(f, t->id);
    fputs("</code> <span class=\"muted\">", f);
    html_text(f, keel_audit_kind_name(t->kind));
    fputs("</span>", f);
    if (t->evidence_count > 0) {
        fputs("<ul class=\"ev\">", f);
        for (size_t i = 0; i < t->evidence_count; i++) {
            fputs("<li>", f);
            html_text(f, t->evidence[i]);
            fputs("</li>", f);
        }
        fputs("</ul>", f);
    }
    fputs("</div>", f);
}

static void provision_row(FILE *f, const keel_audit_entry *e)
{
    const keel_provision *p = e->provision;
    keel_audit_verdict v = keel_audit_entry_verdict(e);
    /* Findings are what the reader came for: show their evidence without a click. */
    int findings = v == KEEL_AUDIT_FAIL || v == KEEL_AUDIT_INCONCLUSIVE;

    fprintf(f, "<tr class=\"row-%s\"><td class=\"id\">", verdict_class(v));
    html_text(f, p->id);
    fputs("</td><td class=\"st\">", f);
    html_text(f, p->status);
    fputs("</td><td>", f);
    html_text(f, p->requirement);
    if (e->test_count == 0) {
        fputs("<div class=\"muted\">No test case run.</div>", f);
    } else {
        fprintf(f, "<details%s><summary>%zu test case%s</summary>", findings ? " open" : "",
                e->test_count, e->test_count == 1 ? "" : "s");
        for (size_t i = 0; i < e->test_count; i++)
            test_case(f, &e->tests[i]);
        fputs("</details>", f);
    }
    fputs("</td><td>", f);
    badge(f, v);
    fputs("</td></tr>\n", f);
}

static void section_table(FILE *f, const keel_audit_report *r, const char *section)
{
    const char *title = keel_catalog_section_title(r->version, section);

    fputs("<h2 id=\"s-", f);
    html_text(f, section);
    fputs("\">", f);
    html_text(f, section);
    if (title != NULL) {
        fputs(" ", f);
        html_text(f, title);
    }
    fputs("</h2>\n<table><thead><tr><th>Provision</th><th>Status</th><th>Requirement</th>"
          "<th>Verdict</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->entries[i].provision->section, section) == 0)
            provision_row(f, &r->entries[i]);
    }
    fputs("</tbody></table>\n", f);
}

keel_err keel_audit_render_html(const keel_audit_report *r, char **out, size_t *len)
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
    for (size_t i = 0; i < n; i++)
        section_table(f, r, sections[i]);
    fputs("</main>\n<footer>Made by keel audit. Verdicts of functional test cases come from "
          "probing the live device; conceptual test cases judge the documented design.\n"
          "</footer>\n</body>\n</html>\n",
          f);
    return keel_audit_memstream_close(f, out, len);
}

keel_err keel_audit_write_html(const keel_audit_report *r, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    if (r == NULL || path == NULL)
        return KEEL_ERR_ARG;
    ret = keel_audit_render_html(r, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0644);
    free(text);
    return ret;
}
