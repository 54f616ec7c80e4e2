/* The readers of 5.6-4A-2's (5.6-4-2's) service scan: which debug and remote services a
 * firmware's boot configuration switches on. Each reads one file of the device maker's tree
 * (untrusted: any bytes, any length) a line at a time, a line being cut at LINE_CAP bytes, and
 * names every service it finds by file and line. The readers look for what starts, not for
 * every way a shell can spell it: a program named in a variable is said to be not judged. */
#include <string.h>

#include "whitebox.h"

#define LINE_CAP 4096
#define TOKENS_MAX 64
#define EXCERPT_MAX 120

typedef enum prog_kind {
    PROG_OTHER = 0,
    PROG_TELNETD,
    PROG_ADBD,
    PROG_DROPBEAR,
    PROG_GETTY,
    PROG_SHELL
} prog_kind;

/* ---- lines and tokens ---------------------------------------------------------------- */

typedef struct lines {
    const char *p, *end;
    size_t number;
    char buf[LINE_CAP];
} lines;

static void lines_init(lines *l, const char *text, size_t len)
{
    l->p = text;
    l->end = text != NULL ? text + len : text;
    l->number = 0;
}

/* The next line, trimmed of leading and trailing white space, NUL bytes replaced by spaces;
 * NULL at the end. */
static char *lines_next(lines *l)
{
    const char *nl;
    size_t n, keep;
    char *s;

    if (l->p == NULL || l->p >= l->end)
        return NULL;
    nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    n = nl != NULL ? (size_t)(nl - l->p) : (size_t)(l->end - l->p);
    keep = n < LINE_CAP - 1 ? n : LINE_CAP - 1;
    memcpy(l->buf, l->p, keep);
    l->buf[keep] = '\0';
    for (size_t i = 0; i < keep; i++) {
        if (l->buf[i] == '\0' || l->buf[i] == '\t' || l->buf[i] == '\r')
            l->buf[i] = ' ';
    }
    l->p += n + (nl != NULL ? 1 : 0);
    l->number++;
    s = l->buf;
    while (*s == ' ')
        s++;
    for (size_t k = strlen(s); k > 0 && s[k - 1] == ' '; k--)
        s[k - 1] = '\0';
    return s;
}

/* Split s at spaces into tok (quotes around a token removed); the number of tokens. */
static size_t tokenize(char *s, char **tok)
{
    size_t n = 0;

    while (*s != '\0' && n < TOKENS_MAX) {
        char *end;

        while (*s == ' ')
            s++;
        if (*s == '\0')
            break;
        end = s;
        while (*end != '\0' && *end != ' ')
            end++;
        if (*end != '\0')
            *end++ = '\0';
        if ((s[0] == '"' || s[0] == '\'') && strlen(s) >= 2 && s[strlen(s) - 1] == s[0]) {
            s[strlen(s) - 1] = '\0';
            s++;
        }
        tok[n++] = s;
        s = end;
    }
    return n;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

static int one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, set[i]) == 0)
            return 1;
    }
    return 0;
}

#define ONE_OF(s, set) one_of((s), (set), sizeof(set) / sizeof((set)[0]))

static prog_kind program_of(const char *token)
{
    static const char *const telnet[] = {"telnetd", "utelnetd", "in.telnetd"};
    static const char *const getty[] = {"getty",   "agetty", "mgetty",
                                        "uugetty", "fgetty", "mingetty"};
    static const char *const shell[] = {"sh",  "ash", "bash", "dash", "hush",
                                        "msh", "ksh", "mksh", "zsh"};
    const char *b = base_name(token[0] == '-' ? token + 1 : token);

    if (ONE_OF(b, telnet))
        return PROG_TELNETD;
    if (strcmp(b, "adbd") == 0)
        return PROG_ADBD;
    if (strcmp(b, "dropbear") == 0)
        return PROG_DROPBEAR;
    if (ONE_OF(b, getty))
        return PROG_GETTY;
    if (ONE_OF(b, shell))
        return PROG_SHELL;
    return PROG_OTHER;
}

/* 1 for a name of a serial line or the console ("/dev/" optional). */
static int serial_tty(const char *name)
{
    static const char *const prefixes[] = {
        "ttyS",  "ttyAMA", "ttyUSB", "ttyACM", "ttymxc", "ttySAC", "ttyO",  "ttyMSM", "ttyHS",
        "ttyPS", "ttyGS",  "ttyTHS", "ttyLP",  "ttyAML", "ttyMFD", "ttySC", "ttyFIQ", "hvc"};

    if (strncmp(name, "/dev/", 5) == 0)
        name += 5;
    if (strcmp(name, "console") == 0)
        return 1;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t n = strlen(prefixes[i]);
        const char *d = name + n;

        if (strncmp(name, prefixes[i], n) != 0 || *d == '\0')
            continue;
        while (*d >= '0' && *d <= '9')
            d++;
        if (*d == '\0')
            return 1;
    }
    return 0;
}

/* 1 for a tty name at all (serial, console or a virtual terminal "ttyN"). */
static int any_tty(const char *name)
{
    if (strncmp(name, "/dev/", 5) == 0)
        name += 5;
    return serial_tty(name) || (strncmp(name, "tty", 3) == 0 && name[3] >= '0' && name[3] <= '9');
}

static void finding(keel_audit_service_scan *s, const char *path, size_t line, const char *what,
                    const char *excerpt)
{
    s->found++;
    if (s->findings == NULL)
        return;
    if (excerpt != NULL && line > 0)
        (void)keel_audit_evidence_addf(s->findings, "%s:%zu: %s ('%.*s')", path, line, what,
                                       EXCERPT_MAX, excerpt);
    else if (line > 0)
        (void)keel_audit_evidence_addf(s->findings, "%s:%zu: %s", path, line, what);
    else
        (void)keel_audit_evidence_addf(s->findings, "%s: %s", path, what);
}

static void not_judged(keel_audit_service_scan *s, const char *path, size_t line, const char *what)
{
    s->not_judged++;
    if (s->findings != NULL)
        (void)keel_audit_evidence_addf(s->findings, "%s:%zu: not judged: %s", path, line, what);
}

/* ---- commands ------------------------------------------------------------------------ */

static int assignment(const char *t)
{
    const char *eq = strchr(t, '=');

    if (eq == NULL || eq == t ||
        !((t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z') || t[0] == '_'))
        return 0;
    for (const char *p = t; p < eq; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    }
    return 1;
}

/* The index of the program start-stop-daemon starts (its --exec, -x, --startas or -a), or n. */
static size_t ssd_program(char **tok, size_t i, size_t n)
{
    for (; i < n; i++) {
        if (strncmp(tok[i], "--exec=", 7) == 0 || strncmp(tok[i], "--startas=", 10) == 0) {
            tok[i] = strchr(tok[i], '=') + 1;
            return i;
        }
        if ((strcmp(tok[i], "--exec") == 0 || strcmp(tok[i], "-x") == 0 ||
             strcmp(tok[i], "--startas") == 0 || strcmp(tok[i], "-a") == 0) &&
            i + 1 < n)
            return i + 1;
    }
    return n;
}

/* Skip keywords, assignments and wrappers; the index of the program, or n. */
static size_t program_index(char **tok, size_t n)
{
    static const char *const keywords[] = {"if",    "then", "else", "elif", "do",  "while",
                                           "until", "!",    "(",    "{",    "time"};
    static const char *const wrappers[] = {"exec", "nohup",  "setsid", "busybox", "env",
                                           "nice", "ionice", "chrt",   "taskset", "service_start"};
    size_t i = 0;

    while (i < n) {
        if (ONE_OF(tok[i], keywords) || assignment(tok[i])) {
            i++;
        } else if (strcmp(tok[i], "start-stop-daemon") == 0) {
            return ssd_program(tok, i + 1, n);
        } else if (strcmp(tok[i], "procd_set_param") == 0) {
            return i + 1 < n && strcmp(tok[i + 1], "command") == 0 ? i + 2 : n;
        } else if (ONE_OF(tok[i], wrappers)) {
            i++;
            while (i < n && tok[i][0] == '-') /* the wrapper's options, "nice -n 5" */
                i += (strcmp(tok[i], "-n") == 0 || strcmp(tok[i], "-c") == 0) ? 2 : 1;
        } else {
            return i;
        }
    }
    return n;
}

/* dropbear's -s (no password logins), alone or among other one-letter options. */
static int dropbear_no_passwords(char **tok, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        const char *t = tok[i];

        if (t[0] != '-' || t[1] == '-' || t[1] == '\0')
            continue;
        for (size_t k = 1;
             t[k] != '\0' && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z')); k++) {
            if (t[k] == 's')
                return 1;
        }
    }
    return 0;
}

static int holds_variable(char **tok, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        if (strchr(tok[i], '$') != NULL)
            return 1;
    }
    return 0;
}

/* A script's simple variables (DAEMON=/usr/sbin/telnetd), so that "$DAEMON" names its
 * program; later assignments replace earlier ones, the first VARS_MAX names are kept. */
#define VARS_MAX 64
#define VAR_NAME_MAX 32
#define VAR_VALUE_MAX 256

typedef struct shell_vars {
    size_t n;
    char name[VARS_MAX][VAR_NAME_MAX];
    char value[VARS_MAX][VAR_VALUE_MAX];
} shell_vars;

static void vars_set(shell_vars *v, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    size_t len = (size_t)(eq - assignment), i;
    const char *value = eq + 1;
    size_t vlen = strlen(value);

    if (len >= VAR_NAME_MAX)
        return;
    if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') && value[vlen - 1] == value[0]) {
        value++;
        vlen -= 2;
    }
    for (i = 0; i < v->n; i++) {
        if (strlen(v->name[i]) == len && memcmp(v->name[i], assignment, len) == 0)
            break;
    }
    if (i == VARS_MAX || vlen >= VAR_VALUE_MAX)
        return;
    memcpy(v->name[i], assignment, len);
    v->name[i][len] = '\0';
    memcpy(v->value[i], value, vlen);
    v->value[i][vlen] = '\0';
    if (i == v->n)
        v->n++;
}

/* The value of "$NAME" or "${NAME}", NULL when token is not one or NAME is not assigned. */
static const char *vars_get(const shell_vars *v, const char *token)
{
    size_t len;
    const char *name;

    if (v == NULL || token[0] != '$')
        return NULL;
    name = token + 1 + (token[1] == '{');
    len = strlen(name) - (token[1] == '{' ? 1 : 0);
    if (token[1] == '{' && (strlen(name) == 0 || name[strlen(name) - 1] != '}'))
        return NULL;
    for (size_t i = 0; i < v->n; i++) {
        if (strlen(v->name[i]) == len && memcmp(v->name[i], name, len) == 0)
            return v->value[i];
    }
    return NULL;
}

/* One simple command (tokens): a finding or a not-judged note for the network services.
 * vars (may be NULL) resolves a program named by a variable and records assignments. */
static void judge_command(keel_audit_service_scan *s, const char *path, size_t line, char **tok,
                          size_t n, const char *excerpt, shell_vars *vars)
{
    size_t i = program_index(tok, n);
    const char *program;

    if (vars != NULL && i >= n) {
        for (size_t k = 0; k < n; k++) {
            if (assignment(tok[k]))
                vars_set(vars, tok[k]);
        }
    }
    if (i >= n)
        return;
    program = vars_get(vars, tok[i]) != NULL ? vars_get(vars, tok[i]) : tok[i];
    switch (program_of(program)) {
    case PROG_TELNETD:
        finding(s, path, line, "telnetd started: a shell over the network in clear text", excerpt);
        break;
    case PROG_ADBD: finding(s, path, line, "adbd started: Android Debug Bridge", excerpt); break;
    case PROG_DROPBEAR:
        if (dropbear_no_passwords(tok, i + 1, n))
            break;
        if (holds_variable(tok, i + 1, n))
            not_judged(s, path, line, "dropbear's options come from a variable (-s or not?)");
        else
            finding(s, path, line, "dropbear started without -s: password login over SSH", excerpt);
        break;
    default: break;
    }
}

/* The first EXCERPT_MAX bytes of s, for evidence. */
static void excerpt_of(char out[EXCERPT_MAX + 1], const char *s)
{
    size_t n = strnlen(s, EXCERPT_MAX);

    memcpy(out, s, n);
    out[n] = '\0';
}

/* A shell line: split at ; & | (and so &&, ||) and judge each command; '#' at the start of a
 * word ends it. The evidence quotes shown (NULL: the line itself). */
static void judge_shell_line(keel_audit_service_scan *s, const char *path, size_t line, char *text,
                             const char *shown, shell_vars *vars)
{
    char excerpt[EXCERPT_MAX + 1];
    char *tok[TOKENS_MAX];
    char *start = text;

    excerpt_of(excerpt, shown != NULL ? shown : text);
    for (char *p = text;; p++) {
        char c = *p;
        int comment = c == '#' && (p == text || p[-1] == ' ');

        if (c != '\0' && c != ';' && c != '&' && c != '|' && !comment)
            continue;
        *p = '\0';
        judge_command(s, path, line, tok, tokenize(start, tok), excerpt, vars);
        if (c == '\0' || comment)
            break;
        start = p + 1;
    }
}

void keel_audit_script_scan(const char *path, const char *text, size_t len,
                            keel_audit_service_scan *s)
{
    shell_vars vars;
    lines l;
    char *line;

    vars.n = 0;
    if (path == NULL || s == NULL || (text == NULL && len != 0))
        return;
    lines_init(&l, text, len);
    while ((line = lines_next(&l)) != NULL) {
        if (line[0] == '\0' || line[0] == '#')
            continue;
        judge_shell_line(s, path, l.number, line, NULL, &vars);
    }
}

/* ---- inittab ------------------------------------------------------------------------- */

/* The tty a getty's arguments name, else NULL. */
static const char *getty_tty(char **tok, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        if (tok[i][0] != '-' && any_tty(tok[i]))
            return tok[i];
    }
    return NULL;
}

/* A shell with no argument but options: interactive, not running a script. */
static int interactive(char **tok, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        if (tok[i][0] != '-' || strcmp(tok[i], "-c") == 0)
            return 0;
    }
    return 1;
}

static void judge_inittab_process(keel_audit_service_scan *s, const char *path, size_t line,
                                  const char *id, int busybox, char *process, const char *excerpt)
{
    char copy[LINE_CAP];
    char *tok[TOKENS_MAX];
    size_t n, i;
    const char *tty, *own = busybox && any_tty(id) ? id : "console";
    char what[160];

    (void)keel_str_copy(copy, sizeof(copy), process);
    n = tokenize(copy, tok);
    i = program_index(tok, n);
    if (i >= n)
        return;
    if (program_of(tok[i]) == PROG_GETTY) {
        tty = getty_tty(tok, i + 1, n);
        if (tty == NULL)
            tty = own;
        if (serial_tty(tty) && keel_str_format(what, sizeof(what),
                                               "getty on serial line %s: a login on the debug "
                                               "console",
                                               tty) == KEEL_OK)
            finding(s, path, line, what, excerpt);
        return;
    }
    if (program_of(tok[i]) == PROG_SHELL && interactive(tok, i + 1, n)) {
        if (keel_str_format(what, sizeof(what), "a shell without login on %s", own) == KEEL_OK)
            finding(s, path, line, what, excerpt);
        return;
    }
    judge_shell_line(s, path, line, process, excerpt, NULL);
}

/* id:runlevels:action:process (the process may hold ':'); 0 when the line has fewer fields. */
static int split_inittab(char *line, char *f[4])
{
    char *p = line;

    for (int k = 0; k < 3; k++) {
        char *colon = strchr(p, ':');
        if (colon == NULL)
            return 0;
        f[k] = p;
        *colon = '\0';
        p = colon + 1;
    }
    f[3] = p;
    return 1;
}

void keel_audit_inittab_scan(const char *path, const char *text, size_t len,
                             keel_audit_service_scan *s)
{
    lines l;
    char *line;

    if (path == NULL || s == NULL || (text == NULL && len != 0))
        return;
    lines_init(&l, text, len);
    while ((line = lines_next(&l)) != NULL) {
        char excerpt[EXCERPT_MAX + 1];
        char *f[4];

        if (line[0] == '\0' || line[0] == '#')
            continue;
        excerpt_of(excerpt, line);
        if (!split_inittab(line, f) || strcmp(f[2], "off") == 0)
            continue;
        /* BusyBox leaves the runlevels empty and names the tty in the id (empty: the
         * console); sysvinit's processes run on the console. */
        judge_inittab_process(s, path, l.number, f[0], f[1][0] == '\0', f[3], excerpt);
    }
}

/* ---- inetd and xinetd ---------------------------------------------------------------- */

void keel_audit_inetd_scan(const char *path, const char *text, size_t len,
                           keel_audit_service_scan *s)
{
    lines l;
    char *line, *tok[TOKENS_MAX];

    if (path == NULL || s == NULL || (text == NULL && len != 0))
        return;
    lines_init(&l, text, len);
    while ((line = lines_next(&l)) != NULL) {
        char excerpt[EXCERPT_MAX + 1];
        size_t n;
        const char *server;

        if (line[0] == '\0' || line[0] == '#')
            continue;
        excerpt_of(excerpt, line);
        n = tokenize(line, tok);
        if (n < 6)
            continue;
        server = tok[5];
        if (strcmp(base_name(server), "tcpd") == 0 && n > 6)
            server = tok[6];
        if (program_of(server) == PROG_TELNETD)
            finding(s, path, l.number,
                    "telnetd started by inetd: a shell over the network in "
                    "clear text",
                    excerpt);
    }
}

void keel_audit_xinetd_scan(const char *path, const char *text, size_t len,
                            keel_audit_service_scan *s)
{
    lines l;
    char *line, *tok[TOKENS_MAX];
    int telnet = 0, disabled = 0;
    size_t at = 0;

    if (path == NULL || s == NULL || (text == NULL && len != 0))
        return;
    lines_init(&l, text, len);
    while ((line = lines_next(&l)) != NULL) {
        size_t n = tokenize(line, tok);

        if (n == 0 || tok[0][0] == '#')
            continue;
        if (strcmp(tok[0], "service") == 0) {
            telnet = disabled = 0;
            at = l.number;
        } else if (strcmp(tok[0], "}") == 0) {
            if (telnet && !disabled)
                finding(s, path, at,
                        "telnetd started by xinetd: a shell over the network in "
                        "clear text",
                        NULL);
            telnet = disabled = 0;
        } else if (n >= 3 && strcmp(tok[1], "=") == 0) {
            if (strcmp(tok[0], "server") == 0)
                telnet = program_of(tok[2]) == PROG_TELNETD;
            else if (strcmp(tok[0], "disable") == 0)
                disabled = strcmp(tok[2], "yes") == 0;
        }
    }
}

/* ---- systemd ------------------------------------------------------------------------- */

/* One ExecStart= command of an enabled unit (tok[0] is its program). */
static void judge_exec(keel_audit_service_scan *s, const char *path, size_t line, const char *unit,
                       char **tok, size_t n)
{
    prog_kind p = program_of(tok[0]);
    const char *tty = p == PROG_GETTY ? getty_tty(tok, 1, n) : NULL;
    char what[200];
    keel_err ok = KEEL_ERR_NOT_FOUND;

    if (tty != NULL && serial_tty(tty))
        ok = keel_str_format(what, sizeof(what),
                             "%s (enabled): getty on serial line %s: a login on the debug "
                             "console",
                             unit, tty);
    else if (p == PROG_TELNETD)
        ok = keel_str_format(what, sizeof(what),
                             "%s (enabled) starts telnetd: a shell over the network in clear "
                             "text",
                             unit);
    else if (p == PROG_ADBD)
        ok = keel_str_format(what, sizeof(what), "%s (enabled) starts adbd: Android Debug Bridge",
                             unit);
    else if (p == PROG_DROPBEAR)
        judge_command(s, path, line, tok, n, unit, NULL);
    if (ok == KEEL_OK)
        finding(s, path, line, what, NULL);
}

void keel_audit_unit_scan(const char *path, const char *unit, const char *text, size_t len,
                          keel_audit_service_scan *s)
{
    lines l;
    char *line;

    if (path == NULL || unit == NULL || s == NULL || (text == NULL && len != 0))
        return;
    lines_init(&l, text, len);
    while ((line = lines_next(&l)) != NULL) {
        char *tok[TOKENS_MAX];
        char *v;
        size_t n, i;

        if (strncmp(line, "ExecStart", 9) != 0)
            continue;
        v = line + 9;
        while (*v == ' ')
            v++;
        if (*v != '=')
            continue;
        v++;
        while (*v == ' ' || *v == '-' || *v == '@' || *v == ':' || *v == '+' || *v == '!')
            v++;
        n = tokenize(v, tok);
        i = program_index(tok, n);
        if (i < n)
            judge_exec(s, path, l.number, unit, tok + i, n - i);
    }
}

int keel_audit_unit_name_scan(const char *where, const char *unit, keel_audit_service_scan *s)
{
    char inst[64], what[200];
    const char *at, *dot;

    if (where == NULL || unit == NULL || s == NULL)
        return 0;
    if (strcmp(unit, "console-getty.service") == 0) {
        finding(s, where, 0, "console-getty.service enabled: a login on the console", NULL);
        return 1;
    }
    if (strncmp(unit, "serial-getty@", 13) != 0 && strncmp(unit, "getty@", 6) != 0)
        return 0;
    at = strchr(unit, '@');
    dot = strrchr(unit, '.');
    if (dot == NULL || dot <= at || (size_t)(dot - at - 1) >= sizeof(inst) ||
        strcmp(dot, ".service") != 0)
        return 0;
    memcpy(inst, at + 1, (size_t)(dot - at - 1));
    inst[dot - at - 1] = '\0';
    if (!serial_tty(inst))
        return 0;
    if (keel_str_format(what, sizeof(what),
                        "%s enabled: getty on serial line %s: a login on the "
                        "debug console",
                        unit, inst) == KEEL_OK)
        finding(s, where, 0, what, NULL);
    return 1;
}

/* ---- Android properties -------------------------------------------------------------- */

void keel_audit_props_scan(const char *path, const char *text, size_t len,
                           keel_audit_service_scan *s)
{
    lines l;
    char *line;

    if (path == NULL || s == NULL || (text == NULL && len != 0))
        return;
    lines_init(&l, text, len);
    while ((line = lines_next(&l)) != NULL) {
        char *eq = strchr(line, '=');
        const char *key = line, *value;

        if (line[0] == '#' || eq == NULL)
            continue;
        *eq = '\0';
        value = eq + 1;
        if (strcmp(key, "ro.adb.secure") == 0 && strcmp(value, "0") == 0)
            finding(s, path, l.number, "ro.adb.secure=0: adb without authentication", NULL);
        else if (strcmp(key, "ro.secure") == 0 && strcmp(value, "0") == 0)
            finding(s, path, l.number, "ro.secure=0: adbd runs as root", NULL);
        else if ((strcmp(key, "persist.sys.usb.config") == 0 ||
                  strcmp(key, "sys.usb.config") == 0) &&
                 strstr(value, "adb") != NULL)
            finding(s, path, l.number, "adbd switched on over USB", NULL);
        else if (strcmp(key, "persist.service.adb.enable") == 0 && strcmp(value, "1") == 0)
            finding(s, path, l.number, "persist.service.adb.enable=1: adbd switched on", NULL);
        else if (strcmp(key, "service.adb.tcp.port") == 0 && value[0] >= '1' && value[0] <= '9')
            finding(s, path, l.number, "adbd listens on TCP (service.adb.tcp.port)", NULL);
    }
}
