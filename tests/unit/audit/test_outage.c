/* 5.9-2-2: the IXIT's "outage" hook, the command runner (real processes: exit statuses, a
 * command that does not exist, one that outlives its time with a child of its own, its
 * output) and the judge. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "expect_line.h"

#define BASE "{\"interfaces\":[],\"routes\":[]"
#define LOCAL                                                                                      \
    "\"local\":{\"path\":\"/api/v1/lock\",\"member\":\"locked\",\"steps\":["                       \
    "{\"body\":{\"action\":\"unlock\"},\"expect\":false},"                                         \
    "{\"body\":{\"action\":\"lock\"},\"expect\":true}]}"

static void test_ixit(void **state)
{
    static const char text[] = BASE ",\"outage\":{\"cut\":[[\"ip\",\"link\",\"set\",\"kc0\","
                                    "\"down\"]],\"restore\":[[\"ip\",\"link\",\"set\",\"kc0\","
                                    "\"up\"],[\"true\"]],\"timeout_ms\":5000," LOCAL "}}";
    keel_audit_ixit x;
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    (void)state;
    assert_int_equal(keel_audit_ixit_parse(text, strlen(text), &x, why, sizeof(why)), KEEL_OK);
    assert_non_null(x.outage);
    assert_int_equal(x.outage->cut_count, 1);
    assert_int_equal(x.outage->cut[0].argc, 5);
    assert_string_equal(x.outage->cut[0].args[4], "down");
    assert_int_equal(x.outage->restore_count, 2);
    assert_int_equal(x.outage->timeout_ms, 5000);
    assert_int_equal(x.outage->settle_ms, KEEL_AUDIT_OUTAGE_SETTLE_MS);
    assert_string_equal(x.outage->path, "/api/v1/lock");
    assert_string_equal(x.outage->member, "locked");
    assert_int_equal(x.outage->step_count, 2);
    assert_string_equal(x.outage->steps[0].body, "{\"action\":\"unlock\"}");
    assert_string_equal(x.outage->steps[0].expect, "false");
    keel_audit_ixit_free(&x);
    assert_null(x.outage);
}

static void refused(const char *outage, const char *says)
{
    char text[4096], why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit x;
    int n = snprintf(text, sizeof(text), "%s,\"outage\":{%s}}", BASE, outage);

    assert_true(n > 0 && n < (int)sizeof(text));
    assert_int_equal(keel_audit_ixit_parse(text, (size_t)n, &x, why, sizeof(why)), KEEL_ERR_PARSE);
    if (strcmp(why, says) != 0)
        fail_msg("'%s' for '%s': expected '%s'", why, outage, says);
    assert_null(x.outage);
}

static void test_ixit_refused(void **state)
{
    (void)state;
    refused("\"restore\":[[\"a\"]]," LOCAL, "outage.cut: missing");
    refused("\"cut\":\"ip link set kc0 down\",\"restore\":[[\"a\"]]," LOCAL,
            "outage.cut: must be an array of 1-8 commands");
    refused("\"cut\":[],\"restore\":[[\"a\"]]," LOCAL,
            "outage.cut: must be an array of 1-8 commands");
    refused("\"cut\":[\"ip link set kc0 down\"],\"restore\":[[\"a\"]]," LOCAL,
            "outage.cut: command 0 must be an array of 1-32 strings (argv, no shell)");
    refused("\"cut\":[[\"ip\",\"\"]],\"restore\":[[\"a\"]]," LOCAL,
            "outage.cut: command 0 argument 1 must be a string of 1-255 bytes without control "
            "characters");
    refused("\"cut\":[[\"ip\",3]],\"restore\":[[\"a\"]]," LOCAL,
            "outage.cut: command 0 argument 1 must be a string of 1-255 bytes without control "
            "characters");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]],\"timeout_ms\":0," LOCAL,
            "outage.timeout_ms: must be an integer 1-60000");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]],\"settle_ms\":1.5," LOCAL,
            "outage.settle_ms: must be an integer 0-60000");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]]",
            "outage.local: must be an object: path, member, steps (how local function is "
            "exercised)");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]],\"local\":{\"path\":\"/l\",\"member\":\"m\","
            "\"steps\":[]}",
            "outage.local.steps: must be an array of 1-4 steps");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]],\"local\":{\"path\":\"/l\",\"member\":\"m\","
            "\"steps\":[{\"body\":[],\"expect\":1}]}",
            "outage.local.steps: step 0: \"body\" must be a JSON object of at most 255 bytes");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]],\"local\":{\"path\":\"/l\",\"member\":\"m\","
            "\"steps\":[{\"body\":{},\"expect\":{}}]}",
            "outage.local.steps: step 0: \"expect\" must be a JSON string, number, boolean or "
            "null");
    refused("\"cut\":[[\"a\"]],\"restore\":[[\"a\"]],\"local\":{\"path\":\"l\",\"member\":\"m\","
            "\"steps\":[{\"body\":{},\"expect\":1}]}",
            "outage.local.path: must start with '/' and hold only printable ASCII without spaces");
}

static keel_audit_ixit_command cmd(const char *a0, const char *a1, const char *a2)
{
    keel_audit_ixit_command c;
    const char *args[] = {a0, a1, a2};

    memset(&c, 0, sizeof(c));
    for (size_t i = 0; i < 3 && args[i] != NULL; i++)
        (void)keel_str_copy(c.args[c.argc++], KEEL_AUDIT_OUTAGE_ARG_MAX, args[i]);
    return c;
}

static void test_run(void **state)
{
    keel_audit_ixit_command c;
    keel_audit_command_result res;
    sigset_t term, before;
    char line[512];

    (void)state;
    c = cmd("true", NULL, NULL);
    assert_int_equal(keel_audit_command_run(&c, 5000, &res), KEEL_OK);
    assert_true(res.started);
    assert_int_equal(res.exit_status, 0);
    assert_false(res.timed_out);
    c = cmd("sh", "-c", "echo first line; echo second >&2; exit 3");
    assert_int_equal(keel_audit_command_run(&c, 5000, &res), KEEL_OK);
    assert_int_equal(res.exit_status, 3);
    assert_string_equal(res.output, "first line");
    assert_int_equal(keel_audit_command_format(&c, &res, line, sizeof(line)), KEEL_OK);
    assert_non_null(strstr(line, "sh -c echo first line; echo second >&2; exit 3: exit 3 ("));
    assert_non_null(strstr(line, " ms): first line"));
    /* No shell: the words are one argv, so this names a program that does not exist. */
    c = cmd("true; false", NULL, NULL);
    assert_int_equal(keel_audit_command_run(&c, 5000, &res), KEEL_OK);
    assert_false(res.started);
    assert_int_equal(keel_audit_command_format(&c, &res, line, sizeof(line)), KEEL_OK);
    assert_string_equal(line, "true; false: cannot start: No such file or directory");
    /* Past its time, with a child that holds the output open: the whole group is killed. */
    c = cmd("sh", "-c", "sleep 30 & sleep 30");
    assert_int_equal(keel_audit_command_run(&c, 300, &res), KEEL_OK);
    assert_true(res.timed_out);
    assert_true(res.took_ms >= 300 && res.took_ms < 5000);
    assert_int_equal(keel_audit_command_format(&c, &res, line, sizeof(line)), KEEL_OK);
    assert_non_null(strstr(line, ": killed after "));
    /* The audit blocks interrupts while the link is cut; a command gets none blocked. */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &term, &before), 0);
    c = cmd("sh", "-c", "kill -TERM $$; exit 0");
    assert_int_equal(keel_audit_command_run(&c, 5000, &res), KEEL_OK);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &before, NULL), 0);
    assert_true(res.started);
    assert_int_equal(res.exit_status, -1);
    c = cmd("true", NULL, NULL);
    assert_int_equal(keel_audit_command_run(&c, 0, &res), KEEL_ERR_ARG);
    c.argc = 0;
    assert_int_equal(keel_audit_command_run(&c, 100, &res), KEEL_ERR_ARG);
}

static void test_judge(void **state)
{
    keel_audit_outage_facts f = {.hook = 1,
                                 .credentials = 1,
                                 .baseline = 1,
                                 .cut = 1,
                                 .logged_in = 1,
                                 .login_status = 200,
                                 .steps = 2,
                                 .steps_ok = 2,
                                 .restored = 1};
    keel_audit_outage_facts g;
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_outage_judge(&f, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "local function worked while the link was cut: 2 of 2 steps");
    keel_audit_evidence_free(&ev);
    g = f;
    g.steps_ok = 1;
    g.restored = 0;
    assert_int_equal(keel_audit_outage_judge(&g, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "local function failed while the link was cut: 1 of 2 steps worked");
    EXPECT_LINE(&ev, "the restore failed: the link may still be cut; restore it by hand");
    keel_audit_evidence_free(&ev);
    g = f;
    g.logged_in = 0;
    g.login_status = 503;
    assert_int_equal(keel_audit_outage_judge(&g, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "the owner could not log in while the link was cut (HTTP 503)");
    keel_audit_evidence_free(&ev);
    g = f;
    g.cut = 0;
    assert_int_equal(keel_audit_outage_judge(&g, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    g = f;
    g.baseline = 0;
    assert_int_equal(keel_audit_outage_judge(&g, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    g = f;
    g.credentials = 0;
    assert_int_equal(keel_audit_outage_judge(&g, &ev), KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "no credentials given (--password): local function needs the owner's login");
    keel_audit_evidence_free(&ev);
    g = f;
    g.hook = 0;
    assert_int_equal(keel_audit_outage_judge(&g, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ixit),
        cmocka_unit_test(test_ixit_refused),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
