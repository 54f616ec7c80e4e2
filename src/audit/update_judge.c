/* The judgements of the update and integrity test cases (5.3-2-2, 5.3-7-2, 5.3-9-2,
 * 5.3-10-2, 5.7-1-2), apart from the network so that every branch is tested. What the device
 * says of itself (its update state, its error text) is untrusted: it can only turn a round
 * into a FAIL or leave it undecided unless it matches exactly the refusal the round expects,
 * and the laboratory's own server counts what the device really fetched. */
#include <string.h>

#include "audit.h"

/* The refusals each round expects, in keel's words (keel_strerror). */
typedef struct round_rule {
    const char *name;
    const char *what; /* what the laboratory served */
    size_t nexpect;
    keel_err expect[3]; /* the errors that mean the device refused for the right reason */
    int handshake_only; /* a channel round: no HTTP request may reach the laboratory */
} round_rule;

static const round_rule rules[KEEL_AUDIT_ROUNDS] = {
    {"unsigned-metadata",
     "timestamp, snapshot and targets signed by a key the device's root does not list, "
     "offering a forged target",
     2,
     {KEEL_ERR_UPDATE_UNSIGNED, KEEL_ERR_UPDATE_THRESHOLD},
     0},
    {"substituted-targets",
     "the genuine timestamp and snapshot with a targets.json the laboratory signed, offering a "
     "forged target",
     /* the snapshot names targets.json's length: a longer one is cut off at it */
     3,
     {KEEL_ERR_UPDATE_MISMATCH, KEEL_ERR_UPDATE_TOO_LONG, KEEL_ERR_UPDATE_UNSIGNED},
     0},
    {"untrusted-server",
     "the genuine repository behind a certificate for its host that the repository's CA did "
     "not issue",
     1,
     {KEEL_ERR_UPDATE_FETCH},
     1},
    {"legacy-tls",
     "the genuine repository over TLS 1.0 and 1.1 only, with a certificate from the "
     "repository's CA",
     1,
     {KEEL_ERR_UPDATE_FETCH},
     1},
    {"tampered-target",
     "the genuine metadata, the newest target's bytes changed and its length kept",
     1,
     {KEEL_ERR_UPDATE_HASH},
     0},
    {"endless-target",
     "the genuine metadata, the newest target longer than its signed length",
     1,
     {KEEL_ERR_UPDATE_TOO_LONG},
     0},
};

const char *keel_audit_update_round_name(keel_audit_update_round_id id)
{
    return (unsigned)id < KEEL_AUDIT_ROUNDS ? rules[id].name : NULL;
}

static int expected(const round_rule *rule, const char *error)
{
    for (size_t i = 0; i < rule->nexpect; i++) {
        if (strcmp(error, keel_strerror(rule->expect[i])) == 0)
            return 1;
    }
    return 0;
}

static int installed(const char *state)
{
    return strcmp(state, "installed") == 0 || strcmp(state, "trial") == 0 ||
           strcmp(state, "confirmed") == 0;
}

/* The part of a round's line that says what the device did. */
static keel_audit_verdict outcome(const round_rule *rule, const keel_audit_update_round *r,
                                  const char **why)
{
    if (r->decided && installed(r->state)) {
        *why = "the device installed the manipulated update";
        return KEEL_AUDIT_FAIL;
    }
    if (r->status_after != 200 || !r->same_firmware) {
        *why = r->status_after == 0 ? "the device stopped answering (it exits to reboot after "
                                      "an install)"
                                    : "the device no longer runs as before";
        return KEEL_AUDIT_FAIL;
    }
    if (rule->handshake_only && r->requests > 0) {
        *why = "the device completed the TLS handshake and asked for files";
        return KEEL_AUDIT_FAIL;
    }
    if (!r->decided) {
        *why = "the device reported no new decision within the time budget";
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (strcmp(r->state, "refused") != 0) {
        *why = "the device found nothing to install: the repository needs a target newer than "
               "the one it runs";
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (!expected(rule, r->error)) {
        *why = r->requests == 0 && !rule->handshake_only
                   ? "refused before it reached the laboratory's server"
                   : "refused for another reason than the manipulation";
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (rule->handshake_only && r->connections == 0) {
        *why = "the device never connected to the laboratory's server";
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    *why = rule->handshake_only ? "the device refused the connection" : "the device refused it";
    return KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_update_round_judge(keel_audit_update_round_id id,
                                                 const keel_audit_update_round *r,
                                                 keel_audit_evidence *ev)
{
    const round_rule *rule;
    const char *why = "";
    keel_audit_verdict v;

    if ((unsigned)id >= KEEL_AUDIT_ROUNDS || r == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    rule = &rules[id];
    if (!r->run) {
        (void)keel_audit_evidence_addf(ev, "round %s: not run: %s: INCONCLUSIVE", rule->name,
                                       r->note[0] != '\0' ? r->note : "no reason recorded");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (r->install_status != 202) {
        (void)keel_audit_evidence_addf(ev,
                                       "round %s: POST %s answered %s %ld, not 202: "
                                       "INCONCLUSIVE",
                                       rule->name, KEEL_AUDIT_UPDATE_INSTALL_PATH,
                                       r->install_status ? "HTTP" : "no answer", r->install_status);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    v = outcome(rule, r, &why);
    (void)keel_audit_evidence_addf(
        ev, "round %s (%s): %zu connection(s), %zu request(s)%s%s; state %s%s%s; %s: %s",
        rule->name, r->note[0] != '\0' ? r->note : rule->what, r->connections, r->requests,
        r->fetched[0] != '\0' ? " for " : "", r->fetched, r->decided ? r->state : "unchanged",
        r->error[0] != '\0' ? ", error: " : "", r->error, why, keel_audit_verdict_name(v));
    return v;
}

keel_audit_verdict keel_audit_update_rounds_judge(const keel_audit_update_round *rounds,
                                                  unsigned mask, keel_audit_evidence *ev)
{
    int fail = 0, inconclusive = 0, any = 0;

    for (unsigned i = 0; rounds != NULL && i < KEEL_AUDIT_ROUNDS; i++) {
        if (!(mask & KEEL_AUDIT_ROUND_BIT(i)))
            continue;
        keel_audit_verdict v =
            keel_audit_update_round_judge((keel_audit_update_round_id)i, &rounds[i], ev);
        any = 1;
        fail |= v == KEEL_AUDIT_FAIL;
        inconclusive |= v != KEEL_AUDIT_PASS;
    }
    if (!any) {
        (void)keel_audit_evidence_addf(ev, "no round of the laboratory ran");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return fail ? KEEL_AUDIT_FAIL : inconclusive ? KEEL_AUDIT_INCONCLUSIVE : KEEL_AUDIT_PASS;
}

/* A walk that failed for a reason of the repository's metadata (not of reading it). */
static int crypto_failure(keel_err e)
{
    return e != KEEL_OK && e != KEEL_ERR_IO && e != KEEL_ERR_NOT_FOUND && e != KEEL_ERR_NOMEM &&
           e != KEEL_ERR_ARG && e != KEEL_ERR_RANGE && e != KEEL_ERR_PERM;
}

/* The verdict of the walk alone, with one line. */
static keel_audit_verdict walk_verdict(const keel_audit_update_repo *repo, keel_audit_evidence *ev)
{
    if (!repo->walked) {
        (void)keel_audit_evidence_addf(ev, "the repository was not walked: its trust anchor or "
                                           "mirror could not be read");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (crypto_failure(repo->walk_error)) {
        (void)keel_audit_evidence_addf(ev,
                                       "the repository does not verify from the device's trust "
                                       "anchor: %s",
                                       keel_strerror(repo->walk_error));
        return KEEL_AUDIT_FAIL;
    }
    if (repo->walk_error != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "the mirror could not be read whole: %s",
                                       keel_strerror(repo->walk_error));
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}

static keel_audit_verdict worst(keel_audit_verdict a, keel_audit_verdict b)
{
    if (a == KEEL_AUDIT_FAIL || b == KEEL_AUDIT_FAIL)
        return KEEL_AUDIT_FAIL;
    if (a == KEEL_AUDIT_INCONCLUSIVE || b == KEEL_AUDIT_INCONCLUSIVE)
        return KEEL_AUDIT_INCONCLUSIVE;
    return KEEL_AUDIT_PASS;
}

static keel_audit_verdict server_verdict(const keel_audit_update_repo *repo,
                                         keel_audit_evidence *ev)
{
    keel_audit_verdict v = KEEL_AUDIT_PASS;

    if (repo->server_tls == KEEL_AUDIT_NOT_TESTED) {
        (void)keel_audit_evidence_addf(ev, "the repository's server was not probed (it did not "
                                           "answer): its channel is judged by the device's "
                                           "rounds only");
        return KEEL_AUDIT_PASS;
    }
    if (repo->server_tls != KEEL_AUDIT_PASS) {
        (void)keel_audit_evidence_addf(ev, "the repository's server breaks 5.5-1-2's rules (%s)",
                                       keel_audit_verdict_name(repo->server_tls));
        v = repo->server_tls == KEEL_AUDIT_FAIL ? KEEL_AUDIT_FAIL : KEEL_AUDIT_INCONCLUSIVE;
    }
    if (repo->plain_http == 1) {
        (void)keel_audit_evidence_addf(ev, "the repository is served over plain HTTP too");
        v = KEEL_AUDIT_FAIL;
    }
    if (repo->pinned == 0) {
        (void)keel_audit_evidence_addf(ev, "the repository's server presents a certificate the "
                                           "device's pinned CA does not vouch for");
        v = KEEL_AUDIT_FAIL;
    }
    return v;
}

keel_audit_verdict keel_audit_update_crypto_judge(const keel_audit_update_repo *repo,
                                                  const keel_audit_update_round *legacy,
                                                  keel_audit_evidence *ev)
{
    keel_audit_verdict v;

    if (repo == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    v = walk_verdict(repo, ev);
    if (repo->walked && repo->walk_error == KEEL_OK && repo->best_keys != repo->keys) {
        (void)keel_audit_evidence_addf(ev, "%zu of %zu root keys are not Ed25519 or ECDSA P-256",
                                       repo->keys - repo->best_keys, repo->keys);
        v = KEEL_AUDIT_FAIL;
    }
    v = worst(v, server_verdict(repo, ev));
    if (legacy == NULL || !legacy->run)
        (void)keel_audit_evidence_addf(ev, "the device's own client was not offered legacy TLS "
                                           "(round legacy-tls not run)");
    else
        v = worst(v, keel_audit_update_round_judge(KEEL_AUDIT_ROUND_LEGACY_TLS, legacy, ev));
    (void)keel_audit_evidence_addf(ev, "5.3-7-2: %s", keel_audit_verdict_name(v));
    return v;
}

keel_audit_verdict keel_audit_update_mechanism_judge(const keel_audit_update_repo *repo,
                                                     const keel_audit_update_round *rounds,
                                                     keel_audit_evidence *ev)
{
    keel_audit_verdict v;

    if (repo == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    v = walk_verdict(repo, ev);
    if (v == KEEL_AUDIT_PASS && repo->targets_intact != repo->targets) {
        (void)keel_audit_evidence_addf(ev,
                                       "%zu of %zu target files of the mirror differ from their "
                                       "signed length or hash: the mirror is not a faithful copy",
                                       repo->targets - repo->targets_intact, repo->targets);
        v = KEEL_AUDIT_INCONCLUSIVE;
    }
    if (rounds == NULL) {
        (void)keel_audit_evidence_addf(ev, "the device was not exercised (the laboratory's "
                                           "rounds need --password and the IXIT's lab_cert)");
        v = worst(v, KEEL_AUDIT_INCONCLUSIVE);
    } else {
        v = worst(v, keel_audit_update_rounds_judge(rounds, KEEL_AUDIT_ROUNDS_ALL, ev));
    }
    (void)keel_audit_evidence_addf(ev, "5.3-2-2: %s", keel_audit_verdict_name(v));
    return v;
}

keel_audit_verdict keel_audit_integrity_judge(const keel_audit_integrity_facts *f,
                                              keel_audit_evidence *ev)
{
    int normal;

    if (f == NULL || !f->ran) {
        (void)keel_audit_evidence_addf(ev, "the firmware tree has no trust directory (update/) "
                                           "and boot environment (bootenv): nothing to verify");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->verify == KEEL_ERR_IO || f->verify == KEEL_ERR_ARG || f->verify == KEEL_ERR_NOMEM ||
        f->verify == KEEL_ERR_UPDATE_BOOT) {
        (void)keel_audit_evidence_addf(ev, "the firmware tree could not be verified: %s",
                                       keel_strerror(f->verify));
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->status == 0) {
        (void)keel_audit_evidence_addf(ev, "the device's status route did not answer");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    normal = !f->alert && f->status != 503;
    if (f->verify != KEEL_OK) {
        (void)keel_audit_evidence_addf(
            ev, "%s",
            normal ? "the software does not verify, yet the device serves normally"
                   : "the device detected it and serves only its integrity alert "
                     "(restricted mode, 5.7-2)");
        return normal ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
    }
    if (!normal) {
        (void)keel_audit_evidence_addf(ev, "the tree verifies but the device reports an integrity "
                                           "failure: the tree is not what the device runs");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->listed == 0) {
        (void)keel_audit_evidence_addf(ev, "the booted target is not in the repository's signed "
                                           "targets as recorded: its record verifies only under "
                                           "the tree's own trusted root");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "the software verifies and the device serves normally");
    return KEEL_AUDIT_PASS;
}
