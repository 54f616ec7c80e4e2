/* Fuzz the TLS configuration judge of 5.5-1-3 (tls_config.c): the first byte picks the
 * software (nginx, Apache, lighttpd, mosquitto, openssl.cnf, stunnel, HAProxy), the rest is the
 * file. Properties beyond memory safety: one finding line per counted directive, each naming
 * the file and a line number within the input; a file counted once; the verdict follows the
 * counts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_evidence findings, notes, ev;
    keel_audit_tls_scan s;
    keel_audit_tls_software sw;
    keel_audit_verdict v;
    size_t lines = 1;

    if (size == 0)
        return 0;
    sw = (keel_audit_tls_software)(data[0] % 7);
    for (size_t i = 1; i < size; i++)
        lines += data[i] == '\n';
    memset(&s, 0, sizeof(s));
    keel_audit_evidence_init(&findings);
    keel_audit_evidence_init(&notes);
    keel_audit_evidence_init(&ev);
    s.findings = &findings;
    s.notes = &notes;
    keel_audit_tls_config_scan(sw, "f", (const char *)data + 1, size - 1, &s);
    if (s.files != 1 || s.tls_files > 1 || s.no_floor > 1 ||
        findings.count + findings.dropped != s.legacy + s.weak || notes.count != s.no_floor)
        abort();
    for (size_t i = 0; i < findings.count; i++) {
        char *end = NULL;
        if (strncmp(findings.lines[i], "f:", 2) != 0)
            abort();
        unsigned long no = strtoul(findings.lines[i] + 2, &end, 10);
        if (no == 0 || no > lines || end == NULL || *end != ':')
            abort();
    }
    v = keel_audit_tls_config_verdict(&s, &ev);
    if ((s.legacy + s.weak > 0) != (v == KEEL_AUDIT_FAIL) ||
        (v == KEEL_AUDIT_PASS && (s.tls_files == 0 || s.no_floor > 0)))
        abort();
    keel_audit_evidence_free(&findings);
    keel_audit_evidence_free(&notes);
    keel_audit_evidence_free(&ev);
    return 0;
}
