/* Fuzz the readers of 5.6-4A-2's service scan (the first byte picks inittab, boot script,
 * inetd, xinetd, systemd unit, Android properties, sshd_config or an enabled unit's name) on
 * hostile configuration files. Properties beyond memory safety: every finding and every
 * not-judged note is one evidence line, and sshd's settings stay -1, 0, 1 or 2. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whitebox.h"

static size_t includes;

static void include(const char *pattern, keel_audit_sshd *c, int depth, void *user)
{
    (void)c;
    (void)user;
    if (pattern[0] == '\0' || depth < 1 || depth >= KEEL_AUDIT_SSHD_INCLUDE_DEPTH)
        abort();
    includes++;
}

static int setting(int v)
{
    return v >= -1 && v <= 2;
}

static void sshd(const char *text, size_t len, keel_audit_service_scan *s)
{
    keel_audit_sshd c;

    keel_audit_sshd_init(&c);
    keel_audit_sshd_read("sshd_config", text, len, &c, 0, include, NULL, s);
    if (!setting(c.password_auth) || !setting(c.empty_passwords) || !setting(c.root_login) ||
        !setting(c.kbd_interactive) || !setting(c.use_pam))
        abort();
    keel_audit_sshd_judge("sshd_config", &c, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_evidence ev;
    keel_audit_service_scan s;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char name[128];

    if (size == 0)
        return 0;
    keel_audit_evidence_init(&ev);
    memset(&s, 0, sizeof(s));
    s.findings = &ev;
    switch (data[0] % 8) {
    case 0: keel_audit_inittab_scan("etc/inittab", text, len, &s); break;
    case 1: keel_audit_script_scan("etc/init.d/S50x", text, len, &s); break;
    case 2: keel_audit_inetd_scan("etc/inetd.conf", text, len, &s); break;
    case 3: keel_audit_xinetd_scan("etc/xinetd.d/x", text, len, &s); break;
    case 4: keel_audit_unit_scan("x.service", "x.service", text, len, &s); break;
    case 5: keel_audit_props_scan("default.prop", text, len, &s); break;
    case 6: sshd(text, len, &s); break;
    default:
        memcpy(name, text, len < sizeof(name) - 1 ? len : sizeof(name) - 1);
        name[len < sizeof(name) - 1 ? len : sizeof(name) - 1] = '\0';
        (void)keel_audit_unit_name_scan("wants", name, &s);
        break;
    }
    if (ev.count + ev.dropped != s.found + s.not_judged)
        abort();
    keel_audit_evidence_free(&ev);
    return 0;
}
