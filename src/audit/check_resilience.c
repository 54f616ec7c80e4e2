/* TS 103 701 test case 5.9-2-2 (functional): the device keeps its local function when its
 * network access is lost. The IXIT's "outage" names the laboratory's hook (commands that cut
 * the device's cloud link and restore it) and how local function is exercised (for a lock:
 * unlock and lock through the local API, the state read back each time). The exercise runs
 * once with the link up (a control: it must work there), then with the link cut. Once the
 * first cut command has been started, the restore commands always run. */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "net.h"
#include "session.h"

typedef struct outage_run {
    keel_audit_http h;
    const keel_audit_ixit_outage *o;
    const char *login_path;
    const char *password;
    keel_audit_evidence *ev;
    keel_audit_outage_facts f;
} outage_run;

/* The state route's member after a step, compared with the step's expected value. */
static int state_matches(outage_run *x, const keel_audit_session *s, const keel_audit_ixit_step *st,
                         char *seen, size_t seensz)
{
    keel_audit_http_answer a;
    cJSON *body = NULL, *want = cJSON_Parse(st->expect);
    const cJSON *got;
    char *text = NULL;
    int ok = 0;

    (void)keel_str_copy(seen, seensz, "no answer");
    if (keel_audit_http_get(&x->h, x->o->path, s->token, &a) == KEEL_OK && a.status != 0)
        (void)keel_str_format(seen, seensz, "HTTP %ld, no member %s", a.status, x->o->member);
    if (a.status == 200)
        body = cJSON_ParseWithLength(x->h.body, x->h.body_len);
    got = cJSON_IsObject(body) ? cJSON_GetObjectItemCaseSensitive(body, x->o->member) : NULL;
    if (got != NULL && (text = cJSON_PrintUnformatted(got)) != NULL) {
        (void)keel_str_format(seen, seensz, "%s = %.100s", x->o->member, text);
        ok = want != NULL && cJSON_Compare(got, want, 1);
    }
    cJSON_free(text);
    cJSON_Delete(body);
    cJSON_Delete(want);
    return ok;
}

/* Every step: POST its body to the declared path, then read the state back. Returns the
 * steps that worked; *tried gets how many were tried. */
static size_t exercise(outage_run *x, const keel_audit_session *s, const char *when, size_t *tried)
{
    size_t ok = 0;

    *tried = 0;
    for (size_t i = 0; i < x->o->step_count; i++) {
        const keel_audit_ixit_step *st = &x->o->steps[i];
        keel_audit_http_answer a;
        char seen[160];
        int good;

        if (keel_audit_http_post(&x->h, x->o->path, st->body, strlen(st->body), s->token, &a) !=
            KEEL_OK)
            a.status = 0;
        good = a.status >= 200 && a.status <= 299 && state_matches(x, s, st, seen, sizeof(seen));
        if (a.status < 200 || a.status > 299)
            (void)keel_str_copy(seen, sizeof(seen), "not read");
        (*tried)++;
        ok += good;
        (void)keel_audit_evidence_addf(x->ev, "%s: POST %s %s: %s %ld; GET: %s (expected %s)", when,
                                       x->o->path, st->body, a.status ? "HTTP" : "no answer",
                                       a.status, seen, st->expect);
    }
    return ok;
}

/* Log in, exercise, log out: 1 when every step worked. */
static int session_exercise(outage_run *x, const char *when, int *logged_in, long *login_status,
                            size_t *steps, size_t *steps_ok)
{
    keel_audit_session s;
    long out;

    *logged_in = keel_audit_session_open(&x->h, x->login_path, x->password, &s);
    *login_status = s.status;
    *steps = *steps_ok = 0;
    if (!*logged_in) {
        (void)keel_audit_evidence_addf(x->ev, "%s: login %s %ld", when,
                                       s.status ? "HTTP" : "no answer", s.status);
        keel_audit_session_close(&x->h, &s);
        return 0;
    }
    *steps_ok = exercise(x, &s, when, steps);
    out = keel_audit_session_close(&x->h, &s);
    if (out < 200 || out > 299)
        (void)keel_audit_evidence_addf(x->ev,
                                       "%s: logout %s %ld; the session stays open until "
                                       "it expires",
                                       when, out ? "HTTP" : "no answer", out);
    return *steps > 0 && *steps_ok == *steps;
}

/* Run the commands in order; with stop_early, stop at the first that fails. 1 when all
 * exited 0. */
static int run_commands(outage_run *x, const char *what, const keel_audit_ixit_command *cmds,
                        size_t n, int stop_early)
{
    int all = 1;

    for (size_t i = 0; i < n; i++) {
        keel_audit_command_result res;
        char line[KEEL_AUDIT_EVIDENCE_LINE_MAX];

        if (keel_audit_command_run(&cmds[i], x->o->timeout_ms, &res) != KEEL_OK)
            memset(&res, 0, sizeof(res));
        if (keel_audit_command_format(&cmds[i], &res, line, sizeof(line)) == KEEL_OK)
            (void)keel_audit_evidence_addf(x->ev, "%s: %s", what, line);
        if (!res.started || res.timed_out || res.exit_status != 0) {
            all = 0;
            if (stop_early)
                break;
        }
    }
    return all;
}

static void offline(outage_run *x)
{
    long long start = keel_audit_net_now_ms();
    sigset_t stop, before;
    int logged_in = 0;

    /* From the first cut command to the last restore command, an interrupt waits: the restore
     * must run, and the wait is bounded by the commands' time limits and the exercise. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    (void)pthread_sigmask(SIG_BLOCK, &stop, &before);
    x->f.cut = run_commands(x, "cut", x->o->cut, x->o->cut_count, 1);
    if (x->f.cut == 1) {
        keel_audit_sleep_ms(x->o->settle_ms);
        (void)session_exercise(x, "link cut", &logged_in, &x->f.login_status, &x->f.steps,
                               &x->f.steps_ok);
        x->f.logged_in = logged_in;
    }
    x->f.restored = run_commands(x, "restore", x->o->restore, x->o->restore_count, 0);
    (void)keel_audit_evidence_addf(x->ev, "the link was cut for %lld ms",
                                   keel_audit_net_now_ms() - start);
    (void)pthread_sigmask(SIG_SETMASK, &before, NULL);
}

static void run(outage_run *x)
{
    int logged_in = 0;
    long status = 0;
    size_t steps = 0, ok = 0;

    (void)keel_audit_evidence_addf(x->ev,
                                   "hook (IXIT): %zu cut and %zu restore command(s), each within "
                                   "%ld ms; %ld ms to settle; exercise: POST %s, read %s from GET",
                                   x->o->cut_count, x->o->restore_count, x->o->timeout_ms,
                                   x->o->settle_ms, x->o->path, x->o->member);
    x->f.baseline = session_exercise(x, "link up", &logged_in, &status, &steps, &ok);
    if (x->f.baseline == 1)
        offline(x);
}

keel_err keel_audit_check_resilience(keel_audit_report *r, const keel_audit_target *t,
                                     const keel_audit_ixit *ixit, const char *login_path,
                                     const char *password)
{
    keel_audit_verdict v;
    keel_audit_evidence ev;
    outage_run x;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    memset(&x, 0, sizeof(x));
    keel_audit_evidence_init(&ev);
    x.ev = &ev;
    x.o = ixit != NULL ? ixit->outage : NULL;
    x.login_path = login_path;
    x.password = password;
    x.f = (keel_audit_outage_facts){.hook = x.o != NULL,
                                    .credentials = password != NULL,
                                    .baseline = -1,
                                    .cut = -1,
                                    .logged_in = -1,
                                    .restored = -1};
    if (x.o != NULL && password != NULL) {
        if (keel_audit_http_open(&x.h, t) == KEEL_OK)
            run(&x);
        else
            (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start");
        keel_audit_http_close(&x.h);
    }
    v = keel_audit_outage_judge(&x.f, &ev);
    return keel_audit_record(r, "5.9-2-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
