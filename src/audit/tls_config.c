/* TLS configurations in a firmware tree (5.5-1-3): the directives of nginx, Apache,
 * lighttpd, mosquitto, OpenSSL's openssl.cnf, stunnel and HAProxy that allow a legacy
 * protocol or weak cipher suites. EN 303 645 5.5-1 asks for best-practice cryptography on
 * every channel; TLS 1.0 and 1.1 are deprecated by RFC 8996 and SSL 3.0 by RFC 7568, and the
 * suite classes judged weak here are those RFC 7525 (BCP 195) says must not be negotiated.
 *
 * Each file is read line by line (a line cut at KEEL_AUDIT_TLS_LINE_MAX, comments dropped)
 * and split into at most WORDS_MAX words; nothing is allocated. */
#include <string.h>
#include <strings.h>

#include "tls_config.h"

#define WORDS_MAX 64
#define WEAK_MAX 160

typedef struct line {
    char buf[KEEL_AUDIT_TLS_LINE_MAX + 1];
    char *w[WORDS_MAX]; /* words: split at blanks, ',', ';', '(', ')', quotes and " = " */
    size_t n;
    size_t no; /* 1-based line number */
} line;

/* What one file switched on and set. */
typedef struct file_state {
    int tls_on;    /* a directive that switches TLS on for a listener */
    int tls_set;   /* any TLS directive judged (protocols or ciphers) */
    int has_floor; /* a protocol directive */
} file_state;

static const struct {
    const char *dir, *base, *name;
} places[] = {
    [KEEL_AUDIT_TLS_NGINX] = {"etc/nginx/", "nginx.conf", "nginx"},
    [KEEL_AUDIT_TLS_APACHE] = {"etc/apache2/", "httpd.conf", "Apache"},
    [KEEL_AUDIT_TLS_LIGHTTPD] = {"etc/lighttpd/", "lighttpd.conf", "lighttpd"},
    [KEEL_AUDIT_TLS_MOSQUITTO] = {"etc/mosquitto/", "mosquitto.conf", "mosquitto"},
    [KEEL_AUDIT_TLS_OPENSSL] = {NULL, "openssl.cnf", "OpenSSL"},
    [KEEL_AUDIT_TLS_STUNNEL] = {"etc/stunnel/", "stunnel.conf", "stunnel"},
    [KEEL_AUDIT_TLS_HAPROXY] = {"etc/haproxy/", "haproxy.cfg", "HAProxy"},
};
#define N_PLACES (sizeof(places) / sizeof(places[0]))

/* Whether rel has dir at its start or right after a '/'. */
static int below(const char *rel, const char *dir)
{
    size_t n = strlen(dir);

    for (const char *p = rel; (p = strstr(p, dir)) != NULL; p++) {
        if (p == rel || p[-1] == '/')
            return p[n] != '\0';
        (void)n;
    }
    return 0;
}

keel_audit_tls_software keel_audit_tls_software_of(const char *rel)
{
    const char *base;

    if (rel == NULL)
        return KEEL_AUDIT_TLS_NONE;
    base = strrchr(rel, '/');
    base = base != NULL ? base + 1 : rel;
    for (size_t i = 0; i < N_PLACES; i++) {
        if (strcmp(base, places[i].base) == 0)
            return (keel_audit_tls_software)i;
    }
    if (strcmp(base, "apache2.conf") == 0 || strcmp(base, "ssl.conf") == 0 ||
        below(rel, "etc/httpd/"))
        return KEEL_AUDIT_TLS_APACHE;
    for (size_t i = 0; i < N_PLACES; i++) {
        if (places[i].dir != NULL && below(rel, places[i].dir))
            return (keel_audit_tls_software)i;
    }
    return KEEL_AUDIT_TLS_NONE;
}

const char *keel_audit_tls_software_name(keel_audit_tls_software sw)
{
    if ((int)sw < 0 || (size_t)sw >= N_PLACES)
        return "?";
    return places[sw].name;
}

int keel_audit_tls_version_legacy(const char *p, size_t n)
{
    static const char *const legacy[] = {"sslv2",   "sslv3",  "ssl2",   "ssl3",   "tlsv1",
                                         "tlsv1.0", "tlsv10", "tls1",   "tls1.0", "tls10",
                                         "tlsv1.1", "tlsv11", "tls1.1", "tls11",  "tlsv1_0",
                                         "tlsv1_1", "tls1_0", "tls1_1", "tlsv1_1"};
    static const char *const modern[] = {"tlsv1.2", "tlsv12",  "tls1.2", "tls12",
                                         "tlsv1_2", "tlsv1.3", "tlsv13", "tls1.3",
                                         "tls13",   "tlsv1_3", "tls1_2", "tls1_3"};

    if (p == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        if (strlen(legacy[i]) == n && strncasecmp(p, legacy[i], n) == 0)
            return 1;
    }
    for (size_t i = 0; i < sizeof(modern) / sizeof(modern[0]); i++) {
        if (strlen(modern[i]) == n && strncasecmp(p, modern[i], n) == 0)
            return 0;
    }
    return -1;
}

static int token_is(const char *t, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(t, name, n) == 0;
}

static int token_has(const char *t, size_t n, const char *part)
{
    size_t k = strlen(part);

    for (size_t i = 0; k <= n && i + k <= n; i++) {
        if (strncasecmp(t + i, part, k) == 0)
            return 1;
    }
    return 0;
}

/* The weak class a positive cipher-string token names, or NULL. */
static const char *weak_class(const char *t, size_t n)
{
    static const char *const classes[] = {"NULL",
                                          "eNULL",
                                          "aNULL",
                                          "ADH",
                                          "AECDH",
                                          "EXP",
                                          "EXPORT",
                                          "EXPORT40",
                                          "EXPORT56",
                                          "LOW",
                                          "DES",
                                          "3DES",
                                          "RC4",
                                          "RC2",
                                          "MD5",
                                          "SSLv2",
                                          "COMPLEMENTOFALL",
                                          "COMPLEMENTOFDEFAULT"};
    static const char *const parts[][2] = {
        {"RC4", "RC4"},     {"DES-CBC", "DES"}, {"NULL", "NULL"},    {"EXP-", "EXP"},
        {"EXP1024", "EXP"}, {"ADH-", "ADH"},    {"AECDH-", "AECDH"}, {"anon", "anon"},
        {"_DES_", "DES"},   {"_RC4_", "RC4"}};

    if (token_has(t, n, "@SECLEVEL=0"))
        return "@SECLEVEL=0";
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (token_is(t, n, classes[i]))
            return classes[i];
    }
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (token_has(t, n, parts[i][0]))
            return parts[i][1];
    }
    if (n > 4 && strncasecmp(t + n - 4, "-MD5", 4) == 0)
        return "MD5";
    return NULL;
}

static int cipher_sep(char c)
{
    return c == ':' || c == ',' || c == ' ' || c == '\t' || c == ';' || c == '"' || c == '\'';
}

/* Whether the cipher string holds "!name" (a permanent removal). */
static int removed(const char *spec, size_t len, const char *name)
{
    size_t k = strlen(name);

    for (size_t i = 0; i + k + 1 <= len; i++) {
        if (spec[i] == '!' && strncasecmp(spec + i + 1, name, k) == 0 &&
            (i + 1 + k == len || cipher_sep(spec[i + 1 + k])))
            return 1;
    }
    return 0;
}

static void add_name(char *out, size_t outsz, size_t *count, const char *name)
{
    size_t used = strlen(out);

    if (strstr(out, name) != NULL || used + strlen(name) + 3 > outsz)
        return;
    if (used > 0)
        (void)keel_str_copy(out + used, outsz - used, ", ");
    used = strlen(out);
    (void)keel_str_copy(out + used, outsz - used, name);
    (*count)++;
}

size_t keel_audit_tls_ciphers_weak(const char *spec, size_t len, char *out, size_t outsz)
{
    size_t i = 0, count = 0;

    if (out == NULL || outsz == 0)
        return 0;
    out[0] = '\0';
    if (spec == NULL)
        return 0;
    while (i < len) {
        while (i < len && cipher_sep(spec[i]))
            i++;
        size_t start = i;
        while (i < len && !cipher_sep(spec[i]))
            i++;
        const char *t = spec + start;
        size_t n = i - start;
        if (n == 0)
            continue;
        if (t[0] == '!' || t[0] == '-')
            continue;
        if (t[0] == '+') {
            t++;
            n--;
        }
        const char *weak = weak_class(t, n);
        if (weak != NULL && strcmp(weak, "@SECLEVEL=0") != 0) {
            char name[32];
            if (keel_str_copy(name, sizeof(name), weak) == KEEL_OK && !removed(spec, len, name))
                add_name(out, outsz, &count, weak);
        } else if (weak != NULL) {
            add_name(out, outsz, &count, weak);
        } else if ((token_is(t, n, "ALL") || token_has(t, n, "ALL@")) &&
                   !removed(spec, len, "aNULL") && !removed(spec, len, "ADH") &&
                   !removed(spec, len, "NULL")) {
            add_name(out, outsz, &count, "ALL without !aNULL (anonymous suites)");
        }
    }
    return count;
}

/* ---- Lines -------------------------------------------------------------------------------- */

static int word_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ';' || c == '(' || c == ')' ||
           c == '"' || c == '\'' || c == '{' || c == '}';
}

/* Fill l from text[0..len): comment dropped (a '#' at the start or after a blank), words
 * split; "key=value" split at its first '=', "=>" dropped. */
static void split(line *l, const char *text, size_t len)
{
    size_t n = len < KEEL_AUDIT_TLS_LINE_MAX ? len : KEEL_AUDIT_TLS_LINE_MAX, i = 0;
    char *b = l->buf;

    memcpy(b, text, n);
    b[n] = '\0';
    for (size_t k = 0; k < n; k++) {
        if (b[k] == '\0' || (b[k] == '#' && (k == 0 || b[k - 1] == ' ' || b[k - 1] == '\t'))) {
            b[k] = '\0';
            n = k;
            break;
        }
    }
    l->n = 0;
    while (i < n && l->n < WORDS_MAX) {
        while (i < n && (word_sep(b[i]) || b[i] == '=' || b[i] == '>'))
            b[i++] = '\0';
        if (i >= n)
            break;
        l->w[l->n++] = b + i;
        /* a key ends at the first '=' (MinProtocol=TLSv1); a cipher string keeps its '=' */
        int key = l->n == 1;
        while (i < n && !word_sep(b[i]) && !(key && b[i] == '='))
            i++;
    }
}

static int is(const char *w, const char *name)
{
    return w != NULL && strcasecmp(w, name) == 0;
}

static void finding(keel_audit_tls_scan *s, const char *path, const line *l, const char *what,
                    const char *why, int legacy)
{
    if (legacy)
        s->legacy++;
    else
        s->weak++;
    if (s->findings != NULL)
        (void)keel_audit_evidence_addf(s->findings, "%s:%zu: %s %s", path, l->no, what, why);
}

/* Versions named by words w[from..n) (a "+"/"-" prefix: added / removed, Apache style; "all"
 * adds every version); a finding when a legacy one stays. */
static void versions(keel_audit_tls_scan *s, const char *path, const line *l, size_t from,
                     file_state *f, int all_is_legacy)
{
    char legacy[WEAK_MAX] = "";
    size_t count = 0;
    int added[4] = {0, 0, 0, 0}; /* SSLv2, SSLv3, TLSv1, TLSv1.1 */
    static const char *const names[4] = {"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"};

    f->tls_set = f->has_floor = 1;
    for (size_t i = from; i < l->n; i++) {
        const char *w = l->w[i];
        int on = w[0] != '-' && w[0] != '!';
        if (w[0] == '+' || w[0] == '-' || w[0] == '!')
            w++;
        if (is(w, "all") && all_is_legacy) {
            for (size_t k = 1; k < 4; k++) /* SSLv3 to TLS 1.1: "all" left SSLv2 out */
                added[k] = on;
            continue;
        }
        if (keel_audit_tls_version_legacy(w, strlen(w)) != 1)
            continue;
        size_t k = (w[0] == 's' || w[0] == 'S') ? (strchr(w, '2') ? 0 : 1)
                   : (strstr(w, "1.1") || strstr(w, "11") || strstr(w, "1_1")) ? 3
                                                                               : 2;
        added[k] = on;
    }
    for (size_t k = 0; k < 4; k++) {
        if (added[k])
            add_name(legacy, sizeof(legacy), &count, names[k]);
    }
    if (count > 0) {
        char why[WEAK_MAX + 32];
        (void)keel_str_format(why, sizeof(why), "allows %s (legacy protocols)", legacy);
        finding(s, path, l, l->w[0], why, 1);
    }
}

/* A minimum version in w (lighttpd MinProtocol, openssl.cnf MinProtocol, stunnel
 * sslVersionMin, HAProxy ssl-min-ver). */
static void minimum(keel_audit_tls_scan *s, const char *path, const line *l, const char *what,
                    const char *w, file_state *f)
{
    char why[96];

    f->tls_set = f->has_floor = 1;
    if (w == NULL || keel_audit_tls_version_legacy(w, strlen(w)) != 1)
        return;
    (void)keel_str_format(why, sizeof(why), "%.40s (a legacy protocol as the minimum)", w);
    finding(s, path, l, what, why, 1);
}

/* A cipher string made of words w[from..n). */
static void ciphers(keel_audit_tls_scan *s, const char *path, const line *l, const char *what,
                    size_t from, file_state *f)
{
    char spec[KEEL_AUDIT_TLS_LINE_MAX + 1] = "", weak[WEAK_MAX], why[WEAK_MAX + 32];
    size_t used = 0;

    f->tls_set = 1;
    for (size_t i = from; i < l->n; i++) {
        size_t k = strlen(l->w[i]);
        if (used + k + 2 > sizeof(spec))
            break;
        memcpy(spec + used, l->w[i], k);
        used += k;
        spec[used++] = ':';
        spec[used] = '\0';
    }
    if (keel_audit_tls_ciphers_weak(spec, used, weak, sizeof(weak)) == 0)
        return;
    (void)keel_str_format(why, sizeof(why), "enables %s (weak suites)", weak);
    finding(s, path, l, what, why, 0);
}

static int has_word(const line *l, const char *name)
{
    for (size_t i = 1; i < l->n; i++) {
        if (is(l->w[i], name))
            return 1;
    }
    return 0;
}

static void nginx(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    const char *d = l->w[0];

    if (is(d, "ssl_protocols") || is(d, "proxy_ssl_protocols"))
        versions(s, path, l, 1, f, 0);
    else if (is(d, "ssl_ciphers") || is(d, "proxy_ssl_ciphers"))
        ciphers(s, path, l, d, 1, f);
    else if (strncasecmp(d, "ssl_certificate", 15) == 0 ||
             (is(d, "listen") && has_word(l, "ssl")) || (is(d, "ssl") && has_word(l, "on")))
        f->tls_on = 1;
}

static void apache(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    const char *d = l->w[0];

    if (is(d, "SSLProtocol") || is(d, "SSLProxyProtocol"))
        versions(s, path, l, 1, f, 1);
    else if (is(d, "SSLCipherSuite") || is(d, "SSLProxyCipherSuite"))
        ciphers(s, path, l, d, l->n > 2 && (is(l->w[1], "SSL") || is(l->w[1], "TLSv1.3")) ? 2 : 1,
                f);
    else if ((is(d, "SSLEngine") && has_word(l, "on")) || is(d, "SSLCertificateFile"))
        f->tls_on = 1;
}

static void lighttpd(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *w = l->w[i];
        const char *next = i + 1 < l->n ? l->w[i + 1] : NULL;
        if ((is(w, "ssl.use-sslv2") || is(w, "ssl.use-sslv3")) && next != NULL) {
            f->tls_set = 1;
            if (is(next, "enable"))
                finding(s, path, l, w, "= \"enable\" (a legacy protocol)", 1);
        } else if (is(w, "MinProtocol") && next != NULL) {
            minimum(s, path, l, "ssl-conf-cmd MinProtocol", next, f);
        } else if (is(w, "CipherString") || is(w, "ssl.cipher-list")) {
            line one = *l;
            one.n = i + 2 <= l->n ? i + 2 : l->n;
            ciphers(s, path, &one, w, i + 1, f);
        } else if ((is(w, "ssl.engine") && next != NULL && is(next, "enable")) ||
                   is(w, "ssl.pemfile")) {
            f->tls_on = 1;
        }
    }
}

static void mosquitto(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    const char *d = l->w[0];

    if (is(d, "tls_version") || is(d, "bridge_tls_version")) {
        f->tls_set = f->has_floor = 1;
        if (l->n > 1 && keel_audit_tls_version_legacy(l->w[1], strlen(l->w[1])) == 1)
            finding(s, path, l, d, l->w[1], 1);
    } else if (is(d, "ciphers") || is(d, "ciphers_tls1.3")) {
        ciphers(s, path, l, d, 1, f);
    } else if (is(d, "certfile") || is(d, "keyfile") || is(d, "psk_hint")) {
        f->tls_on = 1;
    }
}

static void openssl_cnf(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    const char *d = l->w[0];

    if (is(d, "MinProtocol") && l->n > 1) {
        minimum(s, path, l, d, l->w[1], f);
    } else if (is(d, "Protocol")) {
        versions(s, path, l, 1, f, 1);
    } else if (is(d, "CipherString")) {
        ciphers(s, path, l, d, 1, f);
    }
}

static void stunnel(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    const char *d = l->w[0];

    if (is(d, "sslVersion") && l->n > 1) {
        f->tls_set = f->has_floor = 1;
        if (is(l->w[1], "all"))
            finding(s, path, l, d, "= all (legacy protocols)", 1);
        else
            minimum(s, path, l, d, l->w[1], f);
    } else if (is(d, "sslVersionMin") && l->n > 1) {
        minimum(s, path, l, d, l->w[1], f);
    } else if (is(d, "ciphers")) {
        ciphers(s, path, l, d, 1, f);
    } else if (is(d, "cert") || is(d, "accept")) {
        f->tls_on = 1;
    }
}

static void haproxy(keel_audit_tls_scan *s, const char *path, const line *l, file_state *f)
{
    if (is(l->w[0], "bind") && (has_word(l, "ssl") || has_word(l, "crt")))
        f->tls_on = 1;
    for (size_t i = 0; i < l->n; i++) {
        const char *w = l->w[i];
        if (is(w, "ssl-min-ver") && i + 1 < l->n) {
            minimum(s, path, l, w, l->w[i + 1], f);
        } else if (is(w, "force-sslv3") || is(w, "force-tlsv10") || is(w, "force-tlsv11")) {
            f->tls_set = f->has_floor = 1;
            finding(s, path, l, w, "(forces a legacy protocol)", 1);
        } else if (is(w, "no-tlsv11")) {
            f->tls_set = f->has_floor = 1;
        } else if ((is(w, "ciphers") || is(w, "ssl-default-bind-ciphers") ||
                    is(w, "ssl-default-server-ciphers")) &&
                   i + 1 < l->n) {
            line one = *l;
            one.n = i + 2;
            ciphers(s, path, &one, w, i + 1, f);
        }
    }
}

void keel_audit_tls_config_scan(keel_audit_tls_software sw, const char *path, const char *text,
                                size_t len, keel_audit_tls_scan *s)
{
    line l;
    file_state f = {0, 0, 0};
    size_t at = 0, no = 0;

    if (s == NULL || path == NULL || (text == NULL && len != 0) || (int)sw < 0 ||
        (size_t)sw >= N_PLACES)
        return;
    s->files++;
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        split(&l, text + at, end - at);
        l.no = ++no;
        at = end + 1;
        if (l.n == 0)
            continue;
        switch (sw) {
        case KEEL_AUDIT_TLS_NGINX: nginx(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_APACHE: apache(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_LIGHTTPD: lighttpd(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_MOSQUITTO: mosquitto(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_OPENSSL: openssl_cnf(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_STUNNEL: stunnel(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_HAPROXY: haproxy(s, path, &l, &f); break;
        case KEEL_AUDIT_TLS_NONE: return;
        }
    }
    if (f.tls_on || f.tls_set)
        s->tls_files++;
    if (f.tls_on && !f.has_floor && sw != KEEL_AUDIT_TLS_OPENSSL) {
        s->no_floor++;
        if (s->notes != NULL)
            (void)keel_audit_evidence_addf(s->notes,
                                           "%s: %s switches TLS on without a protocol "
                                           "directive: the default of its version applies",
                                           path, keel_audit_tls_software_name(sw));
    }
}

keel_audit_verdict keel_audit_tls_config_verdict(const keel_audit_tls_scan *s,
                                                 keel_audit_evidence *ev)
{
    if (s == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (ev != NULL)
        (void)keel_audit_evidence_addf(ev,
                                       "%zu configuration files read, %zu configure TLS: %zu "
                                       "directives allow legacy protocols, %zu weak suites; %zu "
                                       "files switch TLS on without a protocol directive; %zu "
                                       "unreadable",
                                       s->files, s->tls_files, s->legacy, s->weak, s->no_floor,
                                       s->unreadable);
    if (s->legacy + s->weak > 0)
        return KEEL_AUDIT_FAIL;
    if (s->unreadable > 0 || s->no_floor > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (s->tls_files == 0) {
        if (ev != NULL)
            (void)keel_audit_evidence_addf(ev, "no TLS configuration in the tree");
        return KEEL_AUDIT_NA;
    }
    return KEEL_AUDIT_PASS;
}
