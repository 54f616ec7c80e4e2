/* keel audit's SBOM: the installed packages of a firmware tree's dpkg and opkg databases as a
 * CycloneDX 1.5 JSON document (OUT/sbom.cdx.json), built with cJSON. Each component carries a
 * purl, its supplier (the package's Maintainer), its synopsis and where it was read; the
 * "dependencies" graph follows Depends and Pre-Depends to the installed packages that satisfy
 * them (by name or by Provides). The firmware itself is metadata.component, named by its
 * os-release. Nothing read from the tree is trusted: see sbom.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbom.h"
#include "whitebox.h"

#ifndef KEEL_AUDIT_TOOL_VERSION
#error "KEEL_AUDIT_TOOL_VERSION is set by src/audit/CMakeLists.txt"
#endif

#define PURL_MAX 1024u
#define TEXT_MAX 1024u /* bytes of a synopsis or maintainer kept */
#define REL_MAX 512u

/* ---- os-release ---------------------------------------------------------------------- */

typedef struct os_key {
    const char *key;
    size_t offset;
} os_key;

static const os_key os_keys[] = {
    {"ID", offsetof(keel_audit_os_release, id)},
    {"ID_LIKE", offsetof(keel_audit_os_release, id_like)},
    {"NAME", offsetof(keel_audit_os_release, name)},
    {"PRETTY_NAME", offsetof(keel_audit_os_release, pretty_name)},
    {"VERSION_ID", offsetof(keel_audit_os_release, version_id)},
    {"VERSION_CODENAME", offsetof(keel_audit_os_release, codename)},
    {"BUILD_ID", offsetof(keel_audit_os_release, build_id)},
};

static int os_key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The value after '=' (p[0..n)), unquoted, into out; 0 when malformed or too long. */
static int os_value(const char *p, size_t n, char out[KEEL_AUDIT_OS_FIELD_MAX])
{
    size_t k = 0, i = 0;
    char quote = 0;

    if (n > 0 && (p[0] == '"' || p[0] == '\'')) {
        quote = p[0];
        if (n < 2 || p[n - 1] != quote)
            return 0;
        i = 1;
        n--;
    }
    for (; i < n; i++) {
        char c = p[i];
        if (quote == '"' && c == '\\' && i + 1 < n)
            c = p[++i];
        else if ((quote == 0 &&
                  (c == ' ' || c == '"' || c == '\'' || c == '\\' || c == '`' || c == '$')) ||
                 (quote == '"' && (c == '"' || c == '`' || c == '$')) ||
                 (quote == '\'' && c == '\''))
            return 0;
        if ((unsigned char)c < 0x20 || c == 0x7f || k + 1 >= KEEL_AUDIT_OS_FIELD_MAX)
            return 0;
        out[k++] = c;
    }
    out[k] = '\0';
    return 1;
}

static int valid_id(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
              *s == '-'))
            return 0;
    }
    return 1;
}

static keel_err os_line(const char *p, size_t n, size_t line, keel_audit_os_release *out, char *why,
                        size_t whysz)
{
    char value[KEEL_AUDIT_OS_FIELD_MAX];
    size_t k = 0;

    while (k < n && os_key_char(p[k]))
        k++;
    if (k == 0 || k >= n || p[k] != '=' || p[0] < 'A' || p[0] > 'Z') {
        keel_audit_say(why, whysz, "line %zu: not an assignment KEY=value", line);
        return KEEL_ERR_PARSE;
    }
    if (!os_value(p + k + 1, n - k - 1, value)) {
        keel_audit_say(why, whysz, "line %zu: a malformed or too long value (at most %u bytes)",
                       line, KEEL_AUDIT_OS_FIELD_MAX - 1);
        return KEEL_ERR_PARSE;
    }
    for (size_t i = 0; i < sizeof(os_keys) / sizeof(os_keys[0]); i++) {
        if (strlen(os_keys[i].key) == k && memcmp(os_keys[i].key, p, k) == 0) {
            if (i == 0 && !valid_id(value)) {
                keel_audit_say(why, whysz, "line %zu: ID is not [a-z0-9._-]", line);
                return KEEL_ERR_PARSE;
            }
            memcpy((char *)out + os_keys[i].offset, value, strlen(value) + 1);
        }
    }
    return KEEL_OK; /* other keys (HOME_URL, ANSI_COLOR ...) are checked and not kept */
}

keel_err keel_audit_os_release_parse(const void *text, size_t len, keel_audit_os_release *out,
                                     char *why, size_t whysz)
{
    const char *t = text;
    size_t pos = 0, line = 0;
    keel_err ret = KEEL_OK;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (out == NULL || (text == NULL && len > 0))
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (len > KEEL_AUDIT_OS_RELEASE_MAX) {
        keel_audit_say(why, whysz, "larger than %zu bytes", KEEL_AUDIT_OS_RELEASE_MAX);
        return KEEL_ERR_TOO_LARGE;
    }
    while (ret == KEEL_OK && pos < len) {
        const char *p = t + pos, *nl = memchr(p, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : len - pos, b = 0;

        line++;
        pos += n + (nl != NULL);
        while (b < n && (p[b] == ' ' || p[b] == '\t'))
            b++;
        if (b < n && p[b] != '#')
            ret = os_line(p + b, n - b, line, out, why, whysz);
    }
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

/* ---- purl ---------------------------------------------------------------------------- */

/* Percent-encode s (all but [A-Za-z0-9._~-], and ':' when keep_colon) onto b. */
static keel_err purl_part(keel_buf *b, const char *s, int lower, int keep_colon)
{
    static const char hex[] = "0123456789ABCDEF";
    keel_err ret = KEEL_OK;

    for (; ret == KEEL_OK && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (lower && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '~' || c == '-' || (keep_colon && c == ':')) {
            ret = keel_buf_append(b, &c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            ret = keel_buf_append(b, e, 3);
        }
    }
    return ret;
}

keel_err keel_audit_purl(keel_audit_pkgdb_kind kind, const char *vendor, const char *name,
                         const char *version, const char *arch, const char *distro, char *out,
                         size_t outsz)
{
    int deb = kind != KEEL_AUDIT_PKGDB_OPKG;
    keel_buf b;
    keel_err ret;

    if (vendor == NULL || name == NULL || name[0] == '\0' || version == NULL || arch == NULL ||
        distro == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    if (deb && vendor[0] == '\0')
        return KEEL_ERR_NOT_FOUND; /* purl's deb type requires the vendor */
    keel_buf_init(&b, out, outsz - 1);
    ret = keel_buf_append_str(&b, deb ? "pkg:deb/" : "pkg:generic/");
    if (ret == KEEL_OK && vendor[0] != '\0' && (ret = purl_part(&b, vendor, 1, 0)) == KEEL_OK)
        ret = keel_buf_append_str(&b, "/");
    if (ret == KEEL_OK)
        ret = purl_part(&b, name, deb, 0);
    if (ret == KEEL_OK && version[0] != '\0' && (ret = keel_buf_append_str(&b, "@")) == KEEL_OK)
        ret = purl_part(&b, version, 0, 1);
    /* Qualifiers in the order of their keys: arch, distro. */
    if (ret == KEEL_OK && arch[0] != '\0' && (ret = keel_buf_append_str(&b, "?arch=")) == KEEL_OK)
        ret = purl_part(&b, arch, 0, 1);
    if (ret == KEEL_OK && distro[0] != '\0' &&
        (ret = keel_buf_append_str(&b, arch[0] != '\0' ? "&distro=" : "?distro=")) == KEEL_OK)
        ret = purl_part(&b, distro, 0, 1);
    if (ret != KEEL_OK) {
        out[0] = '\0';
        return KEEL_ERR_RANGE;
    }
    out[b.len] = '\0';
    return KEEL_OK;
}

/* ---- The installed packages ---------------------------------------------------------- */

typedef struct comp {
    keel_audit_pkgdb_kind kind;
    char *name, *version, *arch, *maintainer, *description, *section;
    char *depends, *pre_depends, *provides;
    char *ref;   /* the bom-ref: the purl, else "deb:name:arch@version" */
    size_t file; /* index of collection.files */
    size_t line;
    int has_purl;
    int skip; /* listed again by a later database: kept once */
} comp;

typedef struct collection {
    comp *items;
    size_t count, cap;
    char **files; /* the tree's paths the components were read from */
    size_t nfiles, capfiles;
    size_t not_installed;
} collection;

static void collection_free(collection *col)
{
    for (size_t i = 0; i < col->count; i++) {
        comp *c = &col->items[i];
        free(c->name);
        free(c->version);
        free(c->arch);
        free(c->maintainer);
        free(c->description);
        free(c->section);
        free(c->depends);
        free(c->pre_depends);
        free(c->provides);
        free(c->ref);
    }
    free(col->items);
    for (size_t i = 0; i < col->nfiles; i++)
        free(col->files[i]);
    free(col->files);
    memset(col, 0, sizeof(*col));
}

static char *dup_span(keel_audit_span s)
{
    char *out = malloc(s.n + 1);

    if (out != NULL) {
        if (s.n > 0)
            memcpy(out, s.p, s.n);
        out[s.n] = '\0';
    }
    return out;
}

/* Text for a JSON string: well-formed UTF-8 only (anything else becomes U+FFFD), no control
 * byte (each becomes a space), at most TEXT_MAX bytes (cut between characters). */
static char *dup_text(const char *p, size_t n)
{
    char *out = malloc(TEXT_MAX + 4);
    size_t k = 0, i = 0;

    if (out == NULL)
        return NULL;
    while (i < n && k + 4 < TEXT_MAX) {
        unsigned char c = (unsigned char)p[i];
        size_t len = keel_utf8_next(p + i, n - i, NULL);
        if (len == 0) {
            memcpy(out + k, "\xef\xbf\xbd", 3);
            k += 3;
            len = 1;
        } else if (len == 1 && (c < 0x20 || c == 0x7f)) {
            out[k++] = ' ';
        } else {
            memcpy(out + k, p + i, len);
            k += len;
        }
        i += len;
    }
    out[k] = '\0';
    return out;
}

static keel_err add_file(collection *col, const char *rel, size_t *index)
{
    if (col->nfiles == col->capfiles) {
        size_t more = col->capfiles ? col->capfiles * 2 : 8;
        char **grown = realloc(col->files, more * sizeof(*grown));
        if (grown == NULL)
            return KEEL_ERR_NOMEM;
        col->files = grown;
        col->capfiles = more;
    }
    col->files[col->nfiles] = strdup(rel);
    if (col->files[col->nfiles] == NULL)
        return KEEL_ERR_NOMEM;
    *index = col->nfiles++;
    return KEEL_OK;
}

typedef struct reading {
    collection *col;
    keel_audit_pkgdb_kind kind;
    size_t file;
} reading;

static keel_err on_package(const keel_audit_pkg *p, void *user)
{
    reading *rd = user;
    collection *col = rd->col;
    comp *c;

    if (!p->installed) {
        col->not_installed++;
        return KEEL_OK;
    }
    if (col->count >= KEEL_AUDIT_PKGDB_PACKAGES_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (col->count == col->cap) {
        size_t more = col->cap ? col->cap * 2 : 64;
        comp *grown = realloc(col->items, more * sizeof(*grown));
        if (grown == NULL)
            return KEEL_ERR_NOMEM;
        col->items = grown;
        col->cap = more;
    }
    c = &col->items[col->count++];
    memset(c, 0, sizeof(*c));
    c->kind = rd->kind;
    c->file = rd->file;
    c->line = p->line;
    c->name = dup_span(p->name);
    c->version = dup_span(p->version);
    c->arch = dup_span(p->arch);
    c->maintainer = dup_text(p->maintainer.p, p->maintainer.n);
    c->description = dup_text(p->description.p, p->description.n);
    c->section = dup_span(p->section);
    c->depends = dup_span(p->depends);
    c->pre_depends = dup_span(p->pre_depends);
    c->provides = dup_span(p->provides);
    if (c->name == NULL || c->version == NULL || c->arch == NULL || c->maintainer == NULL ||
        c->description == NULL || c->section == NULL || c->depends == NULL ||
        c->pre_depends == NULL || c->provides == NULL)
        return KEEL_ERR_NOMEM;
    return KEEL_OK;
}

/* ---- Reading the tree ------------------------------------------------------------------ */

typedef struct tree {
    int rootfd;
    collection col;
    keel_audit_os_release os;
    keel_audit_file_id seen[KEEL_AUDIT_SBOM_SOURCES_MAX];
    size_t nseen;
    keel_audit_sbom_stats *stats;
    char *why;
    size_t whysz;
} tree;

static void add_source(tree *t, const char *label)
{
    keel_audit_sbom_stats *s = t->stats;

    for (size_t i = 0; i < s->sources; i++) {
        if (strcmp(s->source[i], label) == 0)
            return;
    }
    if (s->sources < KEEL_AUDIT_SBOM_SOURCES_MAX &&
        keel_str_copy(s->source[s->sources], sizeof(s->source[0]), label) == KEEL_OK)
        s->sources++;
}

static keel_err read_error(tree *t, const char *rel, keel_err err, size_t max)
{
    if (err == KEEL_ERR_TOO_LARGE)
        keel_audit_say(t->why, t->whysz, "%s: larger than %zu bytes", rel, max);
    else if (err == KEEL_ERR_NOMEM)
        keel_audit_say(t->why, t->whysz, "%s: out of memory", rel);
    else
        keel_audit_say(t->why, t->whysz, "%s: cannot be read (%s)", rel,
                       errno != 0 ? strerror(errno) : "not a regular file");
    return err;
}

static int seen_before(tree *t, const keel_audit_file_id *id)
{
    for (size_t i = 0; i < t->nseen; i++) {
        if (t->seen[i].dev == id->dev && t->seen[i].ino == id->ino)
            return 1;
    }
    if (t->nseen < KEEL_AUDIT_SBOM_SOURCES_MAX)
        t->seen[t->nseen++] = *id;
    return 0;
}

/* One database file: absent is fine, unreadable or malformed stops the SBOM. once: a file
 * reached under two names (opkg's var/lib/opkg is often a link to usr/lib/opkg) is read once. */
static keel_err read_db(tree *t, const char *rel, const char *label, keel_audit_pkgdb_kind kind,
                        int once)
{
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    keel_audit_file_id id;
    reading rd = {&t->col, kind, 0};
    char *data = NULL;
    size_t len = 0;
    keel_err ret;

    errno = 0;
    ret = keel_audit_tree_read(t->rootfd, rel, KEEL_AUDIT_PKGDB_FILE_MAX, &data, &len, &id);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret != KEEL_OK)
        return read_error(t, rel, ret, KEEL_AUDIT_PKGDB_FILE_MAX);
    if (once && seen_before(t, &id)) {
        free(data);
        return KEEL_OK;
    }
    ret = add_file(&t->col, rel, &rd.file);
    if (ret == KEEL_OK) {
        ret = keel_audit_pkgdb_parse(data, len, kind, on_package, &rd, NULL, why, sizeof(why));
        if (ret != KEEL_OK)
            keel_audit_say(t->why, t->whysz, "%s: %s", rel,
                           why[0] != '\0' ? why : keel_strerror(ret));
    }
    free(data);
    if (ret == KEEL_OK)
        add_source(t, label);
    return ret;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* var/lib/dpkg/status.d: one file per package (distroless images), *.md5sums beside them. */
static keel_err read_statusd(tree *t)
{
    static const char dir[] = "var/lib/dpkg/status.d";
    char rel[REL_MAX];
    char **names = NULL;
    size_t n = 0;
    keel_err ret;

    errno = 0;
    ret = keel_audit_tree_list(t->rootfd, dir, KEEL_AUDIT_PKGDB_STATUSD_MAX, &names, &n);
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret != KEEL_OK)
        return read_error(t, dir, ret, KEEL_AUDIT_PKGDB_STATUSD_MAX);
    for (size_t i = 0; ret == KEEL_OK && i < n; i++) {
        if (names[i][0] == '.' || ends_with(names[i], ".md5sums"))
            continue;
        ret = keel_str_format(rel, sizeof(rel), "%s/%s", dir, names[i]);
        if (ret != KEEL_OK)
            keel_audit_say(t->why, t->whysz, "%s: a name longer than %u bytes", dir, REL_MAX);
        else
            ret = read_db(t, rel, dir, KEEL_AUDIT_PKGDB_STATUSD, 0);
    }
    keel_audit_names_free(names, n);
    return ret;
}

static keel_err read_os_release(tree *t)
{
    static const char *const paths[] = {"etc/os-release", "usr/lib/os-release"};
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    char *data = NULL;
    size_t len = 0;
    keel_err ret = KEEL_ERR_NOT_FOUND;
    size_t i;

    for (i = 0; i < 2 && ret == KEEL_ERR_NOT_FOUND; i++) {
        errno = 0;
        ret =
            keel_audit_tree_read(t->rootfd, paths[i], KEEL_AUDIT_OS_RELEASE_MAX, &data, &len, NULL);
    }
    if (ret == KEEL_ERR_NOT_FOUND)
        return KEEL_OK;
    if (ret != KEEL_OK)
        return read_error(t, paths[i - 1], ret, KEEL_AUDIT_OS_RELEASE_MAX);
    ret = keel_audit_os_release_parse(data, len, &t->os, why, sizeof(why));
    free(data);
    if (ret != KEEL_OK)
        keel_audit_say(t->why, t->whysz, "%s: %s", paths[i - 1], why);
    else
        t->stats->os_release = 1;
    return ret;
}

static keel_err read_tree(tree *t)
{
    keel_err ret = read_os_release(t);

    if (ret == KEEL_OK)
        ret = read_db(t, "var/lib/dpkg/status", "var/lib/dpkg/status", KEEL_AUDIT_PKGDB_DPKG, 1);
    if (ret == KEEL_OK)
        ret = read_statusd(t);
    if (ret == KEEL_OK)
        ret = read_db(t, "usr/lib/opkg/status", "usr/lib/opkg/status", KEEL_AUDIT_PKGDB_OPKG, 1);
    if (ret == KEEL_OK)
        ret = read_db(t, "var/lib/opkg/status", "var/lib/opkg/status", KEEL_AUDIT_PKGDB_OPKG, 1);
    return ret;
}

/* ---- Components: references, order, duplicates ---------------------------------------- */

static keel_err make_ref(tree *t, comp *c)
{
    char distro[2 * KEEL_AUDIT_OS_FIELD_MAX];
    char purl[PURL_MAX];
    keel_err ret;

    distro[0] = '\0';
    if (t->os.id[0] != '\0' && t->os.version_id[0] != '\0')
        (void)keel_str_format(distro, sizeof(distro), "%s-%s", t->os.id, t->os.version_id);
    else if (t->os.codename[0] != '\0')
        (void)keel_str_copy(distro, sizeof(distro), t->os.codename);
    ret = keel_audit_purl(c->kind, t->os.id, c->name, c->version, c->arch, distro, purl,
                          sizeof(purl));
    if (ret == KEEL_OK) {
        c->has_purl = 1;
    } else if (ret == KEEL_ERR_NOT_FOUND) {
        ret = keel_str_format(purl, sizeof(purl), "deb:%s:%s@%s", c->name, c->arch, c->version);
    }
    if (ret != KEEL_OK) {
        keel_audit_say(t->why, t->whysz, "%s:%zu: package %s: its purl is longer than %u bytes",
                       t->col.files[c->file], c->line, c->name, PURL_MAX - 1);
        return ret;
    }
    c->ref = strdup(purl);
    return c->ref != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}

static int by_package(const void *a, const void *b)
{
    const comp *x = a, *y = b;
    int d = strcmp(x->name, y->name);

    if (d == 0)
        d = strcmp(x->arch, y->arch);
    if (d == 0)
        d = strcmp(x->version, y->version);
    if (d == 0)
        d = x->file < y->file ? -1 : x->file > y->file;
    if (d == 0)
        d = x->line < y->line ? -1 : x->line > y->line;
    return d;
}

/* Sorted by name, architecture, version; a package twice in one file is refused, one that a
 * second database lists again is kept once (the first). */
static keel_err order_components(tree *t)
{
    collection *col = &t->col;
    keel_err ret = KEEL_OK;

    for (size_t i = 0; ret == KEEL_OK && i < col->count; i++)
        ret = make_ref(t, &col->items[i]);
    if (ret != KEEL_OK)
        return ret;
    if (col->count > 1)
        qsort(col->items, col->count, sizeof(*col->items), by_package);
    for (size_t i = 1; i < col->count; i++) {
        comp *prev = &col->items[i - 1], *c = &col->items[i];
        if (strcmp(prev->ref, c->ref) != 0)
            continue;
        if (prev->file == c->file) {
            keel_audit_say(t->why, t->whysz, "%s: lines %zu and %zu: package %s %s listed twice",
                           col->files[c->file], prev->line, c->line, c->name, c->arch);
            return KEEL_ERR_PARSE;
        }
        c->skip = 1;
        t->stats->duplicates++;
    }
    return KEEL_OK;
}

/* ---- Dependencies ------------------------------------------------------------------------ */

/* A name an installed package answers to: its own or one it Provides. */
typedef struct provider {
    char *name;
    size_t comp;
} provider;

typedef struct graph {
    tree *t;
    provider *by_name;
    size_t count, cap;
    size_t current; /* the component whose relations are read */
    size_t *targets;
    size_t ntargets, captargets;
    size_t group;
    int group_open, group_resolved;
} graph;

static keel_err add_provider(graph *g, const char *name, size_t n, size_t comp_index)
{
    if (g->count == g->cap) {
        size_t more = g->cap ? g->cap * 2 : 256;
        provider *grown = realloc(g->by_name, more * sizeof(*grown));
        if (grown == NULL)
            return KEEL_ERR_NOMEM;
        g->by_name = grown;
        g->cap = more;
    }
    g->by_name[g->count].name = strndup(name, n);
    if (g->by_name[g->count].name == NULL)
        return KEEL_ERR_NOMEM;
    g->by_name[g->count++].comp = comp_index;
    return KEEL_OK;
}

static keel_err on_provides(size_t group, const char *name, size_t n, const char *arch, size_t an,
                            void *user)
{
    graph *g = user;

    (void)group;
    (void)arch;
    (void)an;
    return add_provider(g, name, n, g->current);
}

static int by_provider(const void *a, const void *b)
{
    const provider *x = a, *y = b;
    int d = strcmp(x->name, y->name);

    return d != 0 ? d : (x->comp < y->comp ? -1 : x->comp > y->comp);
}

static keel_err relation_error(graph *g, const comp *c, const char *field, const char *why)
{
    keel_audit_say(g->t->why, g->t->whysz, "%s:%zu: package %s: %s: %s", g->t->col.files[c->file],
                   c->line, c->name, field, why);
    return KEEL_ERR_PARSE;
}

static keel_err build_index(graph *g)
{
    collection *col = &g->t->col;
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    keel_err ret = KEEL_OK;

    for (size_t i = 0; ret == KEEL_OK && i < col->count; i++) {
        const comp *c = &col->items[i];
        keel_audit_span p = {c->provides, strlen(c->provides)};
        if (c->skip)
            continue;
        g->current = i;
        ret = add_provider(g, c->name, strlen(c->name), i);
        if (ret == KEEL_OK)
            ret = keel_audit_pkg_relations(p, on_provides, g, why, sizeof(why));
        if (ret == KEEL_ERR_PARSE)
            ret = relation_error(g, c, "Provides", why);
    }
    if (ret == KEEL_OK && g->count > 1)
        qsort(g->by_name, g->count, sizeof(*g->by_name), by_provider);
    return ret;
}

/* The installed package that satisfies name (with the ":arch" qualifier arch[0..an), may be
 * empty) for component from: one of the qualifier's architecture (":any" and ":native" name
 * none), else of from's, else of "all", else the first; SIZE_MAX when none. */
static size_t resolve(const graph *g, const comp *from, const char *name, size_t n,
                      const char *arch, size_t an)
{
    const comp *items = g->t->col.items;
    size_t lo = 0, hi = g->count, best = SIZE_MAX;
    int best_rank = 0;
    int qualified = an > 0 && !(an == 3 && memcmp(arch, "any", 3) == 0) &&
                    !(an == 6 && memcmp(arch, "native", 6) == 0);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strncmp(g->by_name[mid].name, name, n);
        if (d == 0 && g->by_name[mid].name[n] != '\0')
            d = 1;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < g->count && strncmp(g->by_name[lo].name, name, n) == 0 &&
           g->by_name[lo].name[n] == '\0';
         lo++) {
        const comp *to = &items[g->by_name[lo].comp];
        int rank = strcmp(to->arch, from->arch) == 0 ? 3 : strcmp(to->arch, "all") == 0 ? 2 : 1;
        if (qualified)
            rank = strlen(to->arch) == an && memcmp(to->arch, arch, an) == 0 ? 4 : rank;
        if (rank > best_rank) {
            best = g->by_name[lo].comp;
            best_rank = rank;
        }
    }
    return best;
}

static void close_group(graph *g)
{
    if (g->group_open && !g->group_resolved)
        g->t->stats->unresolved++;
    g->group_open = 0;
    g->group_resolved = 0;
}

static keel_err on_depends(size_t group, const char *name, size_t n, const char *arch, size_t an,
                           void *user)
{
    graph *g = user;
    size_t to;

    if (!g->group_open || group != g->group) {
        close_group(g);
        g->group = group;
        g->group_open = 1;
    }
    if (g->group_resolved) /* the first installed alternative is the one in use */
        return KEEL_OK;
    to = resolve(g, &g->t->col.items[g->current], name, n, arch, an);
    if (to == SIZE_MAX)
        return KEEL_OK;
    g->group_resolved = 1;
    if (to == g->current)
        return KEEL_OK;
    if (g->ntargets == g->captargets) {
        size_t more = g->captargets ? g->captargets * 2 : 16;
        size_t *grown = realloc(g->targets, more * sizeof(*grown));
        if (grown == NULL)
            return KEEL_ERR_NOMEM;
        g->targets = grown;
        g->captargets = more;
    }
    g->targets[g->ntargets++] = to;
    return KEEL_OK;
}

static int by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The components component i depends on into g->targets (sorted, each once). */
static keel_err depends_of(graph *g, size_t i)
{
    const comp *c = &g->t->col.items[i];
    const char *fields[2] = {"Pre-Depends", "Depends"};
    const char *values[2] = {c->pre_depends, c->depends};
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    size_t k = 0;

    g->current = i;
    g->ntargets = 0;
    for (int f = 0; f < 2; f++) {
        keel_audit_span v = {values[f], strlen(values[f])};
        keel_err ret;
        g->group_open = 0;
        g->group_resolved = 0;
        ret = keel_audit_pkg_relations(v, on_depends, g, why, sizeof(why));
        if (ret == KEEL_ERR_PARSE)
            return relation_error(g, c, fields[f], why);
        if (ret != KEEL_OK)
            return ret;
        close_group(g);
    }
    if (g->ntargets > 1)
        qsort(g->targets, g->ntargets, sizeof(*g->targets), by_index);
    for (size_t j = 0; j < g->ntargets; j++) {
        if (k == 0 || g->targets[k - 1] != g->targets[j])
            g->targets[k++] = g->targets[j];
    }
    g->ntargets = k;
    return KEEL_OK;
}

static void graph_free(graph *g)
{
    for (size_t i = 0; i < g->count; i++)
        free(g->by_name[i].name);
    free(g->by_name);
    free(g->targets);
}

/* ---- The CycloneDX document ----------------------------------------------------------- */

/* cJSON reports allocation failure by NULL returns; every add below is checked. */
static int add_str(cJSON *obj, const char *key, const char *value)
{
    return cJSON_AddStringToObject(obj, key, value) != NULL;
}

static int add_property(cJSON *list, const char *name, const char *value)
{
    cJSON *p = cJSON_CreateObject();

    if (p == NULL || !add_str(p, "name", name) || !add_str(p, "value", value) ||
        !cJSON_AddItemToArray(list, p)) {
        cJSON_Delete(p);
        return 0;
    }
    return 1;
}

/* "Name <address>" (the Maintainer field) as a CycloneDX organizationalEntity. */
static int add_supplier(cJSON *obj, const char *maintainer)
{
    const char *lt = strchr(maintainer, '<'), *gt = lt != NULL ? strchr(lt, '>') : NULL;
    char name[TEXT_MAX + 4], email[TEXT_MAX + 4];
    cJSON *supplier, *contacts, *contact;
    size_t n;

    if (maintainer[0] == '\0')
        return 1;
    supplier = cJSON_AddObjectToObject(obj, "supplier");
    if (supplier == NULL)
        return 0;
    n = lt != NULL && gt != NULL && gt[1] == '\0' ? (size_t)(lt - maintainer) : strlen(maintainer);
    while (n > 0 && maintainer[n - 1] == ' ')
        n--;
    memcpy(name, maintainer, n);
    name[n] = '\0';
    if (!add_str(supplier, "name", n > 0 ? name : maintainer))
        return 0;
    if (lt == NULL || gt == NULL || gt[1] != '\0' || gt - lt < 4 ||
        memchr(lt + 1, '@', (size_t)(gt - lt - 1)) == NULL ||
        memchr(lt + 1, ' ', (size_t)(gt - lt - 1)) != NULL)
        return 1; /* no address keel can tell for sure */
    memcpy(email, lt + 1, (size_t)(gt - lt - 1));
    email[gt - lt - 1] = '\0';
    contacts = cJSON_AddArrayToObject(supplier, "contact");
    contact = cJSON_CreateObject();
    if (contacts == NULL || contact == NULL || !cJSON_AddItemToArray(contacts, contact)) {
        cJSON_Delete(contact);
        return 0;
    }
    return (n == 0 || add_str(contact, "name", name)) && add_str(contact, "email", email);
}

/* Debian's library sections (a "contrib/" or "non-free/" area before them), else a name that
 * starts with "lib" (opkg databases name no section). */
static const char *component_type(const comp *c)
{
    const char *section = strrchr(c->section, '/');

    section = section != NULL ? section + 1 : c->section;
    if (section[0] != '\0')
        return strcmp(section, "libs") == 0 || strcmp(section, "oldlibs") == 0 ||
                       strcmp(section, "libdevel") == 0
                   ? "library"
                   : "application";
    return strncmp(c->name, "lib", 3) == 0 ? "library" : "application";
}

static cJSON *component_json(const collection *col, const comp *c)
{
    char where[REL_MAX + 32];
    cJSON *obj = cJSON_CreateObject();
    cJSON *props;

    if (obj == NULL || !add_str(obj, "type", component_type(c)) ||
        !add_str(obj, "bom-ref", c->ref) || !add_supplier(obj, c->maintainer) ||
        !add_str(obj, "name", c->name) || !add_str(obj, "version", c->version) ||
        (c->description[0] != '\0' && !add_str(obj, "description", c->description)) ||
        (c->has_purl && !add_str(obj, "purl", c->ref)))
        goto fail;
    props = cJSON_AddArrayToObject(obj, "properties");
    if (keel_str_format(where, sizeof(where), "%s:%zu", col->files[c->file], c->line) != KEEL_OK ||
        props == NULL || !add_property(props, "keel:package-database", where) ||
        (c->arch[0] != '\0' && !add_property(props, "keel:architecture", c->arch)))
        goto fail;
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

static keel_err add_components(cJSON *root, const collection *col, keel_audit_sbom_stats *s)
{
    cJSON *list = cJSON_AddArrayToObject(root, "components");

    if (list == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < col->count; i++) {
        cJSON *c;
        if (col->items[i].skip)
            continue;
        c = component_json(col, &col->items[i]);
        if (c == NULL || !cJSON_AddItemToArray(list, c)) {
            cJSON_Delete(c);
            return KEEL_ERR_NOMEM;
        }
        s->components++;
    }
    return KEEL_OK;
}

static cJSON *dependency_json(const char *ref)
{
    cJSON *obj = cJSON_CreateObject();

    if (obj == NULL || !add_str(obj, "ref", ref) ||
        cJSON_AddArrayToObject(obj, "dependsOn") == NULL) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static int add_ref(cJSON *dep, const char *ref)
{
    cJSON *s = cJSON_CreateString(ref);

    if (s == NULL || !cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(dep, "dependsOn"), s)) {
        cJSON_Delete(s);
        return 0;
    }
    return 1;
}

#define FIRMWARE_REF "keel:firmware"

/* The firmware depends on every component; each component on what its Depends and
 * Pre-Depends resolve to. */
static keel_err add_dependencies(cJSON *root, graph *g)
{
    const collection *col = &g->t->col;
    cJSON *list = cJSON_AddArrayToObject(root, "dependencies");
    cJSON *top = dependency_json(FIRMWARE_REF);
    keel_err ret = KEEL_OK;

    if (list == NULL || top == NULL || !cJSON_AddItemToArray(list, top)) {
        cJSON_Delete(top);
        return KEEL_ERR_NOMEM;
    }
    for (size_t i = 0; ret == KEEL_OK && i < col->count; i++) {
        cJSON *dep;
        if (col->items[i].skip)
            continue;
        if (!add_ref(top, col->items[i].ref))
            return KEEL_ERR_NOMEM;
        if ((ret = depends_of(g, i)) != KEEL_OK)
            return ret;
        dep = dependency_json(col->items[i].ref);
        if (dep == NULL || !cJSON_AddItemToArray(list, dep)) {
            cJSON_Delete(dep);
            return KEEL_ERR_NOMEM;
        }
        for (size_t j = 0; j < g->ntargets; j++) {
            if (!add_ref(dep, col->items[g->targets[j]].ref))
                return KEEL_ERR_NOMEM;
            g->t->stats->dependencies++;
        }
    }
    return ret;
}

static keel_err serial_number(char out[46])
{
    uint8_t u[16];
    char hex[33];

    if (keel_random(u, sizeof(u)) != KEEL_OK)
        return KEEL_ERR_RANDOM;
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4: random */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* the RFC 4122 variant */
    if (keel_hex_encode(u, sizeof(u), hex, sizeof(hex)) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return keel_str_format(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                           hex + 16, hex + 20);
}

static cJSON *firmware_json(const tree *t, const char *label)
{
    const keel_audit_os_release *os = &t->os;
    const char *base = label != NULL ? strrchr(label, '/') : NULL;
    const char *name = os->pretty_name[0]                  ? os->pretty_name
                       : os->name[0]                       ? os->name
                       : base != NULL && base[1] != '\0'   ? base + 1
                       : label != NULL && label[0] != '\0' ? label
                                                           : "firmware";
    const char *version = os->version_id[0] ? os->version_id : os->build_id;
    char *text = dup_text(name, strlen(name));
    cJSON *obj = cJSON_CreateObject();

    if (text == NULL || obj == NULL || !add_str(obj, "type", "firmware") ||
        !add_str(obj, "bom-ref", FIRMWARE_REF) || !add_str(obj, "name", text) ||
        (version[0] != '\0' && !add_str(obj, "version", version))) {
        cJSON_Delete(obj);
        obj = NULL;
    }
    free(text);
    return obj;
}

static cJSON *tools_json(void)
{
    cJSON *tools = cJSON_CreateObject();
    cJSON *list = tools != NULL ? cJSON_AddArrayToObject(tools, "components") : NULL;
    cJSON *keel = cJSON_CreateObject();

    if (list == NULL || keel == NULL || !add_str(keel, "type", "application") ||
        !add_str(keel, "name", "keel") || !add_str(keel, "version", KEEL_AUDIT_TOOL_VERSION) ||
        !add_str(keel, "description",
                 "keel audit: EN 303 645 / TS 103 701 assessment; SBOM from the firmware's "
                 "package databases") ||
        !cJSON_AddItemToArray(list, keel)) {
        cJSON_Delete(keel);
        cJSON_Delete(tools);
        return NULL;
    }
    return tools;
}

static keel_err add_metadata(cJSON *root, const tree *t, const char *label, time_t now)
{
    char stamp[32];
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    cJSON *tools = tools_json(), *fw = firmware_json(t, label), *props;

    if (meta == NULL || tools == NULL || fw == NULL ||
        keel_audit_format_time(now, stamp, sizeof(stamp)) != KEEL_OK ||
        !add_str(meta, "timestamp", stamp) || !cJSON_AddItemToObject(meta, "tools", tools)) {
        cJSON_Delete(tools);
        cJSON_Delete(fw);
        return KEEL_ERR_NOMEM;
    }
    if (!cJSON_AddItemToObject(meta, "component", fw)) {
        cJSON_Delete(fw);
        return KEEL_ERR_NOMEM;
    }
    props = cJSON_AddArrayToObject(meta, "properties");
    if (props == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < t->stats->sources; i++) {
        if (!add_property(props, "keel:package-database", t->stats->source[i]))
            return KEEL_ERR_NOMEM;
    }
    return KEEL_OK;
}

static keel_err document(tree *t, const char *label, time_t now, cJSON **out)
{
    char serial[46];
    graph g;
    cJSON *root = cJSON_CreateObject();
    keel_err ret = serial_number(serial);

    memset(&g, 0, sizeof(g));
    g.t = t;
    if (ret == KEEL_OK && root == NULL)
        ret = KEEL_ERR_NOMEM;
    if (ret == KEEL_OK &&
        (!add_str(root, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json") ||
         !add_str(root, "bomFormat", "CycloneDX") || !add_str(root, "specVersion", "1.5") ||
         !add_str(root, "serialNumber", serial) ||
         cJSON_AddNumberToObject(root, "version", 1) == NULL))
        ret = KEEL_ERR_NOMEM;
    if (ret == KEEL_OK)
        ret = add_metadata(root, t, label, now);
    if (ret == KEEL_OK)
        ret = add_components(root, &t->col, t->stats);
    if (ret == KEEL_OK)
        ret = build_index(&g);
    if (ret == KEEL_OK)
        ret = add_dependencies(root, &g);
    graph_free(&g);
    if (ret == KEEL_ERR_NOMEM || ret == KEEL_ERR_RANDOM)
        keel_audit_say(t->why, t->whysz, "%s", keel_strerror(ret));
    if (ret != KEEL_OK) {
        cJSON_Delete(root);
        return ret;
    }
    *out = root;
    return KEEL_OK;
}

keel_err keel_audit_sbom_build(const char *dir, const char *label, time_t now, void **out,
                               keel_audit_sbom_stats *stats, char *why, size_t whysz)
{
    tree t;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (dir == NULL || out == NULL || stats == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    memset(stats, 0, sizeof(*stats));
    memset(&t, 0, sizeof(t));
    t.stats = stats;
    t.why = why;
    t.whysz = whysz;
    t.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t.rootfd < 0) {
        keel_audit_say(why, whysz, "%s: cannot be opened (%s)", dir, strerror(errno));
        return KEEL_ERR_IO;
    }
    ret = read_tree(&t);
    if (ret == KEEL_OK)
        ret = order_components(&t);
    if (ret == KEEL_OK)
        ret = document(&t, label, now, (cJSON **)out);
    stats->not_installed = t.col.not_installed;
    collection_free(&t.col);
    close(t.rootfd);
    if (ret != KEEL_OK) {
        keel_audit_sbom_stats keep = *stats;
        memset(stats, 0, sizeof(*stats));
        memcpy(stats->source, keep.source, sizeof(keep.source));
        stats->sources = keep.sources;
    }
    return ret;
}

keel_err keel_audit_sbom_write(const char *dir, const char *label, const char *path,
                               keel_audit_sbom_stats *stats, char *why, size_t whysz)
{
    void *doc = NULL;
    char *text;
    keel_err ret;

    if (path == NULL)
        return KEEL_ERR_ARG;
    if (unlink(path) != 0 && errno != ENOENT) { /* no SBOM of an earlier run is left behind */
        keel_audit_say(why, whysz, "%s: cannot be replaced (%s)", path, strerror(errno));
        return KEEL_ERR_IO;
    }
    ret = keel_audit_sbom_build(dir, label, time(NULL), &doc, stats, why, whysz);
    if (ret != KEEL_OK)
        return ret;
    text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (text == NULL) {
        keel_audit_say(why, whysz, "%s", keel_strerror(KEEL_ERR_NOMEM));
        return KEEL_ERR_NOMEM;
    }
    ret = keel_file_write_atomic(path, text, strlen(text), 0644);
    free(text);
    if (ret != KEEL_OK)
        keel_audit_say(why, whysz, "%s: cannot be written (%s)", path, strerror(errno));
    return ret;
}
