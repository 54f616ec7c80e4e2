#define _XOPEN_SOURCE 700 /* nftw */
/* 5.6-4A-2 (5.6-4-2): the readers of inittab, boot scripts, inetd, xinetd, systemd units and
 * Android properties, sshd_config as sshd reads it (first value wins, OpenSSH's defaults,
 * Match blocks, Include), each with look-alikes that must not count; the scan of a tree
 * (links inside the tree, each file once, enabled units) and the joined test case. */
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

typedef void (*reader_fn)(const char *path, const char *text, size_t len,
                          keel_audit_service_scan *s);

static void scan(reader_fn fn, const char *path, const char *text, keel_audit_service_scan *s,
                 keel_audit_evidence *ev)
{
    memset(s, 0, sizeof(*s));
    keel_audit_evidence_init(ev);
    s->findings = ev;
    fn(path, text, strlen(text), s);
}

static void test_inittab(void **state)
{
    keel_audit_service_scan s;
    keel_audit_evidence ev;

    (void)state;
    scan(keel_audit_inittab_scan, "etc/inittab",
         "::sysinit:/etc/init.d/rcS\n"
         "ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
         "::respawn:/usr/sbin/telnetd -F -l /bin/sh\n"
         "::askfirst:-/bin/sh\n"
         "tty1::respawn:/sbin/getty 38400 tty1\n"
         "T0:23:respawn:/sbin/getty -L ttyAMA0 115200 vt100\n"
         "x:2345:off:/usr/sbin/telnetd\n"
         "# ::respawn:/usr/sbin/telnetd\n"
         "::shutdown:/bin/umount -a -r\n"
         "1:2345:respawn:/sbin/getty 38400 tty1\n",
         &s, &ev);
    EXPECT_LINE(&ev, "etc/inittab:2: getty on serial line ttyS0: a login on the debug console "
                     "('ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100')");
    EXPECT_LINE(&ev, "etc/inittab:3: telnetd started: a shell over the network in clear text "
                     "('::respawn:/usr/sbin/telnetd -F -l /bin/sh')");
    EXPECT_LINE(&ev, "etc/inittab:4: a shell without login on console ('::askfirst:-/bin/sh')");
    EXPECT_LINE(&ev, "etc/inittab:6: getty on serial line ttyAMA0: a login on the debug console "
                     "('T0:23:respawn:/sbin/getty -L ttyAMA0 115200 vt100')");
    assert_int_equal(s.found, 4);
    assert_int_equal(ev.count, 4);
    keel_audit_evidence_free(&ev);
}

static void test_script(void **state)
{
    keel_audit_service_scan s;
    keel_audit_evidence ev;

    (void)state;
    scan(keel_audit_script_scan, "etc/init.d/S50net",
         "#!/bin/sh\n"
         "# telnetd -l /bin/sh\n"
         "[ -x /usr/sbin/telnetd ] && /usr/sbin/telnetd -l /bin/login\n"
         "killall telnetd; echo starting telnetd\n"
         "start-stop-daemon -S -b -x /usr/sbin/adbd\n"
         "dropbear -s -g -p 22\n"
         "dropbear -p 22 -r /etc/dropbear/key\n"
         "dropbear $DROPBEAR_ARGS\n"
         "procd_set_param command /usr/sbin/telnetd -F\n"
         "if true; then nohup utelnetd -d & fi\n"
         "PATH=/bin exec in.telnetd\n"
         "telnetd_opts=1 mytelnetd\n"
         "\ttelnetd # started from a tab\n"
         "DAEMON=\"/usr/sbin/telnetd\" OTHER=${DAEMON}\n"
         "start-stop-daemon --start --exec $DAEMON -- -l /bin/login\n"
         "$UNKNOWN -l /bin/sh\n",
         &s, &ev);
    EXPECT_LINE(&ev, "etc/init.d/S50net:3: telnetd started: a shell over the network in clear "
                     "text ('[ -x /usr/sbin/telnetd ] && /usr/sbin/telnetd -l /bin/login')");
    EXPECT_LINE(&ev, "etc/init.d/S50net:5: adbd started: Android Debug Bridge ('start-stop-daemon "
                     "-S -b -x /usr/sbin/adbd')");
    EXPECT_LINE(&ev, "etc/init.d/S50net:7: dropbear started without -s: password login over SSH "
                     "('dropbear -p 22 -r /etc/dropbear/key')");
    EXPECT_LINE(&ev, "etc/init.d/S50net:8: not judged: dropbear's options come from a variable "
                     "(-s or not?)");
    EXPECT_LINE(&ev, "etc/init.d/S50net:15: telnetd started: a shell over the network in clear "
                     "text ('start-stop-daemon --start --exec $DAEMON -- -l /bin/login')");
    assert_int_equal(s.found, 8);
    assert_int_equal(s.not_judged, 1);
    keel_audit_evidence_free(&ev);
}

static void test_inetd(void **state)
{
    keel_audit_service_scan s;
    keel_audit_evidence ev;

    (void)state;
    scan(keel_audit_inetd_scan, "etc/inetd.conf",
         "telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd\n"
         "#telnet stream tcp nowait root /usr/sbin/in.telnetd in.telnetd\n"
         "ftp stream tcp nowait root /usr/sbin/ftpd ftpd\n"
         "23 stream tcp nowait root /usr/sbin/telnetd telnetd -i\n",
         &s, &ev);
    assert_int_equal(s.found, 2);
    EXPECT_LINE(&ev, "etc/inetd.conf:1: telnetd started by inetd: a shell over the network in "
                     "clear text ('telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd')");
    keel_audit_evidence_free(&ev);
    scan(keel_audit_xinetd_scan, "etc/xinetd.d/telnet",
         "service telnet\n{\n  disable = no\n  server = /usr/sbin/in.telnetd\n}\n"
         "service other\n{\n  server = /usr/sbin/in.telnetd\n  disable = yes\n}\n",
         &s, &ev);
    assert_int_equal(s.found, 1);
    EXPECT_LINE(&ev, "etc/xinetd.d/telnet:1: telnetd started by xinetd: a shell over the network "
                     "in clear text");
    keel_audit_evidence_free(&ev);
}

static void test_units(void **state)
{
    keel_audit_service_scan s;
    keel_audit_evidence ev;
    const char unit[] = "[Unit]\nDescription=x\n[Service]\n"
                        "ExecStartPre=/usr/sbin/telnetd\n"
                        "ExecStart=-/sbin/agetty -o '-p -- \\u' --keep-baud 115200 ttyS1 $TERM\n"
                        "ExecStart=/usr/bin/adbd\nExecStart=/usr/sbin/sshd -D\n";

    (void)state;
    memset(&s, 0, sizeof(s));
    keel_audit_evidence_init(&ev);
    s.findings = &ev;
    keel_audit_unit_scan("lib/systemd/system/debug.service", "debug.service", unit, strlen(unit),
                         &s);
    EXPECT_LINE(&ev, "lib/systemd/system/debug.service:5: debug.service (enabled): getty on "
                     "serial line ttyS1: a login on the debug console");
    EXPECT_LINE(&ev, "lib/systemd/system/debug.service:6: debug.service (enabled) starts adbd: "
                     "Android Debug Bridge");
    assert_int_equal(s.found, 2);
    assert_int_equal(keel_audit_unit_name_scan("w", "serial-getty@ttyS0.service", &s), 1);
    assert_int_equal(keel_audit_unit_name_scan("w", "getty@tty1.service", &s), 0);
    assert_int_equal(keel_audit_unit_name_scan("w", "getty@ttyAMA0.service", &s), 1);
    assert_int_equal(keel_audit_unit_name_scan("w", "console-getty.service", &s), 1);
    assert_int_equal(keel_audit_unit_name_scan("w", "serial-getty@.service", &s), 0);
    EXPECT_LINE(&ev, "w: serial-getty@ttyS0.service enabled: getty on serial line ttyS0: a login "
                     "on the debug console");
    assert_int_equal(s.found, 5);
    keel_audit_evidence_free(&ev);
    scan(keel_audit_props_scan, "default.prop",
         "ro.adb.secure=0\nro.secure=1\npersist.sys.usb.config=mtp,adb\n"
         "service.adb.tcp.port=5555\n# ro.adb.secure=0\nro.debuggable=0\n",
         &s, &ev);
    assert_int_equal(s.found, 3);
    EXPECT_LINE(&ev, "default.prop:1: ro.adb.secure=0: adb without authentication");
    keel_audit_evidence_free(&ev);
}

static void sshd(const char *text, keel_audit_service_scan *s, keel_audit_evidence *ev,
                 keel_audit_sshd_include_fn include)
{
    keel_audit_sshd c;

    memset(s, 0, sizeof(*s));
    keel_audit_evidence_init(ev);
    s->findings = ev;
    keel_audit_sshd_init(&c);
    keel_audit_sshd_read("sshd_config", text, strlen(text), &c, 0, include, NULL, s);
    keel_audit_sshd_judge("sshd_config", &c, s);
}

static keel_audit_service_scan *include_scan;

static void include_yes(const char *pattern, keel_audit_sshd *c, int depth, void *user)
{
    static const char text[] = "PasswordAuthentication yes\n";

    (void)user;
    assert_string_equal(pattern, "/etc/ssh/sshd_config.d/*.conf");
    assert_int_equal(depth, 1);
    keel_audit_sshd_read("10-pw.conf", text, strlen(text), c, depth, NULL, NULL, include_scan);
}

static void test_sshd(void **state)
{
    keel_audit_service_scan s;
    keel_audit_evidence ev;

    (void)state;
    sshd("PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
         "PermitRootLogin prohibit-password\n",
         &s, &ev, NULL);
    assert_int_equal(s.found, 0);
    keel_audit_evidence_free(&ev);
    sshd("#PasswordAuthentication no\nPermitRootLogin yes\nPermitEmptyPasswords yes\n", &s, &ev,
         NULL);
    EXPECT_LINE(&ev, "sshd_config: PasswordAuthentication not set (OpenSSH's default: yes): "
                     "password login over SSH");
    EXPECT_LINE(&ev, "sshd_config:2: PermitRootLogin yes: root logs in over SSH, with a password "
                     "where passwords are allowed");
    EXPECT_LINE(&ev, "sshd_config:3: PermitEmptyPasswords yes: accounts without a password log in "
                     "over SSH");
    assert_int_equal(s.found, 3);
    keel_audit_evidence_free(&ev);
    /* the first value wins, keywords in any case, '=' allowed */
    sshd("passwordauthentication no\nPasswordAuthentication yes\n", &s, &ev, NULL);
    assert_int_equal(s.found, 0);
    keel_audit_evidence_free(&ev);
    sshd("PasswordAuthentication=yes\nPasswordAuthentication no\n", &s, &ev, NULL);
    EXPECT_LINE(&ev, "sshd_config:1: PasswordAuthentication yes: password login over SSH");
    keel_audit_evidence_free(&ev);
    sshd("PasswordAuthentication no\nMatch User backup\n  PasswordAuthentication yes\n", &s, &ev,
         NULL);
    EXPECT_LINE(&ev, "sshd_config:3: PasswordAuthentication yes inside a Match block: password "
                     "login over SSH for some connections");
    assert_int_equal(s.found, 1);
    keel_audit_evidence_free(&ev);
    sshd("PasswordAuthentication no\nUsePAM yes\n", &s, &ev, NULL);
    EXPECT_LINE(&ev, "sshd_config: keyboard-interactive authentication with UsePAM yes: PAM asks "
                     "for the password over SSH");
    keel_audit_evidence_free(&ev);
    include_scan = &s;
    sshd("Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n", &s, &ev,
         include_yes);
    EXPECT_LINE(&ev, "10-pw.conf:1: PasswordAuthentication yes: password login over SSH");
    assert_int_equal(s.found, 1);
    keel_audit_evidence_free(&ev);
    sshd("Include other.conf\nPasswordAuthentication no\n", &s, &ev, NULL);
    EXPECT_LINE(&ev, "sshd_config:1: not judged: Include other.conf not followed");
    assert_int_equal(s.not_judged, 1);
    keel_audit_evidence_free(&ev);
}

static void flawed_tree(tree *t)
{
    tree_make(t);
    tree_write(t, "etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F\n",
               0644);
    tree_write(t, "etc/init.d/S01debug", "#!/bin/sh\nadbd &\n", 0755);
    tree_write(t, "etc/init.d/telnet", "telnetd -l /bin/login\n", 0755);
    tree_link(t, "etc/rc2.d/S02telnet", "../init.d/telnet");
    tree_link(t, "etc/rc3.d/S02telnet", "/etc/init.d/telnet");
    tree_write(t, "lib/systemd/system/serial-getty@.service", "ExecStart=-/sbin/agetty %I\n", 0644);
    tree_link(t, "etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service",
              "/lib/systemd/system/serial-getty@.service");
    tree_write(t, "lib/systemd/system/telnet.socket", "[Socket]\nListenStream=23\nAccept=yes\n",
               0644);
    tree_write(t, "lib/systemd/system/telnet@.service",
               "[Service]\nExecStart=-/usr/sbin/in.telnetd\n", 0644);
    tree_link(t, "etc/systemd/system/sockets.target.wants/telnet.socket",
              "/lib/systemd/system/telnet.socket");
    tree_link(t, "etc/systemd/system/multi-user.target.wants/ghost.service",
              "/lib/systemd/system/ghost.service");
    tree_write(t, "etc/ssh/sshd_config",
               "Include sshd_config.d/*.conf\nPasswordAuthentication no\n", 0644);
    tree_write(t, "etc/ssh/sshd_config.d/10-pw.conf", "PasswordAuthentication yes\n", 0644);
    tree_write(t, "etc/ssh/sshd_config.d/README", "PermitRootLogin yes\n", 0644);
    tree_write(t, "etc/xinetd.d/telnet", "service telnet\n{\n server = /usr/sbin/in.telnetd\n}\n",
               0644);
    tree_write(t, "default.prop", "ro.adb.secure=0\n", 0644);
}

static void test_scan_tree(void **state)
{
    keel_audit_service_scan s;
    keel_audit_evidence ev;
    tree t;

    (void)state;
    flawed_tree(&t);
    memset(&s, 0, sizeof(s));
    keel_audit_evidence_init(&ev);
    s.findings = &ev;
    assert_int_equal(keel_audit_services_scan(t.root, &s), KEEL_OK);
    EXPECT_LINE(&ev, "etc/inittab:2: telnetd started: a shell over the network in clear text "
                     "('::respawn:/usr/sbin/telnetd -F')");
    EXPECT_LINE(&ev, "etc/init.d/S01debug:2: adbd started: Android Debug Bridge ('adbd &')");
    EXPECT_LINE(&ev, "etc/rc2.d/S02telnet:1: telnetd started: a shell over the network in clear "
                     "text ('telnetd -l /bin/login')");
    EXPECT_LINE(&ev, "etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service: "
                     "serial-getty@ttyS0.service enabled: getty on serial line ttyS0: a login on "
                     "the debug console");
    EXPECT_LINE(&ev, "lib/systemd/system/telnet@.service:2: telnet.socket (enabled) starts "
                     "telnetd: a shell over the network in clear text");
    EXPECT_LINE(&ev, "etc/systemd/system/multi-user.target.wants/ghost.service: not judged: "
                     "ghost.service is enabled but has no unit file in the tree");
    EXPECT_LINE(&ev, "etc/ssh/sshd_config.d/10-pw.conf:1: PasswordAuthentication yes: password "
                     "login over SSH");
    EXPECT_LINE(&ev, "etc/xinetd.d/telnet:1: telnetd started by xinetd: a shell over the network "
                     "in clear text");
    EXPECT_LINE(&ev, "default.prop:1: ro.adb.secure=0: adb without authentication");
    assert_int_equal(s.found, 8); /* the script linked twice counts once; README is not read */
    assert_int_equal(s.not_judged, 1);
    assert_int_equal(keel_audit_services_verdict(&s, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    tree_free(&t);
}

static const keel_audit_test *debug_test(const tree *t, keel_catalog_version v,
                                         keel_audit_report **r)
{
    assert_int_equal(keel_audit_report_new(v, "127.0.0.1:1", r), KEEL_OK);
    assert_int_equal(keel_audit_check_build_kind(*r, t->root), KEEL_OK);
    return tree_test(*r, v == KEEL_EN303645_V2_1_1 ? "5.6-4" : "5.6-4A");
}

static void test_debug_test_case(void **state)
{
    keel_audit_report *r;
    const keel_audit_test *c;
    tree t;

    (void)state;
    flawed_tree(&t);
    c = debug_test(&t, KEEL_EN303645_V2_1_1, &r);
    assert_string_equal(c->id, "5.6-4-2");
    assert_int_equal(c->verdict, KEEL_AUDIT_FAIL);
    EXPECT_TEST_LINE(c, "no keel build marker found");
    EXPECT_TEST_LINE(c, "etc/inittab:2: telnetd started: a shell over the network in clear text "
                        "('::respawn:/usr/sbin/telnetd -F')");
    keel_audit_report_free(r);
    tree_free(&t);

    /* The clean control: a getty on the display, scripts that stop telnetd, keys only. */
    tree_make(&t);
    tree_write(&t, "etc/inittab",
               "::sysinit:/etc/init.d/rcS\ntty1::respawn:/sbin/getty 38400 tty1\n", 0644);
    tree_write(&t, "etc/init.d/S10cleanup", "#!/bin/sh\nkillall telnetd adbd 2>/dev/null\n", 0755);
    tree_write(&t, "etc/ssh/sshd_config",
               "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
               "PermitRootLogin prohibit-password\n",
               0644);
    tree_write(&t, "lib/systemd/system/getty@.service", "ExecStart=-/sbin/agetty %I\n", 0644);
    tree_link(&t, "etc/systemd/system/getty.target.wants/getty@tty1.service",
              "/lib/systemd/system/getty@.service");
    c = debug_test(&t, KEEL_EN303645_V3_1_3, &r);
    assert_string_equal(c->id, "5.6-4A-2");
    assert_int_equal(c->verdict, KEEL_AUDIT_PASS);
    assert_true(test_mentions(c, "configuration files read (inittab, boot scripts, inetd, systemd "
                                 "units, sshd_config, Android properties): 0 switched on, 0 "
                                 "unreadable, 0 not judged"));
    keel_audit_report_free(r);
    tree_free(&t);

    /* Nothing to judge: the build's verdict alone. */
    tree_make(&t);
    c = debug_test(&t, KEEL_EN303645_V3_1_3, &r);
    assert_int_equal(c->verdict, KEEL_AUDIT_PASS);
    EXPECT_TEST_LINE(c, "no init configuration, sshd_config or Android properties in the tree: no "
                        "service start to judge");
    keel_audit_report_free(r);
    tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inittab),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_inetd),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_sshd),
        cmocka_unit_test(test_scan_tree),
        cmocka_unit_test(test_debug_test_case),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
