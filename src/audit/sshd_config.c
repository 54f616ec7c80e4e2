/* sshd_config as sshd reads it, for 5.6-4A-2 (5.6-4-2): whether the firmware's SSH server
 * lets anyone log in with a password. Keywords are matched in any case and separated from
 * their value by white space or one '='; the first value of a keyword wins, as in sshd, and
 * OpenSSH's defaults stand where the file sets nothing (PasswordAuthentication yes,
 * KbdInteractiveAuthentication yes, PermitRootLogin prohibit-password, PermitEmptyPasswords
 * no, UsePAM no). Settings inside a Match block apply to some connections: one that allows
 * passwords there is a finding of its own. The file is untrusted; each line is cut at
 * LINE_CAP bytes. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "whitebox.h"

#define LINE_CAP 4096

void keel_audit_sshd_init(keel_audit_sshd *c)
{
    if (c == NULL)
        return;
    memset(c, 0, sizeof(*c));
    c->password_auth = c->empty_passwords = c->root_login = -1;
    c->kbd_interactive = c->use_pam = -1;
}

/* "yes" 1, "no" 0, anything else 2 (PermitRootLogin's other values). */
static int yes_no(const char *v)
{
    if (strcasecmp(v, "yes") == 0)
        return 1;
    if (strcasecmp(v, "no") == 0)
        return 0;
    return 2;
}

static void set_once(int *field, char *at, size_t atsz, int value, const char *path, size_t line)
{
    if (*field != -1)
        return;
    *field = value;
    if (keel_str_format(at, atsz, "%s:%zu", path, line) != KEEL_OK)
        at[0] = '\0';
}

static void finding(keel_audit_service_scan *s, const char *at, const char *what)
{
    s->found++;
    if (s->findings != NULL)
        (void)keel_audit_evidence_addf(s->findings, "%s: %s", at, what);
}

/* Inside a Match block: a setting that allows a password login is a finding by itself. */
static void match_setting(keel_audit_sshd *c, const char *key, int v, const char *path, size_t line,
                          keel_audit_service_scan *s)
{
    char at[96];

    if (v != 1 || keel_str_format(at, sizeof(at), "%s:%zu", path, line) != KEEL_OK)
        return;
    if (strcasecmp(key, "passwordauthentication") == 0)
        finding(s, at,
                "PasswordAuthentication yes inside a Match block: password login over SSH "
                "for some connections");
    else if (strcasecmp(key, "permitemptypasswords") == 0)
        finding(s, at, "PermitEmptyPasswords yes inside a Match block");
    else if (strcasecmp(key, "permitrootlogin") == 0)
        finding(s, at, "PermitRootLogin yes inside a Match block");
    else
        return;
    c->match_findings++;
}

static void setting(keel_audit_sshd *c, const char *key, const char *value, const char *path,
                    size_t line, keel_audit_service_scan *s)
{
    int v = yes_no(value);

    if (c->in_match) {
        match_setting(c, key, v, path, line, s);
        return;
    }
    if (strcasecmp(key, "passwordauthentication") == 0)
        set_once(&c->password_auth, c->password_auth_at, sizeof(c->password_auth_at), v, path,
                 line);
    else if (strcasecmp(key, "permitemptypasswords") == 0)
        set_once(&c->empty_passwords, c->empty_passwords_at, sizeof(c->empty_passwords_at), v, path,
                 line);
    else if (strcasecmp(key, "permitrootlogin") == 0)
        set_once(&c->root_login, c->root_login_at, sizeof(c->root_login_at), v, path, line);
    else if (strcasecmp(key, "kbdinteractiveauthentication") == 0 ||
             strcasecmp(key, "challengeresponseauthentication") == 0)
        set_once(&c->kbd_interactive, c->kbd_at, sizeof(c->kbd_at), v, path, line);
    else if (strcasecmp(key, "usepam") == 0 && c->use_pam == -1)
        c->use_pam = v;
}

/* Split "Keyword value", "Keyword=value" or "Keyword = value" in place; 0 when no keyword. */
static int split(char *line, char **key, char **value)
{
    char *p = line;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#')
        return 0;
    *key = p;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=')
        p++;
    if (*p != '\0')
        *p++ = '\0';
    while (*p == ' ' || *p == '\t' || *p == '=')
        p++;
    if (*p == '"') {
        char *q = strchr(++p, '"');
        if (q != NULL)
            *q = '\0';
    }
    *value = p;
    return 1;
}

/* Each white-space separated pattern of an Include line. */
static void includes(char *patterns, keel_audit_sshd *c, int depth,
                     keel_audit_sshd_include_fn include, void *user, const char *path, size_t line,
                     keel_audit_service_scan *s)
{
    char *p = patterns;

    if (include == NULL || depth + 1 >= KEEL_AUDIT_SSHD_INCLUDE_DEPTH) {
        s->not_judged++;
        if (s->findings != NULL)
            (void)keel_audit_evidence_addf(
                s->findings, "%s:%zu: not judged: Include %s not followed", path, line, patterns);
        return;
    }
    while (*p != '\0') {
        char *end;

        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        end = p;
        while (*end != '\0' && *end != ' ' && *end != '\t')
            end++;
        if (*end != '\0')
            *end++ = '\0';
        include(p, c, depth + 1, user);
        p = end;
    }
}

void keel_audit_sshd_read(const char *path, const char *text, size_t len, keel_audit_sshd *c,
                          int depth, keel_audit_sshd_include_fn include, void *user,
                          keel_audit_service_scan *s)
{
    const char *p, *end;
    size_t number = 0;
    char line[LINE_CAP];

    if (path == NULL || c == NULL || s == NULL || text == NULL)
        return;
    p = text;
    end = text + len;
    while (p != NULL && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        size_t keep = n < LINE_CAP - 1 ? n : LINE_CAP - 1;
        char *key, *value;

        memcpy(line, p, keep);
        line[keep] = '\0';
        for (size_t i = 0; i < keep; i++) {
            if (line[i] == '\0' || line[i] == '\r' || !isprint((unsigned char)line[i]))
                line[i] = ' ';
        }
        p += n + (nl != NULL ? 1 : 0);
        number++;
        if (!split(line, &key, &value))
            continue;
        if (strcasecmp(key, "match") == 0)
            c->in_match = 1;
        else if (strcasecmp(key, "include") == 0)
            includes(value, c, depth, include, user, path, number, s);
        else
            setting(c, key, value, path, number, s);
    }
}

void keel_audit_sshd_judge(const char *path, const keel_audit_sshd *c, keel_audit_service_scan *s)
{
    if (path == NULL || c == NULL || s == NULL)
        return;
    if (c->password_auth == 1)
        finding(s, c->password_auth_at, "PasswordAuthentication yes: password login over SSH");
    else if (c->password_auth == -1)
        finding(s, path,
                "PasswordAuthentication not set (OpenSSH's default: yes): password login "
                "over SSH");
    if (c->empty_passwords == 1)
        finding(s, c->empty_passwords_at,
                "PermitEmptyPasswords yes: accounts without a password log in over SSH");
    if (c->root_login == 1)
        finding(s, c->root_login_at,
                "PermitRootLogin yes: root logs in over SSH, with a password "
                "where passwords are allowed");
    if (c->password_auth == 0 && c->kbd_interactive != 0 && c->use_pam == 1)
        finding(s, c->kbd_interactive == 1 ? c->kbd_at : path,
                "keyboard-interactive authentication with UsePAM yes: PAM asks for the password "
                "over SSH");
}
