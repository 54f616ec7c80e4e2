#define _XOPEN_SOURCE 700 /* nftw */
/* 5.6-7-2: the judge of one entry's mode (setuid, setgid, world-writable, the sticky bit, the
 * allow-listed device nodes, links never judged) and the test case on a tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "expect_line.h"
#include "tree_helpers.h"
#include "whitebox.h"

static void test_judge(void **state)
{
    keel_audit_mode_tally t;
    keel_audit_evidence ev;

    (void)state;
    memset(&t, 0, sizeof(t));
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_mode_judge("usr/bin/su", S_IFREG | 04755, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("usr/bin/wall", S_IFREG | 02755, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("usr/bin/both", S_IFREG | 06755, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("usr/bin/worst", S_IFREG | 04777, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("tmp", S_IFDIR | 01777, &t, &ev), 0);
    assert_int_equal(keel_audit_mode_judge("var/shared", S_IFDIR | 0777, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("usr/share", S_IFDIR | 02755, &t, &ev), 0);
    assert_int_equal(keel_audit_mode_judge("etc/app.conf", S_IFREG | 0666, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("dev/null", S_IFCHR | 0666, &t, &ev), 0);
    assert_int_equal(keel_audit_mode_judge("dev/ttyS0", S_IFCHR | 0666, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("run/pipe", S_IFIFO | 0666, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("dev/null", S_IFREG | 0666, &t, &ev), 1);
    assert_int_equal(keel_audit_mode_judge("usr/bin/sh", S_IFLNK | 0777, &t, &ev), 0);
    assert_int_equal(keel_audit_mode_judge("usr/bin/ok", S_IFREG | 0755, &t, &ev), 0);
    EXPECT_LINE(&ev, "usr/bin/su: setuid (mode 4755)");
    EXPECT_LINE(&ev, "usr/bin/wall: setgid (mode 2755)");
    EXPECT_LINE(&ev, "usr/bin/both: setuid, setgid (mode 6755)");
    EXPECT_LINE(&ev, "usr/bin/worst: setuid, world-writable file (mode 4777)");
    EXPECT_LINE(&ev, "var/shared: world-writable directory without the sticky bit (mode 0777)");
    EXPECT_LINE(&ev, "etc/app.conf: world-writable file (mode 0666)");
    EXPECT_LINE(&ev, "dev/ttyS0: world-writable device (mode 0666)");
    EXPECT_LINE(&ev, "run/pipe: world-writable FIFO or socket (mode 0666)");
    EXPECT_LINE(&ev, "dev/null: world-writable file (mode 0666)");
    assert_int_equal(ev.count, 9);
    assert_int_equal(t.entries, 13); /* the link is not an entry to judge */
    assert_int_equal(t.setuid, 3);
    assert_int_equal(t.setgid, 2);
    assert_int_equal(t.world_writable, 6);
    assert_int_equal(t.allowed, 1);
    keel_audit_evidence_free(&ev);
}

static const keel_audit_test *audit_tree(const tree *t, keel_audit_report **r)
{
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", r), KEEL_OK);
    assert_int_equal(keel_audit_check_modes(*r, t->root), KEEL_OK);
    return tree_test(*r, "5.6-7");
}

static void test_check_tree(void **state)
{
    keel_audit_report *r;
    const keel_audit_test *t;
    tree tr;

    (void)state;
    tree_make(&tr);
    tree_write(&tr, "usr/bin/helper", "#!/bin/sh\n", 04755);
    tree_write(&tr, "usr/bin/app", "#!/bin/sh\n", 0755);
    tree_dirs(&tr, "var/shared", 1);
    tree_chmod(&tr, "var/shared", 0777);
    tree_dirs(&tr, "tmp", 1);
    tree_chmod(&tr, "tmp", 01777);
    tree_link(&tr, "usr/bin/sh", "/bin/sh");
    t = audit_tree(&tr, &r);
    assert_string_equal(t->id, "5.6-7-2");
    assert_int_equal(t->verdict, KEEL_AUDIT_FAIL);
    EXPECT_TEST_LINE(t, "usr/bin/helper: setuid (mode 4755)");
    EXPECT_TEST_LINE(t, "var/shared: world-writable directory without the sticky bit (mode 0777)");
    assert_false(test_mentions(t, "tmp:"));
    keel_audit_report_free(r);

    tree_chmod(&tr, "usr/bin/helper", 0755);
    tree_chmod(&tr, "var/shared", 0755);
    t = audit_tree(&tr, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_PASS);
    assert_true(test_mentions(t, "entries judged: 0 setuid, 0 setgid, 0 world-writable"));
    keel_audit_report_free(r);
    tree_free(&tr);

    tree_make(&tr);
    t = audit_tree(&tr, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_NA);
    EXPECT_TEST_LINE(t, "the tree is empty");
    keel_audit_report_free(r);
    tree_free(&tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_check_tree),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
