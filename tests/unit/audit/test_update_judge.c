/* The judgements of keel audit's update and integrity test cases (5.3-2-2, 5.3-7-2, 5.3-9-2,
 * 5.3-10-2, 5.7-1-2): every verdict each judge can give, and the evidence line that says why.
 * The device's texts decide nothing unless they are exactly the refusal a round expects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

/* Some evidence line of ev contains text. */
static int has_line(const keel_audit_evidence *ev, const char *text)
{
    for (size_t i = 0; i < ev->count; i++) {
        if (strstr(ev->lines[i], text) != NULL)
            return 1;
    }
    return 0;
}

static void expect_line(keel_audit_evidence *ev, const char *text)
{
    if (!has_line(ev, text)) {
        for (size_t i = 0; i < ev->count; i++)
            print_message("  %s\n", ev->lines[i]);
        fail_msg("no evidence line with '%s'", text);
    }
}

/* A round that ran and that the device refused with err after fetching files. */
static keel_audit_update_round refused(keel_err err)
{
    keel_audit_update_round r;

    memset(&r, 0, sizeof(r));
    r.run = 1;
    r.install_status = 202;
    r.connections = 2;
    r.requests = 4;
    (void)keel_str_copy(r.fetched, sizeof(r.fetched), "timestamp.json, snapshot.json");
    r.decided = 1;
    (void)keel_str_copy(r.state, sizeof(r.state), "refused");
    (void)keel_str_copy(r.error, sizeof(r.error), keel_strerror(err));
    r.status_after = 200;
    r.same_firmware = 1;
    return r;
}

/* A channel round: a TCP connection, no request, refused as unreachable. */
static keel_audit_update_round handshake_refused(void)
{
    keel_audit_update_round r = refused(KEEL_ERR_UPDATE_FETCH);

    r.requests = 0;
    r.connections = 1;
    r.fetched[0] = '\0';
    return r;
}

static keel_audit_verdict judge(keel_audit_update_round_id id, const keel_audit_update_round *r,
                                const char *says)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_update_round_judge(id, r, &ev);
    assert_int_equal(ev.count, 1);
    expect_line(&ev, keel_audit_update_round_name(id));
    expect_line(&ev, says);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_round_names(void **state)
{
    (void)state;
    assert_string_equal(keel_audit_update_round_name(KEEL_AUDIT_ROUND_UNSIGNED),
                        "unsigned-metadata");
    assert_string_equal(keel_audit_update_round_name(KEEL_AUDIT_ROUND_ENDLESS), "endless-target");
    assert_null(keel_audit_update_round_name(KEEL_AUDIT_ROUNDS));
}

static void test_round_pass(void **state)
{
    keel_audit_update_round r;

    (void)state;
    r = refused(KEEL_ERR_UPDATE_UNSIGNED);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNSIGNED, &r, "the device refused it: PASS"),
                     KEEL_AUDIT_PASS);
    r = refused(KEEL_ERR_UPDATE_THRESHOLD);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNSIGNED, &r, "PASS"), KEEL_AUDIT_PASS);
    r = refused(KEEL_ERR_UPDATE_MISMATCH);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_SUBSTITUTED, &r, "PASS"), KEEL_AUDIT_PASS);
    r = refused(KEEL_ERR_UPDATE_TOO_LONG);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_SUBSTITUTED, &r, "PASS"), KEEL_AUDIT_PASS);
    r = refused(KEEL_ERR_UPDATE_HASH);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "for timestamp.json, snapshot.json"),
                     KEEL_AUDIT_PASS);
    r = refused(KEEL_ERR_UPDATE_TOO_LONG);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_ENDLESS, &r, keel_strerror(KEEL_ERR_UPDATE_TOO_LONG)),
                     KEEL_AUDIT_PASS);
    r = handshake_refused();
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNTRUSTED_SERVER, &r,
                           "1 connection(s), 0 request(s); state refused"),
                     KEEL_AUDIT_PASS);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_LEGACY_TLS, &r, "the device refused the connection"),
                     KEEL_AUDIT_PASS);
}

static void test_round_fail(void **state)
{
    keel_audit_update_round r;

    (void)state;
    /* It installed: whatever it says of the error. */
    r = refused(KEEL_ERR_UPDATE_HASH);
    (void)keel_str_copy(r.state, sizeof(r.state), "installed");
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "installed the manipulated update"),
                     KEEL_AUDIT_FAIL);
    (void)keel_str_copy(r.state, sizeof(r.state), "trial");
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNSIGNED, &r, "FAIL"), KEEL_AUDIT_FAIL);
    /* It went away (exits to reboot after an install), even without a decision seen. */
    r = refused(KEEL_ERR_UPDATE_HASH);
    r.decided = 0;
    r.status_after = 0;
    r.same_firmware = 0;
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "stopped answering"), KEEL_AUDIT_FAIL);
    /* It came back with other software. */
    r = refused(KEEL_ERR_UPDATE_HASH);
    r.same_firmware = 0;
    assert_int_equal(judge(KEEL_AUDIT_ROUND_ENDLESS, &r, "no longer runs as before"),
                     KEEL_AUDIT_FAIL);
    /* A channel round: it asked the untrusted server for files, even if it refused them. */
    r = refused(KEEL_ERR_UPDATE_HASH);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNTRUSTED_SERVER, &r,
                           "completed the TLS handshake and asked for files"),
                     KEEL_AUDIT_FAIL);
    r = refused(KEEL_ERR_UPDATE_FETCH);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_LEGACY_TLS, &r, "FAIL"), KEEL_AUDIT_FAIL);
}

static void test_round_inconclusive(void **state)
{
    keel_audit_update_round r;

    (void)state;
    memset(&r, 0, sizeof(r));
    (void)keel_str_copy(r.note, sizeof(r.note), "no --password");
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNSIGNED, &r, "not run: no --password: INCONCLUSIVE"),
                     KEEL_AUDIT_INCONCLUSIVE);
    r = refused(KEEL_ERR_UPDATE_HASH);
    r.install_status = 404;
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "answered HTTP 404, not 202"),
                     KEEL_AUDIT_INCONCLUSIVE);
    r = refused(KEEL_ERR_UPDATE_HASH);
    r.decided = 0;
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "no new decision within the time"),
                     KEEL_AUDIT_INCONCLUSIVE);
    r = refused(KEEL_ERR_UPDATE_HASH);
    (void)keel_str_copy(r.state, sizeof(r.state), "nothing");
    r.error[0] = '\0';
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "found nothing to install"),
                     KEEL_AUDIT_INCONCLUSIVE);
    /* Refused, but not for the manipulation: the round proves nothing. */
    r = refused(KEEL_ERR_UPDATE_EXPIRED);
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "for another reason"),
                     KEEL_AUDIT_INCONCLUSIVE);
    r = refused(KEEL_ERR_UPDATE_FETCH);
    r.requests = 0;
    assert_int_equal(judge(KEEL_AUDIT_ROUND_UNSIGNED, &r, "before it reached the laboratory"),
                     KEEL_AUDIT_INCONCLUSIVE);
    /* A device's text that merely resembles the expected one does not count. */
    r = refused(KEEL_ERR_UPDATE_HASH);
    (void)keel_str_copy(r.error, sizeof(r.error), "update bytes differ from the signed hash!");
    assert_int_equal(judge(KEEL_AUDIT_ROUND_TAMPERED, &r, "INCONCLUSIVE"), KEEL_AUDIT_INCONCLUSIVE);
    /* A channel round the device never connected to. */
    r = handshake_refused();
    r.connections = 0;
    assert_int_equal(judge(KEEL_AUDIT_ROUND_LEGACY_TLS, &r, "never connected"),
                     KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(keel_audit_update_round_judge(KEEL_AUDIT_ROUNDS, &r, NULL),
                     KEEL_AUDIT_INCONCLUSIVE);
}

static void all_passing(keel_audit_update_round rounds[KEEL_AUDIT_ROUNDS])
{
    rounds[KEEL_AUDIT_ROUND_UNSIGNED] = refused(KEEL_ERR_UPDATE_UNSIGNED);
    rounds[KEEL_AUDIT_ROUND_SUBSTITUTED] = refused(KEEL_ERR_UPDATE_MISMATCH);
    rounds[KEEL_AUDIT_ROUND_UNTRUSTED_SERVER] = handshake_refused();
    rounds[KEEL_AUDIT_ROUND_LEGACY_TLS] = handshake_refused();
    rounds[KEEL_AUDIT_ROUND_TAMPERED] = refused(KEEL_ERR_UPDATE_HASH);
    rounds[KEEL_AUDIT_ROUND_ENDLESS] = refused(KEEL_ERR_UPDATE_TOO_LONG);
}

static keel_audit_verdict rounds_verdict(const keel_audit_update_round *rounds, unsigned mask,
                                         size_t lines)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_update_rounds_judge(rounds, mask, &ev);
    assert_int_equal(ev.count, lines);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_rounds(void **state)
{
    keel_audit_update_round rounds[KEEL_AUDIT_ROUNDS];

    (void)state;
    all_passing(rounds);
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_5_3_9, 4), KEEL_AUDIT_PASS);
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_5_3_10, 3), KEEL_AUDIT_PASS);
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_ALL, KEEL_AUDIT_ROUNDS),
                     KEEL_AUDIT_PASS);
    assert_int_equal(rounds_verdict(rounds, 0, 1), KEEL_AUDIT_INCONCLUSIVE);
    /* A round outside the mask does not count. */
    rounds[KEEL_AUDIT_ROUND_LEGACY_TLS].same_firmware = 0;
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_5_3_9, 4), KEEL_AUDIT_PASS);
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_5_3_10, 3), KEEL_AUDIT_FAIL);
    /* FAIL wins over INCONCLUSIVE. */
    rounds[KEEL_AUDIT_ROUND_UNSIGNED].run = 0;
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_5_3_10, 3), KEEL_AUDIT_FAIL);
    assert_int_equal(rounds_verdict(rounds, KEEL_AUDIT_ROUNDS_5_3_9, 4), KEEL_AUDIT_INCONCLUSIVE);
}

static keel_audit_update_repo good_repo(void)
{
    keel_audit_update_repo repo;

    memset(&repo, 0, sizeof(repo));
    repo.walked = 1;
    repo.walk_error = KEEL_OK;
    repo.keys = repo.best_keys = 4;
    repo.hashes = 1;
    repo.targets = repo.targets_intact = 2;
    repo.server_tls = KEEL_AUDIT_PASS;
    repo.plain_http = 0;
    repo.pinned = 1;
    return repo;
}

static keel_audit_verdict crypto(const keel_audit_update_repo *repo,
                                 const keel_audit_update_round *legacy, const char *says)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_update_crypto_judge(repo, legacy, &ev);
    expect_line(&ev, says);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_crypto(void **state)
{
    keel_audit_update_round legacy = handshake_refused(), bad = refused(KEEL_ERR_UPDATE_HASH);
    keel_audit_update_repo repo = good_repo();

    (void)state;
    assert_int_equal(crypto(&repo, &legacy, "5.3-7-2: PASS"), KEEL_AUDIT_PASS);
    assert_int_equal(crypto(&repo, NULL, "round legacy-tls not run"), KEEL_AUDIT_PASS);
    assert_int_equal(crypto(&repo, &bad, "5.3-7-2: FAIL"), KEEL_AUDIT_FAIL);
    repo.server_tls = KEEL_AUDIT_NOT_TESTED;
    assert_int_equal(crypto(&repo, &legacy, "was not probed"), KEEL_AUDIT_PASS);
    repo = good_repo();
    repo.server_tls = KEEL_AUDIT_FAIL;
    assert_int_equal(crypto(&repo, &legacy, "breaks 5.5-1-2's rules (FAIL)"), KEEL_AUDIT_FAIL);
    repo = good_repo();
    repo.server_tls = KEEL_AUDIT_INCONCLUSIVE;
    assert_int_equal(crypto(&repo, &legacy, "breaks 5.5-1-2's rules (INCONCLUSIVE)"),
                     KEEL_AUDIT_INCONCLUSIVE);
    repo = good_repo();
    repo.plain_http = 1;
    assert_int_equal(crypto(&repo, &legacy, "over plain HTTP too"), KEEL_AUDIT_FAIL);
    repo = good_repo();
    repo.pinned = 0;
    assert_int_equal(crypto(&repo, &legacy, "pinned CA does not vouch"), KEEL_AUDIT_FAIL);
    repo = good_repo();
    repo.best_keys = 3;
    assert_int_equal(crypto(&repo, &legacy, "1 of 4 root keys are not Ed25519"), KEEL_AUDIT_FAIL);
    repo = good_repo();
    repo.walk_error = KEEL_ERR_UPDATE_EXPIRED;
    assert_int_equal(crypto(&repo, &legacy,
                            "does not verify from the device's trust anchor: "
                            "update metadata has expired"),
                     KEEL_AUDIT_FAIL);
    repo.walk_error = KEEL_ERR_IO;
    assert_int_equal(crypto(&repo, &legacy, "could not be read whole"), KEEL_AUDIT_INCONCLUSIVE);
    repo.walked = 0;
    assert_int_equal(crypto(&repo, &legacy, "was not walked"), KEEL_AUDIT_INCONCLUSIVE);
}

static keel_audit_verdict mechanism(const keel_audit_update_repo *repo,
                                    const keel_audit_update_round *rounds, const char *says)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_update_mechanism_judge(repo, rounds, &ev);
    expect_line(&ev, says);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_mechanism(void **state)
{
    keel_audit_update_round rounds[KEEL_AUDIT_ROUNDS];
    keel_audit_update_repo repo = good_repo();

    (void)state;
    all_passing(rounds);
    assert_int_equal(mechanism(&repo, rounds, "5.3-2-2: PASS"), KEEL_AUDIT_PASS);
    assert_int_equal(mechanism(&repo, NULL, "the device was not exercised"),
                     KEEL_AUDIT_INCONCLUSIVE);
    repo.targets_intact = 1;
    assert_int_equal(mechanism(&repo, rounds, "not a faithful copy"), KEEL_AUDIT_INCONCLUSIVE);
    repo = good_repo();
    repo.walk_error = KEEL_ERR_UPDATE_UNSIGNED;
    assert_int_equal(mechanism(&repo, rounds, "5.3-2-2: FAIL"), KEEL_AUDIT_FAIL);
    repo = good_repo();
    (void)keel_str_copy(rounds[KEEL_AUDIT_ROUND_ENDLESS].state, sizeof(rounds[0].state),
                        "installed");
    assert_int_equal(mechanism(&repo, rounds, "installed the manipulated update"), KEEL_AUDIT_FAIL);
    assert_int_equal(keel_audit_update_mechanism_judge(NULL, rounds, NULL),
                     KEEL_AUDIT_INCONCLUSIVE);
}

static keel_audit_verdict integrity(const keel_audit_integrity_facts *f, const char *says)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_integrity_judge(f, &ev);
    assert_int_equal(ev.count, 1);
    expect_line(&ev, says);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_integrity(void **state)
{
    keel_audit_integrity_facts f = {
        .ran = 1, .verify = KEEL_OK, .slot = 'a', .listed = 1, .status = 401, .alert = 0};

    (void)state;
    assert_int_equal(integrity(&f, "verifies and the device serves normally"), KEEL_AUDIT_PASS);
    f.listed = -1; /* no repository to compare with: the device's own check decides */
    assert_int_equal(integrity(&f, "serves normally"), KEEL_AUDIT_PASS);
    f.listed = 0;
    assert_int_equal(integrity(&f, "not in the repository's signed targets"),
                     KEEL_AUDIT_INCONCLUSIVE);
    f.listed = 1;
    f.status = 503;
    f.alert = 1;
    assert_int_equal(integrity(&f, "not what the device runs"), KEEL_AUDIT_INCONCLUSIVE);
    f.verify = KEEL_ERR_INTEGRITY_MISMATCH;
    assert_int_equal(integrity(&f, "the device detected it"), KEEL_AUDIT_PASS);
    f.status = 200;
    f.alert = 0;
    assert_int_equal(integrity(&f, "does not verify, yet the device serves normally"),
                     KEEL_AUDIT_FAIL);
    f.verify = KEEL_ERR_NOT_FOUND; /* no record: software nobody signed */
    assert_int_equal(integrity(&f, "yet the device serves normally"), KEEL_AUDIT_FAIL);
    f.verify = KEEL_ERR_UPDATE_UNSIGNED; /* a record that does not verify */
    assert_int_equal(integrity(&f, "yet the device serves normally"), KEEL_AUDIT_FAIL);
    f.status = 0;
    assert_int_equal(integrity(&f, "did not answer"), KEEL_AUDIT_INCONCLUSIVE);
    f.status = 200;
    f.verify = KEEL_ERR_IO;
    assert_int_equal(integrity(&f, "could not be verified"), KEEL_AUDIT_INCONCLUSIVE);
    f.verify = KEEL_ERR_UPDATE_BOOT;
    assert_int_equal(integrity(&f, "boot-control environment"), KEEL_AUDIT_INCONCLUSIVE);
    f.ran = 0;
    assert_int_equal(integrity(&f, "nothing to verify"), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(integrity(NULL, "nothing to verify"), KEEL_AUDIT_INCONCLUSIVE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_names), cmocka_unit_test(test_round_pass),
        cmocka_unit_test(test_round_fail),  cmocka_unit_test(test_round_inconclusive),
        cmocka_unit_test(test_rounds),      cmocka_unit_test(test_crypto),
        cmocka_unit_test(test_mechanism),   cmocka_unit_test(test_integrity),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
