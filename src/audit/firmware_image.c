/* Firmware images for the white-box test cases (image.h): recognised by magic, their member
 * lists checked before anything is written, unpacked by Debian's tools (GNU tar, unsquashfs,
 * debugfs) in a new process group with bounds on time, file size and disk space, and removed
 * at the end. Everything the image or its tools say is untrusted text, parsed strictly. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "whitebox.h"

#define ROOT_NAME "root"
#define STDERR_KEEP 1024

/* ---- Recognition ------------------------------------------------------------------------ */

static const uint8_t GZIP_MAGIC[] = {0x1f, 0x8b};
static const uint8_t XZ_MAGIC[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
static const uint8_t ZSTD_MAGIC[] = {0x28, 0xb5, 0x2f, 0xfd};

static int starts(const uint8_t *h, size_t len, const uint8_t *m, size_t n)
{
    return len >= n && memcmp(h, m, n) == 0;
}

static const char *compression(const uint8_t *h, size_t len)
{
    if (starts(h, len, GZIP_MAGIC, sizeof(GZIP_MAGIC)))
        return "gzip";
    if (starts(h, len, XZ_MAGIC, sizeof(XZ_MAGIC)))
        return "xz";
    if (starts(h, len, ZSTD_MAGIC, sizeof(ZSTD_MAGIC)))
        return "zstd";
    if (len >= 4 && memcmp(h, "BZh", 3) == 0 && h[3] >= '1' && h[3] <= '9')
        return "bzip2";
    return NULL;
}

keel_audit_image_kind keel_audit_image_detect(const uint8_t *head, size_t len)
{
    if (head == NULL)
        return KEEL_AUDIT_IMAGE_UNKNOWN;
    if (len >= 262 && memcmp(head + 257, "ustar", 5) == 0)
        return KEEL_AUDIT_IMAGE_TAR;
    if (len >= 4 && memcmp(head, "hsqs", 4) == 0)
        return KEEL_AUDIT_IMAGE_SQUASHFS;
    if (len >= 1082 && head[1080] == 0x53 && head[1081] == 0xef)
        return KEEL_AUDIT_IMAGE_EXT;
    if (compression(head, len) != NULL)
        return KEEL_AUDIT_IMAGE_TAR_COMPRESSED;
    return KEEL_AUDIT_IMAGE_UNKNOWN;
}

const char *keel_audit_image_kind_name(keel_audit_image_kind kind, const uint8_t *head, size_t len)
{
    const char *c;

    switch (kind) {
    case KEEL_AUDIT_IMAGE_TAR: return "tar";
    case KEEL_AUDIT_IMAGE_TAR_COMPRESSED:
        c = head != NULL ? compression(head, len) : NULL;
        return c == NULL                ? "compressed tar"
               : strcmp(c, "gzip") == 0 ? "compressed tar (gzip)"
               : strcmp(c, "xz") == 0   ? "compressed tar (xz)"
               : strcmp(c, "zstd") == 0 ? "compressed tar (zstd)"
                                        : "compressed tar (bzip2)";
    case KEEL_AUDIT_IMAGE_SQUASHFS: return "squashfs";
    case KEEL_AUDIT_IMAGE_EXT: return "ext2/3/4";
    case KEEL_AUDIT_IMAGE_UNKNOWN: break;
    }
    return "unknown";
}

/* ---- Member bookkeeping ------------------------------------------------------------------ */

/* A member name for messages: printable ASCII only, cut at 96 bytes. */
static void shown(const char *name, char out[100])
{
    size_t n = 0;

    for (const char *p = name; *p != '\0' && n < 96; p++)
        out[n++] = (char)((*p >= ' ' && *p <= '~') ? *p : '?');
    if (strlen(name) > 96)
        out[n - 1] = '+';
    out[n] = '\0';
}

/* A listing line (len bytes, not NUL-terminated) for messages, as shown() does names. */
static void shown_line(const char *line, size_t len, char out[100])
{
    size_t n = len < 96 ? len : 96;

    for (size_t i = 0; i < n; i++)
        out[i] = (char)((line[i] >= ' ' && line[i] <= '~') ? line[i] : '?');
    if (len > 96)
        out[n - 1] = '+';
    out[n] = '\0';
}

void keel_audit_members_init(keel_audit_members *m)
{
    if (m == NULL)
        return;
    memset(m, 0, sizeof(*m));
    m->bytes_max = KEEL_AUDIT_IMAGE_BYTES_MAX;
    m->entries_max = KEEL_AUDIT_IMAGE_ENTRIES_MAX;
}

void keel_audit_members_free(keel_audit_members *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->links_cap; i++)
        free(m->links[i]);
    free(m->links);
    for (size_t i = 0; i < m->modes_n; i++)
        free(m->modes_path[i]);
    free(m->modes_path);
    free(m->modes);
    m->links = m->modes_path = NULL;
    m->modes = NULL;
    m->links_n = m->links_cap = m->modes_n = m->modes_cap = 0;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Is s[0..n) in the set (an open-addressed table of NUL-terminated names)? */
static int set_has(char *const *tab, size_t cap, const char *s, size_t n)
{
    if (cap == 0)
        return 0;
    for (size_t i = (size_t)(hash_bytes(s, n) & (cap - 1));; i = (i + 1) & (cap - 1)) {
        if (tab[i] == NULL)
            return 0;
        if (strlen(tab[i]) == n && memcmp(tab[i], s, n) == 0)
            return 1;
    }
}

static int set_put(char ***tab, size_t *used, size_t *cap, const char *s)
{
    size_t n = strlen(s);

    if (set_has(*tab, *cap, s, n))
        return 1;
    if ((*used + 1) * 2 > *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        char **nt = calloc(ncap, sizeof(*nt));
        if (nt == NULL)
            return 0;
        for (size_t i = 0; i < *cap; i++) {
            if ((*tab)[i] == NULL)
                continue;
            size_t j = (size_t)(hash_bytes((*tab)[i], strlen((*tab)[i])) & (ncap - 1));
            while (nt[j] != NULL)
                j = (j + 1) & (ncap - 1);
            nt[j] = (*tab)[i];
        }
        free(*tab);
        *tab = nt;
        *cap = ncap;
    }
    size_t i = (size_t)(hash_bytes(s, n) & (*cap - 1));
    while ((*tab)[i] != NULL)
        i = (i + 1) & (*cap - 1);
    if (((*tab)[i] = strdup(s)) == NULL)
        return 0;
    (*used)++;
    return 1;
}

static void set_free(char **tab, size_t cap)
{
    for (size_t i = 0; i < cap; i++)
        free(tab[i]);
    free(tab);
}

int keel_audit_member_name_ok(const char *name, char *why, size_t whysz)
{
    char s[100];
    const char *p = name;

    if (name == NULL || name[0] == '\0') {
        keel_audit_say(why, whysz, "a member without a name");
        return 0;
    }
    shown(name, s);
    if (name[0] == '/') {
        keel_audit_say(why, whysz, "'%s': an absolute name (would be written outside the tree)", s);
        return 0;
    }
    for (const char *c = name; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            keel_audit_say(why, whysz, "'%s': a control byte in the name", s);
            return 0;
        }
    }
    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            keel_audit_say(why, whysz, "'%s': a '..' component (would be written outside the tree)",
                           s);
            return 0;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return 1;
}

/* The canonical form of a safe name into out: no "." components, no repeated or trailing
 * '/'; "" for the root. 0 when it does not fit. */
static int canonical(const char *name, char *out, size_t outsz)
{
    size_t o = 0;
    const char *p = name;

    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (o + (o > 0) + n + 1 > outsz)
                return 0;
            if (o > 0)
                out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    out[o] = '\0';
    return 1;
}

/* 1 when a proper prefix of canonical name c is a symbolic link member seen before. */
static int below_link(const keel_audit_members *m, const char *c, const char **link_end)
{
    for (const char *p = strchr(c, '/'); p != NULL; p = strchr(p + 1, '/')) {
        if (set_has(m->links, m->links_cap, c, (size_t)(p - c))) {
            *link_end = p;
            return 1;
        }
    }
    return 0;
}

/* The checks every member gets: its name, not below a symbolic link, the entry bound; a
 * symbolic link joins the set. c gets the canonical name. */
static keel_err member(keel_audit_members *m, const char *name, int is_link, char *c, size_t csz,
                       char *why, size_t whysz)
{
    const char *end = NULL;
    char s[100];

    if (!keel_audit_member_name_ok(name, why, whysz))
        return KEEL_ERR_PARSE;
    shown(name, s);
    if (!canonical(name, c, csz)) {
        keel_audit_say(why, whysz, "'%s': name too long", s);
        return KEEL_ERR_PARSE;
    }
    if (below_link(m, c, &end)) {
        keel_audit_say(why, whysz,
                       "'%s': below the symbolic link '%.*s' (would be written through it)", s,
                       (int)(end - c > 96 ? 96 : end - c), c);
        return KEEL_ERR_PARSE;
    }
    if (++m->entries > m->entries_max) {
        keel_audit_say(why, whysz, "more than %zu entries (the scan's bound)", m->entries_max);
        return KEEL_ERR_TOO_LARGE;
    }
    if (is_link && c[0] != '\0' && !set_put(&m->links, &m->links_n, &m->links_cap, c)) {
        keel_audit_say(why, whysz, "out of memory");
        return KEEL_ERR_NOMEM;
    }
    return KEEL_OK;
}

static keel_err add_bytes(keel_audit_members *m, uint64_t size, const char *name, char *why,
                          size_t whysz)
{
    char s[100];

    if (size > m->bytes_max || m->bytes > m->bytes_max - size) {
        shown(name, s);
        keel_audit_say(why, whysz, "'%s': the files would unpack past %" PRIu64 " bytes", s,
                       m->bytes_max);
        return KEEL_ERR_TOO_LARGE;
    }
    m->bytes += size;
    return KEEL_OK;
}

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;

    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 1;
}

/* The first k space-separated tokens of line[0..len) (runs of spaces between them) into
 * tok/tlen; returns the offset just past the space after the k-th, or 0 when there are fewer. */
static size_t tokens(const char *line, size_t len, size_t k, const char **tok, size_t *tlen)
{
    size_t i = 0;

    for (size_t t = 0; t < k; t++) {
        size_t s = i;
        while (i < len && line[i] != ' ')
            i++;
        if (i == s || i == len)
            return 0;
        tok[t] = line + s;
        tlen[t] = i - s;
        while (i < len && line[i] == ' ')
            i++;
    }
    return i;
}

/* A C-quoted string (GNU tar's --quoting-style=c) at line[*i], unescaped into out. */
static int unquote(const char *line, size_t len, size_t *i, char *out, size_t outsz)
{
    size_t o = 0, p = *i;

    if (p >= len || line[p] != '"')
        return 0;
    for (p++; p < len && line[p] != '"'; p++) {
        char ch = line[p];
        if (ch == '\\') {
            if (++p >= len)
                return 0;
            switch (line[p]) {
            case '\\': ch = '\\'; break;
            case '"': ch = '"'; break;
            case '\'': ch = '\''; break;
            case '?': ch = '?'; break;
            case 'a': ch = '\a'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'v': ch = '\v'; break;
            default:
                if (line[p] >= '0' && line[p] <= '7') {
                    unsigned v = 0;
                    for (int d = 0; d < 3 && p < len && line[p] >= '0' && line[p] <= '7'; d++)
                        v = v * 8 + (unsigned)(line[p++] - '0');
                    p--;
                    if (v == 0 || v > 255)
                        return 0;
                    ch = (char)v;
                } else {
                    return 0;
                }
            }
        }
        if (o + 1 >= outsz)
            return 0;
        out[o++] = ch;
    }
    if (p >= len)
        return 0;
    out[o] = '\0';
    *i = p + 1;
    return 1;
}

keel_err keel_audit_tar_line(keel_audit_members *m, const char *line, size_t len, char *why,
                             size_t whysz)
{
    const char *tok[5];
    size_t tlen[5], i;
    char *name = NULL, *target = NULL, *c = NULL, s[100];
    uint64_t size = 0;
    keel_err ret = KEEL_ERR_PARSE;
    char type;
    char sl[100];

    if (m == NULL || line == NULL)
        return KEEL_ERR_ARG;
    shown_line(line, len, sl);
    i = tokens(line, len, 5, tok, tlen);
    name = malloc(KEEL_AUDIT_IMAGE_LINE_MAX);
    target = malloc(KEEL_AUDIT_IMAGE_LINE_MAX);
    c = malloc(KEEL_AUDIT_IMAGE_LINE_MAX);
    if (name == NULL || target == NULL || c == NULL) {
        keel_audit_say(why, whysz, "out of memory");
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    if (i == 0 || tlen[0] != 10 || !unquote(line, len, &i, name, KEEL_AUDIT_IMAGE_LINE_MAX)) {
        keel_audit_say(why, whysz, "a listing line of an unknown shape: '%s'", sl);
        goto out;
    }
    shown(name, s);
    type = tok[0][0];
    if (type == 'c' || type == 'b') {
        keel_audit_say(why, whysz, "'%s': a device node", s);
        goto out;
    }
    if (strchr("-dlhpC", type) == NULL) {
        keel_audit_say(why, whysz, "'%s': a member of type '%c' keel does not unpack", s, type);
        goto out;
    }
    target[0] = '\0';
    if (type == 'l' && len - i >= 4 && memcmp(line + i, " -> ", 4) == 0) {
        i += 4;
        if (!unquote(line, len, &i, target, KEEL_AUDIT_IMAGE_LINE_MAX))
            i = 0;
    } else if (type == 'h' && len - i >= 9 && memcmp(line + i, " link to ", 9) == 0) {
        i += 9;
        if (!unquote(line, len, &i, target, KEEL_AUDIT_IMAGE_LINE_MAX))
            i = 0;
    } else if (type == 'l' || type == 'h') {
        i = 0;
    }
    if (i != len) {
        keel_audit_say(why, whysz, "'%s': a listing line of an unknown shape", s);
        goto out;
    }
    if (type == 'h') {
        const char *end = NULL;
        char t[100];
        if (!keel_audit_member_name_ok(target, why, whysz)) {
            shown(target, t);
            keel_audit_say(why, whysz, "'%s': a hard link to the unsafe name '%s'", s, t);
            goto out;
        }
        if (!canonical(target, c, KEEL_AUDIT_IMAGE_LINE_MAX) || below_link(m, c, &end) ||
            set_has(m->links, m->links_cap, c, strlen(c))) {
            shown(target, t);
            keel_audit_say(why, whysz, "'%s': a hard link through a symbolic link ('%s')", s, t);
            goto out;
        }
    }
    if ((ret = member(m, name, type == 'l', c, KEEL_AUDIT_IMAGE_LINE_MAX, why, whysz)) != KEEL_OK)
        goto out;
    if (type == 'p')
        m->special++;
    if (type == '-' || type == 'C') {
        if (!parse_u64(tok[2], tlen[2], &size)) {
            keel_audit_say(why, whysz, "'%s': a size that is not a number", s);
            ret = KEEL_ERR_PARSE;
            goto out;
        }
        ret = add_bytes(m, size, name, why, whysz);
    }
out:
    free(name);
    free(target);
    free(c);
    return ret;
}

keel_err keel_audit_squashfs_line(keel_audit_members *m, const char *line, size_t len, char *why,
                                  size_t whysz)
{
    static const char prefix[] = "squashfs-root";
    const char *tok[5];
    size_t tlen[5], i;
    char *name = NULL, *c = NULL, s[100];
    uint64_t size = 0;
    keel_err ret = KEEL_ERR_PARSE;
    size_t nlen;
    char type;
    char sl[100];

    if (m == NULL || line == NULL)
        return KEEL_ERR_ARG;
    shown_line(line, len, sl);
    if (len > 0 && (line[0] == 'c' || line[0] == 'b')) {
        size_t at = len;
        for (size_t k = len; k > 0; k--) {
            if (line[k - 1] == ' ') {
                at = k;
                break;
            }
        }
        shown_line(line + at, len - at, sl);
        keel_audit_say(why, whysz, "'%s': a device node", sl);
        return KEEL_ERR_PARSE;
    }
    i = tokens(line, len, 5, tok, tlen);
    if (i == 0 || tlen[0] != 10 || len - i < strlen(prefix) ||
        memcmp(line + i, prefix, strlen(prefix)) != 0 ||
        (len - i > strlen(prefix) && line[i + strlen(prefix)] != '/')) {
        keel_audit_say(why, whysz, "a listing line of an unknown shape: '%s'", sl);
        return KEEL_ERR_PARSE;
    }
    type = tok[0][0];
    if (strchr("-dlps", type) == NULL) {
        keel_audit_say(why, whysz, "a member of type '%c' keel does not unpack: '%s'", type, sl);
        return KEEL_ERR_PARSE;
    }
    i += strlen(prefix);
    if (i < len)
        i++;
    nlen = len - i;
    if (type == 'l') {
        const char *arrow = NULL;
        for (size_t k = i; k + 4 <= len; k++) {
            if (memcmp(line + k, " -> ", 4) == 0) {
                arrow = line + k;
                break;
            }
        }
        if (arrow == NULL) {
            keel_audit_say(why, whysz, "a symbolic link without its target: '%s'", sl);
            return KEEL_ERR_PARSE;
        }
        nlen = (size_t)(arrow - (line + i));
    }
    if (nlen + 1 > KEEL_AUDIT_IMAGE_LINE_MAX)
        return KEEL_ERR_PARSE;
    name = malloc(nlen + 2);
    c = malloc(nlen + 2);
    if (name == NULL || c == NULL) {
        ret = KEEL_ERR_NOMEM;
        keel_audit_say(why, whysz, "out of memory");
        goto out;
    }
    if (nlen == 0) { /* the root itself */
        memcpy(name, ".", 2);
    } else {
        memcpy(name, line + i, nlen);
        name[nlen] = '\0';
        if (memchr(name, '\0', nlen) != NULL) {
            keel_audit_say(why, whysz, "a NUL in a listing line");
            goto out;
        }
    }
    shown(name, s);
    if ((ret = member(m, name, type == 'l', c, nlen + 2, why, whysz)) != KEEL_OK)
        goto out;
    if (type == 'p' || type == 's')
        m->special++;
    if (type == '-') {
        if (!parse_u64(tok[2], tlen[2], &size)) {
            keel_audit_say(why, whysz, "'%s': a size that is not a number", s);
            ret = KEEL_ERR_PARSE;
            goto out;
        }
        ret = add_bytes(m, size, name, why, whysz);
    }
out:
    free(name);
    free(c);
    return ret;
}

keel_err keel_audit_debugfs_line(const char *line, size_t len, keel_audit_debugfs_entry *e,
                                 char *why, size_t whysz)
{
    const char *f[8];
    size_t fl[8], n = 0;
    uint64_t v;
    char sl[100];

    if (line == NULL || e == NULL)
        return KEEL_ERR_ARG;
    shown_line(line, len, sl);
    memset(e, 0, sizeof(*e));
    for (size_t i = 0; i < len; i++) {
        if (line[i] != '/')
            continue;
        if (n == 8) {
            n = 9;
            break;
        }
        f[n++] = line + i + 1;
    }
    if (n != 7 || len == 0 || line[0] != '/' || line[len - 1] != '/') {
        keel_audit_say(why, whysz,
                       "a debugfs entry of an unknown shape (a name holding '/'?): '%s'", sl);
        return KEEL_ERR_PARSE;
    }
    for (size_t k = 0; k + 1 < 7; k++)
        fl[k] = (size_t)(f[k + 1] - f[k]) - 1;
    if (!parse_u64(f[0], fl[0], &v) || v > UINT32_MAX) {
        keel_audit_say(why, whysz, "a debugfs entry with a bad inode number: '%s'", sl);
        return KEEL_ERR_PARSE;
    }
    e->ino = (uint32_t)v;
    if (fl[1] == 0 || fl[1] > 7) {
        keel_audit_say(why, whysz, "a debugfs entry with a bad mode: '%s'", sl);
        return KEEL_ERR_PARSE;
    }
    for (size_t k = 0; k < fl[1]; k++) {
        if (f[1][k] < '0' || f[1][k] > '7') {
            keel_audit_say(why, whysz, "a debugfs entry with a bad mode: '%s'", sl);
            return KEEL_ERR_PARSE;
        }
        e->mode = e->mode * 8 + (unsigned)(f[1][k] - '0');
    }
    if (!parse_u64(f[2], fl[2], &v) || !parse_u64(f[3], fl[3], &v)) {
        keel_audit_say(why, whysz, "a debugfs entry with a bad owner: '%s'", sl);
        return KEEL_ERR_PARSE;
    }
    if ((fl[4] == 0 && e->ino != 0) || fl[4] >= sizeof(e->name)) {
        keel_audit_say(why, whysz, "a debugfs entry with a name of %zu bytes", fl[4]);
        return KEEL_ERR_PARSE;
    }
    for (size_t k = 0; k < fl[4]; k++) {
        if ((unsigned char)f[4][k] < 0x20 || f[4][k] == 0x7f) {
            keel_audit_say(why, whysz, "a debugfs entry whose name holds a control byte");
            return KEEL_ERR_PARSE;
        }
    }
    memcpy(e->name, f[4], fl[4]);
    e->name[fl[4]] = '\0';
    if (fl[5] == 0) {
        e->size = 0;
    } else if (!parse_u64(f[5], fl[5], &e->size)) {
        keel_audit_say(why, whysz, "a debugfs entry with a bad size: '%s'", sl);
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

/* ---- Running a tool ----------------------------------------------------------------------- */

typedef keel_err (*line_fn)(const char *line, size_t len, void *user, char *why, size_t whysz);

typedef struct run_opts {
    long long deadline_ms; /* absolute, CLOCK_MONOTONIC */
    line_fn on_line;       /* stdout lines; NULL: stdout is read and dropped */
    void *user;
    const char *cwd;     /* NULL: keel's own */
    const char *watch;   /* a directory on the file system being written, or NULL */
    uint64_t disk_max;   /* bytes that file system may lose while the tool runs */
    uint64_t inodes_max; /* inodes it may lose */
    uint64_t fsize_max;  /* RLIMIT_FSIZE of the tool */
    const char *ignore;  /* a prefix of stderr lines that are not errors (debugfs's banner) */
} run_opts;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The tool's absolute path in Debian's directories; 0 when it is not installed. */
static int find_tool(const char *name, char *out, size_t outsz)
{
    static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (keel_str_format(out, outsz, "%s/%s", dirs[i], name) == KEEL_OK &&
            access(out, X_OK) == 0)
            return 1;
    }
    return 0;
}

static void child(const char *path, char *const argv[], const run_opts *o, int out, int err)
{
    static char *const env[] = {"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    struct rlimit fs = {.rlim_cur = o->fsize_max, .rlim_max = o->fsize_max};
    struct rlimit core = {0, 0};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

    (void)setpgid(0, 0);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(127);
    if ((o->fsize_max > 0 && setrlimit(RLIMIT_FSIZE, &fs) != 0) ||
        setrlimit(RLIMIT_CORE, &core) != 0)
        _exit(127);
    if (o->cwd != NULL && chdir(o->cwd) != 0)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    for (int fd = 3; fd < 1024; fd++)
        (void)close(fd);
    execve(path, argv, env);
    _exit(127);
}

typedef struct linebuf {
    char *buf;
    size_t len;
} linebuf;

/* Feed got bytes of stdout to the line callback; a line past the bound is an error. */
static keel_err feed(linebuf *lb, const char *data, size_t got, const run_opts *o, char *why,
                     size_t whysz)
{
    for (size_t i = 0; i < got; i++) {
        if (data[i] == '\n') {
            keel_err ret = KEEL_OK;
            lb->buf[lb->len] = '\0';
            if (o->on_line != NULL)
                ret = o->on_line(lb->buf, lb->len, o->user, why, whysz);
            lb->len = 0;
            if (ret != KEEL_OK)
                return ret;
        } else if (lb->len + 1 >= KEEL_AUDIT_IMAGE_LINE_MAX) {
            keel_audit_say(why, whysz, "a listing line longer than %d bytes",
                           KEEL_AUDIT_IMAGE_LINE_MAX);
            return KEEL_ERR_PARSE;
        } else {
            lb->buf[lb->len++] = data[i];
        }
    }
    return KEEL_OK;
}

static int disk_used(const char *dir, uint64_t *bytes, uint64_t *inodes)
{
    struct statvfs v;

    if (dir == NULL || statvfs(dir, &v) != 0)
        return 0;
    *bytes = (uint64_t)v.f_bavail * v.f_frsize;
    *inodes = (uint64_t)v.f_favail;
    return 1;
}

/* The first stderr line that is not ignorable, for messages. */
static void first_error(const char *err, const char *ignore, char *out, size_t outsz)
{
    const char *p = err;

    out[0] = '\0';
    while (*p != '\0') {
        size_t n = strcspn(p, "\n");
        if (n > 0 && !(ignore != NULL && strncmp(p, ignore, strlen(ignore)) == 0)) {
            size_t k = n < outsz - 1 ? n : outsz - 1;
            for (size_t i = 0; i < k; i++)
                out[i] = (char)((p[i] >= ' ' && p[i] <= '~') ? p[i] : '?');
            out[k] = '\0';
            return;
        }
        p += n;
        if (*p == '\n')
            p++;
    }
}

/* Run the tool argv[0] (a name in Debian's directories) with argv; stdout to o->on_line,
 * stderr kept for the message. KEEL_OK only when the tool exited 0, wrote no error line and
 * every line was accepted. why names the tool and its message. */
static keel_err run_tool(char *const argv[], const run_opts *o, char *why, size_t whysz)
{
    char path[256], err[STDERR_KEEP + 1], msg[200];
    int op[2] = {-1, -1}, ep[2] = {-1, -1}, status = 0, open_fds = 2, killed = 0;
    uint64_t disk0 = 0, ino0 = 0;
    linebuf lb = {NULL, 0};
    size_t errlen = 0;
    keel_err ret = KEEL_OK;
    pid_t pid;

    if (!find_tool(argv[0], path, sizeof(path))) {
        keel_audit_say(why, whysz, "%s is not installed (Debian package %s; scripts/bootstrap)",
                       argv[0],
                       strcmp(argv[0], "unsquashfs") == 0 ? "squashfs-tools"
                       : strcmp(argv[0], "debugfs") == 0  ? "e2fsprogs"
                                                          : argv[0]);
        return KEEL_ERR_IO;
    }
    lb.buf = malloc(KEEL_AUDIT_IMAGE_LINE_MAX);
    if (lb.buf == NULL || pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
        keel_audit_say(why, whysz, "%s: cannot start: %s", argv[0], strerror(errno));
        free(lb.buf);
        for (int i = 0; i < 2; i++) {
            if (op[i] >= 0)
                close(op[i]);
            if (ep[i] >= 0)
                close(ep[i]);
        }
        return KEEL_ERR_IO;
    }
    (void)disk_used(o->watch, &disk0, &ino0);
    pid = fork();
    if (pid == 0)
        child(path, argv, o, op[1], ep[1]);
    close(op[1]);
    close(ep[1]);
    if (pid < 0) {
        keel_audit_say(why, whysz, "%s: cannot start: %s", argv[0], strerror(errno));
        close(op[0]);
        close(ep[0]);
        free(lb.buf);
        return KEEL_ERR_IO;
    }
    (void)setpgid(pid, pid);
    while (open_fds > 0) {
        struct pollfd p[2] = {{.fd = op[0], .events = POLLIN}, {.fd = ep[0], .events = POLLIN}};
        long long left = o->deadline_ms - now_ms();
        uint64_t disk = 0, ino = 0;
        char chunk[8192];

        if (left <= 0) {
            keel_audit_say(why, whysz, "%s: still running after the time bound of %lld s: stopped",
                           argv[0], KEEL_AUDIT_IMAGE_TIME_MS / 1000);
            ret = KEEL_ERR_IO;
            break;
        }
        if (o->watch != NULL && disk_used(o->watch, &disk, &ino) &&
            ((disk0 > disk && disk0 - disk > o->disk_max) ||
             (ino0 > ino && ino0 - ino > o->inodes_max))) {
            keel_audit_say(why, whysz,
                           "%s: the unpacked tree passed %" PRIu64 " bytes or %" PRIu64
                           " entries on disk: "
                           "stopped",
                           argv[0], o->disk_max, o->inodes_max);
            ret = KEEL_ERR_TOO_LARGE;
            break;
        }
        if (poll(p, 2, (int)(left < 100 ? left : 100)) < 0 && errno != EINTR) {
            keel_audit_say(why, whysz, "%s: poll: %s", argv[0], strerror(errno));
            ret = KEEL_ERR_IO;
            break;
        }
        for (int k = 0; k < 2; k++) {
            int fd = k == 0 ? op[0] : ep[0];
            if (fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fd, chunk, sizeof(chunk));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close(fd);
                if (k == 0)
                    op[0] = -1;
                else
                    ep[0] = -1;
                open_fds--;
                continue;
            }
            if (k == 1) {
                size_t keep =
                    (size_t)got < STDERR_KEEP - errlen ? (size_t)got : STDERR_KEEP - errlen;
                memcpy(err + errlen, chunk, keep);
                errlen += keep;
            } else if ((ret = feed(&lb, chunk, (size_t)got, o, why, whysz)) != KEEL_OK) {
                break;
            }
        }
        if (ret != KEEL_OK)
            break;
    }
    err[errlen] = '\0';
    if (ret != KEEL_OK) {
        kill(-pid, SIGKILL);
        killed = 1;
    }
    for (;;) {
        pid_t w = waitpid(pid, &status, killed ? 0 : WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0 && now_ms() >= o->deadline_ms) {
            kill(-pid, SIGKILL);
            killed = 1;
            if (ret == KEEL_OK) {
                keel_audit_say(why, whysz, "%s: still running after the time bound: stopped",
                               argv[0]);
                ret = KEEL_ERR_IO;
            }
        } else if (w == 0) {
            struct timespec ts = {0, 10L * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (killed)
        kill(-pid, SIGKILL); /* anything the tool started in its group */
    if (op[0] >= 0)
        close(op[0]);
    if (ep[0] >= 0)
        close(ep[0]);
    free(lb.buf);
    if (ret != KEEL_OK)
        return ret;
    if (lb.len > 0 && o->on_line == NULL)
        lb.len = 0;
    first_error(err, o->ignore, msg, sizeof(msg));
    if (WIFSIGNALED(status)) {
        keel_audit_say(why, whysz, "%s: killed by signal %d%s%s", argv[0], WTERMSIG(status),
                       WTERMSIG(status) == SIGXFSZ ? " (a file past the size bound)" : "",
                       msg[0] ? msg : "");
        return WTERMSIG(status) == SIGXFSZ ? KEEL_ERR_TOO_LARGE : KEEL_ERR_IO;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        keel_audit_say(why, whysz, "%s: exit status %d: %s", argv[0],
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1, msg[0] ? msg : "(no message)");
        return KEEL_ERR_IO;
    }
    if (msg[0] != '\0') {
        keel_audit_say(why, whysz, "%s: %s", argv[0], msg);
        return KEEL_ERR_IO;
    }
    if (lb.len > 0) {
        keel_audit_say(why, whysz, "%s: a listing that does not end with a newline", argv[0]);
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

/* ---- The three kinds ------------------------------------------------------------------- */

typedef struct unpack {
    const char *image; /* absolute */
    keel_audit_image *img;
    keel_audit_members m;
    run_opts ro;
} unpack;

static keel_err tar_listed(const char *line, size_t len, void *user, char *why, size_t whysz)
{
    return keel_audit_tar_line(&((unpack *)user)->m, line, len, why, whysz);
}

static keel_err sqfs_listed(const char *line, size_t len, void *user, char *why, size_t whysz)
{
    return keel_audit_squashfs_line(&((unpack *)user)->m, line, len, why, whysz);
}

static keel_err free_space(unpack *u, char *why, size_t whysz)
{
    uint64_t avail = 0, inodes = 0;

    if (!disk_used(u->img->base, &avail, &inodes)) {
        keel_audit_say(why, whysz, "cannot read the free space of %s: %s", u->img->base,
                       strerror(errno));
        return KEEL_ERR_IO;
    }
    if (u->m.bytes > avail) {
        keel_audit_say(why, whysz, "the files need %" PRIu64 " bytes, %" PRIu64 " are free",
                       u->m.bytes, avail);
        return KEEL_ERR_TOO_LARGE;
    }
    return KEEL_OK;
}

static keel_err unpack_tar(unpack *u, char *why, size_t whysz)
{
    char *list[] = {"tar",         "-t", "-v", "--quoting-style=c", "--numeric-owner",
                    "--full-time", "-P", "-f", (char *)u->image,    NULL};
    char *extract[] = {"tar",
                       "-x",
                       "-p",
                       "--no-same-owner",
                       "--no-acls",
                       "--no-xattrs",
                       "--no-selinux",
                       "-f",
                       (char *)u->image,
                       "-C",
                       u->img->root,
                       NULL};
    keel_err ret;

    u->ro.on_line = tar_listed;
    if ((ret = run_tool(list, &u->ro, why, whysz)) != KEEL_OK ||
        (ret = free_space(u, why, whysz)) != KEEL_OK)
        return ret;
    if (mkdir(u->img->root, 0700) != 0) {
        keel_audit_say(why, whysz, "cannot make %s: %s", u->img->root, strerror(errno));
        return KEEL_ERR_IO;
    }
    u->img->unpacked = 1;
    u->ro.on_line = NULL;
    u->ro.watch = u->img->base;
    return run_tool(extract, &u->ro, why, whysz);
}

static keel_err unpack_squashfs(unpack *u, char *why, size_t whysz)
{
    char *list[] = {"unsquashfs", "-n", "-lls", (char *)u->image, NULL};
    char *extract[] = {"unsquashfs",     "-n", "-no-xattrs", "-d", u->img->root,
                       (char *)u->image, NULL};
    keel_err ret;

    u->ro.on_line = sqfs_listed;
    if ((ret = run_tool(list, &u->ro, why, whysz)) != KEEL_OK ||
        (ret = free_space(u, why, whysz)) != KEEL_OK)
        return ret;
    u->img->unpacked = 1;
    u->ro.on_line = NULL;
    u->ro.watch = u->img->base;
    return run_tool(extract, &u->ro, why, whysz);
}

/* ext: the tree walked breadth-first by inode number, one debugfs run per level, each
 * directory's entries checked before `rdump` writes anything. */
typedef struct dirent_ref {
    uint32_t ino;
    char *path; /* canonical, "" for the root */
} dirent_ref;

typedef struct ext_level {
    unpack *u;
    dirent_ref *dirs; /* this level, in the order of the commands */
    size_t n, cur;    /* cur: 1 + the index of the directory being listed (0: none yet) */
    dirent_ref *next;
    size_t next_n, next_cap;
    char **seen; /* directory inodes reached, as decimal text */
    size_t seen_n, seen_cap;
    char **names; /* names in the current directory */
    size_t names_n, names_cap;
} ext_level;

static keel_err ext_keep_mode(keel_audit_members *m, const char *path, unsigned mode)
{
    if (m->modes_n == m->modes_cap) {
        size_t cap = m->modes_cap ? m->modes_cap * 2 : 16;
        char **p = realloc(m->modes_path, cap * sizeof(*p));
        if (p == NULL)
            return KEEL_ERR_NOMEM;
        m->modes_path = p;
        unsigned *q = realloc(m->modes, cap * sizeof(*q));
        if (q == NULL)
            return KEEL_ERR_NOMEM;
        m->modes = q;
        m->modes_cap = cap;
    }
    if ((m->modes_path[m->modes_n] = strdup(path)) == NULL)
        return KEEL_ERR_NOMEM;
    m->modes[m->modes_n++] = mode & 07777u;
    return KEEL_OK;
}

static keel_err ext_entry(ext_level *x, const keel_audit_debugfs_entry *e, char *why, size_t whysz)
{
    const dirent_ref *parent = &x->dirs[x->cur - 1];
    unsigned type = e->mode & 0170000u;
    size_t plen = strlen(parent->path);
    char num[16], *path, s[100];
    keel_err ret;

    if (e->ino == 0 || strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
        return KEEL_OK; /* an unused slot (debugfs shows it with inode 0), or a link up */
    if (set_has(x->names, x->names_cap, e->name, strlen(e->name))) {
        shown(e->name, s);
        keel_audit_say(why, whysz, "'%s/%s': the name twice in one directory", parent->path, s);
        return KEEL_ERR_PARSE;
    }
    if (!set_put(&x->names, &x->names_n, &x->names_cap, e->name))
        return KEEL_ERR_NOMEM;
    if (plen + 1 + strlen(e->name) + 1 > KEEL_AUDIT_IMAGE_LINE_MAX) {
        keel_audit_say(why, whysz, "a path longer than %d bytes", KEEL_AUDIT_IMAGE_LINE_MAX);
        return KEEL_ERR_PARSE;
    }
    if ((path = malloc(plen + strlen(e->name) + 2)) == NULL)
        return KEEL_ERR_NOMEM;
    snprintf(path, plen + strlen(e->name) + 2, "%s%s%s", parent->path, plen ? "/" : "", e->name);
    shown(path, s);
    ret = KEEL_ERR_PARSE;
    if (type == 0020000u || type == 0060000u) {
        keel_audit_say(why, whysz, "'%s': a device node", s);
        goto fail;
    }
    if (!keel_audit_member_name_ok(path, why, whysz))
        goto fail;
    if (++x->u->m.entries > x->u->m.entries_max) {
        keel_audit_say(why, whysz, "more than %zu entries (the scan's bound)", x->u->m.entries_max);
        ret = KEEL_ERR_TOO_LARGE;
        goto fail;
    }
    if ((type == 0100000u || type == 0040000u) && (e->mode & 07000u) != 0 &&
        (ret = ext_keep_mode(&x->u->m, path, e->mode)) != KEEL_OK)
        goto fail;
    ret = KEEL_ERR_PARSE;
    if (type == 0100000u) {
        if ((ret = add_bytes(&x->u->m, e->size, path, why, whysz)) != KEEL_OK)
            goto fail;
    } else if (type == 0010000u || type == 0140000u) {
        x->u->m.special++;
    } else if (type == 0040000u) {
        (void)keel_str_format(num, sizeof(num), "%" PRIu32, e->ino);
        if (set_has(x->seen, x->seen_cap, num, strlen(num))) {
            keel_audit_say(why, whysz,
                           "'%s': a directory reached twice (a loop in the file system)", s);
            goto fail;
        }
        if (!set_put(&x->seen, &x->seen_n, &x->seen_cap, num)) {
            ret = KEEL_ERR_NOMEM;
            goto fail;
        }
        if (x->next_n == x->next_cap) {
            size_t cap = x->next_cap ? x->next_cap * 2 : 64;
            dirent_ref *n = realloc(x->next, cap * sizeof(*n));
            if (n == NULL) {
                ret = KEEL_ERR_NOMEM;
                goto fail;
            }
            x->next = n;
            x->next_cap = cap;
        }
        x->next[x->next_n].ino = e->ino;
        x->next[x->next_n++].path = path;
        return KEEL_OK;
    } else if (type != 0120000u) {
        keel_audit_say(why, whysz, "'%s': an entry of unknown type (mode %o)", s, e->mode);
        goto fail;
    }
    free(path);
    return KEEL_OK;
fail:
    free(path);
    return ret;
}

static keel_err ext_listed(const char *line, size_t len, void *user, char *why, size_t whysz)
{
    static const char echo[] = "debugfs: ls -p <";
    ext_level *x = user;
    keel_audit_debugfs_entry e;
    keel_err ret;
    char sl[100];

    shown_line(line, len, sl);
    if (len == 0)
        return KEEL_OK;
    if (len > strlen(echo) && memcmp(line, echo, strlen(echo)) == 0) {
        char want[32];
        if (x->cur >= x->n)
            goto shape;
        (void)keel_str_format(want, sizeof(want), "%s%" PRIu32 ">", echo, x->dirs[x->cur].ino);
        if (strlen(want) != len || memcmp(want, line, len) != 0)
            goto shape;
        x->cur++;
        set_free(x->names, x->names_cap);
        x->names = NULL;
        x->names_n = x->names_cap = 0;
        return KEEL_OK;
    }
    if (x->cur == 0)
        goto shape;
    if ((ret = keel_audit_debugfs_line(line, len, &e, why, whysz)) != KEEL_OK)
        return ret;
    return ext_entry(x, &e, why, whysz);
shape:
    keel_audit_say(why, whysz, "debugfs: an unexpected line: '%s'", sl);
    return KEEL_ERR_PARSE;
}

static void refs_free(dirent_ref *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].path);
    free(r);
}

static keel_err ext_list(unpack *u, char *why, size_t whysz)
{
    char cmdfile[KEEL_AUDIT_IMAGE_PATH_MAX];
    char *argv[] = {"debugfs", "-f", cmdfile, (char *)u->image, NULL};
    ext_level x;
    keel_err ret = KEEL_OK;

    memset(&x, 0, sizeof(x));
    x.u = u;
    if (keel_str_format(cmdfile, sizeof(cmdfile), "%s/ls.cmd", u->img->base) != KEEL_OK)
        return KEEL_ERR_RANGE;
    x.dirs = calloc(1, sizeof(*x.dirs));
    if (x.dirs == NULL || (x.dirs[0].path = strdup("")) == NULL ||
        !set_put(&x.seen, &x.seen_n, &x.seen_cap, "2")) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    x.dirs[0].ino = 2; /* EXT2_ROOT_INO */
    x.n = 1;
    u->ro.on_line = ext_listed;
    u->ro.user = &x;
    u->ro.ignore = "debugfs ";
    for (size_t depth = 0; x.n > 0; depth++) {
        FILE *f;
        if (depth > (size_t)KEEL_AUDIT_SCAN_DEPTH_MAX * 4) {
            keel_audit_say(why, whysz, "directories nested deeper than %d levels",
                           KEEL_AUDIT_SCAN_DEPTH_MAX * 4);
            ret = KEEL_ERR_TOO_LARGE;
            break;
        }
        f = fopen(cmdfile, "wxe");
        if (f == NULL) {
            keel_audit_say(why, whysz, "cannot write %s: %s", cmdfile, strerror(errno));
            ret = KEEL_ERR_IO;
            break;
        }
        for (size_t i = 0; i < x.n; i++)
            fprintf(f, "ls -p <%" PRIu32 ">\n", x.dirs[i].ino);
        if (fclose(f) != 0) {
            keel_audit_say(why, whysz, "cannot write %s", cmdfile);
            ret = KEEL_ERR_IO;
            break;
        }
        x.cur = 0;
        ret = run_tool(argv, &u->ro, why, whysz);
        (void)unlink(cmdfile);
        if (ret == KEEL_OK && x.cur != x.n) {
            keel_audit_say(why, whysz, "debugfs listed %zu of %zu directories", x.cur, x.n);
            ret = KEEL_ERR_PARSE;
        }
        if (ret != KEEL_OK)
            break;
        refs_free(x.dirs, x.n);
        x.dirs = x.next;
        x.n = x.next_n;
        x.next = NULL;
        x.next_n = x.next_cap = 0;
    }
out:
    if (ret == KEEL_ERR_NOMEM)
        keel_audit_say(why, whysz, "out of memory");
    refs_free(x.dirs, x.n);
    refs_free(x.next, x.next_n);
    set_free(x.seen, x.seen_cap);
    set_free(x.names, x.names_cap);
    u->ro.user = u;
    u->ro.ignore = NULL;
    return ret;
}

/* debugfs's rdump sets a file's mode before its owner, and the kernel then clears setuid and
 * setgid: the listed modes are put back, each path resolved inside the tree. */
static keel_err ext_modes(unpack *u, char *why, size_t whysz)
{
    int rootfd = open(u->img->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    keel_err ret = KEEL_OK;

    if (rootfd < 0) {
        keel_audit_say(why, whysz, "cannot open %s: %s", u->img->root, strerror(errno));
        return KEEL_ERR_IO;
    }
    for (size_t i = 0; i < u->m.modes_n && ret == KEEL_OK; i++) {
        int fd = -1;
        if (keel_audit_tree_open(rootfd, u->m.modes_path[i], O_RDONLY, &fd) != KEEL_OK ||
            fchmod(fd, (mode_t)u->m.modes[i]) != 0) {
            char s[100];
            shown(u->m.modes_path[i], s);
            keel_audit_say(why, whysz, "cannot restore the mode %o of '%s'", u->m.modes[i], s);
            ret = KEEL_ERR_IO;
        }
        if (fd >= 0)
            close(fd);
    }
    close(rootfd);
    return ret;
}

static keel_err unpack_ext(unpack *u, char *why, size_t whysz)
{
    static char rdump[] = "rdump / " ROOT_NAME; /* debugfs's one request */
    char *extract[] = {"debugfs", "-R", rdump, (char *)u->image, NULL};
    keel_err ret;

    if ((ret = ext_list(u, why, whysz)) != KEEL_OK || (ret = free_space(u, why, whysz)) != KEEL_OK)
        return ret;
    if (mkdir(u->img->root, 0700) != 0) {
        keel_audit_say(why, whysz, "cannot make %s: %s", u->img->root, strerror(errno));
        return KEEL_ERR_IO;
    }
    u->img->unpacked = 1;
    u->ro.on_line = NULL;
    u->ro.watch = u->img->base;
    u->ro.cwd = u->img->base; /* "root" relative: no quoting of the report directory's name */
    u->ro.ignore = "debugfs ";
    ret = run_tool(extract, &u->ro, why, whysz);
    u->ro.cwd = NULL;
    u->ro.ignore = NULL;
    return ret == KEEL_OK ? ext_modes(u, why, whysz) : ret;
}

/* ---- After the unpacking: what is really on disk ------------------------------------------ */

typedef struct post {
    uint64_t bytes;
    size_t entries;
    char device[100];
} post;

static void post_entry(const char *path, int dirfd, const char *name, const struct stat *st,
                       void *user)
{
    post *p = user;

    (void)dirfd;
    (void)name;
    p->entries++;
    if (S_ISREG(st->st_mode))
        p->bytes += (uint64_t)st->st_size;
    if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && p->device[0] == '\0')
        shown(path, p->device);
}

static keel_err check_tree(unpack *u, uint64_t bytes_max, size_t entries_max, char *why,
                           size_t whysz)
{
    keel_audit_scan_stats st;
    post p;

    memset(&p, 0, sizeof(p));
    if (keel_audit_walk_entries(u->img->root, post_entry, &p, &st) != KEEL_OK) {
        keel_audit_say(why, whysz, "the unpacked tree cannot be read");
        return KEEL_ERR_IO;
    }
    if (p.device[0] != '\0') {
        keel_audit_say(why, whysz, "'%s': a device node in the unpacked tree", p.device);
        return KEEL_ERR_PARSE;
    }
    if (p.bytes > bytes_max || p.entries > entries_max) {
        keel_audit_say(why, whysz,
                       "the unpacked tree holds %zu entries, %" PRIu64 " bytes: past the bounds",
                       p.entries, p.bytes);
        return KEEL_ERR_TOO_LARGE;
    }
    u->img->bytes = p.bytes;
    u->img->entries = p.entries;
    return KEEL_OK;
}

/* ---- Removal ------------------------------------------------------------------------ */

static int open_up(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_D && S_ISDIR(st->st_mode) && (st->st_mode & 0700) != 0700)
        (void)chmod(path, 0700);
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_DP)
        return rmdir(path) == 0 ? 0 : -1;
    return unlink(path) == 0 ? 0 : -1;
}

keel_err keel_audit_image_remove(keel_audit_image *img)
{
    struct stat st;

    if (img == NULL)
        return KEEL_ERR_ARG;
    if (img->base[0] == '\0')
        return KEEL_OK;
    if (lstat(img->base, &st) != 0) {
        img->base[0] = '\0';
        img->unpacked = 0;
        return errno == ENOENT ? KEEL_OK : KEEL_ERR_IO;
    }
    (void)nftw(img->base, open_up, 64, FTW_PHYS | FTW_MOUNT);
    if (nftw(img->base, remove_one, 64, FTW_PHYS | FTW_DEPTH | FTW_MOUNT) != 0)
        return KEEL_ERR_IO;
    img->base[0] = '\0';
    img->unpacked = 0;
    return KEEL_OK;
}

/* ---- The whole unpacking ------------------------------------------------------------ */

static keel_err sniff(const char *path, keel_audit_image *img, char *why, size_t whysz)
{
    uint8_t head[KEEL_AUDIT_IMAGE_HEAD];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    size_t len = 0;

    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        keel_audit_say(why, whysz, "%s: not a directory or a regular file%s%s", path,
                       fd < 0 ? ": " : "", fd < 0 ? strerror(errno) : "");
        if (fd >= 0)
            close(fd);
        return KEEL_ERR_IO;
    }
    while (len < sizeof(head)) {
        ssize_t got = read(fd, head + len, sizeof(head) - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    img->kind = keel_audit_image_detect(head, len);
    (void)keel_str_copy(img->what, sizeof(img->what),
                        keel_audit_image_kind_name(img->kind, head, len));
    if (img->kind == KEEL_AUDIT_IMAGE_UNKNOWN) {
        keel_audit_say(
            why, whysz,
            "%s: not an image keel knows (tar, compressed tar, squashfs, ext2/3/4: by its "
            "magic bytes)",
            path);
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

keel_err keel_audit_image_unpack_bounded(const char *path, const char *tmp_parent,
                                         uint64_t bytes_max, size_t entries_max, long long time_ms,
                                         keel_audit_image *img, char *why, size_t whysz)
{
    char abs[PATH_MAX], msg[KEEL_AUDIT_IMAGE_WHY_MAX];
    unpack u;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (path == NULL || tmp_parent == NULL || img == NULL || time_ms <= 0)
        return KEEL_ERR_ARG;
    memset(img, 0, sizeof(*img));
    msg[0] = '\0';
    (void)keel_str_copy(img->image, sizeof(img->image), path);
    if ((ret = sniff(path, img, why, whysz)) != KEEL_OK)
        return ret;
    if (realpath(path, abs) == NULL) {
        keel_audit_say(why, whysz, "%s: %s", path, strerror(errno));
        return KEEL_ERR_IO;
    }
    if (keel_str_format(img->base, sizeof(img->base), "%s/.keel-image-XXXXXX", tmp_parent) !=
            KEEL_OK ||
        mkdtemp(img->base) == NULL) {
        keel_audit_say(why, whysz, "%s: cannot make a private directory in %s: %s", path,
                       tmp_parent, strerror(errno));
        img->base[0] = '\0';
        return KEEL_ERR_IO;
    }
    if (keel_str_format(img->root, sizeof(img->root), "%s/" ROOT_NAME, img->base) != KEEL_OK) {
        (void)keel_audit_image_remove(img);
        keel_audit_say(why, whysz, "%s: the report directory's name is too long", path);
        return KEEL_ERR_RANGE;
    }
    memset(&u, 0, sizeof(u));
    u.image = abs;
    u.img = img;
    keel_audit_members_init(&u.m);
    u.m.bytes_max = bytes_max;
    u.m.entries_max = entries_max;
    u.ro.deadline_ms = now_ms() + time_ms;
    u.ro.user = &u;
    u.ro.disk_max = bytes_max + (uint64_t)entries_max * 4096u; /* blocks of small files */
    u.ro.inodes_max = (uint64_t)entries_max + 16u;
    u.ro.fsize_max = bytes_max;
    switch (img->kind) {
    case KEEL_AUDIT_IMAGE_TAR:
    case KEEL_AUDIT_IMAGE_TAR_COMPRESSED:
        (void)keel_str_copy(img->tool, sizeof(img->tool), "GNU tar");
        ret = unpack_tar(&u, msg, sizeof(msg));
        break;
    case KEEL_AUDIT_IMAGE_SQUASHFS:
        (void)keel_str_copy(img->tool, sizeof(img->tool), "unsquashfs");
        ret = unpack_squashfs(&u, msg, sizeof(msg));
        break;
    case KEEL_AUDIT_IMAGE_EXT:
        (void)keel_str_copy(img->tool, sizeof(img->tool), "debugfs");
        ret = unpack_ext(&u, msg, sizeof(msg));
        break;
    case KEEL_AUDIT_IMAGE_UNKNOWN: ret = KEEL_ERR_PARSE; break;
    }
    if (ret == KEEL_OK)
        ret = check_tree(&u, bytes_max, entries_max, msg, sizeof(msg));
    keel_audit_members_free(&u.m);
    if (ret != KEEL_OK) {
        keel_audit_say(why, whysz, "%s (%s, %s): %s", path, img->what, img->tool,
                       msg[0] ? msg : keel_strerror(ret));
        if (keel_audit_image_remove(img) != KEEL_OK)
            keel_audit_say(why, whysz, "%s (%s, %s): %s; and %s could not be removed", path,
                           img->what, img->tool, msg[0] ? msg : keel_strerror(ret), img->base);
        return ret;
    }
    return KEEL_OK;
}

keel_err keel_audit_image_unpack(const char *path, const char *tmp_parent, keel_audit_image *img,
                                 char *why, size_t whysz)
{
    return keel_audit_image_unpack_bounded(path, tmp_parent, KEEL_AUDIT_IMAGE_BYTES_MAX,
                                           KEEL_AUDIT_IMAGE_ENTRIES_MAX, KEEL_AUDIT_IMAGE_TIME_MS,
                                           img, why, whysz);
}

/* ---- Evidence ------------------------------------------------------------------------ */

static int names_root(const keel_audit_test *t, const char *root)
{
    for (size_t i = 0; i < t->evidence_count; i++) {
        if (t->evidence[i] != NULL && strstr(t->evidence[i], root) != NULL)
            return 1;
    }
    return 0;
}

keel_err keel_audit_image_annotate(keel_audit_report *r, const keel_audit_image *img)
{
    keel_audit_evidence ev;

    if (r == NULL || img == NULL || img->root[0] == '\0')
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < r->count; i++) {
        for (size_t j = 0; j < r->entries[i].test_count; j++) {
            keel_audit_test *t = &r->entries[i].tests[j];
            char **more;

            if (!names_root(t, img->root))
                continue;
            keel_audit_evidence_init(&ev);
            if (keel_audit_evidence_addf(&ev,
                                         "firmware image %s (%s) unpacked by %s into %s (a "
                                         "private directory, removed after the audit): %zu "
                                         "entries, %" PRIu64 " bytes",
                                         img->image, img->what, img->tool, img->root, img->entries,
                                         img->bytes) != KEEL_OK ||
                ev.count != 1 ||
                (more = realloc(t->evidence, (t->evidence_count + 1) * sizeof(*more))) == NULL) {
                keel_audit_evidence_free(&ev);
                return KEEL_ERR_NOMEM;
            }
            t->evidence = more;
            memmove(more + 2, more + 1, (t->evidence_count - 1) * sizeof(*more));
            more[1] = ev.lines[0];
            ev.lines[0] = NULL;
            ev.count = 0;
            t->evidence_count++;
            keel_audit_evidence_free(&ev);
        }
    }
    return KEEL_OK;
}
