/* Writes report.json, report.md, report.sarif and report.junit.xml of one V3.1.3 report into
 * DIR for tests/integration/audit/formats.sh: every verdict, on mandatory and recommended
 * provisions, with evidence a hostile device could send (markup, links, mentions, pipes,
 * backtick runs, entities, control characters, invalid UTF-8, U+FFFE). */
#include <stdio.h>
#include <string.h>

#include "audit.h"

static const char *const hostile[] = {
    "cells | split || here |",
    "<script>alert(1)</script> <img src=x onerror=y> <!-- c --> ]]> <![CDATA[x]]>",
    "</td></tr></table><a href=\"https://evil.example\">click</a>",
    "[click](https://evil.example/x) ![img](https://evil.example/i.png) https://evil.example",
    "www.evil.example @admin a@b.example :smile: $x$ #1",
    "``` fenced ``` and `one` and ``two``",
    "`",
    " padded both ",
    "&amp; & &#60; &lt; \"q\" 'a'",
    "*emph* _u_ ~~s~~ **b** \\| back\\slash",
    "line one\nline two\r\n\ttab \x1b[2J",
    "bad \xff\xfe utf-8, lock \xf0\x9f\x94\x92",
};

static const char *const nonchar[] = {"probe cut short \xef\xbf\xbe <retry>"};
static const char *const pie[] = {"usr/bin/x: no PIE | no RELRO"};
static const char *const ports[] = {"open TCP ports: 8443"};
static const char *const na[] = {"deletion.service: null (feature x absent)"};

static keel_err record(keel_audit_report *r, const char *id, keel_audit_kind kind,
                       keel_audit_verdict v, const char *const *lines, size_t n)
{
    keel_audit_evidence ev;

    keel_audit_evidence_init(&ev);
    for (size_t i = 0; i < n; i++) {
        keel_err err = keel_audit_evidence_add(&ev, lines[i], strlen(lines[i]));
        if (err != KEEL_OK) {
            keel_audit_evidence_free(&ev);
            return err;
        }
    }
    return keel_audit_record(r, id, kind, v, n > 0 ? &ev : NULL);
}

static keel_err fill(keel_audit_report *r)
{
    const keel_audit_kind C = KEEL_AUDIT_CONCEPTUAL, F = KEEL_AUDIT_FUNCTIONAL;
    keel_err err =
        record(r, "5.1-1-2", F, KEEL_AUDIT_FAIL, hostile, sizeof(hostile) / sizeof(hostile[0]));

    if (err == KEEL_OK)
        err = record(r, "5.1-1-1", C, KEEL_AUDIT_PASS, ports, 1);
    if (err == KEEL_OK)
        err = record(r, "5.3-13-2", F, KEEL_AUDIT_FAIL, NULL, 0);
    if (err == KEEL_OK)
        err = record(r, "5.5-1-2", F, KEEL_AUDIT_INCONCLUSIVE, nonchar, 1);
    if (err == KEEL_OK)
        err = record(r, "5.6-1-2", F, KEEL_AUDIT_PASS, ports, 1);
    if (err == KEEL_OK)
        err = record(r, "5.6-8-2", F, KEEL_AUDIT_FAIL, pie, 1);
    if (err == KEEL_OK)
        err = record(r, "5.11-2-1", C, KEEL_AUDIT_NA, na, 1);
    return err;
}

static keel_err write_all(const keel_audit_report *r, const char *dir)
{
    static const struct {
        const char *name;
        keel_err (*writer)(const keel_audit_report *, const char *);
    } out[] = {{"report.json", keel_audit_write_json},
               {"report.md", keel_audit_write_markdown},
               {"report.sarif", keel_audit_write_sarif},
               {"report.junit.xml", keel_audit_write_junit}};
    char path[4096];
    keel_err err = KEEL_OK;

    for (size_t i = 0; err == KEEL_OK && i < sizeof(out) / sizeof(out[0]); i++) {
        err = keel_str_format(path, sizeof(path), "%s/%s", dir, out[i].name);
        if (err == KEEL_OK)
            err = out[i].writer(r, path);
    }
    return err;
}

int main(int argc, char **argv)
{
    keel_audit_report *r = NULL;
    keel_err err;

    if (argc != 2) {
        fprintf(stderr, "usage: render_formats DIR\n");
        return 2;
    }
    err = keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:8443", &r);
    if (err == KEEL_OK)
        err = fill(r);
    if (err == KEEL_OK)
        err = write_all(r, argv[1]);
    keel_audit_report_free(r);
    if (err != KEEL_OK) {
        fprintf(stderr, "render_formats: %s\n", keel_strerror(err));
        return 1;
    }
    return 0;
}
