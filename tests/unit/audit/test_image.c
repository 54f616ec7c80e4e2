/* Firmware images (image.h): recognition by magic, the strict readers of the tools' listings
 * (GNU tar, unsquashfs, debugfs) with the hostile members they must refuse, and real unpacking
 * of tar archives made here with GNU tar: modes kept, bounds enforced, nothing left behind. */
#define _GNU_SOURCE /* nftw in tree_helpers.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "image.h"
#include "whitebox.h"
#include "tree_helpers.h"

static void test_detect(void **state)
{
    uint8_t h[KEEL_AUDIT_IMAGE_HEAD];

    (void)state;
    memset(h, 0, sizeof(h));
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_UNKNOWN);
    memcpy(h + 257, "ustar", 5);
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_TAR);
    assert_int_equal(keel_audit_image_detect(h, 261), KEEL_AUDIT_IMAGE_UNKNOWN); /* cut short */
    memset(h, 0, sizeof(h));
    memcpy(h, "hsqs", 4);
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_SQUASHFS);
    memset(h, 0, sizeof(h));
    h[1080] = 0x53;
    h[1081] = 0xef;
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_EXT);
    assert_int_equal(keel_audit_image_detect(h, 1081), KEEL_AUDIT_IMAGE_UNKNOWN);
    memset(h, 0, sizeof(h));
    h[0] = 0x1f;
    h[1] = 0x8b;
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_TAR_COMPRESSED);
    assert_string_equal(keel_audit_image_kind_name(KEEL_AUDIT_IMAGE_TAR_COMPRESSED, h, sizeof(h)),
                        "compressed tar (gzip)");
    memcpy(h, "BZh9", 4);
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_TAR_COMPRESSED);
    memcpy(h, "BZhx", 4);
    assert_int_equal(keel_audit_image_detect(h, sizeof(h)), KEEL_AUDIT_IMAGE_UNKNOWN);
    memcpy(h, "\x28\xb5\x2f\xfd", 4);
    assert_string_equal(keel_audit_image_kind_name(keel_audit_image_detect(h, sizeof(h)), h, 4),
                        "compressed tar (zstd)");
    assert_int_equal(keel_audit_image_detect(NULL, 0), KEEL_AUDIT_IMAGE_UNKNOWN);
}

static void test_names(void **state)
{
    char why[160];

    (void)state;
    assert_true(keel_audit_member_name_ok("etc/passwd", why, sizeof(why)));
    assert_true(keel_audit_member_name_ok("./etc/", why, sizeof(why)));
    assert_true(keel_audit_member_name_ok("a/..b/c..", why, sizeof(why)));
    assert_false(keel_audit_member_name_ok("", why, sizeof(why)));
    assert_false(keel_audit_member_name_ok("/etc/passwd", why, sizeof(why)));
    assert_non_null(strstr(why, "an absolute name"));
    assert_false(keel_audit_member_name_ok("a/../../b", why, sizeof(why)));
    assert_non_null(strstr(why, "a '..' component"));
    assert_false(keel_audit_member_name_ok("..", why, sizeof(why)));
    assert_false(keel_audit_member_name_ok("a//..", why, sizeof(why)));
    assert_false(keel_audit_member_name_ok("a\nb", why, sizeof(why)));
    assert_non_null(strstr(why, "control byte"));
}

static keel_err tar(keel_audit_members *m, const char *line, char *why, size_t whysz)
{
    return keel_audit_tar_line(m, line, strlen(line), why, whysz);
}

static void test_tar_lines(void **state)
{
    keel_audit_members m;
    char why[KEEL_AUDIT_IMAGE_WHY_MAX];

    (void)state;
    keel_audit_members_init(&m);
    assert_int_equal(tar(&m, "drwxr-xr-x 0/0 0 2024-05-01 12:00:00 \"./\"", why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(
        tar(&m, "-rwsr-xr-x 0/0 35664 2024-05-01 12:00:00 \"./bin/su\"", why, sizeof(why)),
        KEEL_OK);
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 6 2024-05-01 12:00:00 \"./d/we ird\\\"n\\303\\251\"",
                         why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(
        tar(&m, "lrwxrwxrwx 0/0 0 2024-05-01 12:00:00 \"./bin/lnk\" -> \"/etc\"", why, sizeof(why)),
        KEEL_OK);
    assert_int_equal(tar(&m,
                         "hrw-r--r-- 0/0 0 2024-05-01 12:00:00 \"./etc/hard\" link to "
                         "\"./bin/su\"",
                         why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(m.entries, 5);
    assert_int_equal(m.bytes, 35664 + 6);
    /* Through the symbolic link "bin/lnk", however spelt. */
    assert_int_equal(
        tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 \"bin//./lnk/shadow\"", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_non_null(strstr(why, "below the symbolic link 'bin/lnk'"));
    assert_int_equal(tar(&m,
                         "hrw-r--r-- 0/0 0 2024-05-01 12:00:00 \"x\" link to \"bin/lnk/shadow\"",
                         why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "hrw-r--r-- 0/0 0 2024-05-01 12:00:00 \"x\" link to \"../etc/shadow\"",
                         why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(why, "a hard link to the unsafe name"));
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 \"/etc/x\"", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(
        tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 \"a/../../x\"", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_int_equal(
        tar(&m, "crw-rw-rw- 0/0 1,3 2024-05-01 12:00:00 \"dev/null\"", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_non_null(strstr(why, "'dev/null': a device node"));
    assert_int_equal(
        tar(&m, "brw-rw---- 0/6 8,0 2024-05-01 12:00:00 \"dev/sda\"", why, sizeof(why)),
        KEEL_ERR_PARSE);
    /* Shapes: unquoted, unterminated, trailing bytes, a link without its target, a bad size. */
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 x", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 \"x", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 \"x\" y", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "lrwxrwxrwx 0/0 0 2024-05-01 12:00:00 \"l\"", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 1k 2024-05-01 12:00:00 \"x\"", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 1 2024-05-01 12:00:00 \"a\\000b\"", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(tar(&m, "Vrw-r--r-- 0/0 1 2024-05-01 12:00:00 \"label\"", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    /* Bounds. */
    m.bytes_max = 35664 + 6 + 10;
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 11 2024-05-01 12:00:00 \"big\"", why, sizeof(why)),
                     KEEL_ERR_TOO_LARGE);
    assert_int_equal(tar(&m, "-rw-r--r-- 0/0 18446744073709551615 2024-05-01 12:00:00 \"big\"", why,
                         sizeof(why)),
                     KEEL_ERR_PARSE); /* 20 digits: not a size */
    m.entries_max = m.entries;
    assert_int_equal(
        tar(&m, "drwxr-xr-x 0/0 0 2024-05-01 12:00:00 \"one-more/\"", why, sizeof(why)),
        KEEL_ERR_TOO_LARGE);
    keel_audit_members_free(&m);
}

static keel_err sq(keel_audit_members *m, const char *line, char *why, size_t whysz)
{
    return keel_audit_squashfs_line(m, line, strlen(line), why, whysz);
}

static void test_squashfs_lines(void **state)
{
    keel_audit_members m;
    char why[KEEL_AUDIT_IMAGE_WHY_MAX];

    (void)state;
    keel_audit_members_init(&m);
    assert_int_equal(
        sq(&m, "drwxr-xr-x root/root 46 2024-05-01 12:00 squashfs-root", why, sizeof(why)),
        KEEL_OK);
    assert_int_equal(sq(&m,
                        "lrwxrwxrwx root/root 11 2024-05-01 12:00 squashfs-root/bin/lnk -> /etc",
                        why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(sq(&m, "-rwsr-xr-x root/root 35664 2024-05-01 12:00 squashfs-root/bin/su", why,
                        sizeof(why)),
                     KEEL_OK);
    assert_int_equal(sq(&m, "-rw-r--r-- root/root 1 2024-05-01 12:00 squashfs-root/d/we ird\"n",
                        why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(m.entries, 4);
    assert_int_equal(m.bytes, 35665);
    assert_int_equal(sq(&m, "crw-r--r-- root/root 1,  3 2024-05-01 12:00 squashfs-root/dev/null",
                        why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(why, "'squashfs-root/dev/null': a device node"));
    assert_int_equal(
        sq(&m, "-rw-r--r-- root/root 1 2024-05-01 12:00 squashfs-root/bin/lnk/x", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_int_equal(
        sq(&m, "-rw-r--r-- root/root 1 2024-05-01 12:00 squashfs-root/../x", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_int_equal(sq(&m, "-rw-r--r-- root/root 1 2024-05-01 12:00 other/x", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_int_equal(
        sq(&m, "-rw-r--r-- root/root 1 2024-05-01 12:00 squashfs-rootx", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_int_equal(
        sq(&m, "lrwxrwxrwx root/root 1 2024-05-01 12:00 squashfs-root/l", why, sizeof(why)),
        KEEL_ERR_PARSE);
    assert_int_equal(sq(&m, "Parallel unsquashfs: Using 2 processors", why, sizeof(why)),
                     KEEL_ERR_PARSE);
    keel_audit_members_free(&m);
}

static keel_err dfs(const char *line, keel_audit_debugfs_entry *e, char *why, size_t whysz)
{
    return keel_audit_debugfs_line(line, strlen(line), e, why, whysz);
}

static void test_debugfs_lines(void **state)
{
    keel_audit_debugfs_entry e;
    char why[KEEL_AUDIT_IMAGE_WHY_MAX];

    (void)state;
    assert_int_equal(dfs("/14/104755/0/0/su/35664/", &e, why, sizeof(why)), KEEL_OK);
    assert_int_equal(e.ino, 14);
    assert_int_equal(e.mode, 0104755);
    assert_string_equal(e.name, "su");
    assert_int_equal(e.size, 35664);
    assert_int_equal(dfs("/12/040755/0/0/bin//", &e, why, sizeof(why)), KEEL_OK);
    assert_int_equal(e.mode & 0170000, 0040000);
    assert_int_equal(dfs("/0/000000/0/0//0/", &e, why, sizeof(why)), KEEL_OK); /* unused slot */
    assert_int_equal(e.ino, 0);
    /* A name holding '/' (a crafted directory entry "../../x") is refused. */
    assert_int_equal(dfs("/13/100644/0/0/../../x/1/", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_non_null(strstr(why, "a name holding '/'"));
    assert_int_equal(dfs("/13/100644/0/0/a\tb/1/", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(dfs("/13/100648/0/0/a/1/", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(dfs("/x/100644/0/0/a/1/", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(dfs("/13/100644/0/0//1/", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(dfs("/13/100644/0/0/a/1", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(dfs("/99999999999/100644/0/0/a/1/", &e, why, sizeof(why)), KEEL_ERR_PARSE);
    assert_int_equal(dfs("debugfs 1.47.0 (5-Feb-2023)", &e, why, sizeof(why)), KEEL_ERR_PARSE);
}

/* GNU tar, run here, makes the archive of tree t into path (extra tar options before "."). */
static void make_tar(const tree *t, const char *path, const char *opts)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "tar --numeric-owner %s -cf %s -C %s . 2>/dev/null", opts, path,
             t->root);
    assert_int_equal(system(cmd), 0);
}

static void test_unpack_tar(void **state)
{
    tree src, out;
    keel_audit_image img;
    char path[256], why[KEEL_AUDIT_IMAGE_WHY_MAX], file[KEEL_AUDIT_IMAGE_PATH_MAX + 32];
    struct stat st;

    (void)state;
    tree_make(&src);
    tree_make(&out);
    tree_write(&src, "etc/passwd", "root:x:0:0::/:/bin/sh\n", 0644);
    tree_write(&src, "usr/bin/helper", "#!/bin/sh\n", 0755);
    tree_chmod(&src, "usr/bin/helper", 04755);
    tree_link(&src, "usr/bin/shadow", "/etc/shadow");
    snprintf(path, sizeof(path), "%s/fw.tar.gz", out.root);
    make_tar(&src, path, "-z");
    assert_int_equal(keel_audit_image_unpack(path, out.root, &img, why, sizeof(why)), KEEL_OK);
    assert_int_equal(img.kind, KEEL_AUDIT_IMAGE_TAR_COMPRESSED);
    assert_string_equal(img.tool, "GNU tar");
    assert_int_equal(img.unpacked, 1);
    assert_int_equal(img.bytes, strlen("root:x:0:0::/:/bin/sh\n") + strlen("#!/bin/sh\n"));
    assert_int_equal(stat(img.base, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700); /* private */
    snprintf(file, sizeof(file), "%s/usr/bin/helper", img.root);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 07777, 04755); /* the setuid bit kept for 5.6-7-2 */
    snprintf(file, sizeof(file), "%s/usr/bin/shadow", img.root);
    assert_int_equal(lstat(file, &st), 0);
    assert_true(S_ISLNK(st.st_mode)); /* stored, not followed */
    assert_int_equal(keel_audit_image_remove(&img), KEEL_OK);
    assert_int_equal(stat(file, &st), -1);
    assert_int_equal(keel_audit_image_remove(&img), KEEL_OK); /* idempotent */

    /* Past the bytes bound: refused before unpacking, nothing left. */
    assert_int_equal(
        keel_audit_image_unpack_bounded(path, out.root, 8, 100, 60000, &img, why, sizeof(why)),
        KEEL_ERR_TOO_LARGE);
    assert_non_null(strstr(why, "would unpack past 8 bytes"));
    assert_non_null(strstr(why, "fw.tar.gz (compressed tar (gzip), GNU tar)"));
    assert_int_equal(img.base[0], '\0');
    /* Past the entries bound. */
    assert_int_equal(
        keel_audit_image_unpack_bounded(path, out.root, 1 << 20, 3, 60000, &img, why, sizeof(why)),
        KEEL_ERR_TOO_LARGE);
    assert_non_null(strstr(why, "more than 3 entries"));

    /* Not an image; a corrupt one (the tool's message is named). */
    snprintf(path, sizeof(path), "%s/readme", out.root);
    tree_write(&out, "readme", "text\n", 0644);
    assert_int_equal(keel_audit_image_unpack(path, out.root, &img, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(why, "not an image keel knows"));
    tree_write(&out, "bad.gz", "\x1f\x8b\x08garbage", 0644);
    snprintf(path, sizeof(path), "%s/bad.gz", out.root);
    assert_int_equal(keel_audit_image_unpack(path, out.root, &img, why, sizeof(why)), KEEL_ERR_IO);
    assert_non_null(strstr(why, "tar: exit status 2"));
    snprintf(path, sizeof(path), "%s/missing", out.root);
    assert_int_equal(keel_audit_image_unpack(path, out.root, &img, why, sizeof(why)), KEEL_ERR_IO);

    /* Only the files written here are left in out: no private directory remains. */
    struct dirent **names = NULL;
    int n = scandir(out.root, &names, NULL, alphasort);
    assert_int_equal(n, 5);
    assert_string_equal(names[2]->d_name, "bad.gz");
    assert_string_equal(names[3]->d_name, "fw.tar.gz");
    assert_string_equal(names[4]->d_name, "readme");
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    tree_free(&src);
    tree_free(&out);
}

/* The evidence of a test run on the unpacked tree names the image and the tool. */
static void test_annotate(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_image img;
    keel_audit_evidence ev;
    const keel_audit_test *t;

    (void)state;
    memset(&img, 0, sizeof(img));
    snprintf(img.image, sizeof(img.image), "fw.sqfs");
    snprintf(img.what, sizeof(img.what), "squashfs");
    snprintf(img.tool, sizeof(img.tool), "unsquashfs");
    snprintf(img.root, sizeof(img.root), "/out/.keel-image-abc/root");
    img.entries = 3;
    img.bytes = 42;
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:9", &r), KEEL_OK);
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_evidence_addf(&ev, "white-box scan of %s", img.root), KEEL_OK);
    assert_int_equal(keel_audit_evidence_addf(&ev, "a finding"), KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.4-3-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, &ev),
                     KEEL_OK);
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_evidence_addf(&ev, "live: nothing about images"), KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.6-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, &ev),
                     KEEL_OK);
    assert_int_equal(keel_audit_image_annotate(r, &img), KEEL_OK);
    t = tree_test(r, "5.4-3");
    assert_non_null(t);
    assert_int_equal(t->evidence_count, 3);
    assert_string_equal(t->evidence[1],
                        "firmware image fw.sqfs (squashfs) unpacked by unsquashfs into "
                        "/out/.keel-image-abc/root (a private directory, removed after the "
                        "audit): 3 entries, 42 bytes");
    assert_string_equal(t->evidence[2], "a finding");
    t = tree_test(r, "5.6-1");
    assert_int_equal(t->evidence_count, 1);
    keel_audit_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),        cmocka_unit_test(test_names),
        cmocka_unit_test(test_tar_lines),     cmocka_unit_test(test_squashfs_lines),
        cmocka_unit_test(test_debugfs_lines), cmocka_unit_test(test_unpack_tar),
        cmocka_unit_test(test_annotate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
