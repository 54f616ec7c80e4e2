/*
 * keel audit's software bill of materials: the packages a firmware tree's package databases
 * say are installed (dpkg's var/lib/dpkg/status and the per-package files of
 * var/lib/dpkg/status.d that distroless images carry; opkg's usr/lib/opkg/status and
 * var/lib/opkg/status on OpenWrt), written as a CycloneDX 1.5 JSON document. It is the
 * evidence an assessor hands on for the IXIT's software components (TS 103 701 6-SoftComp) and
 * the vulnerability monitoring of EN 303 645 5.2 and 5.3. Private to src/audit, its tests and
 * fuzz targets.
 *
 * Everything read from the tree is untrusted: every size and count is bounded, files are read
 * with keel_audit_tree_read (no link leads out of the tree), and a database that is not what
 * dpkg or opkg writes stops the SBOM with the file, the line and the rule: keel writes no SBOM
 * from a database it misread. Functions return keel_err; nothing here aborts.
 */
#ifndef KEEL_AUDIT_SBOM_H
#define KEEL_AUDIT_SBOM_H

#include <stddef.h>
#include <time.h>

#include "audit.h"

/* ---- The package databases (pkgdb.c) ----------------------------------------------------- */

#define KEEL_AUDIT_PKGDB_FILE_MAX ((size_t)64 * 1024 * 1024) /* one status file */
#define KEEL_AUDIT_PKGDB_PACKAGES_MAX 100000u /* stanzas of one tree, all files together */
#define KEEL_AUDIT_PKGDB_FIELDS_MAX 256u      /* fields of one stanza */
#define KEEL_AUDIT_PKGDB_STATUSD_MAX 100000u  /* names in var/lib/dpkg/status.d */
#define KEEL_AUDIT_PKG_NAME_MAX 128u          /* bytes of a package name */
#define KEEL_AUDIT_PKG_VERSION_MAX 256u       /* bytes of a version */
#define KEEL_AUDIT_PKG_ARCH_MAX 64u           /* bytes of an architecture */
#define KEEL_AUDIT_PKG_FIELD_NAME_MAX 64u     /* bytes of a field's name */
#define KEEL_AUDIT_PKGDB_WHY_MAX 256u

typedef enum keel_audit_pkgdb_kind {
    KEEL_AUDIT_PKGDB_DPKG = 0,    /* var/lib/dpkg/status: Status required */
    KEEL_AUDIT_PKGDB_STATUSD = 1, /* a file of var/lib/dpkg/status.d: a package's control
                                     fields; without Status the package is installed */
    KEEL_AUDIT_PKGDB_OPKG = 2     /* opkg's status file: Status required */
} keel_audit_pkgdb_kind;

/* A field's value inside the parsed text (not NUL-terminated); n 0 when the field is absent. */
typedef struct keel_audit_span {
    const char *p;
    size_t n;
} keel_audit_span;

/* One stanza. Single-line values are trimmed of blanks; multi-line ones (Depends folded over
 * lines, say) keep their inner newlines and continuation blanks; description is the synopsis
 * (the first line) only. */
typedef struct keel_audit_pkg {
    keel_audit_span name, version, arch, status, maintainer, description, section, source;
    keel_audit_span depends, pre_depends, provides;
    size_t line; /* 1-based line of its first field */
    int installed;
} keel_audit_pkg;

/* Called for every stanza, installed or not; a code other than KEEL_OK stops the parse and is
 * returned. The spans live as long as the parsed text. */
typedef keel_err (*keel_audit_pkg_fn)(const keel_audit_pkg *pkg, void *user);

/* Parse len bytes (untrusted, need not be NUL-terminated) of a status file as dpkg and opkg
 * write it (RFC 822-style stanzas, deb822): stanzas separated by blank lines (empty or only
 * blanks); a field is "Name: value" with a name of 1-64 printable ASCII bytes without ':' or
 * blanks, not starting with '#' or '-', met once per stanza (case-insensitively); a line
 * starting with a blank continues the field before it; at most KEEL_AUDIT_PKGDB_FIELDS_MAX
 * fields per stanza; no NUL, CR or other control byte but tab anywhere. Every stanza has a
 * Package of 1-128 bytes of [A-Za-z0-9+._-] starting with a letter or digit; a Version, when
 * present, is 1-256 bytes of [A-Za-z0-9.+~:_-] starting with a digit or letter; an
 * Architecture 1-64 bytes of [a-z0-9_-]. Status (required for DPKG and OPKG) is
 * "want flag state": dpkg's want is unknown|install|hold|deinstall|purge, its flag ok|reinstreq,
 * its state not-installed|config-files|half-installed|unpacked|half-configured|
 * triggers-awaited|triggers-pending|installed; opkg's want is unknown|install|deinstall|purge,
 * its flags a comma-separated list of ok|reinstreq|hold|replace|noprune|prefer|obsolete|user,
 * its state not-installed|unpacked|half-configured|installed|half-installed|config-files|
 * post-inst-failed|removal-failed. A package is installed when its state is installed (dpkg:
 * also triggers-awaited and triggers-pending, whose files are in place and configured), or for
 * STATUSD when it has no Status; an installed package has a Version (and for dpkg an
 * Architecture). KEEL_ERR_PARSE with why naming the line and the rule ("line 12: Status
 * 'install ok foo': unknown state 'foo'"), KEEL_ERR_TOO_LARGE past KEEL_AUDIT_PKGDB_FILE_MAX
 * bytes, KEEL_ERR_ARG. *stanzas (may be NULL) gets the number of stanzas read. why (whysz
 * bytes, may be NULL) is always NUL-terminated, "" on success. */
keel_err keel_audit_pkgdb_parse(const void *text, size_t len, keel_audit_pkgdb_kind kind,
                                keel_audit_pkg_fn fn, void *user, size_t *stanzas, char *why,
                                size_t whysz);

/* The relations of a Depends, Pre-Depends or Provides value ("a (>= 1), b | c:any, d"), called
 * once per alternative with its group (0-based, by comma), the alternative's package name and
 * its ":arch" qualifier (arch NULL and an 0 without one); "(op version)" is skipped.
 * KEEL_ERR_PARSE (why says where) when a name is not a package name, a parenthesis is not
 * closed on its line, or a group is empty; a code other than KEEL_OK from fn stops the walk and
 * is returned. */
typedef keel_err (*keel_audit_relation_fn)(size_t group, const char *name, size_t n,
                                           const char *arch, size_t an, void *user);
keel_err keel_audit_pkg_relations(keel_audit_span value, keel_audit_relation_fn fn, void *user,
                                  char *why, size_t whysz);

/* ---- os-release (sbom.c) ------------------------------------------------------------------- */

#define KEEL_AUDIT_OS_RELEASE_MAX ((size_t)64 * 1024)
#define KEEL_AUDIT_OS_FIELD_MAX 256u

/* What etc/os-release (or usr/lib/os-release) says; "" for what it leaves out. */
typedef struct keel_audit_os_release {
    char id[KEEL_AUDIT_OS_FIELD_MAX];          /* ID, lower case: the purl vendor */
    char id_like[KEEL_AUDIT_OS_FIELD_MAX];     /* ID_LIKE */
    char name[KEEL_AUDIT_OS_FIELD_MAX];        /* NAME */
    char pretty_name[KEEL_AUDIT_OS_FIELD_MAX]; /* PRETTY_NAME */
    char version_id[KEEL_AUDIT_OS_FIELD_MAX];  /* VERSION_ID */
    char codename[KEEL_AUDIT_OS_FIELD_MAX];    /* VERSION_CODENAME */
    char build_id[KEEL_AUDIT_OS_FIELD_MAX];    /* BUILD_ID */
} keel_audit_os_release;

/* Parse an os-release file (os-release(5): "KEY=value" lines, values unquoted or in single or
 * double quotes with backslash escapes in double quotes, '#' comments, blank lines). Lines
 * that are not assignments, unknown keys and values longer than KEEL_AUDIT_OS_FIELD_MAX - 1
 * bytes are refused: KEEL_ERR_PARSE with why naming the line. ID must be [a-z0-9._-]; the
 * other values are kept as printable text (control bytes refused). */
keel_err keel_audit_os_release_parse(const void *text, size_t len, keel_audit_os_release *out,
                                     char *why, size_t whysz);

/* ---- The SBOM (sbom.c) --------------------------------------------------------------------- */

#define KEEL_AUDIT_SBOM_SOURCES_MAX 8u
#define KEEL_AUDIT_SBOM_WHY_MAX 512u

/* What went into an SBOM. */
typedef struct keel_audit_sbom_stats {
    size_t components;    /* installed packages listed */
    size_t not_installed; /* stanzas of packages that are not installed, left out */
    size_t dependencies;  /* dependsOn edges between components */
    size_t unresolved;    /* dependency groups no installed package satisfies */
    size_t duplicates;    /* a package listed again by a second database, kept once */
    size_t sources;       /* databases read */
    char source[KEEL_AUDIT_SBOM_SOURCES_MAX][64]; /* their paths in the tree */
    int os_release;                               /* an os-release file was read */
} keel_audit_sbom_stats;

/* Build the CycloneDX 1.5 document of the firmware tree at dir into *out (cJSON, freed by the
 * caller with cJSON_Delete; typed void so that this header needs no cJSON). label names the
 * firmware when its os-release does not (the path given to keel audit). Reads
 * etc/os-release (else usr/lib/os-release), var/lib/dpkg/status, every file of
 * var/lib/dpkg/status.d but *.md5sums, usr/lib/opkg/status and var/lib/opkg/status. A tree
 * without any of them gives a document without components. KEEL_ERR_PARSE,
 * KEEL_ERR_TOO_LARGE or KEEL_ERR_IO with why naming the file and the problem; KEEL_ERR_IO when
 * dir cannot be opened; KEEL_ERR_RANDOM (serial number), KEEL_ERR_NOMEM. */
keel_err keel_audit_sbom_build(const char *dir, const char *label, time_t now, void **out,
                               keel_audit_sbom_stats *stats, char *why, size_t whysz);

/* keel_audit_sbom_build, then the document written to path (mode 0644, atomically). On
 * failure nothing is left at path. */
keel_err keel_audit_sbom_write(const char *dir, const char *label, const char *path,
                               keel_audit_sbom_stats *stats, char *why, size_t whysz);

/* The purl of a package (purl-spec): "pkg:deb/<vendor>/<name>@<version>?arch=<arch>&
 * distro=<distro>" for dpkg, "pkg:generic/<vendor>/<name>@<version>?arch=<arch>&
 * distro=<distro>" for opkg (purl has no opkg type); vendor (lower case) may be "" (deb then
 * has no purl: KEEL_ERR_NOT_FOUND), arch and distro may be "" (the qualifier is left out).
 * deb names are lower-cased; every component is percent-encoded but for [A-Za-z0-9._~-] (and
 * ':' in versions and qualifier values, which purl leaves as is). KEEL_ERR_RANGE when it does
 * not fit outsz. */
keel_err keel_audit_purl(keel_audit_pkgdb_kind kind, const char *vendor, const char *name,
                         const char *version, const char *arch, const char *distro, char *out,
                         size_t outsz);

#endif /* KEEL_AUDIT_SBOM_H */
