/* The walk of a firmware tree for 5.4-3-2: every regular file read once, symbolic links
 * never followed (a link to /etc/shadow of the auditor's own machine must not end up in a
 * device's report), special files never opened for reading, every size bounded. Entries are
 * visited in name order so that two scans of one tree give the same report. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"
#include "whitebox.h"

#define REL_MAX 4096

typedef struct walk {
    const char *const *exclude;
    size_t n_exclude;
    keel_audit_file_fn file_fn;   /* NULL: files are not read */
    keel_audit_entry_fn entry_fn; /* NULL: entries are not reported */
    void *user;
    keel_audit_scan_stats *stats;
    uint8_t *buf;
    size_t cap;
    size_t used_max; /* the most of buf that ever held file data, wiped at the end */
} walk;

static int excluded(const walk *w, const char *rel)
{
    for (size_t i = 0; i < w->n_exclude; i++) {
        if (w->exclude[i] != NULL && strcmp(w->exclude[i], rel) == 0)
            return 1;
    }
    return 0;
}

static int grow(walk *w, size_t need)
{
    uint8_t *p;

    if (need <= w->cap)
        return 1;
    p = realloc(w->buf, need);
    if (p == NULL)
        return 0;
    w->buf = p;
    w->cap = need;
    return 1;
}

/* Read all of fd (size bytes by fstat) into w->buf; the bytes read, or -1. A file that
 * grows while it is read is cut at the size it had. */
static long long read_all(walk *w, int fd, size_t size)
{
    size_t len = 0;

    if (!grow(w, size + 1))
        return -1;
    while (len < size) {
        ssize_t got = read(fd, w->buf + len, size - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len > w->used_max)
        w->used_max = len;
    return (long long)len;
}

static void scan_file(walk *w, int dirfd, const char *name, const char *rel)
{
    keel_audit_scan_stats *s = w->stats;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    long long got;

    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        s->unreadable += 1;
        if (fd >= 0)
            close(fd);
        return;
    }
    if ((uint64_t)st.st_size > KEEL_AUDIT_SCAN_FILE_MAX) {
        s->skipped_large++;
        close(fd);
        return;
    }
    if (s->bytes + (uint64_t)st.st_size > KEEL_AUDIT_SCAN_TOTAL_MAX ||
        s->files >= KEEL_AUDIT_SCAN_FILES_MAX) {
        s->truncated = 1;
        close(fd);
        return;
    }
    got = read_all(w, fd, (size_t)st.st_size);
    close(fd);
    if (got < 0) {
        s->unreadable++;
        return;
    }
    s->files++;
    s->bytes += (uint64_t)got;
    w->file_fn(rel, w->buf, (size_t)got, w->user);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in d, sorted, without "." and ".."; NULL with *n = 0 when empty or on error
 * (*failed set). */
static char **list_names(DIR *d, size_t *n, int *failed)
{
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;

    *n = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            char **more = realloc(names, (cap ? cap * 2 : 64) * sizeof(*names));
            if (more == NULL)
                break;
            names = more;
            cap = cap ? cap * 2 : 64;
        }
        if ((names[*n] = strdup(e->d_name)) == NULL)
            break;
        (*n)++;
    }
    *failed = e != NULL;
    if (*n > 1)
        qsort(names, *n, sizeof(*names), by_name);
    return names;
}

/* One open directory of the walk: its sorted names and the next one to visit. The walk
 * keeps them on an explicit stack (depth-bounded) instead of recursing. */
typedef struct frame {
    DIR *dir;
    char **names;
    size_t n, next;
    char rel[REL_MAX];
} frame;

static void frame_close(frame *f)
{
    for (size_t i = f->next; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
    if (f->dir != NULL)
        closedir(f->dir);
    memset(f, 0, sizeof(*f));
}

/* Open the directory at fd (taken over) as frame f; 0 when it cannot be read. */
static int frame_open(walk *w, frame *f, int fd, const char *rel)
{
    int failed = 0;

    memset(f, 0, sizeof(*f));
    f->dir = fdopendir(fd);
    if (f->dir == NULL || keel_str_copy(f->rel, sizeof(f->rel), rel) != KEEL_OK) {
        w->stats->unreadable++;
        if (f->dir == NULL)
            close(fd);
        frame_close(f);
        return 0;
    }
    f->names = list_names(f->dir, &f->n, &failed);
    w->stats->unreadable += (size_t)failed;
    return 1;
}

/* Visit name in the directory of f: scan a file, or return the fd of a subdirectory to
 * descend into (-1 otherwise); its relative path goes to rel. */
static int visit(walk *w, frame *f, const char *name, char rel[REL_MAX])
{
    keel_audit_scan_stats *s = w->stats;
    int dirfd_ = dirfd(f->dir);
    struct stat st;
    int fd;

    if (keel_str_format(rel, REL_MAX, "%s%s%s", f->rel, f->rel[0] ? "/" : "", name) != KEEL_OK) {
        s->unreadable++;
        return -1;
    }
    if (excluded(w, rel)) {
        s->excluded++;
        return -1;
    }
    if (fstatat(dirfd_, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        s->unreadable++;
        return -1;
    }
    if (w->entry_fn != NULL)
        w->entry_fn(rel, dirfd_, name, &st, w->user);
    if (S_ISLNK(st.st_mode)) {
        s->skipped_links++;
    } else if (S_ISREG(st.st_mode) && w->file_fn == NULL) {
        s->files++;
    } else if (S_ISREG(st.st_mode)) {
        scan_file(w, dirfd_, name, rel);
    } else if (S_ISDIR(st.st_mode)) {
        fd = openat(dirfd_, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            s->unreadable++;
        return fd;
    } else {
        s->skipped_other++;
    }
    return -1;
}

/* Depth-first over the tree whose root directory is open at fd (taken over). */
static void walk_tree(walk *w, int fd)
{
    frame *stack = calloc(KEEL_AUDIT_SCAN_DEPTH_MAX + 1, sizeof(*stack));
    char rel[REL_MAX];
    size_t depth = 0;

    if (stack == NULL) {
        w->stats->unreadable++;
        close(fd);
        return;
    }
    if (!frame_open(w, &stack[0], fd, "")) {
        free(stack);
        return;
    }
    for (;;) {
        frame *top = &stack[depth];
        if (top->next == top->n || w->stats->truncated) {
            frame_close(top);
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        char *name = top->names[top->next++];
        int sub = visit(w, top, name, rel);
        free(name);
        if (sub < 0)
            continue;
        if (depth == KEEL_AUDIT_SCAN_DEPTH_MAX) {
            w->stats->truncated = 1;
            close(sub);
        } else if (frame_open(w, &stack[depth + 1], sub, rel)) {
            depth++;
        }
    }
    free(stack);
}

keel_err keel_audit_walk_tree(const char *root, const char *const *exclude, size_t n_exclude,
                              keel_audit_file_fn file_fn, void *user, keel_audit_scan_stats *stats)
{
    walk w = {.exclude = exclude,
              .n_exclude = n_exclude,
              .file_fn = file_fn,
              .user = user,
              .stats = stats};
    struct stat st;
    int fd;

    if (root == NULL || file_fn == NULL || stats == NULL || (exclude == NULL && n_exclude != 0))
        return KEEL_ERR_ARG;
    memset(stats, 0, sizeof(*stats));
    fd = open(root, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return KEEL_ERR_IO;
    }
    if (S_ISDIR(st.st_mode)) {
        walk_tree(&w, fd);
    } else if (S_ISREG(st.st_mode)) {
        close(fd);
        scan_file(&w, AT_FDCWD, root, root);
    } else {
        close(fd);
        return KEEL_ERR_IO;
    }
    keel_wipe(w.buf, w.used_max);
    free(w.buf);
    return KEEL_OK;
}

keel_err keel_audit_walk_entries(const char *root, keel_audit_entry_fn fn, void *user,
                                 keel_audit_scan_stats *stats)
{
    walk w = {.entry_fn = fn, .user = user, .stats = stats};
    struct stat st;
    int fd;

    if (root == NULL || fn == NULL || stats == NULL)
        return KEEL_ERR_ARG;
    memset(stats, 0, sizeof(*stats));
    fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return KEEL_ERR_IO;
    }
    walk_tree(&w, fd);
    return KEEL_OK;
}

/* 5.4-3-2's work on one file: keys and dictionary passwords, counted into the stats. */
typedef struct scan_ctx {
    const keel_audit_dictionary *d;
    keel_audit_finding_fn fn;
    void *user;
    keel_audit_scan_stats *stats;
    uint8_t fp_key[32]; /* keys the secrets' fingerprints for this scan */
} scan_ctx;

static void scan_secrets(const char *path, const uint8_t *data, size_t len, void *user)
{
    scan_ctx *c = user;
    keel_audit_scan_sink sink = {.path = path, .fn = c->fn, .user = c->user, .fp_key = c->fp_key};

    keel_audit_scan_keys(data, len, &sink);
    keel_audit_scan_words(data, len, c->d, &sink);
    if (!keel_audit_secret_path_skipped(path))
        keel_audit_scan_secrets(data, len, c->d, &sink);
    c->stats->secrets += sink.secrets;
    c->stats->pem_keys += sink.pem;
    c->stats->der_keys += sink.der;
    c->stats->ssh_keys += sink.ssh;
    c->stats->certificates += sink.certs;
    c->stats->passwords += sink.passwords;
    c->stats->listed += sink.listed;
}

keel_err keel_audit_scan_tree(const char *root, const char *const *exclude, size_t n_exclude,
                              const keel_audit_dictionary *d, keel_audit_finding_fn fn, void *user,
                              keel_audit_scan_stats *stats)
{
    scan_ctx c = {.d = d, .fn = fn, .user = user, .stats = stats};
    keel_err ret;

    if (d == NULL || fn == NULL)
        return KEEL_ERR_ARG;
    if ((ret = keel_random(c.fp_key, sizeof(c.fp_key))) != KEEL_OK)
        return ret;
    ret = keel_audit_walk_tree(root, exclude, n_exclude, scan_secrets, &c, stats);
    keel_wipe(c.fp_key, sizeof(c.fp_key));
    return ret;
}
