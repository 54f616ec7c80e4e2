/* The service scan of 5.6-4A-2 (V3.1.3) / 5.6-4-2 (V2.1.1): which debug and remote services
 * the firmware tree's boot configuration switches on. V3.1.3's 5.6-4A asks that debug
 * interfaces be disabled or protected by best-practice authentication: a getty or a shell on
 * the serial console, adbd, telnetd (a shell over the network in clear text) and SSH with
 * password logins are the interfaces device makers leave on from development. The files are
 * read inside the tree (links resolved with the tree as "/"), each at most once. */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whitebox.h"

#define REL_MAX 4096

typedef struct svc {
    int rootfd;
    keel_audit_service_scan *s;
    keel_audit_file_id *seen;
    size_t nseen;
    int full; /* KEEL_AUDIT_SERVICE_FILES_MAX reached */
} svc;

enum { TAKE_ERROR = -1, TAKE_ABSENT = 0, TAKE_READ = 1, TAKE_SEEN = 2 };

static void unreadable(svc *v, const char *rel, const char *why)
{
    v->s->unreadable++;
    if (v->s->findings != NULL)
        (void)keel_audit_evidence_addf(v->s->findings, "%s cannot be read: %s", rel, why);
}

/* Read rel of the tree once: TAKE_READ with *text (free it), TAKE_ABSENT, TAKE_SEEN (the same
 * file was judged already, through another link) or TAKE_ERROR (noted). */
static int take(svc *v, const char *rel, char **text, size_t *len)
{
    keel_audit_file_id id;
    keel_err err;

    *text = NULL;
    if (v->nseen >= KEEL_AUDIT_SERVICE_FILES_MAX) {
        if (!v->full)
            unreadable(v, rel, "more configuration files than the scan reads");
        v->full = 1;
        return TAKE_ERROR;
    }
    err = keel_audit_tree_read(v->rootfd, rel, KEEL_AUDIT_SERVICE_FILE_MAX, text, len, &id);
    if (err == KEEL_ERR_NOT_FOUND)
        return TAKE_ABSENT;
    if (err != KEEL_OK) {
        unreadable(v, rel,
                   err == KEEL_ERR_TOO_LARGE ? "larger than 1 MiB" : "not a readable regular file");
        return TAKE_ERROR;
    }
    for (size_t i = 0; i < v->nseen; i++) {
        if (v->seen[i].dev == id.dev && v->seen[i].ino == id.ino) {
            free(*text);
            *text = NULL;
            return TAKE_SEEN;
        }
    }
    v->seen[v->nseen++] = id;
    v->s->files++;
    return TAKE_READ;
}

typedef void (*scan_fn)(const char *path, const char *text, size_t len, keel_audit_service_scan *s);

static void scan_file(svc *v, const char *rel, scan_fn fn)
{
    char *text;
    size_t len;

    if (take(v, rel, &text, &len) == TAKE_READ)
        fn(rel, text, len, v->s);
    free(text);
}

/* The names of directory rel (none when it is absent; a failure is noted). */
static size_t list(svc *v, const char *rel, char ***names)
{
    size_t n = 0;
    keel_err err = keel_audit_tree_list(v->rootfd, rel, KEEL_AUDIT_SERVICE_DIR_MAX, names, &n);

    if (err == KEEL_ERR_NOT_FOUND)
        return 0;
    if (err != KEEL_OK) {
        unreadable(v, rel,
                   err == KEEL_ERR_TOO_LARGE ? "more entries than the scan reads" : "unreadable");
        return 0;
    }
    return n;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- boot scripts -------------------------------------------------------------------- */

static void scan_scripts(svc *v)
{
    static const char *const fixed[] = {"etc/rc.local", "etc/rc.d/rc.local",   "etc/init.d/rcS",
                                        "etc/rcS",      "etc/init.d/rc.local", "etc/rc.d/rcS"};
    static const char *const dirs[] = {
        "etc/init.d",     "etc/rc.d",       "etc/rc0.d",      "etc/rc1.d",      "etc/rc2.d",
        "etc/rc3.d",      "etc/rc4.d",      "etc/rc5.d",      "etc/rc6.d",      "etc/rcS.d",
        "etc/rc.d/rc0.d", "etc/rc.d/rc1.d", "etc/rc.d/rc2.d", "etc/rc.d/rc3.d", "etc/rc.d/rc4.d",
        "etc/rc.d/rc5.d", "etc/rc.d/rc6.d"};
    char rel[REL_MAX];

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        scan_file(v, fixed[i], keel_audit_script_scan);
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char **names = NULL;
        size_t n = list(v, dirs[d], &names);

        /* rcS (BusyBox, sysvinit) runs the S* entries, each a script or a link to one. */
        for (size_t i = 0; i < n; i++) {
            if (names[i][0] == 'S' &&
                keel_str_format(rel, sizeof(rel), "%s/%s", dirs[d], names[i]) == KEEL_OK)
                scan_file(v, rel, keel_audit_script_scan);
        }
        keel_audit_names_free(names, n);
    }
}

static void scan_xinetd(svc *v)
{
    char rel[REL_MAX];
    char **names = NULL;
    size_t n;

    scan_file(v, "etc/inetd.conf", keel_audit_inetd_scan);
    scan_file(v, "etc/xinetd.conf", keel_audit_xinetd_scan);
    n = list(v, "etc/xinetd.d", &names);
    for (size_t i = 0; i < n; i++) {
        if (keel_str_format(rel, sizeof(rel), "etc/xinetd.d/%s", names[i]) == KEEL_OK)
            scan_file(v, rel, keel_audit_xinetd_scan);
    }
    keel_audit_names_free(names, n);
}

/* ---- systemd ------------------------------------------------------------------------- */

static const char *const unit_dirs[] = {"etc/systemd/system", "lib/systemd/system",
                                        "usr/lib/systemd/system"};

/* Judge the unit file named name (or its template "prefix@.service") from the unit
 * directories, as unit. TAKE_READ when found and judged, else what take said last. */
static int judge_by_name(svc *v, const char *name, const char *unit)
{
    char rel[REL_MAX], template_[256];
    const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
    int got = TAKE_ABSENT;

    for (int pass = 0; pass < 2 && got != TAKE_READ && got != TAKE_SEEN; pass++) {
        if (pass == 1) {
            if (at == NULL || dot == NULL || dot < at ||
                keel_str_format(template_, sizeof(template_), "%.*s@%s", (int)(at - name), name,
                                dot) != KEEL_OK)
                break;
            name = template_;
        }
        for (size_t d = 0; d < sizeof(unit_dirs) / sizeof(unit_dirs[0]); d++) {
            char *text;
            size_t len;

            if (keel_str_format(rel, sizeof(rel), "%s/%s", unit_dirs[d], name) != KEEL_OK)
                continue;
            got = take(v, rel, &text, &len);
            if (got == TAKE_READ)
                keel_audit_unit_scan(rel, unit, text, len, v->s);
            free(text);
            if (got != TAKE_ABSENT)
                break;
        }
    }
    return got;
}

static void no_unit_file(svc *v, const char *where, const char *unit)
{
    v->s->not_judged++;
    if (v->s->findings != NULL)
        (void)keel_audit_evidence_addf(v->s->findings,
                                       "%s: not judged: %s is enabled but has no unit file in "
                                       "the tree",
                                       where, unit);
}

/* The service a socket unit starts: its Service=, else name@.service with Accept=yes, else
 * name.service. */
static void socket_service(const char *unit, const char *text, char *out, size_t outsz)
{
    const char *line = text, *value = NULL;
    int accept = 0;
    size_t stem = strlen(unit) - strlen(".socket");

    while (line != NULL && *line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);

        if (n > 8 && strncmp(line, "Service=", 8) == 0)
            value = line + 8;
        else if (n >= 10 && strncmp(line, "Accept=yes", 10) == 0)
            accept = 1;
        line = nl != NULL ? nl + 1 : NULL;
    }
    if (value != NULL) {
        size_t n = strcspn(value, " \t\r\n");
        if (n < outsz && keel_str_format(out, outsz, "%.*s", (int)n, value) == KEEL_OK)
            return;
    }
    if (keel_str_format(out, outsz, "%.*s%s", (int)stem, unit, accept ? "@.service" : ".service") !=
        KEEL_OK)
        out[0] = '\0';
}

static void judge_unit(svc *v, const char *where, const char *unit)
{
    char service[256];
    char *text;
    size_t len;
    int got;

    if (keel_audit_unit_name_scan(where, unit, v->s))
        return;
    if (ends_with(unit, ".service")) {
        got = take(v, where, &text, &len); /* the enabling link, resolved in the tree */
        if (got == TAKE_READ)
            keel_audit_unit_scan(where, unit, text, len, v->s);
        free(text);
        if (got == TAKE_ABSENT && judge_by_name(v, unit, unit) == TAKE_ABSENT)
            no_unit_file(v, where, unit);
    } else if (ends_with(unit, ".socket")) {
        got = take(v, where, &text, &len);
        if (got == TAKE_READ) {
            socket_service(unit, text, service, sizeof(service));
            if (service[0] != '\0' && judge_by_name(v, service, unit) == TAKE_ABSENT)
                no_unit_file(v, where, service);
        } else if (got == TAKE_ABSENT) {
            no_unit_file(v, where, unit);
        }
        free(text);
    }
}

static void scan_systemd(svc *v)
{
    char rel[REL_MAX], where[REL_MAX];

    for (size_t d = 0; d < sizeof(unit_dirs) / sizeof(unit_dirs[0]); d++) {
        char **names = NULL;
        size_t n = list(v, unit_dirs[d], &names);

        for (size_t i = 0; i < n; i++) {
            char **units = NULL;
            size_t m;

            if ((!ends_with(names[i], ".wants") && !ends_with(names[i], ".requires")) ||
                keel_str_format(rel, sizeof(rel), "%s/%s", unit_dirs[d], names[i]) != KEEL_OK)
                continue;
            m = list(v, rel, &units);
            for (size_t k = 0; k < m; k++) {
                if (keel_str_format(where, sizeof(where), "%s/%s", rel, units[k]) == KEEL_OK)
                    judge_unit(v, where, units[k]);
            }
            keel_audit_names_free(units, m);
        }
        keel_audit_names_free(names, n);
    }
}

/* ---- sshd_config --------------------------------------------------------------------- */

static void sshd_file(svc *v, const char *rel, keel_audit_sshd *c, int depth);

/* An Include pattern: absolute in the tree, or relative to etc/ssh; '*', '?' and '[' only in
 * its last component (a directory pattern is noted as not followed). */
static void sshd_include(const char *pattern, keel_audit_sshd *c, int depth, void *user)
{
    svc *v = user;
    char rel[REL_MAX], file[REL_MAX];
    char **names = NULL;
    char *slash;
    size_t n;

    if (keel_str_format(rel, sizeof(rel), "%s%s", pattern[0] == '/' ? "" : "etc/ssh/",
                        pattern[0] == '/' ? pattern + 1 : pattern) != KEEL_OK)
        return;
    slash = strrchr(rel, '/');
    if (strpbrk(rel, "*?[") == NULL) {
        sshd_file(v, rel, c, depth);
        return;
    }
    if (slash == NULL || strpbrk(slash + 1, "*?[") == NULL || strpbrk(rel, "*?[") < slash) {
        v->s->not_judged++;
        if (v->s->findings != NULL)
            (void)keel_audit_evidence_addf(v->s->findings,
                                           "etc/ssh/sshd_config: not judged: Include %s (a "
                                           "pattern in a directory name) not followed",
                                           pattern);
        return;
    }
    *slash = '\0';
    n = list(v, rel, &names);
    for (size_t i = 0; i < n; i++) {
        if (fnmatch(slash + 1, names[i], FNM_PERIOD) == 0 &&
            keel_str_format(file, sizeof(file), "%s/%s", rel, names[i]) == KEEL_OK)
            sshd_file(v, file, c, depth);
    }
    keel_audit_names_free(names, n);
}

static void sshd_file(svc *v, const char *rel, keel_audit_sshd *c, int depth)
{
    char *text;
    size_t len;

    if (take(v, rel, &text, &len) == TAKE_READ)
        keel_audit_sshd_read(rel, text, len, c, depth, sshd_include, v, v->s);
    free(text);
}

static void scan_sshd(svc *v)
{
    static const char path[] = "etc/ssh/sshd_config";
    keel_audit_sshd c;
    char *text;
    size_t len;

    keel_audit_sshd_init(&c);
    if (take(v, path, &text, &len) != TAKE_READ)
        return;
    keel_audit_sshd_read(path, text, len, &c, 0, sshd_include, v, v->s);
    free(text);
    keel_audit_sshd_judge(path, &c, v->s);
}

keel_err keel_audit_services_scan(const char *dir, keel_audit_service_scan *s)
{
    static const char *const props[] = {"default.prop",
                                        "prop.default",
                                        "system/build.prop",
                                        "vendor/build.prop",
                                        "system/etc/prop.default",
                                        "vendor/default.prop"};
    svc v;

    if (dir == NULL || s == NULL)
        return KEEL_ERR_ARG;
    memset(&v, 0, sizeof(v));
    v.s = s;
    v.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (v.rootfd < 0)
        return KEEL_ERR_IO;
    v.seen = calloc(KEEL_AUDIT_SERVICE_FILES_MAX, sizeof(*v.seen));
    if (v.seen == NULL) {
        close(v.rootfd);
        return KEEL_ERR_NOMEM;
    }
    scan_file(&v, "etc/inittab", keel_audit_inittab_scan);
    scan_scripts(&v);
    scan_xinetd(&v);
    scan_systemd(&v);
    scan_sshd(&v);
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
        scan_file(&v, props[i], keel_audit_props_scan);
    free(v.seen);
    close(v.rootfd);
    return KEEL_OK;
}

keel_audit_verdict keel_audit_services_verdict(const keel_audit_service_scan *s,
                                               keel_audit_evidence *ev)
{
    if (s == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev,
                                   "debug and remote services: %zu configuration files read "
                                   "(inittab, boot scripts, inetd, systemd units, sshd_config, "
                                   "Android properties): %zu switched on, %zu unreadable, %zu not "
                                   "judged",
                                   s->files, s->found, s->unreadable, s->not_judged);
    if (s->found > 0)
        return KEEL_AUDIT_FAIL;
    if (s->unreadable > 0 || s->not_judged > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (s->files == 0) {
        (void)keel_audit_evidence_addf(ev, "no init configuration, sshd_config or Android "
                                           "properties in the tree: no service start to judge");
        return KEEL_AUDIT_NA;
    }
    return KEEL_AUDIT_PASS;
}
