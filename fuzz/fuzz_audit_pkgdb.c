/* Fuzz the readers behind keel audit's SBOM: a firmware's dpkg and opkg status files, the
 * Depends/Pre-Depends/Provides relations in them, and its os-release are untrusted. The first
 * byte picks the reader (dpkg status, a status.d file, opkg status, os-release). Properties
 * beyond memory safety: every package has a valid name lying inside the input, an installed one
 * has a version, lines ascend; every relation names a valid package inside its value; a refusal
 * says why; os-release's ID is lower-case [a-z0-9._-] and everything is cleared on a refusal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbom.h"

typedef struct bounds {
    const uint8_t *data;
    size_t size;
    size_t last_line;
} bounds;

static void inside(const bounds *b, const char *p, size_t n)
{
    const char *start = (const char *)b->data;

    if (n == 0)
        return;
    if (p == NULL || p < start || (size_t)(p - start) > b->size ||
        n > b->size - (size_t)(p - start))
        abort();
}

static int name_ok(const char *p, size_t n)
{
    if (n == 0 || n > KEEL_AUDIT_PKG_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static keel_err on_relation(size_t group, const char *name, size_t n, const char *arch, size_t an,
                            void *user)
{
    const keel_audit_span *v = user;

    (void)group;
    if (!name_ok(name, n) || name < v->p || name + n > v->p + v->n)
        abort();
    if (an > 0 && (arch < v->p || arch + an > v->p + v->n))
        abort();
    return KEEL_OK;
}

static void relations(keel_audit_span v)
{
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    keel_err err = keel_audit_pkg_relations(v, on_relation, &v, why, sizeof(why));

    if (err != KEEL_OK && (err != KEEL_ERR_PARSE || why[0] == '\0'))
        abort();
}

static keel_err on_package(const keel_audit_pkg *p, void *user)
{
    bounds *b = user;

    inside(b, p->name.p, p->name.n);
    inside(b, p->version.p, p->version.n);
    inside(b, p->description.p, p->description.n);
    inside(b, p->depends.p, p->depends.n);
    if (!name_ok(p->name.p, p->name.n) || (p->installed && p->version.n == 0) || p->line == 0 ||
        p->line <= b->last_line)
        abort();
    b->last_line = p->line;
    relations(p->depends);
    relations(p->pre_depends);
    relations(p->provides);
    return KEEL_OK;
}

static void os_release(const uint8_t *data, size_t size)
{
    keel_audit_os_release os;
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    keel_err err = keel_audit_os_release_parse(data, size, &os, why, sizeof(why));

    if (memchr(os.id, '\0', sizeof(os.id)) == NULL ||
        memchr(os.pretty_name, '\0', sizeof(os.pretty_name)) == NULL)
        abort();
    if (err != KEEL_OK) {
        if (why[0] == '\0' || os.id[0] != '\0' || os.name[0] != '\0')
            abort();
        return;
    }
    for (const char *s = os.id; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
              *s == '-'))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    bounds b;
    keel_err err;
    size_t stanzas = 0;

    if (size == 0)
        return 0;
    if (data[0] % 4 == 3) {
        os_release(data + 1, size - 1);
        return 0;
    }
    b.data = data + 1;
    b.size = size - 1;
    b.last_line = 0;
    err = keel_audit_pkgdb_parse(data + 1, size - 1, (keel_audit_pkgdb_kind)(data[0] % 4),
                                 on_package, &b, &stanzas, why, sizeof(why));
    if (err != KEEL_OK && why[0] == '\0')
        abort();
    if (err == KEEL_OK && why[0] != '\0')
        abort();
    return 0;
}
