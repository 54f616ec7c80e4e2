/* TS 103 701 test case 5.1-1-3 (keel's white-box addition to 5.1-1-2): the accounts the
 * firmware tree itself defines (etc/passwd, etc/shadow). An account whose password field is
 * empty logs in without a password; one whose hash opens with a well-known default password
 * or its own name has that password on every device running the firmware. Both break 5.1-1
 * (no universal default password). Evidence names the file, the line, the account and the
 * public candidate that opened it; never a hash. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whitebox.h"

typedef struct judging {
    keel_audit_cracker *c;
    const char *const *words;
    size_t nw;
    keel_audit_evidence *lines;
    size_t accounts, empty, cracked, locked, resisted, untried, hashes;
} judging;

static void try_hash(judging *j, const char *file, const keel_audit_account *a)
{
    const char *scheme = keel_audit_hash_scheme(a->password);
    const char *found = NULL;
    char why[128];
    size_t tried = 0;
    keel_audit_crack_result res;

    if (j->hashes >= KEEL_AUDIT_CRACK_HASHES_MAX) {
        j->untried++;
        (void)keel_audit_evidence_addf(j->lines,
                                       "%s:%zu: account '%s': not tried: more than %d hashes in "
                                       "the tree",
                                       file, a->line, a->name, KEEL_AUDIT_CRACK_HASHES_MAX);
        return;
    }
    j->hashes++;
    res = keel_audit_crack(j->c, a->password, a->name, j->words, j->nw, &tried, &found, why,
                           sizeof(why));
    switch (res) {
    case KEEL_AUDIT_CRACK_FOUND:
        j->cracked++;
        if (strcmp(found, a->name) == 0)
            (void)keel_audit_evidence_addf(j->lines,
                                           "%s:%zu: account '%s': password is the account's own "
                                           "name (%s)",
                                           file, a->line, a->name, scheme);
        else
            (void)keel_audit_evidence_addf(j->lines,
                                           "%s:%zu: account '%s': password is the default '%s' "
                                           "(%s)",
                                           file, a->line, a->name, found, scheme);
        break;
    case KEEL_AUDIT_CRACK_NONE:
        j->resisted++;
        (void)keel_audit_evidence_addf(j->lines,
                                       "%s:%zu: account '%s': %s hash resists all %zu candidates",
                                       file, a->line, a->name, scheme, tried);
        break;
    case KEEL_AUDIT_CRACK_INVALID:
        j->locked++;
        (void)keel_audit_evidence_addf(j->lines,
                                       "%s:%zu: account '%s': not a hash crypt(3) knows: no "
                                       "password opens it",
                                       file, a->line, a->name);
        break;
    default:
        j->untried++;
        (void)keel_audit_evidence_addf(j->lines,
                                       "%s:%zu: account '%s': %s hash not fully tried (%zu "
                                       "candidates): %s",
                                       file, a->line, a->name, scheme, tried, why);
        break;
    }
}

static void judge_field(judging *j, const char *file, const keel_audit_account *a,
                        keel_audit_account_file kind)
{
    j->accounts++;
    switch (keel_audit_password_classify(a->password, kind)) {
    case KEEL_AUDIT_PW_EMPTY:
        j->empty++;
        (void)keel_audit_evidence_addf(j->lines,
                                       "%s:%zu: account '%s': empty password field: logs in "
                                       "without a password",
                                       file, a->line, a->name);
        break;
    case KEEL_AUDIT_PW_LOCKED:
    case KEEL_AUDIT_PW_SHADOWED: /* "x" with no etc/shadow: no password opens it */
        j->locked++;
        break;
    case KEEL_AUDIT_PW_HASH: try_hash(j, file, a); break;
    }
}

static const keel_audit_account *find(const keel_audit_account *a, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a[i].name, name) == 0)
            return &a[i];
    }
    return NULL;
}

/* passwd decides who the accounts are; "x" sends to the shadow entry of the same name. */
static void judge_passwd(judging *j, const keel_audit_account *passwd, size_t np, int has_shadow,
                         const keel_audit_account *shadow, size_t ns)
{
    size_t unused = 0;

    for (size_t i = 0; i < np; i++) {
        const keel_audit_account *s;

        if (keel_audit_password_classify(passwd[i].password, KEEL_AUDIT_PASSWD) !=
                KEEL_AUDIT_PW_SHADOWED ||
            !has_shadow) {
            judge_field(j, "etc/passwd", &passwd[i], KEEL_AUDIT_PASSWD);
        } else if ((s = find(shadow, ns, passwd[i].name)) != NULL) {
            judge_field(j, "etc/shadow", s, KEEL_AUDIT_SHADOW);
        } else {
            j->accounts++;
            j->locked++;
            (void)keel_audit_evidence_addf(j->lines,
                                           "etc/passwd:%zu: account '%s': no entry in "
                                           "etc/shadow: no password opens it",
                                           passwd[i].line, passwd[i].name);
        }
    }
    for (size_t i = 0; i < ns; i++)
        unused += find(passwd, np, shadow[i].name) == NULL;
    if (unused > 0)
        (void)keel_audit_evidence_addf(j->lines,
                                       "%zu etc/shadow entries have no account in etc/passwd: "
                                       "not judged (no one logs in as them)",
                                       unused);
}

static keel_audit_verdict conclude(const judging *j, keel_audit_evidence *ev)
{
    (void)keel_audit_evidence_addf(ev,
                                   "%zu accounts judged: %zu with an empty password field, %zu "
                                   "opened by a candidate, %zu locked, %zu hashes resisting, "
                                   "%zu not fully tried; candidates: the account's name and %zu "
                                   "default passwords; crypt(3): %zu calls in %lld ms (budget "
                                   "%lld ms)",
                                   j->accounts, j->empty, j->cracked, j->locked, j->resisted,
                                   j->untried, j->nw, j->c->calls, j->c->spent_ms, j->c->budget_ms);
    if (j->resisted > 0)
        (void)keel_audit_evidence_addf(ev, "a password hash set in the firmware image is the same "
                                           "on every device unless the device replaces it before "
                                           "use: the ICS must say how (5.1-1-1)");
    if (j->empty + j->cracked > 0)
        return KEEL_AUDIT_FAIL;
    if (j->untried > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (j->accounts == 0) {
        (void)keel_audit_evidence_addf(ev, "the files list no account");
        return KEEL_AUDIT_NA;
    }
    return KEEL_AUDIT_PASS;
}

static void append(keel_audit_evidence *ev, keel_audit_evidence *more)
{
    for (size_t i = 0; i < more->count; i++)
        (void)keel_audit_evidence_add(ev, more->lines[i], strlen(more->lines[i]));
    ev->dropped += more->dropped;
    keel_audit_evidence_free(more);
}

keel_audit_verdict keel_audit_accounts_judge(const keel_audit_account *passwd, size_t np,
                                             int has_passwd, const keel_audit_account *shadow,
                                             size_t ns, int has_shadow, keel_audit_cracker *c,
                                             const char *const *words, size_t nw,
                                             keel_audit_evidence *ev)
{
    keel_audit_evidence lines;
    judging j = {.c = c, .words = words, .nw = nw, .lines = &lines};
    keel_audit_verdict v;

    if (ev == NULL || c == NULL || (passwd == NULL && np != 0) || (shadow == NULL && ns != 0) ||
        (words == NULL && nw != 0))
        return KEEL_AUDIT_INCONCLUSIVE;
    if (!has_passwd && !has_shadow) {
        (void)keel_audit_evidence_addf(ev, "etc/passwd and etc/shadow are not in the tree: it "
                                           "defines no accounts to judge");
        return KEEL_AUDIT_NA;
    }
    keel_audit_evidence_init(&lines);
    if (has_passwd && !has_shadow)
        (void)keel_audit_evidence_addf(&lines, "etc/shadow is not in the tree: the accounts "
                                               "marked 'x' in etc/passwd cannot log in with a "
                                               "password");
    if (has_passwd) {
        judge_passwd(&j, passwd, np, has_shadow, shadow, ns);
    } else {
        (void)keel_audit_evidence_addf(&lines, "etc/passwd is not in the tree: every etc/shadow "
                                               "entry judged");
        for (size_t i = 0; i < ns; i++)
            judge_field(&j, "etc/shadow", &shadow[i], KEEL_AUDIT_SHADOW);
    }
    v = conclude(&j, ev);
    append(ev, &lines);
    return v;
}

/* Read and parse one of the two files; 1 when it is in the tree, 0 when not, -1 (with an
 * evidence line) when it cannot be read or parsed. The buffer is wiped: it holds hashes. */
static int load(int rootfd, const char *rel, keel_audit_account_file kind, keel_audit_account *out,
                size_t *n, keel_audit_evidence *ev)
{
    char why[160];
    char *text = NULL;
    size_t len = 0;
    keel_err err =
        keel_audit_tree_read(rootfd, rel, KEEL_AUDIT_ACCOUNT_FILE_MAX, &text, &len, NULL);

    *n = 0;
    if (err == KEEL_ERR_NOT_FOUND)
        return 0;
    if (err != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "%s cannot be read: %s", rel,
                                       err == KEEL_ERR_TOO_LARGE ? "larger than 1 MiB"
                                       : err == KEEL_ERR_IO      ? "not a readable regular file"
                                                                 : keel_strerror(err));
        return -1;
    }
    err = keel_audit_accounts_parse(text, len, kind, out, KEEL_AUDIT_ACCOUNTS_MAX, n, why,
                                    sizeof(why));
    keel_wipe(text, len);
    free(text);
    if (err != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "%s is not a %s file: %s", rel,
                                       kind == KEEL_AUDIT_PASSWD ? "passwd" : "shadow", why);
        return -1;
    }
    return 1;
}

static keel_audit_verdict judge_tree(int rootfd, keel_audit_account *passwd,
                                     keel_audit_account *shadow, keel_audit_evidence *ev)
{
    keel_audit_cracker c;
    size_t np = 0, ns = 0;
    int hp = load(rootfd, "etc/passwd", KEEL_AUDIT_PASSWD, passwd, &np, ev);
    int hs = load(rootfd, "etc/shadow", KEEL_AUDIT_SHADOW, shadow, &ns, ev);
    keel_audit_verdict v;

    if (hp < 0 || hs < 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (keel_audit_cracker_init(&c, KEEL_AUDIT_CRACK_BUDGET_MS) != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "out of memory for crypt(3)");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    v = keel_audit_accounts_judge(passwd, np, hp, shadow, ns, hs, &c, keel_audit_default_passwords,
                                  keel_audit_default_password_count, ev);
    keel_audit_cracker_free(&c);
    return v;
}

keel_err keel_audit_check_accounts(keel_audit_report *r, const char *dir)
{
    keel_audit_account *passwd = NULL, *shadow = NULL;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    keel_audit_evidence ev;
    int rootfd;

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    (void)keel_audit_evidence_addf(&ev,
                                   "white-box: the accounts of %s (etc/passwd, etc/shadow): "
                                   "empty password fields, and hashes tried with crypt(3)",
                                   dir);
    rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    passwd = calloc(KEEL_AUDIT_ACCOUNTS_MAX, sizeof(*passwd));
    shadow = calloc(KEEL_AUDIT_ACCOUNTS_MAX, sizeof(*shadow));
    if (rootfd < 0)
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", dir);
    else if (passwd == NULL || shadow == NULL)
        (void)keel_audit_evidence_addf(&ev, "out of memory");
    else
        v = judge_tree(rootfd, passwd, shadow, &ev);
    if (rootfd >= 0)
        close(rootfd);
    if (passwd != NULL)
        keel_wipe(passwd, KEEL_AUDIT_ACCOUNTS_MAX * sizeof(*passwd));
    if (shadow != NULL)
        keel_wipe(shadow, KEEL_AUDIT_ACCOUNTS_MAX * sizeof(*shadow));
    free(passwd);
    free(shadow);
    return keel_audit_record(r, "5.1-1-3", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
