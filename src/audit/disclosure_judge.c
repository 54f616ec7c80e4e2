/* The judgement of TS 103 701 test case 5.6-2-2 (minimal disclosure of security-relevant
 * information without authentication), apart from the network. The rules are kept simple
 * so that a device maker can predict them (docs/audit-report.md):
 *  - a Server or X-Powered-By header that holds a digit names a version: FAIL;
 *  - a body with a stack trace or exception marker, or a version string: FAIL;
 *  - answers with a body that do not share one Content-Type: another software layer (a
 *    framework's or server's default error page) shows through: FAIL. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "audit.h"

/* Markers of a stack trace or an exception, matched without regard to case. */
static const char *const trace_markers[] = {
    "traceback (most recent call last)",
    "stack trace",
    "stacktrace",
    "exception",
    "panic:",
    "goroutine ",
    "\n\tat ",
    "\n    at ",
    "segmentation fault",
};

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay != '\0'; hay++) {
        size_t i = 0;

        while (i < n && hay[i] != '\0' &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int keel_audit_has_stack_trace(const char *body)
{
    if (body == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(trace_markers) / sizeof(trace_markers[0]); i++) {
        if (contains_nocase(body, trace_markers[i]))
            return 1;
    }
    return 0;
}

int keel_audit_has_version(const char *text, int is_header)
{
    if (text == NULL)
        return 0;
    for (size_t i = 0; text[i] != '\0'; i++) {
        if (is_header && isdigit((unsigned char)text[i]))
            return 1;
        /* "product/1": a letter, a slash, a digit. */
        if (!is_header && i >= 1 && text[i] == '/' && isalpha((unsigned char)text[i - 1]) &&
            isdigit((unsigned char)text[i + 1]))
            return 1;
        /* "version 1", "Version: 2", "version=\"3": a digit at most three characters on. */
        if (!is_header && strncasecmp(text + i, "version", 7) == 0) {
            for (size_t j = i + 7; j <= i + 10 && text[j] != '\0'; j++) {
                if (isdigit((unsigned char)text[j]))
                    return 1;
            }
        }
    }
    return 0;
}

/* The media type without parameters, lower-cased, into out. */
static void media_type(const char *ct, char *out, size_t outsz)
{
    size_t i = 0;

    while (ct[i] != '\0' && ct[i] != ';' && ct[i] != ' ' && i + 1 < outsz) {
        out[i] = (char)tolower((unsigned char)ct[i]);
        i++;
    }
    out[i] = '\0';
}

static int judge_one(const keel_audit_disclosure_probe *p, keel_audit_evidence *ev)
{
    int failed = 0;

    (void)keel_audit_evidence_addf(ev, "%s: HTTP %ld, Content-Type '%s', %zu body bytes", p->what,
                                   p->status, p->content_type, strlen(p->body));
    if (p->server[0] != '\0') {
        failed |= keel_audit_has_version(p->server, 1);
        (void)keel_audit_evidence_addf(ev, "%s: Server header '%s'%s", p->what, p->server,
                                       keel_audit_has_version(p->server, 1) ? " names a version"
                                                                            : "");
    }
    if (keel_audit_has_version(p->powered_by, 1)) {
        (void)keel_audit_evidence_addf(ev, "%s: X-Powered-By header '%s' names a version", p->what,
                                       p->powered_by);
        failed = 1;
    } else if (p->powered_by[0] != '\0') {
        (void)keel_audit_evidence_addf(ev, "%s: X-Powered-By header '%s'", p->what, p->powered_by);
    }
    if (keel_audit_has_stack_trace(p->body)) {
        (void)keel_audit_evidence_addf(ev, "%s: the body shows a stack trace or exception",
                                       p->what);
        failed = 1;
    }
    if (keel_audit_has_version(p->body, 0)) {
        (void)keel_audit_evidence_addf(ev, "%s: the body names a version", p->what);
        failed = 1;
    }
    return failed;
}

keel_audit_verdict keel_audit_disclosure_judge(const keel_audit_disclosure_probe *p, size_t n,
                                               keel_audit_evidence *ev)
{
    char first[64] = "", type[64];
    const char *first_what = NULL;
    int failed = 0;
    size_t answered = 0;

    if (p == NULL && n != 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    for (size_t i = 0; i < n; i++) {
        if (p[i].status == 0) {
            (void)keel_audit_evidence_addf(ev, "%s: no HTTP answer", p[i].what);
            continue;
        }
        answered++;
        failed |= judge_one(&p[i], ev);
        if (p[i].body[0] == '\0')
            continue;
        media_type(p[i].content_type, type, sizeof(type));
        if (first_what == NULL) {
            (void)keel_str_copy(first, sizeof(first), type);
            first_what = p[i].what;
        } else if (strcmp(first, type) != 0) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s answers '%s', %s answers '%s': another software "
                                           "layer shows through",
                                           first_what, first, p[i].what, type);
            failed = 1;
        }
    }
    if (failed)
        return KEEL_AUDIT_FAIL;
    if (answered == 0) {
        (void)keel_audit_evidence_addf(ev, "the device gave no HTTP answer");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "no version, stack trace or differing error page before "
                                       "login");
    return KEEL_AUDIT_PASS;
}
