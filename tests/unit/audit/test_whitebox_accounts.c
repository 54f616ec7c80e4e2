#define _XOPEN_SOURCE 700 /* nftw */
/* 5.1-1-3: the strict passwd and shadow reader (each rule refused with its reason), the
 * dictionary attack with crypt(3) on hashes made here by libxcrypt (sha512crypt of "admin",
 * yescrypt of the account's name, strong random passwords), its cost caps and time budget,
 * the judge, and the test case on trees whose etc/shadow is a link resolved inside the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <crypt.h>

#include "expect_line.h"
#include "tree_helpers.h"
#include "whitebox.h"

#define MAX 8

static void parse_ok(keel_audit_account_file kind, const char *text, keel_audit_account *out,
                     size_t *n)
{
    char why[128];

    assert_int_equal(
        keel_audit_accounts_parse(text, strlen(text), kind, out, MAX, n, why, sizeof(why)),
        KEEL_OK);
}

static void refused(keel_audit_account_file kind, const char *text, size_t max, keel_err err,
                    const char *expect)
{
    keel_audit_account out[MAX];
    char why[128];
    size_t n = 7;

    assert_int_equal(
        keel_audit_accounts_parse(text, strlen(text), kind, out, max, &n, why, sizeof(why)), err);
    assert_int_equal(n, 0);
    assert_string_equal(why, expect);
}

static void test_parse(void **state)
{
    keel_audit_account a[MAX];
    size_t n = 0;

    (void)state;
    parse_ok(KEEL_AUDIT_PASSWD,
             "root:x:0:0:root:/root:/bin/sh\n\ndaemon:*:1:1::/:/usr/sbin/nologin\n"
             "host$::4294967295:0:caf\xc3\xa9:/:/bin/false",
             a, &n);
    assert_int_equal(n, 3);
    assert_string_equal(a[0].name, "root");
    assert_string_equal(a[0].password, "x");
    assert_int_equal(a[1].line, 3);
    assert_string_equal(a[2].name, "host$");
    assert_string_equal(a[2].password, "");
    parse_ok(KEEL_AUDIT_SHADOW, "root:$6$s$h:19000:0:99999:7:::\nguest::::::::\n", a, &n);
    assert_int_equal(n, 2);
    assert_string_equal(a[0].password, "$6$s$h");
    assert_int_equal(a[1].line, 2);
    parse_ok(KEEL_AUDIT_SHADOW, "", a, &n);
    assert_int_equal(n, 0);
}

static void test_parse_refusals(void **state)
{
    (void)state;
    refused(KEEL_AUDIT_PASSWD, "root:x:0:0:root:/root\n", MAX, KEEL_ERR_PARSE,
            "line 1: 6 fields, passwd has 7");
    refused(KEEL_AUDIT_PASSWD, "root:x:0:0:r:/:/bin/sh:more\n", MAX, KEEL_ERR_PARSE,
            "line 1: more than 7 fields, passwd has 7");
    refused(KEEL_AUDIT_SHADOW, "root:x:1:2:3:4:5:6\n", MAX, KEEL_ERR_PARSE,
            "line 1: 8 fields, shadow has 9");
    refused(KEEL_AUDIT_PASSWD, "\nro ot:x:0:0::/:/bin/sh\n", MAX, KEEL_ERR_PARSE,
            "line 2: the name is not 1-32 of A-Z a-z 0-9 . _ - (optional final $)");
    refused(KEEL_AUDIT_PASSWD, "-root:x:0:0::/:/bin/sh\n", MAX, KEEL_ERR_PARSE,
            "line 1: NIS compatibility entries are not supported");
    refused(KEEL_AUDIT_PASSWD, "+::::::\n", MAX, KEEL_ERR_PARSE,
            "line 1: NIS compatibility entries are not supported");
    refused(KEEL_AUDIT_PASSWD, "abcdefghijklmnopqrstuvwxyz0123456:x:0:0::/:/bin/sh\n", MAX,
            KEEL_ERR_PARSE, "line 1: the name is not 1-32 of A-Z a-z 0-9 . _ - (optional final $)");
    refused(KEEL_AUDIT_PASSWD, "root:a b:0:0::/:/bin/sh\n", MAX, KEEL_ERR_PARSE,
            "line 1: the password field is not 0-255 printable characters without spaces");
    refused(KEEL_AUDIT_PASSWD, "root:x:4294967296:0::/:/bin/sh\n", MAX, KEEL_ERR_PARSE,
            "line 1: uid and gid must be decimal numbers below 2^32");
    refused(KEEL_AUDIT_PASSWD, "root:x:0::/:/bin/sh:x\n", MAX, KEEL_ERR_PARSE,
            "line 1: uid and gid must be decimal numbers below 2^32");
    refused(KEEL_AUDIT_PASSWD, "root:x:0:0:a\x01:/:/bin/sh\n", MAX, KEEL_ERR_PARSE,
            "line 1: a control character in gecos, home or shell");
    refused(KEEL_AUDIT_SHADOW, "root:*:-1::::::\n", MAX, KEEL_ERR_PARSE,
            "line 1: a day count is neither empty nor a decimal number");
    refused(KEEL_AUDIT_PASSWD, "root:x:0:0::/:/bin/sh\r\n", MAX, KEEL_ERR_PARSE,
            "line 1: a NUL or carriage return");
    refused(KEEL_AUDIT_PASSWD, "root:x:0:0::/:/bin/sh\nroot:x:0:0::/:/bin/sh\n", MAX,
            KEEL_ERR_PARSE, "line 2: account 'root' appears twice");
    refused(KEEL_AUDIT_SHADOW, "a:*:::::::\nb:*:::::::\nc:*:::::::\n", 2, KEEL_ERR_TOO_LARGE,
            "line 3: more than 2 accounts");
}

static void test_parse_nul(void **state)
{
    static const char text[] = "root:x:0:0::/:/bin/sh\nro\0t:x:0:0::/:/bin/sh\n";
    keel_audit_account out[MAX];
    char why[128];
    size_t n;

    (void)state;
    assert_int_equal(keel_audit_accounts_parse(text, sizeof(text) - 1, KEEL_AUDIT_PASSWD, out, MAX,
                                               &n, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "line 2: a NUL or carriage return");
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(keel_audit_password_classify("", KEEL_AUDIT_SHADOW), KEEL_AUDIT_PW_EMPTY);
    assert_int_equal(keel_audit_password_classify("!", KEEL_AUDIT_SHADOW), KEEL_AUDIT_PW_LOCKED);
    assert_int_equal(keel_audit_password_classify("!$6$a$b", KEEL_AUDIT_SHADOW),
                     KEEL_AUDIT_PW_LOCKED);
    assert_int_equal(keel_audit_password_classify("*", KEEL_AUDIT_SHADOW), KEEL_AUDIT_PW_LOCKED);
    assert_int_equal(keel_audit_password_classify("x", KEEL_AUDIT_PASSWD), KEEL_AUDIT_PW_SHADOWED);
    assert_int_equal(keel_audit_password_classify("x", KEEL_AUDIT_SHADOW), KEEL_AUDIT_PW_HASH);
    assert_int_equal(keel_audit_password_classify("$y$j9T$a$b", KEEL_AUDIT_PASSWD),
                     KEEL_AUDIT_PW_HASH);
}

/* A hash of password made here with libxcrypt's default cost for prefix. */
static void make_hash(const char *prefix, unsigned long cost, const char *password, char *out,
                      size_t outsz)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data cd;
    const char *h;

    assert_non_null(crypt_gensalt_rn(prefix, cost, NULL, 0, setting, sizeof(setting)));
    memset(&cd, 0, sizeof(cd));
    h = crypt_rn(password, setting, &cd, sizeof(cd));
    assert_non_null(h);
    assert_int_equal(keel_str_copy(out, outsz, h), KEEL_OK);
}

/* Only the setting (scheme, cost, salt): for costs too high to compute a hash with. */
static void make_setting(const char *prefix, unsigned long cost, char *out, size_t outsz)
{
    assert_true(outsz >= CRYPT_GENSALT_OUTPUT_SIZE);
    assert_non_null(crypt_gensalt_rn(prefix, cost, NULL, 0, out, (int)outsz));
}

static const char strong[] = "Vq7-tr0ng-f1rmware-pa55phrase";

static void test_crack(void **state)
{
    keel_audit_cracker c;
    char hash[256], why[128];
    const char *found;
    size_t tried;

    (void)state;
    assert_int_equal(keel_audit_cracker_init(&c, KEEL_AUDIT_CRACK_BUDGET_MS), KEEL_OK);
    make_hash("$6$", 0, "admin", hash, sizeof(hash));
    assert_string_equal(keel_audit_hash_scheme(hash), "sha512crypt");
    assert_int_equal(keel_audit_crack(&c, hash, "root", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     KEEL_AUDIT_CRACK_FOUND);
    assert_string_equal(found, "admin");
    assert_int_equal(tried, 2); /* the name first, then the most common default */
    make_hash("$y$", 0, "operator7", hash, sizeof(hash));
    assert_string_equal(keel_audit_hash_scheme(hash), "yescrypt");
    assert_int_equal(keel_audit_crack(&c, hash, "operator7", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     KEEL_AUDIT_CRACK_FOUND);
    assert_string_equal(found, "operator7");
    assert_int_equal(tried, 1);
    make_hash("$6$", 0, strong, hash, sizeof(hash));
    assert_int_equal(keel_audit_crack(&c, hash, "operator7", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     KEEL_AUDIT_CRACK_NONE);
    assert_int_equal(tried, keel_audit_default_password_count + 1);
    /* a name on the dictionary is tried once */
    assert_int_equal(keel_audit_crack(&c, hash, "root", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     KEEL_AUDIT_CRACK_NONE);
    assert_int_equal(tried, keel_audit_default_password_count);
    assert_int_equal(keel_audit_crack(&c, "x", "root", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     KEEL_AUDIT_CRACK_INVALID);
    keel_audit_cracker_free(&c);
    keel_audit_cracker_free(NULL);
}

static void costly(keel_audit_cracker *c, const char *hash, keel_audit_crack_result want,
                   const char *why_expected)
{
    char why[128];
    const char *found;
    size_t tried = 9, calls = c->calls;

    assert_int_equal(keel_audit_crack(c, hash, "root", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     want);
    assert_int_equal(tried, 0);
    assert_int_equal(c->calls, calls); /* refused before any crypt(3) call */
    assert_string_equal(why, why_expected);
}

/* libxcrypt's yescrypt at cost 11: N = 2^18 blocks of r = 32, 1 GiB per try. */
#define YESCRYPT_11_WHY "1024 MiB per try, above 64 MiB"

static void test_cost_caps(void **state)
{
    keel_audit_cracker c;
    char hash[256];

    (void)state;
    assert_int_equal(keel_audit_cracker_init(&c, KEEL_AUDIT_CRACK_BUDGET_MS), KEEL_OK);
    make_setting("$6$", 999999999, hash, sizeof(hash));
    costly(&c, hash, KEEL_AUDIT_CRACK_TOO_COSTLY, "rounds=999999999 above 200000");
    make_setting("$2b$", 13, hash, sizeof(hash));
    costly(&c, hash, KEEL_AUDIT_CRACK_TOO_COSTLY, "cost 13 above 12");
    make_setting("$y$", 11, hash, sizeof(hash));
    costly(&c, hash, KEEL_AUDIT_CRACK_TOO_COSTLY, YESCRYPT_11_WHY);
    make_setting("$7$", 0, hash, sizeof(hash));
    assert_string_equal(keel_audit_hash_scheme(hash), "scrypt");
    costly(&c, "$md5,rounds=5000000$salt$", KEEL_AUDIT_CRACK_TOO_COSTLY,
           "rounds=5000000 above 200000");
    keel_audit_cracker_free(&c);
}

/* The budget: a cracker with 1 ms stops at once, the rest of the candidates untried. */
static void test_budget(void **state)
{
    keel_audit_cracker c;
    char hash[256], why[128];
    const char *found;
    size_t tried;

    (void)state;
    make_hash("$y$", 0, strong, hash, sizeof(hash));
    assert_int_equal(keel_audit_cracker_init(&c, 1), KEEL_OK);
    assert_int_equal(keel_audit_crack(&c, hash, "root", keel_audit_default_passwords,
                                      keel_audit_default_password_count, &tried, &found, why,
                                      sizeof(why)),
                     KEEL_AUDIT_CRACK_BUDGET);
    assert_true(tried < keel_audit_default_password_count);
    assert_string_equal(why, "the time budget of 1 ms ran out");
    keel_audit_cracker_free(&c);
    assert_int_equal(keel_audit_cracker_init(&c, 0), KEEL_ERR_ARG);
}

/* Measured cost of one crypt(3) call per scheme at libxcrypt's default cost (printed: the
 * figures of docs/audit-report.md's budget). */
static void test_measure(void **state)
{
    static const char *const prefixes[] = {"$y$", "$6$", "$2b$", "$1$"};
    keel_audit_cracker c;
    char hash[256], why[128];
    const char *found;
    size_t tried;

    (void)state;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        make_hash(prefixes[i], 0, strong, hash, sizeof(hash));
        assert_int_equal(keel_audit_cracker_init(&c, KEEL_AUDIT_CRACK_BUDGET_MS), KEEL_OK);
        assert_int_equal(keel_audit_crack(&c, hash, "operator7", keel_audit_default_passwords,
                                          keel_audit_default_password_count, &tried, &found, why,
                                          sizeof(why)),
                         KEEL_AUDIT_CRACK_NONE);
        print_message("%s: %zu candidates in %lld ms\n", keel_audit_hash_scheme(hash), tried,
                      c.spent_ms);
        keel_audit_cracker_free(&c);
    }
}

static keel_audit_account account(const char *name, const char *password, size_t line)
{
    keel_audit_account a;

    memset(&a, 0, sizeof(a));
    assert_int_equal(keel_str_copy(a.name, sizeof(a.name), name), KEEL_OK);
    assert_int_equal(keel_str_copy(a.password, sizeof(a.password), password), KEEL_OK);
    a.line = line;
    return a;
}

static void test_judge(void **state)
{
    keel_audit_account passwd[4], shadow[4];
    keel_audit_cracker c;
    keel_audit_evidence ev;
    char admin[256], good[256], line[160];

    (void)state;
    make_hash("$6$", 0, "admin", admin, sizeof(admin));
    make_hash("$y$", 0, strong, good, sizeof(good));
    passwd[0] = account("root", "x", 1);
    passwd[1] = account("guest", "x", 2);
    passwd[2] = account("daemon", "x", 3);
    passwd[3] = account("ghost", "x", 4);
    shadow[0] = account("root", admin, 1);
    shadow[1] = account("guest", "", 2);
    shadow[2] = account("daemon", "*", 3);
    shadow[3] = account("orphan", "", 4);
    assert_int_equal(keel_audit_cracker_init(&c, KEEL_AUDIT_CRACK_BUDGET_MS), KEEL_OK);
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_accounts_judge(passwd, 4, 1, shadow, 4, 1, &c,
                                               keel_audit_default_passwords,
                                               keel_audit_default_password_count, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "etc/shadow:1: account 'root': password is the default 'admin' "
                     "(sha512crypt)");
    EXPECT_LINE(&ev, "etc/shadow:2: account 'guest': empty password field: logs in without a "
                     "password");
    EXPECT_LINE(&ev, "etc/passwd:4: account 'ghost': no entry in etc/shadow: no password opens it");
    EXPECT_LINE(&ev, "1 etc/shadow entries have no account in etc/passwd: not judged (no one logs "
                     "in as them)");
    keel_audit_evidence_free(&ev);

    /* Locked accounts and a strong hash pass, with the note on a hash fixed in the image. */
    shadow[0] = account("root", good, 1);
    shadow[1] = account("guest", "!", 2);
    assert_int_equal(keel_audit_accounts_judge(passwd, 3, 1, shadow, 3, 1, &c,
                                               keel_audit_default_passwords,
                                               keel_audit_default_password_count, &ev),
                     KEEL_AUDIT_PASS);
    snprintf(line, sizeof(line),
             "etc/shadow:1: account 'root': yescrypt hash resists all %zu "
             "candidates",
             keel_audit_default_password_count); /* "root" is on the dictionary: once */
    EXPECT_LINE(&ev, line);
    EXPECT_LINE(&ev, "a password hash set in the firmware image is the same on every device "
                     "unless the device replaces it before use: the ICS must say how (5.1-1-1)");
    keel_audit_evidence_free(&ev);

    /* A hash in passwd itself (no shadow file), equal to the name. */
    make_hash("$1$", 0, "support", admin, sizeof(admin));
    passwd[0] = account("support", admin, 7);
    assert_int_equal(keel_audit_accounts_judge(passwd, 1, 1, NULL, 0, 0, &c,
                                               keel_audit_default_passwords,
                                               keel_audit_default_password_count, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "etc/passwd:7: account 'support': password is the account's own name "
                     "(md5crypt)");
    keel_audit_evidence_free(&ev);

    assert_int_equal(keel_audit_accounts_judge(NULL, 0, 0, NULL, 0, 0, &c, NULL, 0, &ev),
                     KEEL_AUDIT_NA);
    EXPECT_LINE(&ev, "etc/passwd and etc/shadow are not in the tree: it defines no accounts to "
                     "judge");
    keel_audit_evidence_free(&ev);
    keel_audit_cracker_free(&c);
}

/* More hashes than the cap: the rest is not tried, so INCONCLUSIVE. */
static void test_judge_cap(void **state)
{
    keel_audit_account *shadow = calloc(KEEL_AUDIT_CRACK_HASHES_MAX + 1, sizeof(*shadow));
    keel_audit_cracker c;
    keel_audit_evidence ev;
    char name[16];

    (void)state;
    assert_non_null(shadow);
    for (size_t i = 0; i <= KEEL_AUDIT_CRACK_HASHES_MAX; i++) {
        snprintf(name, sizeof(name), "u%zu", i);
        shadow[i] = account(name, "$unknown$scheme", i + 1);
    }
    assert_int_equal(keel_audit_cracker_init(&c, KEEL_AUDIT_CRACK_BUDGET_MS), KEEL_OK);
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_accounts_judge(NULL, 0, 0, shadow, KEEL_AUDIT_CRACK_HASHES_MAX + 1,
                                               1, &c, keel_audit_default_passwords,
                                               keel_audit_default_password_count, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    assert_non_null(strstr(ev.lines[0], "65 accounts judged: 0 with an empty password field, 0 "
                                        "opened by a candidate, 64 locked, 0 hashes resisting, 1 "
                                        "not fully tried;"));
    assert_int_equal(c.calls, 0);
    keel_audit_evidence_free(&ev);
    keel_audit_cracker_free(&c);
    free(shadow);
}

static const keel_audit_test *audit_tree(const tree *t, keel_audit_report **r)
{
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", r), KEEL_OK);
    assert_int_equal(keel_audit_check_accounts(*r, t->root), KEEL_OK);
    return tree_test(*r, "5.1-1");
}

static void test_check_tree(void **state)
{
    char admin[256], line[600];
    keel_audit_report *r;
    const keel_audit_test *t;
    tree tr;

    (void)state;
    make_hash("$6$", 0, "admin", admin, sizeof(admin));
    tree_make(&tr);
    tree_write(&tr, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nguest:x:1:1::/:/bin/sh\n", 0644);
    /* the device keeps its shadow elsewhere: the link resolves inside the tree */
    tree_link(&tr, "etc/shadow", "/var/etc/shadow");
    snprintf(line, sizeof(line), "root:%s:19000:0:99999:7:::\nguest::19000::::::\n", admin);
    tree_write(&tr, "var/etc/shadow", line, 0600);
    t = audit_tree(&tr, &r);
    assert_string_equal(t->id, "5.1-1-3");
    assert_int_equal(t->kind, KEEL_AUDIT_FUNCTIONAL);
    assert_int_equal(t->verdict, KEEL_AUDIT_FAIL);
    EXPECT_TEST_LINE(t, "etc/shadow:1: account 'root': password is the default 'admin' "
                        "(sha512crypt)");
    EXPECT_TEST_LINE(t, "etc/shadow:2: account 'guest': empty password field: logs in without a "
                        "password");
    assert_false(test_mentions(t, admin));
    keel_audit_report_free(r);

    /* A link that points at the auditor's own files resolves inside the tree: not found. */
    snprintf(line, sizeof(line), "%s/etc/shadow", tr.root);
    assert_int_equal(unlink(line), 0);
    tree_link(&tr, "etc/shadow", "../../../../../../etc/hostname");
    t = audit_tree(&tr, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_PASS);
    EXPECT_TEST_LINE(t, "etc/shadow is not in the tree: the accounts marked 'x' in etc/passwd "
                        "cannot log in with a password");
    keel_audit_report_free(r);

    /* A passwd file that is not one: INCONCLUSIVE naming the rule. */
    tree_write(&tr, "etc/passwd", "root:x:0:0:root:/root\n", 0644);
    t = audit_tree(&tr, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_TEST_LINE(t, "etc/passwd is not a passwd file: line 1: 6 fields, passwd has 7");
    keel_audit_report_free(r);
    tree_free(&tr);

    /* No account files at all: N/A, which leaves the live 5.1-1-2's verdict standing. */
    tree_make(&tr);
    tree_write(&tr, "usr/bin/app", "#!/bin/sh\n", 0755);
    t = audit_tree(&tr, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_NA);
    keel_audit_report_free(r);
    tree_free(&tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),      cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_nul),  cmocka_unit_test(test_classify),
        cmocka_unit_test(test_crack),      cmocka_unit_test(test_cost_caps),
        cmocka_unit_test(test_budget),     cmocka_unit_test(test_measure),
        cmocka_unit_test(test_judge),      cmocka_unit_test(test_judge_cap),
        cmocka_unit_test(test_check_tree),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
