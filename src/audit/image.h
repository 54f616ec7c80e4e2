/*
 * Firmware images for keel audit's white-box test cases (5.1-1-3, 5.4-3-2, 5.4-4-2, 5.6-4A-2,
 * 5.6-7-2, 5.6-8-2 ...): `--firmware PATH` and `--firmware-peer PATH` take a directory or an
 * image file, recognised by its magic (never its name): a tar archive (ustar, also compressed
 * with gzip, xz, zstd or bzip2: GNU tar detects which), a squashfs file system or an ext2/3/4
 * file system. The image is unpacked with Debian's own tools (tar, unsquashfs, debugfs) into a
 * fresh 0700 directory, modes kept (setuid bits matter for 5.6-7-2), and removed at the end.
 *
 * The image is untrusted: its member list is read and checked before anything is written (no
 * absolute name, no "..", no device node, no member below a symbolic link, no name twice in a
 * directory, no directory reached twice), the unpacking is bounded in bytes, entries and time,
 * and a tool failure ends in an error naming the image and the tool's message: never a partial
 * tree handed to the test cases. Private to src/audit, its tests and fuzz targets.
 */
#ifndef KEEL_AUDIT_IMAGE_H
#define KEEL_AUDIT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

/* Bounds of one unpacked image: bytes of its files (apparent sizes and disk space used while
 * unpacking), entries (the tree scan's own bound), wall time of every tool run together. */
#define KEEL_AUDIT_IMAGE_BYTES_MAX ((uint64_t)4 * 1024 * 1024 * 1024)
#define KEEL_AUDIT_IMAGE_ENTRIES_MAX ((size_t)KEEL_AUDIT_SCAN_FILES_MAX)
#define KEEL_AUDIT_IMAGE_TIME_MS 600000LL
#define KEEL_AUDIT_IMAGE_WHY_MAX 768
#define KEEL_AUDIT_IMAGE_PATH_MAX 4096
/* The longest line of a tool's listing that is read (a member name is at most PATH_MAX). */
#define KEEL_AUDIT_IMAGE_LINE_MAX 16384

typedef enum keel_audit_image_kind {
    KEEL_AUDIT_IMAGE_UNKNOWN = 0,
    KEEL_AUDIT_IMAGE_TAR,            /* "ustar" at offset 257 */
    KEEL_AUDIT_IMAGE_TAR_COMPRESSED, /* gzip, xz, zstd or bzip2: a tar inside, GNU tar says */
    KEEL_AUDIT_IMAGE_SQUASHFS,       /* "hsqs" at offset 0 */
    KEEL_AUDIT_IMAGE_EXT             /* the ext2/3/4 superblock magic 0xEF53 at offset 1080 */
} keel_audit_image_kind;

/* Bytes of an image's start that keel_audit_image_detect looks at. */
#define KEEL_AUDIT_IMAGE_HEAD 1082

/* The kind of image whose first len bytes are head (untrusted); UNKNOWN when none matches. */
keel_audit_image_kind keel_audit_image_detect(const uint8_t *head, size_t len);

/* "tar", "compressed tar (gzip)", "squashfs", "ext2/3/4" for head's kind. */
const char *keel_audit_image_kind_name(keel_audit_image_kind kind, const uint8_t *head, size_t len);

/* ---- Member lists (the tools' listings, untrusted text) -------------------------------- */

/* The checks shared by every listing: counts and sums against the bounds, symbolic links seen
 * (no later member may lie below one). Initialise with keel_audit_members_init, release with
 * keel_audit_members_free. */
typedef struct keel_audit_members {
    uint64_t bytes;     /* apparent sizes of regular files */
    size_t entries;     /* members of every type */
    size_t special;     /* FIFOs and sockets (not scanned; kept) */
    uint64_t bytes_max; /* KEEL_AUDIT_IMAGE_BYTES_MAX unless a test lowers them */
    size_t entries_max;
    char **links; /* open-addressed set of symbolic link member names */
    size_t links_n, links_cap;
    /* ext: regular files and directories whose setuid, setgid or sticky bits debugfs does
     * not restore, re-applied after the unpacking ("path\0" and mode). */
    char **modes_path;
    unsigned *modes;
    size_t modes_n, modes_cap;
} keel_audit_members;

void keel_audit_members_init(keel_audit_members *m);
void keel_audit_members_free(keel_audit_members *m);

/* A member name as it will be written below the unpack directory: non-empty, relative (no
 * leading '/'), no ".." component, no control byte; "." components and a trailing '/' are
 * fine. 1 when it is acceptable, else 0 with why ("'../x': a '..' component"). */
int keel_audit_member_name_ok(const char *name, char *why, size_t whysz);

/* One line of `tar -tv --quoting-style=c --numeric-owner --full-time -P` (len bytes, no
 * newline): "TYPE+MODE UID/GID SIZE DATE TIME "NAME"" with " -> "TARGET"" for a symbolic link
 * and " link to "TARGET"" for a hard link. Refused (KEEL_ERR_PARSE, why says which member and
 * rule): a line of another shape, an unsafe name, a hard link to an unsafe name, a device node,
 * a member below a symbolic link member, and the bounds (KEEL_ERR_TOO_LARGE). */
keel_err keel_audit_tar_line(keel_audit_members *m, const char *line, size_t len, char *why,
                             size_t whysz);

/* One line of `unsquashfs -lls -n`: "TYPE+MODE OWNER/GROUP SIZE DATE TIME squashfs-root/NAME"
 * (" -> TARGET" after a symbolic link's name). Same refusals as keel_audit_tar_line; the first
 * line ("squashfs-root" itself) counts as the root. */
keel_err keel_audit_squashfs_line(keel_audit_members *m, const char *line, size_t len, char *why,
                                  size_t whysz);

/* One entry of debugfs's `ls -p`: "/INODE/MODE(octal)/UID/GID/NAME/SIZE/" (SIZE empty for a
 * directory). Exactly seven '/' (a name holding '/' is refused), decimal numbers, a name of
 * 1-255 bytes without control bytes; inode 0 is an unused slot (its name may be empty). */
typedef struct keel_audit_debugfs_entry {
    uint32_t ino;
    unsigned mode; /* st_mode bits as ext stores them */
    char name[256];
    uint64_t size;
} keel_audit_debugfs_entry;

keel_err keel_audit_debugfs_line(const char *line, size_t len, keel_audit_debugfs_entry *e,
                                 char *why, size_t whysz);

/* ---- Unpacking ----------------------------------------------------------------------- */

typedef struct keel_audit_image {
    keel_audit_image_kind kind;
    char image[KEEL_AUDIT_IMAGE_PATH_MAX]; /* as given */
    char what[64];                         /* keel_audit_image_kind_name */
    char tool[64];                         /* "GNU tar", "unsquashfs", "debugfs" */
    char base[KEEL_AUDIT_IMAGE_PATH_MAX];  /* the private directory (mkdtemp, 0700) */
    char root[KEEL_AUDIT_IMAGE_PATH_MAX];  /* base/<image's file name>: the unpacked tree */
    uint64_t bytes;                        /* apparent sizes of the regular files unpacked */
    size_t entries;
    int unpacked; /* root exists and must be removed */
} keel_audit_image;

/* Unpack the image file at path into a fresh directory made with mkdtemp below tmp_parent
 * (which must exist): recognise it, list its members with the tool and check them (see the
 * listings above), check the free space, unpack with the tool (a new process group, limited in
 * time and file size, killed when the disk space it takes passes the bound), re-apply modes
 * the tool drops, and walk the result (no device node, the bounds). KEEL_ERR_PARSE for an
 * image that is not one keel knows or a hostile member list, KEEL_ERR_TOO_LARGE past a bound,
 * KEEL_ERR_IO for a tool that is missing, failed or ran past the time bound; why (always set on an
 * error, NUL-terminated) names the image, the tool and its message. On error nothing is left
 * behind: the private directory is removed. */
keel_err keel_audit_image_unpack(const char *path, const char *tmp_parent, keel_audit_image *img,
                                 char *why, size_t whysz);

/* The same with the bounds given (tests lower them). */
keel_err keel_audit_image_unpack_bounded(const char *path, const char *tmp_parent,
                                         uint64_t bytes_max, size_t entries_max, long long time_ms,
                                         keel_audit_image *img, char *why, size_t whysz);

/* Remove the unpacked tree and its private directory (symbolic links never followed,
 * directories made writable first). KEEL_ERR_IO when something could not be removed.
 * Idempotent. */
keel_err keel_audit_image_remove(keel_audit_image *img);

/* Add a line naming the image and the tool ("firmware image fw.tar.gz (compressed tar (gzip))
 * unpacked by GNU tar into a private directory, removed after the audit: 12 entries, 3456
 * bytes") to every test of r whose evidence names img->root: which white-box test cases ran on
 * an image. Only KEEL_ERR_NOMEM is returned. */
keel_err keel_audit_image_annotate(keel_audit_report *r, const keel_audit_image *img);

#endif /* KEEL_AUDIT_IMAGE_H */
