/* The report as JUnit XML, the test report every CI server shows: a <testsuite> per section
 * of the standard, a <testcase> per test case (classname: its provision; name: its ID). FAIL
 * is a <failure>, INCONCLUSIVE and N/A are <skipped>, each with the evidence as its text and
 * the verdict and requirement as its message; a PASS keeps its evidence in <system-out>. A
 * provision without a test case is listed once, as a <skipped> "not tested" test case, so that
 * the CI's counts account for every provision (4-1 / 5.0-1) and none of them looks passed.
 *
 * Every text goes through xml_text: the five markup characters become entities, and anything
 * XML 1.0 cannot carry (control characters, bytes that are not UTF-8, U+FFFE and U+FFFF) is
 * written as the "\xNN" / "\uNNNN" text the evidence layer uses. evidence.c already escapes all
 * of these except U+FFFE and U+FFFF, which are valid UTF-8 but not XML characters; escaping
 * here too keeps the file well-formed whatever a report holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#ifndef KEEL_AUDIT_TOOL_VERSION
#error "KEEL_AUDIT_TOOL_VERSION is set by src/audit/CMakeLists.txt"
#endif

/* Write one ASCII byte c (< 0x80) as XML text or attribute content. */
static void xml_ascii(FILE *f, unsigned char c)
{
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    default:
        /* Not one control character: XML 1.0 has no form for most of them, and tab and line
         * feed would be normalised to spaces in an attribute. */
        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
        break;
    }
}

static void xml_text(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t n = strlen((const char *)p), i = 0;

    while (i < n) {
        uint32_t cp = 0;
        size_t seq;

        if (p[i] < 0x80) {
            xml_ascii(f, p[i++]);
            continue;
        }
        seq = keel_utf8_next(p + i, n - i, &cp);
        if (seq == 0) {
            fprintf(f, "\\x%02x", p[i++]);
        } else if (cp == 0xfffe || cp == 0xffff) {
            fprintf(f, "\\u%04x", (unsigned)cp);
            i += seq;
        } else {
            fwrite(p + i, 1, seq, f);
            i += seq;
        }
    }
}

/* The evidence lines, one per line of the element's text. */
static void evidence_lines(FILE *f, const keel_audit_test *t)
{
    for (size_t i = 0; i < t->evidence_count; i++) {
        if (i > 0)
            fputc('\n', f);
        xml_text(f, t->evidence[i]);
    }
}

/* <failure> or <skipped> with message "VERDICT: requirement" and the evidence as text. */
static void outcome(FILE *f, const char *element, const keel_audit_entry *e,
                    const keel_audit_test *t)
{
    fprintf(f, "<%s message=\"", element);
    xml_text(f, keel_audit_verdict_name(t->verdict));
    fputs(": ", f);
    xml_text(f, e->provision->requirement);
    fputs("\" type=\"", f);
    xml_text(f, keel_audit_verdict_name(t->verdict));
    fputs("\">", f);
    evidence_lines(f, t);
    fprintf(f, "</%s>", element);
}

static void test_case(FILE *f, const keel_audit_entry *e, const keel_audit_test *t)
{
    fputs("    <testcase classname=\"", f);
    xml_text(f, e->provision->id);
    fputs("\" name=\"", f);
    xml_text(f, t->id);
    fputs("\">", f);
    if (t->verdict == KEEL_AUDIT_FAIL) {
        outcome(f, "failure", e, t);
    } else if (t->verdict == KEEL_AUDIT_PASS) {
        if (t->evidence_count > 0) {
            fputs("<system-out>", f);
            evidence_lines(f, t);
            fputs("</system-out>", f);
        }
    } else {
        outcome(f, "skipped", e, t);
    }
    fputs("</testcase>\n", f);
}

static void not_tested(FILE *f, const keel_audit_entry *e)
{
    fputs("    <testcase classname=\"", f);
    xml_text(f, e->provision->id);
    fputs("\" name=\"not tested\"><skipped message=\"NOT TESTED: ", f);
    xml_text(f, e->provision->requirement);
    fputs("\" type=\"NOT TESTED\">no test case was run for this provision; it is not a "
          "pass</skipped></testcase>\n",
          f);
}

/* The <testcase> counts of one section (NULL: every section). */
typedef struct counts {
    size_t tests, failures, skipped;
} counts;

static counts count_section(const keel_audit_report *r, const char *section)
{
    counts c = {0, 0, 0};

    for (size_t i = 0; i < r->count; i++) {
        const keel_audit_entry *e = &r->entries[i];

        if (section != NULL && strcmp(e->provision->section, section) != 0)
            continue;
        if (e->test_count == 0) {
            c.tests++;
            c.skipped++;
        }
        for (size_t j = 0; j < e->test_count; j++) {
            c.tests++;
            c.failures += e->tests[j].verdict == KEEL_AUDIT_FAIL;
            c.skipped +=
                e->tests[j].verdict != KEEL_AUDIT_FAIL && e->tests[j].verdict != KEEL_AUDIT_PASS;
        }
    }
    return c;
}

static void counts_attributes(FILE *f, counts c)
{
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\"", c.tests, c.failures,
            c.skipped);
}

static void property(FILE *f, const char *name, const char *value)
{
    fprintf(f, "      <property name=\"%s\" value=\"", name);
    xml_text(f, value);
    fputs("\"/>\n", f);
}

static void suite(FILE *f, const keel_audit_report *r, const char *section, const char *when)
{
    const char *title = keel_catalog_section_title(r->version, section);

    fputs("  <testsuite name=\"", f);
    xml_text(f, section);
    if (title != NULL) {
        fputc(' ', f);
        xml_text(f, title);
    }
    fputc('"', f);
    counts_attributes(f, count_section(r, section));
    fprintf(f, " timestamp=\"%s\">\n    <properties>\n", when);
    property(f, "standard", "ETSI EN 303 645");
    property(f, "version", keel_catalog_version_name(r->version));
    property(f, "target", r->target);
    fputs("    </properties>\n", f);
    for (size_t i = 0; i < r->count; i++) {
        const keel_audit_entry *e = &r->entries[i];

        if (strcmp(e->provision->section, section) != 0)
            continue;
        if (e->test_count == 0)
            not_tested(f, e);
        for (size_t j = 0; j < e->test_count; j++)
            test_case(f, e, &e->tests[j]);
    }
    fputs("  </testsuite>\n", f);
}

keel_err keel_audit_render_junit(const keel_audit_report *r, char **out, size_t *len)
{
    const char *sections[KEEL_AUDIT_SECTIONS_MAX];
    char when[32];
    size_t n = 0;
    FILE *f = NULL;
    keel_err ret = keel_audit_render_open(r, when, sizeof(when), sections, &n, out, len, &f);

    if (ret != KEEL_OK)
        return ret;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"keel "
          "audit " KEEL_AUDIT_TOOL_VERSION ": ETSI EN 303 645 V",
          f);
    xml_text(f, keel_catalog_version_name(r->version));
    fputs(" of ", f);
    xml_text(f, r->target);
    fputc('"', f);
    counts_attributes(f, count_section(r, NULL));
    fprintf(f, " timestamp=\"%s\">\n", when);
    for (size_t i = 0; i < n; i++)
        suite(f, r, sections[i], when);
    fputs("</testsuites>\n", f);
    return keel_audit_memstream_close(f, out, len);
}

keel_err keel_audit_write_junit(const keel_audit_report *r, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    if (r == NULL || path == NULL)
        return KEEL_ERR_ARG;
    ret = keel_audit_render_junit(r, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, len, 0644);
    free(text);
    return ret;
}
