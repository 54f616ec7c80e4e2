/* A device label as printed at provisioning (5.1-1: the unique per-device password goes
 * on the label): "serial: ..." and "password: ..." lines, whatever else the maker prints.
 * Label files come from the device maker and are read as untrusted text. */
#include <string.h>

#include "audit.h"

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

static int hex_run(const char *v, size_t n, size_t i, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (i + k >= n || !is_hex(v[i + k]))
            return 0;
    }
    return 1;
}

/* A hex digit or separator right before or after a token joins it to something longer. */
static int joined(const char *v, size_t n, size_t at)
{
    return at < n && (is_hex(v[at]) || v[at] == ':' || v[at] == '-');
}

/* A MAC-like token at v[i]: six hex pairs joined by one ':' or '-' each, or 12 hex digits,
 * standing alone. Its 12 digits go to out in lower case. */
static int mac_at(const char *v, size_t n, size_t i, char out[13])
{
    size_t span = 12;

    if (i > 0 && joined(v, n, i - 1))
        return 0;
    if (!hex_run(v, n, i, 12)) {
        char sep = '\0';
        if (i + 2 < n)
            sep = v[i + 2];
        if (sep != ':' && sep != '-')
            return 0;
        for (size_t k = 0; k < 6; k++) {
            if (!hex_run(v, n, i + 3 * k, 2) ||
                (k < 5 && (i + 3 * k + 2 >= n || v[i + 3 * k + 2] != sep)))
                return 0;
        }
        span = 17;
    }
    if (joined(v, n, i + span))
        return 0;
    for (size_t k = 0, o = 0; k < span; k++) {
        if (is_hex(v[i + k]))
            out[o++] = lower(v[i + k]);
    }
    out[12] = '\0';
    return 1;
}

static void find_mac(const char *v, size_t n, keel_audit_label *out)
{
    for (size_t i = 0; out->mac[0] == '\0' && i + 12 <= n; i++)
        (void)mac_at(v, n, i, out->mac);
}

static int key_is(const char *k, size_t kn, const char *want)
{
    size_t n = strlen(want);

    if (kn != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (lower(k[i]) != want[i])
            return 0;
    }
    return 1;
}

/* One line "key: value" (value trimmed of spaces and tabs at both ends). */
static keel_err take_line(const char *line, size_t n, keel_audit_label *out, int *seen)
{
    const char *colon = memchr(line, ':', n);
    size_t kn, vs, ve;

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
            return KEEL_ERR_PARSE;
    }
    if (colon == NULL)
        return KEEL_OK;
    kn = (size_t)(colon - line);
    vs = kn + 1;
    ve = n;
    while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
        vs++;
    while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
        ve--;
    /* The password line itself is not searched: a MAC-like password is not "derived". */
    if (!key_is(line, kn, "password"))
        find_mac(line + vs, ve - vs, out);
    if (key_is(line, kn, "password") || key_is(line, kn, "serial")) {
        int which = line[0] == 'p' || line[0] == 'P';
        if (seen[which] || ve == vs)
            return KEEL_ERR_PARSE;
        seen[which] = 1;
        if (ve - vs >= KEEL_AUDIT_LABEL_FIELD_MAX)
            return KEEL_ERR_TOO_LARGE;
        if (which)
            return keel_secret_set(&out->password, line + vs, ve - vs);
        memcpy(out->serial, line + vs, ve - vs);
        out->serial[ve - vs] = '\0';
    }
    return KEEL_OK;
}

keel_err keel_audit_label_parse(const void *text, size_t len, keel_audit_label *out)
{
    const char *p = text != NULL ? text : "";
    int seen[2] = {0, 0};
    size_t start = 0;
    keel_err ret = KEEL_ERR_ARG;

    if (out == NULL || (text == NULL && len != 0))
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = KEEL_ERR_TOO_LARGE;
    if (len > KEEL_AUDIT_LABEL_FILE_MAX)
        goto out;
    ret = KEEL_OK;
    for (size_t i = 0; i <= len && ret == KEEL_OK; i++) {
        if (i < len && p[i] != '\n')
            continue;
        size_t end = i;
        if (end > start && p[end - 1] == '\r')
            end--;
        ret = take_line(p + start, end - start, out, seen);
        start = i + 1;
    }
    if (ret == KEEL_OK && (!seen[0] || !seen[1]))
        ret = KEEL_ERR_PARSE;
out:
    if (ret != KEEL_OK)
        keel_audit_label_clear(out);
    return ret;
}

void keel_audit_label_clear(keel_audit_label *l)
{
    if (l == NULL)
        return;
    keel_secret_clear(&l->password);
    keel_wipe(l, sizeof(*l));
}
