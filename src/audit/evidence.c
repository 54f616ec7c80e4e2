/* Evidence lines: what a test saw, much of it said by an untrusted device. Each line is
 * made safe once, here, so that every writer (terminal, JSON, HTML) gets bounded, valid
 * UTF-8 without control characters: a device cannot forge report lines, smuggle escape
 * sequences to the assessor's terminal, reorder text with bidi controls or exhaust memory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

/* Room for a fully escaped line plus the note that it was cut. */
#define LINE_OUT_MAX (4 * KEEL_AUDIT_EVIDENCE_LINE_MAX + 64)

/* C1 controls, the bidirectional formatting characters that can make a line read
 * differently from what it holds, and the noncharacters (U+FDD0..U+FDEF and the last two
 * code points of every plane), which XML 1.0 and some readers refuse. */
static int hidden_code_point(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x2028 ||
           c == 0x2029 || c == 0xfeff || (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/* Write the sanitised form of in[0..n) into out (LINE_OUT_MAX bytes), NUL-terminated. */
static size_t sanitise(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;

    while (i < n) {
        uint32_t cp = 0;
        size_t seq = in[i] >= 0x80 ? keel_utf8_next(in + i, n - i, &cp) : 0;

        if (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '\\') {
            out[o++] = (char)in[i++];
        } else if (seq > 0 && !hidden_code_point(cp)) {
            memcpy(out + o, in + i, seq);
            o += seq;
            i += seq;
        } else if (seq > 0) {
            o += (size_t)snprintf(out + o, LINE_OUT_MAX - o, "\\u%04x", (unsigned)cp);
            i += seq;
        } else {
            o += (size_t)snprintf(out + o, LINE_OUT_MAX - o, "\\x%02x", in[i]);
            i++;
        }
    }
    out[o] = '\0';
    return o;
}

void keel_audit_evidence_init(keel_audit_evidence *ev)
{
    if (ev != NULL)
        memset(ev, 0, sizeof(*ev));
}

keel_err keel_audit_evidence_add(keel_audit_evidence *ev, const void *bytes, size_t len)
{
    const uint8_t *in = bytes;
    char line[LINE_OUT_MAX];
    size_t keep, o;

    if (ev == NULL || (bytes == NULL && len != 0))
        return KEEL_ERR_ARG;
    if (ev->count >= KEEL_AUDIT_EVIDENCE_MAX) {
        ev->dropped++;
        return KEEL_OK;
    }
    keep = len > KEEL_AUDIT_EVIDENCE_LINE_MAX ? KEEL_AUDIT_EVIDENCE_LINE_MAX : len;
    /* Never cut inside a UTF-8 sequence: its head would become \x escapes. */
    for (int k = 0; k < 3 && keep > 0 && keep < len && (in[keep] & 0xc0) == 0x80; k++)
        keep--;
    o = sanitise(in, keep, line);
    if (keep < len)
        snprintf(line + o, sizeof(line) - o, " [cut: %zu of %zu bytes kept]", keep, len);
    ev->lines[ev->count] = strdup(line);
    if (ev->lines[ev->count] == NULL)
        return KEEL_ERR_NOMEM;
    ev->count++;
    return KEEL_OK;
}

keel_err keel_audit_evidence_addf(keel_audit_evidence *ev, const char *fmt, ...)
{
    va_list ap;
    char *line;
    int n;
    keel_err ret;

    if (ev == NULL || fmt == NULL)
        return KEEL_ERR_ARG;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KEEL_ERR_RANGE;
    /* Format whole, then let the add cut it: the note then names the true length. */
    line = malloc((size_t)n + 1);
    if (line == NULL)
        return KEEL_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ret = keel_audit_evidence_add(ev, line, (size_t)n);
    free(line);
    return ret;
}

void keel_audit_evidence_free(keel_audit_evidence *ev)
{
    if (ev == NULL)
        return;
    for (size_t i = 0; i < ev->count; i++)
        free(ev->lines[i]);
    memset(ev, 0, sizeof(*ev));
}

void keel_audit_say(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || whysz == 0)
        return;
    va_start(ap, fmt);
    if (vsnprintf(why, whysz, fmt, ap) < 0)
        why[0] = '\0';
    va_end(ap);
}
