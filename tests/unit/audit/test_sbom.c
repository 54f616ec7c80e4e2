#define _XOPEN_SOURCE 700 /* nftw */
/* keel audit's SBOM: the strict dpkg/opkg status reader (installed or not, every refusal with
 * its line), Depends/Provides relations, os-release, purls as purl-spec builds them, and the
 * CycloneDX 1.5 document of firmware trees (dpkg, distroless status.d, opkg): components,
 * purls, suppliers, the dependency graph, the firmware's metadata, and no SBOM from a database
 * that is not what dpkg writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "sbom.h"
#include "tree_helpers.h"

/* ---- The status reader ------------------------------------------------------------------ */

#define PKGS_MAX 16

typedef struct seen {
    char name[PKGS_MAX][64];
    char version[PKGS_MAX][64];
    char description[PKGS_MAX][128];
    char depends[PKGS_MAX][128];
    int installed[PKGS_MAX];
    size_t line[PKGS_MAX];
    size_t n;
} seen;

static void copy_span(char *out, size_t outsz, keel_audit_span s)
{
    assert_true(s.n < outsz);
    memcpy(out, s.p != NULL ? s.p : "", s.n);
    out[s.n] = '\0';
}

static keel_err collect(const keel_audit_pkg *p, void *user)
{
    seen *s = user;

    assert_true(s->n < PKGS_MAX);
    copy_span(s->name[s->n], sizeof(s->name[0]), p->name);
    copy_span(s->version[s->n], sizeof(s->version[0]), p->version);
    copy_span(s->description[s->n], sizeof(s->description[0]), p->description);
    copy_span(s->depends[s->n], sizeof(s->depends[0]), p->depends);
    s->installed[s->n] = p->installed;
    s->line[s->n] = p->line;
    s->n++;
    return KEEL_OK;
}

static const char dpkg_status[] = "Package: base-files\n"
                                  "Essential: yes\n"
                                  "Status: install ok installed\n"
                                  "Priority: required\n"
                                  "Section: admin\n"
                                  "Maintainer: Santiago Vila <sanvila@debian.org>\n"
                                  "Architecture: amd64\n"
                                  "Version: 12.4+deb12u5\n"
                                  "Conffiles:\n"
                                  " /etc/debian_version 1234\n"
                                  " /etc/issue 5678\n"
                                  "Description: Debian base system miscellaneous files\n"
                                  " This package contains the basic filesystem hierarchy.\n"
                                  " .\n"
                                  " More text.\n"
                                  "\n"
                                  "Package: old-tool\n"
                                  "Status: deinstall ok config-files\n"
                                  "Architecture: amd64\n"
                                  "Version: 1.0-1\n"
                                  "\n"
                                  "\n"
                                  "Package: held\n"
                                  "Status: hold ok installed\n"
                                  "Architecture: all\n"
                                  "Version: 1:2.0~rc1-3\n"
                                  "Depends: base-files (>= 12),\n"
                                  " old-tool | base-files\n"
                                  "\t\n"
                                  "Package: gone\n"
                                  "Status: purge ok not-installed\n"
                                  "Architecture: amd64\n";

static void test_dpkg_status(void **state)
{
    seen s;
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    size_t stanzas = 0;

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(keel_audit_pkgdb_parse(dpkg_status, strlen(dpkg_status), KEEL_AUDIT_PKGDB_DPKG,
                                            collect, &s, &stanzas, why, sizeof(why)),
                     KEEL_OK);
    assert_string_equal(why, "");
    assert_int_equal(stanzas, 4);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.name[0], "base-files");
    assert_string_equal(s.version[0], "12.4+deb12u5");
    assert_string_equal(s.description[0], "Debian base system miscellaneous files");
    assert_int_equal(s.installed[0], 1);
    assert_int_equal(s.line[0], 1);
    assert_string_equal(s.name[1], "old-tool");
    assert_int_equal(s.installed[1], 0); /* config-files: not installed */
    assert_string_equal(s.name[2], "held");
    assert_int_equal(s.installed[2], 1); /* held, but installed */
    assert_int_equal(s.line[2], 23);
    assert_string_equal(s.version[2], "1:2.0~rc1-3");
    assert_string_equal(s.depends[2], "base-files (>= 12),\n old-tool | base-files");
    assert_string_equal(s.name[3], "gone");
    assert_int_equal(s.installed[3], 0);
}

static void test_opkg_and_statusd(void **state)
{
    static const char opkg[] = "Package: busybox\n"
                               "Version: 1.36.1-1\n"
                               "Depends: libc, jsonfilter\n"
                               "Status: install user installed\n"
                               "Architecture: mips_24kc\n"
                               "Installed-Time: 1700000000\n"
                               "\n"
                               "Package: libc\n"
                               "Version: 1.2.4-4\n"
                               "Status: install hold,user installed\n"
                               "Architecture: mips_24kc\n"
                               "\n"
                               "Package: removed\n"
                               "Version: 1\n"
                               "Status: deinstall ok not-installed\n";
    static const char statusd[] =
        "Package: tzdata\n"
        "Version: 2024a-0+deb12u1\n"
        "Architecture: all\n"
        "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
        "Description: time zone and daylight-saving time data\n";
    seen s;
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(keel_audit_pkgdb_parse(opkg, strlen(opkg), KEEL_AUDIT_PKGDB_OPKG, collect, &s,
                                            NULL, why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.installed[0], 1);
    assert_int_equal(s.installed[1], 1);
    assert_int_equal(s.installed[2], 0);
    /* dpkg's flags are not opkg's: "user" is refused in a dpkg status. */
    assert_int_equal(keel_audit_pkgdb_parse(opkg, strlen(opkg), KEEL_AUDIT_PKGDB_DPKG, NULL, NULL,
                                            NULL, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "line 4: Status 'install user installed': unknown flag");
    /* A status.d file has no Status: its package is installed. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(keel_audit_pkgdb_parse(statusd, strlen(statusd), KEEL_AUDIT_PKGDB_STATUSD,
                                            collect, &s, NULL, why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.installed[0], 1);
    /* ... which a dpkg status must have. */
    assert_int_equal(keel_audit_pkgdb_parse(statusd, strlen(statusd), KEEL_AUDIT_PKGDB_DPKG, NULL,
                                            NULL, NULL, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "line 1: package without a Status field");
}

typedef struct refusal {
    const char *text;
    keel_audit_pkgdb_kind kind;
    const char *why;
} refusal;

static void test_refusals(void **state)
{
    static const refusal cases[] = {
        {"Status: install ok installed\nVersion: 1\nArchitecture: all\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 1: stanza without a Package field"},
        {"Package: a\nPackage: b\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: field 'Package' appears twice in one stanza"},
        {"Package: a\npackage: b\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: field 'package' appears twice in one stanza"},
        {" continued\n", KEEL_AUDIT_PKGDB_DPKG, "line 1: a continuation line outside a field"},
        {"Package: a\r\n", KEEL_AUDIT_PKGDB_DPKG, "line 1: control byte 0x0d"},
        {"Package: a\nno colon here\n", KEEL_AUDIT_PKGDB_DPKG, "line 2: not a field 'Name: value'"},
        {"Package: a\n# comment: x\n", KEEL_AUDIT_PKGDB_DPKG, "line 2: not a field 'Name: value'"},
        {"Package: a\nBad Name: x\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: a field name is 1-64 printable bytes without blanks or ':'"},
        {"Package: -a\nStatus: install ok installed\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 1: Package '-a' is not 1-128 bytes of [A-Za-z0-9+._-] starting with a letter or "
         "digit"},
        {"Package: a/b\n", KEEL_AUDIT_PKGDB_STATUSD,
         "line 1: Package 'a/b' is not 1-128 bytes of [A-Za-z0-9+._-] starting with a letter or "
         "digit"},
        {"Package: a\nVersion: 1 2\n", KEEL_AUDIT_PKGDB_STATUSD,
         "line 2: Version '1 2' is not 1-256 bytes of [A-Za-z0-9.+~:_-] starting with a letter "
         "or digit"},
        {"Package: a\nVersion: 1\nArchitecture: AMD64\n", KEEL_AUDIT_PKGDB_STATUSD,
         "line 3: Architecture 'AMD64' is not 1-64 bytes of [a-z0-9_-]"},
        {"Package: a\nStatus: install ok\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: Status 'install ok' is not three words 'want flag state'"},
        {"Package: a\nStatus: install  ok installed\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: Status 'install  ok installed' is not three words 'want flag state'"},
        {"Package: a\nStatus: want ok installed\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: Status 'want ok installed': unknown want"},
        {"Package: a\nStatus: install ok gone\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 2: Status 'install ok gone': unknown state"},
        {"Package: a\nStatus: install ok,,user installed\n", KEEL_AUDIT_PKGDB_OPKG,
         "line 2: Status 'install ok,,user installed': unknown flag"},
        {"Package: a\nStatus: install user,bogus installed\n", KEEL_AUDIT_PKGDB_OPKG,
         "line 2: Status 'install user,bogus installed': unknown flag"},
        {"Package: a\nStatus: install ok installed\nArchitecture: all\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 1: installed package without a Version"},
        {"Package: a\nStatus: install ok installed\nVersion: 1\n", KEEL_AUDIT_PKGDB_DPKG,
         "line 1: installed package without an Architecture"},
        {"Package: a\nVersion: 1\n", KEEL_AUDIT_PKGDB_OPKG,
         "line 1: package without a Status field"},
    };
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    size_t stanzas = 99;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        keel_err err = keel_audit_pkgdb_parse(cases[i].text, strlen(cases[i].text), cases[i].kind,
                                              NULL, NULL, &stanzas, why, sizeof(why));
        if (err != KEEL_ERR_PARSE || strcmp(why, cases[i].why) != 0)
            fail_msg("case %zu: %d '%s'", i, err, why);
    }
    /* A NUL byte in the middle. */
    assert_int_equal(keel_audit_pkgdb_parse("Package: a\0b\n", 13, KEEL_AUDIT_PKGDB_STATUSD, NULL,
                                            NULL, NULL, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "line 1: control byte 0x00");
    assert_int_equal(keel_audit_pkgdb_parse("", KEEL_AUDIT_PKGDB_FILE_MAX + 1,
                                            KEEL_AUDIT_PKGDB_DPKG, NULL, NULL, NULL, why,
                                            sizeof(why)),
                     KEEL_ERR_TOO_LARGE);
    assert_int_equal(
        keel_audit_pkgdb_parse(NULL, 1, KEEL_AUDIT_PKGDB_DPKG, NULL, NULL, NULL, why, sizeof(why)),
        KEEL_ERR_ARG);
    /* An empty file has no package: nothing to refuse. */
    assert_int_equal(keel_audit_pkgdb_parse("", 0, KEEL_AUDIT_PKGDB_DPKG, NULL, NULL, &stanzas, why,
                                            sizeof(why)),
                     KEEL_OK);
    assert_int_equal(stanzas, 0);
}

static void test_field_bound(void **state)
{
    char text[KEEL_AUDIT_PKGDB_FIELDS_MAX * 16 + 64];
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    size_t n = 0;

    (void)state;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "Package: a\n");
    for (unsigned i = 1; i <= KEEL_AUDIT_PKGDB_FIELDS_MAX; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "X-F%u: v\n", i);
    assert_int_equal(keel_audit_pkgdb_parse(text, n, KEEL_AUDIT_PKGDB_STATUSD, NULL, NULL, NULL,
                                            why, sizeof(why)),
                     KEEL_ERR_TOO_LARGE);
    assert_string_equal(why, "line 257: more than 256 fields in one stanza");
}

/* ---- Relations ------------------------------------------------------------------------- */

typedef struct rels {
    char text[256];
} rels;

static keel_err on_rel(size_t group, const char *name, size_t n, const char *arch, size_t an,
                       void *user)
{
    rels *r = user;
    size_t len = strlen(r->text);

    snprintf(r->text + len, sizeof(r->text) - len, "%zu:%.*s%s%.*s ", group, (int)n, name,
             an > 0 ? ":" : "", (int)an, arch != NULL ? arch : "");
    return KEEL_OK;
}

static void test_relations(void **state)
{
    static const char good[] = "libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0,\n perl:any, "
                               "zlib1g:amd64 (= 1:1.2.13.dfsg-1)";
    keel_audit_span v = {good, strlen(good)};
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    rels r;
    static const char *const bad[] = {"a (>= 1", "a,,b", "a |", "a [amd64]", "a:", "(>= 1)", "a b"};

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(keel_audit_pkg_relations(v, on_rel, &r, why, sizeof(why)), KEEL_OK);
    assert_string_equal(r.text, "0:libc6 1:debconf 1:debconf-2.0 2:perl:any 3:zlib1g:amd64 ");
    v.p = "";
    v.n = 0;
    assert_int_equal(keel_audit_pkg_relations(v, on_rel, &r, why, sizeof(why)), KEEL_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v.p = bad[i];
        v.n = strlen(bad[i]);
        if (keel_audit_pkg_relations(v, NULL, NULL, why, sizeof(why)) != KEEL_ERR_PARSE ||
            why[0] == '\0')
            fail_msg("'%s' accepted", bad[i]);
    }
}

/* ---- purl and os-release ---------------------------------------------------------------- */

static void test_purl(void **state)
{
    char out[256];

    (void)state;
    assert_int_equal(keel_audit_purl(KEEL_AUDIT_PKGDB_DPKG, "debian", "libc6", "2.36-9+deb12u4",
                                     "amd64", "debian-12", out, sizeof(out)),
                     KEEL_OK);
    assert_string_equal(out, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
    /* The epoch's ':' stays (purl-spec's own example: attr@1:2.4.47-2); deb names are lower
     * case. */
    assert_int_equal(keel_audit_purl(KEEL_AUDIT_PKGDB_STATUSD, "Ubuntu", "Attr", "1:2.4.47-2", "",
                                     "", out, sizeof(out)),
                     KEEL_OK);
    assert_string_equal(out, "pkg:deb/ubuntu/attr@1:2.4.47-2");
    assert_int_equal(keel_audit_purl(KEEL_AUDIT_PKGDB_OPKG, "openwrt", "busybox", "1.36.1-1",
                                     "mips_24kc", "openwrt-23.05.3", out, sizeof(out)),
                     KEEL_OK);
    assert_string_equal(
        out, "pkg:generic/openwrt/busybox@1.36.1-1?arch=mips_24kc&distro=openwrt-23.05.3");
    assert_int_equal(
        keel_audit_purl(KEEL_AUDIT_PKGDB_OPKG, "", "Kmod_X", "1~2", "", "", out, sizeof(out)),
        KEEL_OK);
    assert_string_equal(out, "pkg:generic/Kmod_X@1~2");
    assert_int_equal(
        keel_audit_purl(KEEL_AUDIT_PKGDB_OPKG, "", "a", "1", "", "x y@z", out, sizeof(out)),
        KEEL_OK);
    assert_string_equal(out, "pkg:generic/a@1?distro=x%20y%40z");
    assert_int_equal(keel_audit_purl(KEEL_AUDIT_PKGDB_DPKG, "", "a", "1", "", "", out, sizeof(out)),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(
        keel_audit_purl(KEEL_AUDIT_PKGDB_DPKG, "debian", "libc6", "2.36", "amd64", "", out, 20),
        KEEL_ERR_RANGE);
    assert_string_equal(out, "");
}

static void test_os_release(void **state)
{
    static const char text[] = "# made by the firmware build\n"
                               "PRETTY_NAME=\"Acme Lock OS 2.1 (\\\"bolt\\\")\"\n"
                               "NAME='Acme Lock OS'\n"
                               "\n"
                               "  ID=acme\n"
                               "ID_LIKE=\"debian\"\n"
                               "VERSION_ID=2.1\n"
                               "VERSION_CODENAME=bolt\n"
                               "HOME_URL=\"https://example.com/\"\n";
    static const char *const bad[] = {
        "ID=Acme\n",      "ID=acme os\n", "ID=\"acme\n",     "just words\n", "=x\n",
        "ID=$(reboot)\n", "id=acme\n",    "NAME=\"a\"b\"\n", "NAME='it's'\n"};
    keel_audit_os_release os;
    char why[KEEL_AUDIT_PKGDB_WHY_MAX];
    char big[600];

    (void)state;
    assert_int_equal(keel_audit_os_release_parse(text, strlen(text), &os, why, sizeof(why)),
                     KEEL_OK);
    assert_string_equal(os.pretty_name, "Acme Lock OS 2.1 (\"bolt\")");
    assert_string_equal(os.name, "Acme Lock OS");
    assert_string_equal(os.id, "acme");
    assert_string_equal(os.id_like, "debian");
    assert_string_equal(os.version_id, "2.1");
    assert_string_equal(os.codename, "bolt");
    assert_string_equal(os.build_id, "");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_audit_os_release_parse(bad[i], strlen(bad[i]), &os, why, sizeof(why)) !=
                KEEL_ERR_PARSE ||
            strncmp(why, "line 1: ", 8) != 0)
            fail_msg("'%s' accepted (%s)", bad[i], why);
        assert_string_equal(os.id, "");
    }
    memset(big, 'a', sizeof(big));
    memcpy(big, "NAME=", 5);
    assert_int_equal(keel_audit_os_release_parse(big, sizeof(big), &os, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "line 1: a malformed or too long value (at most 255 bytes)");
}

/* ---- The document ------------------------------------------------------------------------ */

static cJSON *build(const tree *t, keel_audit_sbom_stats *s, keel_err expect, char *why,
                    size_t whysz)
{
    void *doc = NULL;
    keel_err err =
        keel_audit_sbom_build(t->root, "/images/lock-fw", 1700000000, &doc, s, why, whysz);

    if (err != expect)
        fail_msg("keel_audit_sbom_build: %d (%s), %d expected", err, why, expect);
    return doc;
}

static const cJSON *component(const cJSON *doc, const char *name, const char *arch)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "components"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(c, "properties"), *p;
        int arch_ok = arch == NULL;
        cJSON_ArrayForEach(p, props)
        {
            if (arch != NULL &&
                strcmp(cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring,
                       "keel:architecture") == 0 &&
                strcmp(cJSON_GetObjectItemCaseSensitive(p, "value")->valuestring, arch) == 0)
                arch_ok = 1;
        }
        if (strcmp(n->valuestring, name) == 0 && arch_ok)
            return c;
    }
    return NULL;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The dependsOn of ref as one space-separated string. */
static void depends_on(const cJSON *doc, const char *ref, char *out, size_t outsz)
{
    const cJSON *d, *r;

    out[0] = '\0';
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(doc, "dependencies"))
    {
        if (strcmp(str(d, "ref"), ref) != 0)
            continue;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(d, "dependsOn"))
        {
            size_t len = strlen(out);
            snprintf(out + len, outsz - len, "%s%s", len > 0 ? " " : "", r->valuestring);
        }
        return;
    }
    fail_msg("no dependencies entry for %s", ref);
}

static const char tree_status[] =
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Section: libs\n"
    "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
    "Architecture: amd64\n"
    "Multi-Arch: same\n"
    "Version: 2.36-9+deb12u4\n"
    "Description: GNU C Library: Shared libraries\n"
    " Contains the standard libraries.\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Section: libs\n"
    "Architecture: i386\n"
    "Version: 2.36-9+deb12u4\n"
    "\n"
    "Package: debconf\n"
    "Status: install ok installed\n"
    "Section: admin\n"
    "Maintainer: Debconf Developers <debconf-devel@lists.alioth.debian.org>\n"
    "Architecture: all\n"
    "Version: 1.5.82\n"
    "Provides: debconf-2.0\n"
    "Pre-Depends: perl-base (>= 5.20.1-3~)\n"
    "Description: Debian configuration management system\n"
    "\n"
    "Package: lockd\n"
    "Status: install ok installed\n"
    "Section: net\n"
    "Maintainer: Acme \xff Devices\n"
    "Architecture: amd64\n"
    "Version: 1:3.0\n"
    "Depends: libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0, missing-lib | other-missing,\n"
    " libc6:i386\n"
    "Description: the lock's daemon\twith a tab\n"
    "\n"
    "Package: removed-tool\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 0.9\n";

static const char tree_os_release[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                                      "NAME=\"Debian GNU/Linux\"\n"
                                      "VERSION_ID=\"12\"\n"
                                      "VERSION_CODENAME=bookworm\n"
                                      "ID=debian\n";

static void test_dpkg_tree(void **state)
{
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX], deps[512];
    const cJSON *c, *fw;
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "usr/lib/os-release", tree_os_release, 0644);
    tree_link(&t, "etc/os-release", "../usr/lib/os-release");
    tree_write(&t, "var/lib/dpkg/status", tree_status, 0644);
    doc = build(&t, &s, KEEL_OK, why, sizeof(why));
    assert_string_equal(why, "");
    assert_int_equal(s.components, 4);
    assert_int_equal(s.not_installed, 1);
    assert_int_equal(s.unresolved, 2); /* debconf's perl-base, lockd's missing-lib group */
    assert_int_equal(s.dependencies, 3);
    assert_int_equal(s.sources, 1);
    assert_string_equal(s.source[0], "var/lib/dpkg/status");
    assert_int_equal(s.os_release, 1);

    assert_string_equal(str(doc, "bomFormat"), "CycloneDX");
    assert_string_equal(str(doc, "specVersion"), "1.5");
    assert_int_equal(strlen(str(doc, "serialNumber")), 45);
    assert_memory_equal(str(doc, "serialNumber"), "urn:uuid:", 9);
    assert_int_equal(str(doc, "serialNumber")[23], '4'); /* version 4 */
    fw = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "metadata"),
                                          "component");
    assert_string_equal(str(fw, "type"), "firmware");
    assert_string_equal(str(fw, "name"), "Debian GNU/Linux 12 (bookworm)");
    assert_string_equal(str(fw, "version"), "12");
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(doc, "metadata"), "timestamp"),
                        "2023-11-14T22:13:20Z");

    c = component(doc, "libc6", "amd64");
    assert_non_null(c);
    assert_string_equal(str(c, "type"), "library");
    assert_string_equal(str(c, "purl"),
                        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
    assert_string_equal(str(c, "bom-ref"), str(c, "purl"));
    assert_string_equal(str(c, "description"), "GNU C Library: Shared libraries");
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(c, "supplier"), "name"),
                        "GNU Libc Maintainers");
    assert_string_equal(
        str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(c, "supplier"), "contact"),
                               0),
            "email"),
        "debian-glibc@lists.debian.org");
    assert_non_null(component(doc, "libc6", "i386"));
    c = component(doc, "lockd", NULL);
    assert_non_null(c);
    assert_string_equal(str(c, "type"), "application");
    assert_string_equal(str(c, "purl"), "pkg:deb/debian/lockd@1:3.0?arch=amd64&distro=debian-12");
    /* Not UTF-8, a tab: replaced, never copied into the JSON as they are. */
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(c, "supplier"), "name"),
                        "Acme \xef\xbf\xbd Devices");
    assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "supplier"),
                                                 "contact"));
    assert_string_equal(str(c, "description"), "the lock's daemon with a tab");
    assert_null(component(doc, "removed-tool", NULL));

    /* lockd: libc6 of its own architecture, debconf (arch all) by name, libc6:i386 by its
     * qualifier, the group of missing packages unresolved. */
    depends_on(doc, "pkg:deb/debian/lockd@1:3.0?arch=amd64&distro=debian-12", deps, sizeof(deps));
    assert_string_equal(deps, "pkg:deb/debian/debconf@1.5.82?arch=all&distro=debian-12 "
                              "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12 "
                              "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=i386&distro=debian-12");
    depends_on(doc, "pkg:deb/debian/debconf@1.5.82?arch=all&distro=debian-12", deps, sizeof(deps));
    assert_string_equal(deps, "");
    depends_on(doc, "keel:firmware", deps, sizeof(deps));
    assert_non_null(strstr(deps, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=i386"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "dependencies")), 5);
    cJSON_Delete(doc);
    tree_free(&t);
}

static void test_provides(void **state)
{
    static const char status[] = "Package: mawk\n"
                                 "Status: install ok installed\n"
                                 "Architecture: amd64\n"
                                 "Version: 1.3.4\n"
                                 "Provides: awk\n"
                                 "\n"
                                 "Package: base-files\n"
                                 "Status: install ok installed\n"
                                 "Architecture: amd64\n"
                                 "Version: 12.4\n"
                                 "Pre-Depends: awk\n";
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX], deps[256];
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "etc/os-release", "ID=debian\nVERSION_CODENAME=bookworm\n", 0644);
    tree_write(&t, "var/lib/dpkg/status", status, 0644);
    doc = build(&t, &s, KEEL_OK, why, sizeof(why));
    assert_int_equal(s.unresolved, 0);
    depends_on(doc, "pkg:deb/debian/base-files@12.4?arch=amd64&distro=bookworm", deps,
               sizeof(deps));
    assert_string_equal(deps, "pkg:deb/debian/mawk@1.3.4?arch=amd64&distro=bookworm");
    cJSON_Delete(doc);
    tree_free(&t);
}

static void test_statusd_tree(void **state)
{
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX];
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "etc/os-release", "ID=debian\nVERSION_ID=12\n", 0644);
    tree_write(&t, "var/lib/dpkg/status.d/base",
               "Package: base-files\nVersion: 12.4\nArchitecture: amd64\n", 0644);
    tree_write(&t, "var/lib/dpkg/status.d/base.md5sums", "0123  etc/debian_version\n", 0644);
    tree_write(&t, "var/lib/dpkg/status.d/tzdata",
               "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n", 0644);
    /* The same package in the status file and in status.d: listed once. */
    tree_write(&t, "var/lib/dpkg/status",
               "Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\n"
               "Architecture: all\n",
               0644);
    doc = build(&t, &s, KEEL_OK, why, sizeof(why));
    assert_int_equal(s.components, 2);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(s.sources, 2);
    assert_string_equal(s.source[0], "var/lib/dpkg/status");
    assert_string_equal(s.source[1], "var/lib/dpkg/status.d");
    assert_string_equal(str(component(doc, "tzdata", NULL), "purl"),
                        "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12");
    cJSON_Delete(doc);
    tree_free(&t);
}

static void test_opkg_tree(void **state)
{
    static const char status[] = "Package: busybox\n"
                                 "Version: 1.36.1-1\n"
                                 "Depends: libc\n"
                                 "Status: install user installed\n"
                                 "Architecture: mips_24kc\n"
                                 "\n"
                                 "Package: libc\n"
                                 "Version: 1.2.4-4\n"
                                 "Status: install hold installed\n"
                                 "Architecture: mips_24kc\n"
                                 "\n"
                                 "Package: luci-app-old\n"
                                 "Version: 1\n"
                                 "Status: deinstall ok not-installed\n"
                                 "Architecture: all\n";
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX], deps[256];
    const cJSON *fw;
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "usr/lib/os-release",
               "NAME=\"OpenWrt\"\nVERSION=\"23.05.3\"\nID=\"openwrt\"\nID_LIKE=\"lede openwrt\"\n"
               "PRETTY_NAME=\"OpenWrt 23.05.3\"\nVERSION_ID=\"23.05.3\"\nBUILD_ID=\"r23809\"\n",
               0644);
    tree_write(&t, "usr/lib/opkg/status", status, 0644);
    /* OpenWrt's var is a link to /tmp, and its opkg state links back to usr/lib/opkg. */
    tree_link(&t, "var", "/tmp");
    tree_link(&t, "tmp/lib/opkg", "/usr/lib/opkg");
    doc = build(&t, &s, KEEL_OK, why, sizeof(why));
    assert_string_equal(why, "");
    assert_int_equal(s.components, 2);
    assert_int_equal(s.not_installed, 1);
    assert_int_equal(s.sources, 1); /* var/lib/opkg/status is the same file, read once */
    assert_string_equal(
        str(component(doc, "busybox", NULL), "purl"),
        "pkg:generic/openwrt/busybox@1.36.1-1?arch=mips_24kc&distro=openwrt-23.05.3");
    assert_string_equal(str(component(doc, "libc", NULL), "type"), "library");
    depends_on(doc, str(component(doc, "busybox", NULL), "bom-ref"), deps, sizeof(deps));
    assert_string_equal(deps,
                        "pkg:generic/openwrt/libc@1.2.4-4?arch=mips_24kc&distro=openwrt-23.05.3");
    fw = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "metadata"),
                                          "component");
    assert_string_equal(str(fw, "name"), "OpenWrt 23.05.3");
    cJSON_Delete(doc);
    tree_free(&t);
}

static void test_no_database(void **state)
{
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX];
    const cJSON *fw;
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    /* An absolute link resolves inside the tree: the auditor's own files (which exist) are
     * never read. */
    tree_link(&t, "var/lib/opkg/status", "/var/lib/dpkg/status");
    tree_link(&t, "etc/os-release", "../../../../../../../../usr/lib/os-release");
    doc = build(&t, &s, KEEL_OK, why, sizeof(why));
    assert_int_equal(s.components, 0);
    assert_int_equal(s.sources, 0);
    assert_int_equal(s.os_release, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "components")), 0);
    fw = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "metadata"),
                                          "component");
    assert_string_equal(str(fw, "name"), "lock-fw"); /* the label's last part */
    assert_null(cJSON_GetObjectItemCaseSensitive(fw, "version"));
    cJSON_Delete(doc);
    tree_free(&t);
}

static void test_no_vendor(void **state)
{
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX];
    const cJSON *c;
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "var/lib/dpkg/status",
               "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n", 0644);
    doc = build(&t, &s, KEEL_OK, why, sizeof(why));
    c = component(doc, "a", NULL);
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "purl")); /* deb purls need the vendor */
    assert_string_equal(str(c, "bom-ref"), "deb:a:all@1");
    cJSON_Delete(doc);
    tree_free(&t);
}

static void test_tree_refusals(void **state)
{
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX], out[600];
    FILE *f;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "var/lib/dpkg/status",
               "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\n"
               "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
               0644);
    assert_null(build(&t, &s, KEEL_ERR_PARSE, why, sizeof(why)));
    assert_string_equal(why, "var/lib/dpkg/status: lines 1 and 6: package a all listed twice");
    assert_int_equal(s.components, 0);

    tree_write(&t, "var/lib/dpkg/status",
               "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n"
               "Depends: b (>= 1\n",
               0644);
    assert_null(build(&t, &s, KEEL_ERR_PARSE, why, sizeof(why)));
    assert_string_equal(why,
                        "var/lib/dpkg/status:1: package a: Depends: byte 3: '(' is not closed on "
                        "its line");

    tree_write(&t, "var/lib/dpkg/status", "Package: a\nStatus: install ok broken\n", 0644);
    tree_write(&t, "etc/os-release", "ID=debian\n", 0644);
    /* keel_audit_sbom_write leaves no SBOM behind, not even one of an earlier run. */
    snprintf(out, sizeof(out), "%s/sbom.cdx.json", t.root);
    f = fopen(out, "w");
    assert_non_null(f);
    fputs("{\"old\": true}", f);
    fclose(f);
    assert_int_equal(keel_audit_sbom_write(t.root, t.root, out, &s, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why,
                        "var/lib/dpkg/status: line 2: Status 'install ok broken': unknown state");
    assert_int_equal(access(out, F_OK), -1);

    tree_write(&t, "etc/os-release", "ID=Debian\n", 0644);
    assert_null(build(&t, &s, KEEL_ERR_PARSE, why, sizeof(why)));
    assert_string_equal(why, "etc/os-release: line 1: ID is not [a-z0-9._-]");

    /* A database that is a directory cannot be read. */
    tree_write(&t, "etc/os-release", "ID=debian\n", 0644);
    snprintf(out, sizeof(out), "%s/var/lib/dpkg/status", t.root);
    assert_int_equal(unlink(out), 0);
    tree_dirs(&t, "var/lib/dpkg/status", 1);
    assert_null(build(&t, &s, KEEL_ERR_IO, why, sizeof(why)));
    assert_string_equal(why, "var/lib/dpkg/status: cannot be read (not a regular file)");
    tree_free(&t);
}

static void test_write(void **state)
{
    keel_audit_sbom_stats s;
    char why[KEEL_AUDIT_SBOM_WHY_MAX], out[600];
    char *text = NULL;
    size_t len = 0;
    cJSON *doc;
    tree t;

    (void)state;
    tree_make(&t);
    tree_write(&t, "etc/os-release", tree_os_release, 0644);
    tree_write(&t, "var/lib/dpkg/status", tree_status, 0644);
    snprintf(out, sizeof(out), "%s/sbom.cdx.json", t.root);
    assert_int_equal(keel_audit_sbom_write(t.root, t.root, out, &s, why, sizeof(why)), KEEL_OK);
    assert_int_equal(s.components, 4);
    assert_int_equal(keel_file_read(out, 1 << 20, &text, &len), KEEL_OK);
    doc = cJSON_ParseWithLength(text, len);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "components")), 4);
    cJSON_Delete(doc);
    keel_file_free(text, len);
    tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg_status), cmocka_unit_test(test_opkg_and_statusd),
        cmocka_unit_test(test_refusals),    cmocka_unit_test(test_field_bound),
        cmocka_unit_test(test_relations),   cmocka_unit_test(test_purl),
        cmocka_unit_test(test_os_release),  cmocka_unit_test(test_dpkg_tree),
        cmocka_unit_test(test_provides),    cmocka_unit_test(test_statusd_tree),
        cmocka_unit_test(test_opkg_tree),   cmocka_unit_test(test_no_database),
        cmocka_unit_test(test_no_vendor),   cmocka_unit_test(test_tree_refusals),
        cmocka_unit_test(test_write),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
