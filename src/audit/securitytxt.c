/* security.txt (RFC 9116) as 5.2-1-2 reads it: the file a device serves is untrusted, so the
 * parser follows the RFC's grammar strictly and refuses anything else with the line and the
 * rule, so that a maker can fix the file. Unknown fields are skipped, as the RFC asks;
 * the values of the fields 5.2-1 needs are checked here and judged by
 * keel_audit_securitytxt_judge. Dates and URIs have their own small, strict readers: RFC
 * 3339 and RFC 3986 syntax, nothing lenient. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "audit.h"

#define PGP_SIGNED "-----BEGIN PGP SIGNED MESSAGE-----"
#define PGP_SIGNATURE "-----BEGIN PGP SIGNATURE-----"
#define PGP_END "-----END PGP SIGNATURE-----"

/* ---- dates ---------------------------------------------------------------------------- */

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Seconds since the epoch of y-m-d h:mi:s UTC, 0 when that day does not exist (timegm
 * would move 2023-02-30 into March). */
static int civil_time(int y, int m, int d, int h, int mi, int s, int64_t *out)
{
    struct tm tm, back;
    time_t t;

    if (m < 1 || m > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return 0;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    t = timegm(&tm);
    if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
        back.tm_mon != m - 1 || back.tm_year != y - 1900)
        return 0;
    *out = (int64_t)t;
    return 1;
}

keel_err keel_audit_date_parse(const char *text, size_t len, int64_t *out)
{
    int y, m, d;

    if (text == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = 0;
    if (len != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 4, &y) ||
        !digits(text + 5, 2, &m) || !digits(text + 8, 2, &d) || !civil_time(y, m, d, 0, 0, 0, out))
        return KEEL_ERR_PARSE;
    return KEEL_OK;
}

/* The time-offset at s (n bytes): "Z", "z", "+HH:MM", "-HH:MM", in seconds east of UTC. */
static int offset_seconds(const char *s, size_t n, int64_t *out)
{
    int h, m;

    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *out = 0;
        return 1;
    }
    if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !digits(s + 1, 2, &h) ||
        !digits(s + 4, 2, &m) || h > 23 || m > 59)
        return 0;
    *out = (s[0] == '-' ? -1 : 1) * (int64_t)(h * 3600 + m * 60);
    return 1;
}

keel_err keel_audit_rfc3339_parse(const char *text, size_t len, int64_t *out)
{
    int y, mo, d, h, mi, s;
    int64_t base = 0, off = 0;
    size_t i = 19;

    if (text == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = 0;
    if (len < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':' || !digits(text, 4, &y) || !digits(text + 5, 2, &mo) ||
        !digits(text + 8, 2, &d) || !digits(text + 11, 2, &h) || !digits(text + 14, 2, &mi) ||
        !digits(text + 17, 2, &s))
        return KEEL_ERR_PARSE;
    if (text[i] == '.') {
        size_t start = ++i;
        while (i < len && text[i] >= '0' && text[i] <= '9')
            i++;
        if (i == start)
            return KEEL_ERR_PARSE;
    }
    if (!offset_seconds(text + i, len - i, &off) || !civil_time(y, mo, d, h, mi, s, &base))
        return KEEL_ERR_PARSE;
    *out = base - off;
    return KEEL_OK;
}

/* ---- URIs (RFC 3986 syntax) ----------------------------------------------------------- */

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* unreserved, gen-delims and sub-delims: every character a URI may hold besides '%'. */
static int uri_char(char c)
{
    return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=", c));
}

/* An https URI must name a host: libcurl's parser (the one that would fetch it) says. */
static int https_has_host(const char *text, size_t len)
{
    char copy[KEEL_AUDIT_SECTXT_LINE_MAX + 1];
    char *host = NULL;
    CURLU *u;
    int ok = 0;

    /* RFC 3986: "//" then the authority; libcurl would read "https:///x" as host x. */
    if (len >= sizeof(copy) || len < 9 || strncasecmp(text, "https://", 8) != 0 ||
        strchr("/?#", text[8]) != NULL)
        return 0;
    memcpy(copy, text, len);
    copy[len] = '\0';
    u = curl_url();
    if (u != NULL && curl_url_set(u, CURLUPART_URL, copy, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0')
        ok = 1;
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

int keel_audit_uri_valid(const char *text, size_t len)
{
    size_t i = 0;

    if (text == NULL || len == 0 || !is_alpha(text[0]))
        return 0;
    while (i < len && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '+' || text[i] == '-' ||
                       text[i] == '.'))
        i++;
    if (i == len || text[i] != ':' || i + 1 == len)
        return 0;
    for (size_t j = i + 1; j < len; j++) {
        if (text[j] == '%') {
            if (j + 2 >= len || !is_hex(text[j + 1]) || !is_hex(text[j + 2]))
                return 0;
            j += 2;
        } else if (!uri_char(text[j])) {
            return 0;
        }
    }
    /* RFC 9116 2.5: a web URI in security.txt must be https. */
    if (i == 4 && strncasecmp(text, "http", 4) == 0)
        return 0;
    if (i == 5 && strncasecmp(text, "https", 5) == 0)
        return https_has_host(text, len);
    return 1;
}

/* ---- the file --------------------------------------------------------------------------- */

typedef struct reader {
    keel_audit_securitytxt *out;
    char *why;
    size_t whysz;
    size_t line; /* 1-based number of the line being read */
} reader;

KEEL_PRINTF(3, 4)
static keel_err refuse(reader *r, keel_err err, const char *fmt, ...)
{
    char rule[160];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(rule, sizeof(rule), fmt, ap) < 0)
        rule[0] = '\0';
    va_end(ap);
    /* Cut to fit rather than lost: the reason is for a person fixing the file. */
    if (r->why != NULL && r->whysz > 0) {
        if (r->line > 0)
            (void)snprintf(r->why, r->whysz, "line %zu: %s", r->line, rule);
        else
            (void)snprintf(r->why, r->whysz, "%s", rule);
    }
    return err;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4, cp = c & 0x07;
    else
        return 0;
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need;
}

/* The whole text: UTF-8, no NUL, no byte order mark, no CR but before LF. */
static keel_err check_bytes(reader *r, const unsigned char *t, size_t len)
{
    r->line = 1;
    if (len >= 3 && t[0] == 0xef && t[1] == 0xbb && t[2] == 0xbf)
        return refuse(r, KEEL_ERR_PARSE, "starts with a byte order mark");
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len(t + i, len - i);

        if (n == 0)
            return refuse(r, KEEL_ERR_PARSE, "not UTF-8 (byte 0x%02x)", t[i]);
        if (t[i] == '\0')
            return refuse(r, KEEL_ERR_PARSE, "holds a NUL byte");
        if (t[i] == '\r' && (i + 1 == len || t[i + 1] != '\n'))
            return refuse(r, KEEL_ERR_PARSE, "a CR not followed by LF");
        if (t[i] == '\n')
            r->line++;
        i += n;
    }
    r->line = 0;
    return KEEL_OK;
}

/* Keep a value (cut to fit) for evidence. */
static void keep(char *dst, const char *v, size_t n)
{
    size_t m = n < KEEL_AUDIT_SECTXT_VALUE_MAX - 1 ? n : KEEL_AUDIT_SECTXT_VALUE_MAX - 1;

    memcpy(dst, v, m);
    dst[m] = '\0';
}

static void count_value(keel_audit_sectxt_field *f, const char *v, size_t n, int valid)
{
    if (f->count < KEEL_AUDIT_SECTXT_KEEP)
        keep(f->values[f->count], v, n);
    f->count++;
    if (!valid && f->invalid++ == 0)
        keep(f->first_invalid, v, n);
}

/* Preferred-Languages: language tags (RFC 5646's outline: a 2-8 letter primary subtag,
 * then '-'-separated subtags of 1-8 letters or digits), separated by commas and spaces. */
static int languages_valid(const char *v, size_t n)
{
    size_t i = 0, tags = 0;

    while (i < n) {
        size_t sub = 0, first = 1;

        while (i < n && v[i] == ' ')
            i++;
        for (;;) {
            size_t start = i;
            while (i < n && (is_alpha(v[i]) || (!first && is_digit(v[i]))))
                i++;
            sub = i - start;
            if (sub < (first ? 2u : 1u) || sub > 8)
                return 0;
            first = 0;
            if (i < n && v[i] == '-') {
                i++;
                continue;
            }
            break;
        }
        tags++;
        while (i < n && v[i] == ' ')
            i++;
        if (i < n && v[i] != ',')
            return 0;
        if (i < n)
            i++;
    }
    return tags > 0;
}

static void take_field(reader *r, const char *name, size_t nlen, const char *v, size_t n)
{
    keel_audit_securitytxt *o = r->out;
    int64_t t = 0;

#define IS(lit) (nlen == sizeof(lit) - 1 && strncasecmp(name, lit, nlen) == 0)
    if (IS("Contact")) {
        count_value(&o->contact, v, n, keel_audit_uri_valid(v, n));
    } else if (IS("Expires")) {
        int ok = keel_audit_rfc3339_parse(v, n, &t) == KEEL_OK;
        if (ok && o->expires.count == o->expires.invalid)
            o->expires_at = t;
        count_value(&o->expires, v, n, ok);
    } else if (IS("Policy")) {
        count_value(&o->policy, v, n, keel_audit_uri_valid(v, n));
    } else if (IS("Preferred-Languages")) {
        count_value(&o->languages, v, n, languages_valid(v, n));
    } else if (IS("Canonical")) {
        count_value(&o->canonical, v, n, keel_audit_uri_valid(v, n));
    } else {
        o->other_fields++;
    }
#undef IS
}

/* One line of content (without its end): empty, a comment, or a field. */
static keel_err read_line(reader *r, const char *s, size_t n)
{
    size_t name_end = 0, v, end;

    if (n == 0 || s[0] == '#')
        return KEEL_OK;
    while (name_end < n && s[name_end] > ' ' && s[name_end] < 0x7f && s[name_end] != ':')
        name_end++;
    if (name_end == 0 || name_end == n || s[name_end] != ':')
        return refuse(r, KEEL_ERR_PARSE, "not a field (Name: value), comment or empty line");
    v = name_end + 1;
    while (v < n && (s[v] == ' ' || s[v] == '\t'))
        v++;
    end = n;
    while (end > v && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    if (end == v)
        return refuse(r, KEEL_ERR_PARSE, "field '%.*s' has no value",
                      (int)(name_end < 64 ? name_end : 64), s);
    for (size_t i = v; i < end; i++) {
        if ((unsigned char)s[i] < 0x20 ? s[i] != '\t' : s[i] == 0x7f)
            return refuse(r, KEEL_ERR_PARSE, "a control character in the value");
    }
    take_field(r, s, name_end, s + v, end - v);
    return KEEL_OK;
}

/* The next line at *pos of text (len bytes) into *line, *n without CR LF; 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
    const char *nl;

    if (*pos >= len)
        return 0;
    *line = text + *pos;
    nl = memchr(*line, '\n', len - *pos);
    *n = nl != NULL ? (size_t)(nl - *line) : len - *pos;
    *pos += *n + (nl != NULL);
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    return 1;
}

static int line_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* After "-----BEGIN PGP SIGNED MESSAGE-----": armor headers ("Hash: ...") up to an empty
 * line. */
static keel_err skip_armor(reader *r, const char *text, size_t len, size_t *pos)
{
    const char *s;
    size_t n;

    while (next_line(text, len, pos, &s, &n)) {
        r->line++;
        if (n == 0)
            return KEEL_OK;
        if (n < 6 || memcmp(s, "Hash: ", 6) != 0)
            return refuse(r, KEEL_ERR_PARSE, "not an armor header of the OpenPGP frame");
    }
    return refuse(r, KEEL_ERR_PARSE, "the OpenPGP frame ends before its text");
}

/* The signature block up to its end; after it only empty lines. */
static keel_err skip_signature(reader *r, const char *text, size_t len, size_t *pos)
{
    const char *s;
    size_t n;
    int ended = 0;

    while (next_line(text, len, pos, &s, &n)) {
        r->line++;
        if (ended && n != 0)
            return refuse(r, KEEL_ERR_PARSE, "text after the OpenPGP signature");
        if (line_is(s, n, PGP_END))
            ended = 1;
    }
    if (!ended)
        return refuse(r, KEEL_ERR_PARSE, "the OpenPGP signature does not end");
    return KEEL_OK;
}

static keel_err read_all(reader *r, const char *text, size_t len)
{
    const char *s;
    size_t pos = 0, n;
    keel_err ret;

    while (next_line(text, len, &pos, &s, &n)) {
        r->line++;
        r->out->lines++;
        if (n > KEEL_AUDIT_SECTXT_LINE_MAX)
            return refuse(r, KEEL_ERR_TOO_LARGE, "longer than %d bytes",
                          KEEL_AUDIT_SECTXT_LINE_MAX);
        if (r->line == 1 && line_is(s, n, PGP_SIGNED)) {
            r->out->is_signed = 1;
            if ((ret = skip_armor(r, text, len, &pos)) != KEEL_OK)
                return ret;
            continue;
        }
        if (r->out->is_signed && line_is(s, n, PGP_SIGNATURE))
            return skip_signature(r, text, len, &pos);
        if (r->out->is_signed && n > 0 && s[0] == '-') {
            /* RFC 4880 7.1: every line of signed text starting with '-' is dash-escaped. */
            if (n < 2 || s[1] != ' ')
                return refuse(r, KEEL_ERR_PARSE, "a line starting with '-' not dash-escaped");
            s += 2;
            n -= 2;
        }
        if ((ret = read_line(r, s, n)) != KEEL_OK)
            return ret;
    }
    if (r->out->is_signed)
        return refuse(r, KEEL_ERR_PARSE, "the OpenPGP signed text has no signature");
    return KEEL_OK;
}

keel_err keel_audit_securitytxt_parse(const void *text, size_t len, keel_audit_securitytxt *out,
                                      char *why, size_t whysz)
{
    reader r = {.out = out, .why = why, .whysz = whysz, .line = 0};
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (text == NULL && len != 0)
        return KEEL_ERR_ARG;
    if (len > KEEL_AUDIT_SECTXT_MAX)
        return refuse(&r, KEEL_ERR_TOO_LARGE, "larger than %zu bytes", KEEL_AUDIT_SECTXT_MAX);
    ret = check_bytes(&r, text, len);
    if (ret == KEEL_OK)
        ret = read_all(&r, text, len);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}
