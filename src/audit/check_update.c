/* TS 103 701 test cases of the update mechanism: 5.3-2-2 (a secure update mechanism),
 * 5.3-7-2 (best-practice cryptography in it), 5.3-9-2 (the device verifies the authenticity
 * and integrity of updates) and 5.3-10-2 (updates over the network verified through a trust
 * relationship). The laboratory is given, through the IXIT, the repository's URL, its CA and
 * trust anchor, a copy of it, and a certificate for its host from its CA (TS 103 701's means
 * to impersonate the update server). It walks the copy with keel's own client from the
 * trust anchor, probes the repository's server, and then stands in for the repository to
 * serve the device one manipulated repository per round. */
#include <string.h>

#include "check_update.h"
#include "net.h"

typedef struct evidence_set {
    keel_audit_evidence ev2, ev7, ev9, ev10;
} evidence_set;

static void progress(const keel_audit_update_opts *o, const char *line)
{
    if (o->progress != NULL)
        o->progress(line, o->user);
}

static void none_run(keel_audit_update_round *rounds, const char *why)
{
    for (int i = 0; i < KEEL_AUDIT_ROUNDS; i++) {
        rounds[i].run = 0;
        (void)keel_str_copy(rounds[i].note, sizeof(rounds[i].note), why);
    }
}

/* What the rounds are, said once in each test case that judges them. */
static void describe_rounds(const keel_audit_ixit_update *u, keel_audit_evidence *ev)
{
    char at[KEEL_AUDIT_TARGET_MAX];

    if (keel_audit_target_format(&u->lab_listen, at, sizeof(at)) != KEEL_OK)
        at[0] = '\0';
    (void)keel_audit_evidence_addf(ev,
                                   "the laboratory stood in for the repository %s on %s, one "
                                   "manipulated copy of the mirror per round; each round asked "
                                   "the device to check and install at once (POST %s) and "
                                   "followed GET %s until a new decision",
                                   u->repository, at, KEEL_AUDIT_UPDATE_INSTALL_PATH,
                                   KEEL_AUDIT_UPDATE_PATH);
}

static void rounds_phase(const keel_audit_target *t, const keel_audit_update_opts *o,
                         const keel_audit_update_mirror *m, const char *work,
                         keel_audit_update_round *rounds)
{
    if (o->password == NULL) {
        none_run(rounds, "no --password: the laboratory cannot ask the device to install");
        return;
    }
    if (!m->verified) {
        none_run(rounds, "the repository did not verify, so the laboratory has nothing genuine "
                         "to manipulate");
        return;
    }
    progress(o, "standing in for the update repository");
    if (keel_audit_update_run_rounds(t, o, m, work, rounds) != KEEL_OK)
        none_run(rounds, "the rounds could not be set up");
}

static keel_err record_all(keel_audit_report *r, const keel_audit_ixit_update *u,
                           const keel_audit_update_repo *repo,
                           const keel_audit_update_round *rounds, evidence_set *e)
{
    keel_audit_verdict v2, v7, v9, v10;
    keel_err ret;

    (void)keel_audit_evidence_addf(&e->ev2, "not exercised: a genuine install (it would reboot "
                                            "the device into the other slot)");
    v2 = keel_audit_update_mechanism_judge(repo, rounds, &e->ev2);
    v7 = keel_audit_update_crypto_judge(repo, &rounds[KEEL_AUDIT_ROUND_LEGACY_TLS], &e->ev7);
    describe_rounds(u, &e->ev9);
    v9 = keel_audit_update_rounds_judge(rounds, KEEL_AUDIT_ROUNDS_5_3_9, &e->ev9);
    describe_rounds(u, &e->ev10);
    v10 = keel_audit_update_rounds_judge(rounds, KEEL_AUDIT_ROUNDS_5_3_10, &e->ev10);
    ret = keel_audit_record(r, "5.3-2-2", KEEL_AUDIT_FUNCTIONAL, v2, &e->ev2);
    if (ret == KEEL_OK)
        ret = keel_audit_record(r, "5.3-7-2", KEEL_AUDIT_FUNCTIONAL, v7, &e->ev7);
    if (ret == KEEL_OK)
        ret = keel_audit_record(r, "5.3-9-2", KEEL_AUDIT_FUNCTIONAL, v9, &e->ev9);
    if (ret == KEEL_OK)
        ret = keel_audit_record(r, "5.3-10-2", KEEL_AUDIT_FUNCTIONAL, v10, &e->ev10);
    return ret;
}

keel_err keel_audit_check_update(keel_audit_report *r, const keel_audit_target *t,
                                 const keel_audit_update_opts *o)
{
    keel_audit_update_round rounds[KEEL_AUDIT_ROUNDS];
    keel_audit_update_repo repo;
    keel_audit_update_mirror m;
    char work[KEEL_AUDIT_UPDATE_FILE_MAX] = "";
    struct sigaction saved;
    evidence_set e;
    keel_err ret;

    if (r == NULL || t == NULL || o == NULL || o->ixit == NULL || !o->ixit->present)
        return KEEL_ERR_ARG;
    memset(&repo, 0, sizeof(repo));
    memset(&m, 0, sizeof(m));
    memset(rounds, 0, sizeof(rounds));
    repo.server_tls = KEEL_AUDIT_NOT_TESTED;
    repo.plain_http = repo.pinned = -1;
    keel_audit_evidence_init(&e.ev2);
    keel_audit_evidence_init(&e.ev7);
    keel_audit_evidence_init(&e.ev9);
    keel_audit_evidence_init(&e.ev10);
    keel_audit_net_sigpipe_ignore(&saved);
    if (keel_audit_update_workdir(work, sizeof(work)) != KEEL_OK) {
        work[0] = '\0';
        (void)keel_audit_evidence_addf(&e.ev2, "no temporary directory for the audit's client");
        none_run(rounds, "no temporary directory for the laboratory's files");
    } else {
        progress(o, "walking the update repository from its trust anchor");
        (void)keel_audit_update_walk(o->ixit, work, &m, &repo, &e.ev7, &e.ev2);
        progress(o, "probing the repository's server");
        (void)keel_audit_update_probe_server(o->ixit, r->version, &repo, &e.ev7);
        rounds_phase(t, o, &m, work, rounds);
    }
    ret = record_all(r, o->ixit, &repo, rounds, &e);
    keel_audit_update_mirror_free(&m);
    keel_audit_update_workdir_remove(work);
    keel_audit_net_sigpipe_restore(&saved);
    keel_audit_evidence_free(&e.ev2);
    keel_audit_evidence_free(&e.ev7);
    keel_audit_evidence_free(&e.ev9);
    keel_audit_evidence_free(&e.ev10);
    return ret;
}
