/* Writes an HTML report for the browser test: every provision of V3.1.3, three with
 * verdicts, and evidence that a hostile device could send (markup and script). */
#include <stdio.h>

#include "audit.h"

static const char *const hostile[] = {
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
    "</details></td></tr></table><script>document.body.setAttribute('data-pwned','x')</script>",
    "\" onmouseover=\"document.body.setAttribute('data-pwned','attr')\" x=\"",
    "&lt;already escaped&gt; & plain ampersand",
};

static keel_err record(keel_audit_report *r, const char *id, keel_audit_verdict v,
                       const char *const *lines, size_t n)
{
    keel_audit_evidence ev;

    keel_audit_evidence_init(&ev);
    for (size_t i = 0; i < n; i++) {
        keel_err err = keel_audit_evidence_addf(&ev, "%s", lines[i]);
        if (err != KEEL_OK) {
            keel_audit_evidence_free(&ev);
            return err;
        }
    }
    return keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, v, &ev);
}

int main(int argc, char **argv)
{
    static const char *const tls[] = {"TLS 1.0: refused", "TLS 1.3: accepted"};
    static const char *const ports[] = {"open TCP ports: 8443 (declared)"};
    keel_audit_report *r = NULL;
    keel_err err;

    if (argc != 2) {
        fprintf(stderr, "usage: render_report OUT.html\n");
        return 2;
    }
    err = keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:8443", &r);
    if (err == KEEL_OK)
        err = record(r, "5.1-1-2", KEEL_AUDIT_FAIL, hostile, sizeof(hostile) / sizeof(hostile[0]));
    if (err == KEEL_OK)
        err = record(r, "5.5-1-2", KEEL_AUDIT_PASS, tls, 2);
    if (err == KEEL_OK)
        err = record(r, "5.6-1-2", KEEL_AUDIT_PASS, ports, 1);
    if (err == KEEL_OK)
        err = keel_audit_write_html(r, argv[1]);
    keel_audit_report_free(r);
    if (err != KEEL_OK) {
        fprintf(stderr, "render_report: %s\n", keel_strerror(err));
        return 1;
    }
    return 0;
}
