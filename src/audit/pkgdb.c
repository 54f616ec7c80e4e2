/* A strict reader of the package databases of a firmware tree (dpkg's status and status.d,
 * opkg's status) for keel audit's SBOM. The files come from the device maker's tree and are
 * untrusted: a line that is not what dpkg or opkg write stops the reading with the line and the
 * rule, so that keel never lists components from a database it misread. One pass over the
 * bytes, no allocation: every value is a span of the caller's text. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sbom.h"

/* The fields the SBOM reads; any other field is checked for its shape and otherwise skipped. */
enum {
    F_PACKAGE,
    F_VERSION,
    F_ARCH,
    F_STATUS,
    F_MAINTAINER,
    F_DESCRIPTION,
    F_SECTION,
    F_SOURCE,
    F_DEPENDS,
    F_PRE_DEPENDS,
    F_PROVIDES,
    F_KNOWN
};

static const char *const known_names[F_KNOWN] = {
    "Package", "Version", "Architecture", "Status",      "Maintainer", "Description",
    "Section", "Source",  "Depends",      "Pre-Depends", "Provides"};

typedef struct value {
    const char *p;
    size_t n;
    size_t line;
    int present;
} value;

typedef struct stanza {
    keel_audit_span names[KEEL_AUDIT_PKGDB_FIELDS_MAX]; /* for duplicates */
    size_t count;
    size_t first_line;
    value known[F_KNOWN];
    value *open; /* the field continuation lines extend, or NULL */
    value other; /* an unknown field's value, extended like the known ones */
} stanza;

typedef struct parser {
    keel_audit_pkgdb_kind kind;
    keel_audit_pkg_fn fn;
    void *user;
    size_t stanzas;
    char *why;
    size_t whysz;
} parser;

/* A value shown in an error: at most 40 bytes, anything but printable ASCII as '?'. */
static void shown(const char *p, size_t n, char out[48])
{
    size_t i, k = 0;

    for (i = 0; i < n && k < 40; i++, k++) {
        char c = p[i];
        if (c < 0x20 || c >= 0x7f || c == '\'')
            c = '?';
        out[k] = c;
    }
    if (i < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int name_char(unsigned char c)
{
    return alnum(c) || c == '+' || c == '.' || c == '_' || c == '-';
}

static int valid_name(const char *p, size_t n)
{
    if (n == 0 || n > KEEL_AUDIT_PKG_NAME_MAX || !alnum((unsigned char)p[0]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (!name_char((unsigned char)p[i]))
            return 0;
    }
    return 1;
}

static int valid_version(const char *p, size_t n)
{
    if (n == 0 || n > KEEL_AUDIT_PKG_VERSION_MAX || !alnum((unsigned char)p[0]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!alnum(c) && c != '.' && c != '+' && c != '~' && c != ':' && c != '_' && c != '-')
            return 0;
    }
    return 1;
}

static int valid_arch(const char *p, size_t n)
{
    if (n == 0 || n > KEEL_AUDIT_PKG_ARCH_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int word_is(const char *p, size_t n, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strlen(*list) == n && memcmp(*list, p, n) == 0)
            return 1;
    }
    return 0;
}

static const char *const dpkg_wants[] = {"unknown", "install", "hold", "deinstall", "purge", NULL};
static const char *const dpkg_flags[] = {"ok", "reinstreq", NULL};
static const char *const dpkg_states[] = {"not-installed",    "config-files",    "half-installed",
                                          "unpacked",         "half-configured", "triggers-awaited",
                                          "triggers-pending", "installed",       NULL};
static const char *const dpkg_installed[] = {"installed", "triggers-awaited", "triggers-pending",
                                             NULL};
static const char *const opkg_wants[] = {"unknown", "install", "deinstall", "purge", NULL};
static const char *const opkg_flags[] = {"ok",     "reinstreq", "hold", "replace", "noprune",
                                         "prefer", "obsolete",  "user", NULL};
static const char *const opkg_states[] = {"not-installed",    "unpacked",       "half-configured",
                                          "installed",        "half-installed", "config-files",
                                          "post-inst-failed", "removal-failed", NULL};
static const char *const opkg_installed[] = {"installed", NULL};

/* opkg's flags: a comma-separated list of known flags. */
static int valid_opkg_flags(const char *p, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == ',') {
            if (!word_is(p + start, i - start, opkg_flags))
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

/* Status "want flag state"; *installed from the state. */
static keel_err read_status(const parser *ps, const value *v, int *installed)
{
    const char *w[3];
    size_t wn[3], k = 0, i = 0;
    int opkg = ps->kind == KEEL_AUDIT_PKGDB_OPKG;
    char s[48];

    shown(v->p, v->n, s);
    while (i < v->n && k < 3) {
        w[k] = v->p + i;
        while (i < v->n && v->p[i] != ' ')
            i++;
        wn[k] = (size_t)(v->p + i - w[k]);
        k++;
        if (i < v->n)
            i++; /* exactly one space between words */
    }
    if (k != 3 || i != v->n || wn[0] == 0 || wn[1] == 0 || wn[2] == 0) {
        keel_audit_say(ps->why, ps->whysz,
                       "line %zu: Status '%s' is not three words 'want flag state'", v->line, s);
        return KEEL_ERR_PARSE;
    }
    if (!word_is(w[0], wn[0], opkg ? opkg_wants : dpkg_wants)) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: Status '%s': unknown want", v->line, s);
        return KEEL_ERR_PARSE;
    }
    if (opkg ? !valid_opkg_flags(w[1], wn[1]) : !word_is(w[1], wn[1], dpkg_flags)) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: Status '%s': unknown flag", v->line, s);
        return KEEL_ERR_PARSE;
    }
    if (!word_is(w[2], wn[2], opkg ? opkg_states : dpkg_states)) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: Status '%s': unknown state", v->line, s);
        return KEEL_ERR_PARSE;
    }
    *installed = word_is(w[2], wn[2], opkg ? opkg_installed : dpkg_installed);
    return KEEL_OK;
}

static keel_err check_shapes(const parser *ps, const stanza *st)
{
    const value *k = st->known;
    char s[48];

    if (!k[F_PACKAGE].present) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: stanza without a Package field",
                       st->first_line);
        return KEEL_ERR_PARSE;
    }
    if (!valid_name(k[F_PACKAGE].p, k[F_PACKAGE].n)) {
        shown(k[F_PACKAGE].p, k[F_PACKAGE].n, s);
        keel_audit_say(
            ps->why, ps->whysz,
            "line %zu: Package '%s' is not 1-%u bytes of [A-Za-z0-9+._-] starting with a letter "
            "or digit",
            k[F_PACKAGE].line, s, KEEL_AUDIT_PKG_NAME_MAX);
        return KEEL_ERR_PARSE;
    }
    if (k[F_VERSION].present && !valid_version(k[F_VERSION].p, k[F_VERSION].n)) {
        shown(k[F_VERSION].p, k[F_VERSION].n, s);
        keel_audit_say(
            ps->why, ps->whysz,
            "line %zu: Version '%s' is not 1-%u bytes of [A-Za-z0-9.+~:_-] starting with a "
            "letter or digit",
            k[F_VERSION].line, s, KEEL_AUDIT_PKG_VERSION_MAX);
        return KEEL_ERR_PARSE;
    }
    if (k[F_ARCH].present && !valid_arch(k[F_ARCH].p, k[F_ARCH].n)) {
        shown(k[F_ARCH].p, k[F_ARCH].n, s);
        keel_audit_say(ps->why, ps->whysz,
                       "line %zu: Architecture '%s' is not 1-%u bytes of [a-z0-9_-]",
                       k[F_ARCH].line, s, KEEL_AUDIT_PKG_ARCH_MAX);
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

static keel_audit_span span_of(const value *v)
{
    keel_audit_span s = {v->present ? v->p : NULL, v->present ? v->n : 0};
    return s;
}

/* The synopsis: the description's first line. */
static keel_audit_span first_line(const value *v)
{
    keel_audit_span s = span_of(v);
    const char *nl = s.n > 0 ? memchr(s.p, '\n', s.n) : NULL;

    if (nl != NULL)
        s.n = (size_t)(nl - s.p);
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static keel_err finish_stanza(parser *ps, stanza *st)
{
    const value *k = st->known;
    keel_audit_pkg pkg;
    int installed = ps->kind == KEEL_AUDIT_PKGDB_STATUSD;
    keel_err ret;

    if ((ret = check_shapes(ps, st)) != KEEL_OK)
        return ret;
    if (k[F_STATUS].present) {
        if ((ret = read_status(ps, &k[F_STATUS], &installed)) != KEEL_OK)
            return ret;
    } else if (ps->kind != KEEL_AUDIT_PKGDB_STATUSD) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: package without a Status field",
                       st->first_line);
        return KEEL_ERR_PARSE;
    }
    if (installed && !k[F_VERSION].present) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: installed package without a Version",
                       st->first_line);
        return KEEL_ERR_PARSE;
    }
    if (installed && ps->kind != KEEL_AUDIT_PKGDB_OPKG && !k[F_ARCH].present) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: installed package without an Architecture",
                       st->first_line);
        return KEEL_ERR_PARSE;
    }
    if (++ps->stanzas > KEEL_AUDIT_PKGDB_PACKAGES_MAX) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: more than %u packages", st->first_line,
                       KEEL_AUDIT_PKGDB_PACKAGES_MAX);
        return KEEL_ERR_TOO_LARGE;
    }
    memset(&pkg, 0, sizeof(pkg));
    pkg.name = span_of(&k[F_PACKAGE]);
    pkg.version = span_of(&k[F_VERSION]);
    pkg.arch = span_of(&k[F_ARCH]);
    pkg.status = span_of(&k[F_STATUS]);
    pkg.maintainer = span_of(&k[F_MAINTAINER]);
    pkg.description = first_line(&k[F_DESCRIPTION]);
    pkg.section = span_of(&k[F_SECTION]);
    pkg.source = span_of(&k[F_SOURCE]);
    pkg.depends = span_of(&k[F_DEPENDS]);
    pkg.pre_depends = span_of(&k[F_PRE_DEPENDS]);
    pkg.provides = span_of(&k[F_PROVIDES]);
    pkg.line = st->first_line;
    pkg.installed = installed;
    ret = ps->fn != NULL ? ps->fn(&pkg, ps->user) : KEEL_OK;
    if (ret != KEEL_OK && ps->why != NULL && ps->why[0] == '\0')
        keel_audit_say(ps->why, ps->whysz, "line %zu: package refused by the reader: %s",
                       st->first_line, keel_strerror(ret));
    return ret;
}

static int field_name_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != ':';
}

/* A field line "Name: value" at p[0..n). */
static keel_err field_line(const parser *ps, stanza *st, const char *p, size_t n, size_t line)
{
    const char *colon = memchr(p, ':', n);
    size_t nlen, i;
    value *v = &st->other;

    if (colon == NULL || colon == p || p[0] == '#' || p[0] == '-') {
        keel_audit_say(ps->why, ps->whysz, "line %zu: not a field 'Name: value'", line);
        return KEEL_ERR_PARSE;
    }
    nlen = (size_t)(colon - p);
    for (i = 0; i < nlen; i++) {
        if (!field_name_char((unsigned char)p[i]))
            break;
    }
    if (i < nlen || nlen > KEEL_AUDIT_PKG_FIELD_NAME_MAX) {
        keel_audit_say(ps->why, ps->whysz,
                       "line %zu: a field name is 1-%u printable bytes without blanks or ':'", line,
                       KEEL_AUDIT_PKG_FIELD_NAME_MAX);
        return KEEL_ERR_PARSE;
    }
    for (i = 0; i < st->count; i++) {
        if (st->names[i].n == nlen && strncasecmp(st->names[i].p, p, nlen) == 0) {
            char s[48];
            shown(p, nlen, s);
            keel_audit_say(ps->why, ps->whysz, "line %zu: field '%s' appears twice in one stanza",
                           line, s);
            return KEEL_ERR_PARSE;
        }
    }
    if (st->count == KEEL_AUDIT_PKGDB_FIELDS_MAX) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: more than %u fields in one stanza", line,
                       KEEL_AUDIT_PKGDB_FIELDS_MAX);
        return KEEL_ERR_TOO_LARGE;
    }
    if (st->count == 0)
        st->first_line = line;
    st->names[st->count].p = p;
    st->names[st->count++].n = nlen;
    for (i = 0; i < F_KNOWN; i++) {
        if (strlen(known_names[i]) == nlen && strncasecmp(known_names[i], p, nlen) == 0) {
            v = &st->known[i];
            break;
        }
    }
    p = colon + 1;
    n -= nlen + 1;
    while (n > 0 && is_blank(*p)) {
        p++;
        n--;
    }
    while (n > 0 && is_blank(p[n - 1]))
        n--;
    v->p = p;
    v->n = n;
    v->line = line;
    v->present = 1;
    st->open = v;
    return KEEL_OK;
}

/* A continuation line: the open value now ends where this line ends. */
static keel_err continuation(const parser *ps, stanza *st, const char *p, size_t n, size_t line)
{
    value *v = st->open;

    if (v == NULL) {
        keel_audit_say(ps->why, ps->whysz, "line %zu: a continuation line outside a field", line);
        return KEEL_ERR_PARSE;
    }
    while (n > 0 && is_blank(p[n - 1]))
        n--;
    if (v->n == 0) { /* the value starts on this line ("Description:" then text) */
        while (n > 0 && is_blank(*p)) {
            p++;
            n--;
        }
        v->p = p;
        v->n = n;
    } else {
        v->n = (size_t)(p + n - v->p);
    }
    return KEEL_OK;
}

/* No NUL, CR or control byte but tab. */
static keel_err check_bytes(const parser *ps, const char *p, size_t n, size_t line)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            keel_audit_say(ps->why, ps->whysz, "line %zu: control byte 0x%02x", line, c);
            return KEEL_ERR_PARSE;
        }
    }
    return KEEL_OK;
}

static int blank_line(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_blank(p[i]))
            return 0;
    }
    return 1;
}

static keel_err parse_lines(parser *ps, stanza *st, const char *text, size_t len)
{
    size_t pos = 0, line = 0;
    keel_err ret = KEEL_OK;

    while (ret == KEEL_OK && pos < len) {
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;

        line++;
        pos += n + (nl != NULL);
        if ((ret = check_bytes(ps, p, n, line)) != KEEL_OK)
            break;
        if (blank_line(p, n)) {
            if (st->count > 0)
                ret = finish_stanza(ps, st);
            memset(st, 0, sizeof(*st));
        } else if (is_blank(p[0])) {
            ret = continuation(ps, st, p, n, line);
        } else {
            ret = field_line(ps, st, p, n, line);
        }
    }
    if (ret == KEEL_OK && st->count > 0)
        ret = finish_stanza(ps, st);
    return ret;
}

keel_err keel_audit_pkgdb_parse(const void *text, size_t len, keel_audit_pkgdb_kind kind,
                                keel_audit_pkg_fn fn, void *user, size_t *stanzas, char *why,
                                size_t whysz)
{
    stanza st; /* about 5 KiB */
    parser ps = {kind, fn, user, 0, why, whysz};
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (stanzas != NULL)
        *stanzas = 0;
    if ((text == NULL && len > 0) || kind > KEEL_AUDIT_PKGDB_OPKG)
        return KEEL_ERR_ARG;
    if (len > KEEL_AUDIT_PKGDB_FILE_MAX) {
        keel_audit_say(why, whysz, "larger than %zu bytes", KEEL_AUDIT_PKGDB_FILE_MAX);
        return KEEL_ERR_TOO_LARGE;
    }
    memset(&st, 0, sizeof(st));
    ret = parse_lines(&ps, &st, text, len);
    if (stanzas != NULL)
        *stanzas = ps.stanzas;
    return ret;
}

/* ---- Depends / Pre-Depends ----------------------------------------------------------- */

static void skip_space(const char *p, size_t n, size_t *i)
{
    while (*i < n && (is_blank(p[*i]) || p[*i] == '\n'))
        (*i)++;
}

/* One alternative at p[*i]: name[:arch] [(relation version)]. */
static keel_err relation(const char *p, size_t n, size_t *i, keel_audit_span *name,
                         keel_audit_span *arch, char *why, size_t whysz)
{
    size_t start;

    skip_space(p, n, i);
    start = *i;
    while (*i < n && name_char((unsigned char)p[*i]))
        (*i)++;
    if (!valid_name(p + start, *i - start)) {
        keel_audit_say(why, whysz, "byte %zu: a package name was expected", start + 1);
        return KEEL_ERR_PARSE;
    }
    name->p = p + start;
    name->n = *i - start;
    arch->p = NULL;
    arch->n = 0;
    if (*i < n && p[*i] == ':') {
        size_t a = ++(*i);
        while (*i < n && valid_arch(p + *i, 1))
            (*i)++;
        if (*i == a) {
            keel_audit_say(why, whysz, "byte %zu: an architecture was expected after ':'", a + 1);
            return KEEL_ERR_PARSE;
        }
        arch->p = p + a;
        arch->n = *i - a;
    }
    skip_space(p, n, i);
    if (*i < n && p[*i] == '(') {
        const char *close = memchr(p + *i, ')', n - *i);
        if (close == NULL || memchr(p + *i, '\n', (size_t)(close - (p + *i))) != NULL) {
            keel_audit_say(why, whysz, "byte %zu: '(' is not closed on its line", *i + 1);
            return KEEL_ERR_PARSE;
        }
        *i = (size_t)(close - p) + 1;
        skip_space(p, n, i);
    }
    return KEEL_OK;
}

keel_err keel_audit_pkg_relations(keel_audit_span v, keel_audit_relation_fn fn, void *user,
                                  char *why, size_t whysz)
{
    const char *p = v.p;
    size_t n = v.n, i = 0, group = 0;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (p == NULL && n > 0)
        return KEEL_ERR_ARG;
    skip_space(p, n, &i);
    if (i == n)
        return KEEL_OK;
    for (;;) {
        keel_audit_span name, arch;

        if ((ret = relation(p, n, &i, &name, &arch, why, whysz)) != KEEL_OK)
            return ret;
        if (fn != NULL && (ret = fn(group, name.p, name.n, arch.p, arch.n, user)) != KEEL_OK)
            return ret;
        if (i == n)
            return KEEL_OK;
        if (p[i] == ',') {
            group++;
        } else if (p[i] != '|') {
            keel_audit_say(why, whysz, "byte %zu: ',' or '|' was expected", i + 1);
            return KEEL_ERR_PARSE;
        }
        i++;
    }
}
