/* The conceptual test cases on the IXIT's design tables (5.1-3-1, 5.3-3-1, 5.3-8-1, 5.4-2-1,
 * 5.4-4-1, 5.5-7-1, 5.5-8-1, 5.8-2-1, 5.13-1A-1, 6-3B-1, 6-6-1): each passes on a complete,
 * sound design, and fails (naming the entry and the reason), is not applicable or is
 * undecided (naming the missing table) for a design changed one fact at a time. Also the
 * rules for free text: tokens, known-weak cryptography, negated clauses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "concepts.h"
#include "expect_line.h"

/* A sound design: every table these test cases read, each with one entry of each case. */
static const char BASE[] =
    "{\"interfaces\":[{\"id\":\"api\",\"direction\":\"inbound\",\"transport\":\"tcp\","
    "\"address\":\"127.0.0.1\",\"port\":8443,\"protocol\":\"HTTPS\",\"purpose\":\"api\","
    "\"authentication\":\"session\"}],"
    "\"routes\":[{\"method\":\"POST\",\"path\":\"/api/consent\",\"public\":false,"
    "\"security_relevant\":true},{\"method\":\"GET\",\"path\":\"/api/consent/log\","
    "\"public\":false,\"security_relevant\":false}],"
    "\"auth_mechanisms\":["
    "{\"id\":\"owner\",\"description\":\"d\",\"kind\":\"password\",\"used_by\":\"user\","
    "\"interface\":\"api\",\"credential\":\"user_defined\",\"crypto\":\"Argon2id hash; over TLS "
    "1.2 or 1.3 only (TLS 1.0 and 1.1 refused)\",\"brute_force\":\"b\"},"
    "{\"id\":\"pin\",\"description\":\"d\",\"kind\":\"pin\",\"used_by\":\"user\","
    "\"interface\":\"keypad\",\"credential\":\"user_defined\",\"crypto\":\"HMAC-SHA-256 under "
    "a key of the secure store\",\"brute_force\":\"b\"},"
    "{\"id\":\"cloud\",\"description\":\"d\",\"kind\":\"certificate\",\"used_by\":\"machine\","
    "\"interface\":\"cloud\",\"credential\":\"unique_per_device\",\"generation\":\"in the TPM\","
    "\"crypto\":\"mutual TLSv1.3, ECDSA P-256\",\"brute_force\":\"b\"}],"
    "\"confirmations\":[{\"provision\":\"5.3-8\",\"statement\":\"fixes within 30 days\"},"
    "{\"provision\":\"5.5-8\",\"statement\":\"managed\"}],"
    "\"software_components\":["
    "{\"name\":\"fw\",\"version\":\"1.0\",\"updatable\":true,\"update_mechanism\":\"ota\"},"
    "{\"name\":\"rom\",\"version\":\"1\",\"updatable\":false,\"justification\":\"mask ROM\"}],"
    "\"update_mechanisms\":[{\"id\":\"ota\",\"description\":\"d\",\"delivery\":\"network\","
    "\"automatic\":false,\"user_steps\":1,\"authenticity\":\"Ed25519\",\"integrity\":\"SHA-256\"}],"
    "\"update_procedures\":[{\"id\":\"sec\",\"description\":\"d\",\"security_fix_days\":30,"
    "\"notification\":\"n\"},{\"id\":\"minor\",\"description\":\"d\",\"security_fix_days\":14,"
    "\"notification\":\"n\"}],"
    "\"security_parameters\":["
    "{\"id\":\"idkey\",\"description\":\"d\",\"kind\":\"private_key\",\"purpose\":\"identity\","
    "\"unique_per_device\":true,\"generation\":\"made in the TPM\",\"storage\":\"TPM\","
    "\"tamper_protection\":\"held in a TPM 2.0, never exported\",\"leaves_device\":false,"
    "\"lifecycle\":{\"generation\":\"g\",\"provisioning\":\"p\",\"storage\":\"s\",\"use\":\"u\","
    "\"update\":\"u\",\"revocation\":\"r\",\"destruction\":\"d\"}},"
    "{\"id\":\"idcert\",\"description\":\"d\",\"kind\":\"certificate\",\"purpose\":\"identity\","
    "\"unique_per_device\":true,\"generation\":\"CA\",\"storage\":\"file\","
    "\"tamper_protection\":\"signed by the CA\",\"leaves_device\":true,"
    "\"transit_protection\":\"sent in the mqtt handshake\","
    "\"lifecycle\":{\"generation\":\"g\",\"provisioning\":\"p\",\"storage\":\"s\",\"use\":\"u\","
    "\"update\":\"u\",\"revocation\":\"r\",\"destruction\":\"d\"}},"
    "{\"id\":\"root\",\"description\":\"d\",\"kind\":\"public_key\",\"purpose\":"
    "\"update_integrity\",\"unique_per_device\":false,\"generation\":\"offline\",\"storage\":"
    "\"image\",\"leaves_device\":false,\"lifecycle\":{\"generation\":\"g\",\"provisioning\":\"p\","
    "\"storage\":\"s\",\"use\":\"u\",\"update\":\"u\",\"revocation\":\"r\",\"destruction\":\"d\"}}]"
    ","
    "\"communication_mechanisms\":["
    "{\"id\":\"mqtt\",\"interface\":\"cloud\",\"protocol\":\"MQTT over TLS\",\"security\":\"TLS "
    "1.2+ with mutual authentication, AEAD suites\",\"carries\":[\"personal_data:log\"]}],"
    "\"security_management\":[{\"parameter\":\"idkey\",\"process\":\"p1\"},{\"parameter\":"
    "\"idcert\",\"process\":\"p2\"},{\"parameter\":\"root\",\"process\":\"p3\"}],"
    "\"user_interfaces\":[{\"id\":\"keypad\",\"kind\":\"physical\",\"inputs\":[\"pin\"]},"
    "{\"id\":\"web\",\"kind\":\"web\",\"inputs\":[\"name\",\"password\"]}],"
    "\"input_validation\":[{\"interface\":\"keypad\",\"input\":\"pin\",\"validation\":\"digits\"},"
    "{\"interface\":\"web\",\"input\":\"name\",\"validation\":\"1-32 bytes\"},"
    "{\"interface\":\"web\",\"input\":\"password\",\"validation\":\"1-128 bytes\"}],"
    "\"deletion\":{\"reset\":{\"method\":\"POST\",\"path\":\"/api/reset\"}},"
    "\"personal_data\":{\"controller\":\"c\",\"data\":["
    "{\"id\":\"log\",\"datum\":\"who opened\",\"purpose\":\"p\",\"legal_basis\":\"consent\","
    "\"retention\":\"90 days\",\"retention_days\":90,\"recipients\":[\"the cloud\"],\"stored\":"
    "\"lock.db\",\"sealed\":true,\"consent_purpose\":\"sync\",\"sensitive\":true},"
    "{\"id\":\"pins\",\"datum\":\"PIN\",\"purpose\":\"p\",\"legal_basis\":\"contract\","
    "\"retention\":\"until removed\",\"retention_days\":null,\"recipients\":[],\"stored\":"
    "\"lock.db\",\"sealed\":true,\"consent_purpose\":null,\"sensitive\":true},"
    "{\"id\":\"session\",\"datum\":\"token\",\"purpose\":\"p\",\"legal_basis\":\"contract\","
    "\"retention\":\"15 minutes\",\"retention_days\":null,\"recipients\":[],\"stored\":"
    "\"memory only\",\"sealed\":false,\"consent_purpose\":null}],"
    "\"consent\":[{\"purpose\":\"sync\",\"description\":\"d\",\"default\":false,\"route\":"
    "\"/api/consent\"}]}}";

/* ---- building changed designs ---- */

static cJSON *base(void)
{
    cJSON *root = cJSON_Parse(BASE);

    assert_non_null(root);
    return root;
}

static int index_of(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

/* The item at a dotted path ("a.0.b"; numbers index arrays) and its parent. */
static cJSON *at(cJSON *root, const char *path, cJSON **parent, char *last, size_t lastsz)
{
    char buf[256];
    cJSON *cur = root, *up = NULL;
    char *save = NULL, *part;

    assert_int_equal(keel_str_copy(buf, sizeof(buf), path), KEEL_OK);
    for (part = strtok_r(buf, ".", &save); part != NULL; part = strtok_r(NULL, ".", &save)) {
        up = cur;
        assert_int_equal(keel_str_copy(last, lastsz, part), KEEL_OK);
        if (cJSON_IsArray(cur))
            cur = cJSON_GetArrayItem(cur, index_of(part));
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, part);
        if (cur == NULL && strtok_r(NULL, ".", &save) != NULL)
            fail_msg("no %s in the test's design", path);
        if (cur == NULL)
            break;
    }
    *parent = up;
    return cur;
}

/* Set path to the JSON value json (NULL: remove it). */
static cJSON *with(cJSON *root, const char *path, const char *json)
{
    char last[64];
    cJSON *parent = NULL, *item = at(root, path, &parent, last, sizeof(last));

    assert_non_null(parent);
    if (json == NULL) {
        assert_non_null(item);
        if (cJSON_IsArray(parent))
            cJSON_DeleteItemFromArray(parent, index_of(last));
        else
            cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
        return root;
    }
    cJSON *v = cJSON_Parse(json);
    assert_non_null(v);
    if (cJSON_IsArray(parent)) {
        assert_non_null(item);
        cJSON_ReplaceItemInArray(parent, index_of(last), v);
    } else if (item != NULL) {
        cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v);
    } else {
        cJSON_AddItemToObject(parent, last, v);
    }
    return root;
}

typedef struct outcome {
    keel_audit_verdict v;
    keel_audit_evidence ev;
} outcome;

/* Judge root (freed here) with fn for version v. */
static keel_audit_verdict judge_v(cJSON *root, keel_audit_concept_judge fn, keel_catalog_version v,
                                  keel_audit_evidence *ev)
{
    keel_audit_verdict verdict;

    keel_audit_evidence_init(ev);
    verdict = fn(root, v, ev);
    cJSON_Delete(root);
    return verdict;
}

static keel_audit_verdict judge(cJSON *root, keel_audit_concept_judge fn, keel_audit_evidence *ev)
{
    return judge_v(root, fn, KEEL_EN303645_V3_1_3, ev);
}

/* Some line of ev holds part. */
static void expect_part(const keel_audit_evidence *ev, const char *part)
{
    for (size_t i = 0; i < ev->count; i++)
        if (strstr(ev->lines[i], part) != NULL)
            return;
    for (size_t i = 0; i < ev->count; i++)
        print_message("  %s\n", ev->lines[i]);
    fail_msg("no evidence line holds '%s'", part);
}

/* Judge, expect verdict and a line holding part, free the evidence. */
static void check(cJSON *root, keel_audit_concept_judge fn, keel_audit_verdict want,
                  const char *part)
{
    keel_audit_evidence ev;
    keel_audit_verdict got = judge(root, fn, &ev);

    if (got != want) {
        for (size_t i = 0; i < ev.count; i++)
            print_message("  %s\n", ev.lines[i]);
        fail_msg("verdict %s, expected %s (looking for '%s')", keel_audit_verdict_name(got),
                 keel_audit_verdict_name(want), part);
    }
    if (part != NULL)
        expect_part(&ev, part);
    keel_audit_evidence_free(&ev);
}

/* ---- the text rules ---- */

static int weak(const char *text, int *negated)
{
    return keel_audit_concept_mentions(text, keel_audit_concept_weak, keel_audit_concept_weak_count,
                                       negated);
}

static const char *weak_name(const char *text)
{
    int k = weak(text, NULL);

    return k >= 0 ? keel_audit_concept_weak[k].name : "";
}

static void test_text_rules(void **state)
{
    int negated = 0;

    (void)state;
    assert_string_equal(weak_name("TLSv1.0 allowed"), "TLS 1.0");
    assert_string_equal(weak_name("TLS1.1 for old clients"), "TLS 1.1");
    assert_string_equal(weak_name("3DES-CBC"), "DES/3DES");
    assert_string_equal(weak_name("hashed with md5"), "MD5");
    assert_string_equal(weak_name("stored in plain text"), "plain text");
    assert_string_equal(weak_name("base64 encryption of the key"), "base64 \"encryption\"");
    assert_string_equal(weak_name("SSLv3"), "SSL");
    /* whole tokens only */
    assert_int_equal(weak("describes the design; OpenSSL 3; SHA-256; AES-128-GCM", NULL), -1);
    assert_int_equal(weak("the certificate, base64 encoded in PEM", NULL), -1);
    /* a clause that refuses it does not count as its use */
    assert_int_equal(weak("TLS 1.3 only; TLS 1.0 and 1.1 refused", &negated), -1);
    assert_int_equal(negated, 1);
    assert_int_equal(weak("never stored in plain text", &negated), -1);
    assert_int_equal(weak("TLS 1.2 (no SSL fallback)", NULL), -1);
    assert_int_equal(weak("TLS 1.0 is not supported", NULL), -1);
    assert_int_equal(weak("without RC4", NULL), -1);
    /* a negation after the term is not its refusal */
    assert_string_equal(weak_name("MD5 not salted"), "MD5");
    assert_string_equal(weak_name("DES, no salt"), "DES/3DES");
    /* but the refusal does not reach into the next clause */
    assert_string_equal(weak_name("no compression, RC4 suites allowed"), "RC4");
    assert_int_equal(weak("", NULL), -1);
}

/* ---- 5.1-3-1 ---- */

static void test_auth(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    check(base(), keel_audit_concept_auth_judge, KEEL_AUDIT_PASS,
          "3 of 3 authentication mechanisms use best-practice cryptography");
    check(base(), keel_audit_concept_auth_judge, KEEL_AUDIT_PASS,
          "pin: d) on the physical interface keypad: no network channel");
    check(with(base(), "auth_mechanisms.0.crypto", "\"MD5 of the password, over TLS 1.2\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL,
          "owner: b) names known-weak cryptography (MD5)");
    check(with(base(), "auth_mechanisms.0.crypto", "\"salted SHA-1, over TLS 1.2\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL, "owner: b) SHA-1 for a password");
    check(with(base(), "auth_mechanisms.0.crypto", "\"salted SHA-256, over TLS 1.3\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL,
          "owner: c) names no password hash fit for a password");
    check(with(base(), "auth_mechanisms.0.crypto", "\"PBKDF2-HMAC-SHA256, over TLS 1.3\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL,
          "owner: c) PBKDF2 without an iteration count of at least 1,000");
    check(with(base(), "auth_mechanisms.0.crypto",
               "\"PBKDF2-HMAC-SHA256 with 600,000 iterations, over TLS 1.3\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_PASS, "PBKDF2 with a count of 600000");
    check(with(base(), "auth_mechanisms.0.crypto", "\"Argon2id; over HTTPS\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL,
          "owner: d) its channel: names no best-practice secure channel");
    check(with(base(), "auth_mechanisms.2.crypto", "\"mutual TLS 1.1\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL,
          "cloud: b) names known-weak cryptography (TLS 1.1)");
    /* the PIN on a network interface needs a channel; HMAC is not a password hash for a
       password */
    check(with(base(), "auth_mechanisms.1.interface", "\"api\""), keel_audit_concept_auth_judge,
          KEEL_AUDIT_FAIL, "pin: d) its channel");
    check(with(base(), "auth_mechanisms.0.crypto", "\"HMAC-SHA-256, TLS 1.3\""),
          keel_audit_concept_auth_judge, KEEL_AUDIT_FAIL, "owner: c) names no password hash");
    check(with(base(), "auth_mechanisms.1.crypto", NULL), keel_audit_concept_auth_judge,
          KEEL_AUDIT_FAIL, "pin: a) auth_mechanisms[1].crypto: required string");
    check(with(base(), "auth_mechanisms", NULL), keel_audit_concept_auth_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no auth_mechanisms (1-AuthMech)");
    check(with(base(), "auth_mechanisms", "{}"), keel_audit_concept_auth_judge,
          KEEL_AUDIT_INCONCLUSIVE, "auth_mechanisms (1-AuthMech) is not an array");
    check(with(base(), "auth_mechanisms", "[]"), keel_audit_concept_auth_judge, KEEL_AUDIT_NA,
          "feature c (cryptographic authentication) is absent");
    assert_int_equal(judge_v(with(base(), "auth_mechanisms", "[]"), keel_audit_concept_auth_judge,
                             KEEL_EN303645_V2_1_1, &ev),
                     KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
}

/* ---- 5.3-3-1, 5.3-8-1 ---- */

static void test_update(void **state)
{
    (void)state;
    check(base(), keel_audit_concept_update_simple_judge, KEEL_AUDIT_PASS,
          "ota: b) not automatic, 1 step(s) of the user");
    check(base(), keel_audit_concept_update_simple_judge, KEEL_AUDIT_PASS,
          "rom: c) cannot be updated: mask ROM");
    check(with(base(), "update_mechanisms.0.user_steps", "3"),
          keel_audit_concept_update_simple_judge, KEEL_AUDIT_FAIL,
          "ota: b) not automatic and 3 steps of the user (at most 2 is simple)");
    check(with(with(base(), "update_mechanisms.0.user_steps", "5"), "update_mechanisms.0.automatic",
               "true"),
          keel_audit_concept_update_simple_judge, KEEL_AUDIT_PASS, "ota: b) automatic");
    check(with(base(), "software_components.0.update_mechanism", "\"usb\""),
          keel_audit_concept_update_simple_judge, KEEL_AUDIT_FAIL,
          "fw: a) its update_mechanism 'usb' is not among update_mechanisms");
    check(with(base(), "software_components.1.justification", NULL),
          keel_audit_concept_update_simple_judge, KEEL_AUDIT_FAIL,
          "rom: c) cannot be updated and nothing says why");
    check(with(base(), "software_components.0.updatable", "false"),
          keel_audit_concept_update_simple_judge, KEEL_AUDIT_FAIL, "fw: c)");
    check(with(with(base(), "software_components.0", NULL), "update_mechanisms", "[]"),
          keel_audit_concept_update_simple_judge, KEEL_AUDIT_NA, "feature g");
    check(with(base(), "update_mechanisms", NULL), keel_audit_concept_update_simple_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no update_mechanisms (7-UpdMech)");

    check(base(), keel_audit_concept_update_timely_judge, KEEL_AUDIT_PASS,
          "b) security fixes ship within 30 day(s) at the latest (sec)");
    check(with(base(), "confirmations.0", NULL), keel_audit_concept_update_timely_judge,
          KEEL_AUDIT_FAIL, "confirmations (4-Conf) hold no statement for 5.3-8");
    check(with(base(), "update_procedures", "[]"), keel_audit_concept_update_timely_judge,
          KEEL_AUDIT_FAIL, "b) no update procedure states the time to a security fix");
    check(with(base(), "update_procedures.1.security_fix_days", "0"),
          keel_audit_concept_update_timely_judge, KEEL_AUDIT_FAIL,
          "update_procedures[1].security_fix_days: required integer 1-3650");
    check(with(base(), "update_procedures", NULL), keel_audit_concept_update_timely_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no update_procedures (8-UpdProc)");
    check(with(base(), "update_mechanisms", "[]"), keel_audit_concept_update_timely_judge,
          KEEL_AUDIT_NA, "condition 12");
}

/* ---- 5.4-2-1, 5.4-4-1, 5.5-7-1, 5.5-8-1 ---- */

static void test_params(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    check(base(), keel_audit_concept_identity_judge, KEEL_AUDIT_PASS, "idkey: a) 'held in a TPM");
    check(base(), keel_audit_concept_identity_judge, KEEL_AUDIT_PASS,
          "idcert: a certificate, public");
    check(with(base(), "security_parameters.0.tamper_protection",
               "\"file permissions 0600, root only\""),
          keel_audit_concept_identity_judge, KEEL_AUDIT_FAIL,
          "b) names no hardware-backed store, c) software measures alone");
    check(with(base(), "security_parameters.0.tamper_protection", "\"\""),
          keel_audit_concept_identity_judge, KEEL_AUDIT_FAIL,
          "idkey: a) security_parameters[0].tamper_protection: required string");
    check(with(base(), "security_parameters.0.purpose", "\"other\""),
          keel_audit_concept_identity_judge, KEEL_AUDIT_NA, "feature l is absent");
    assert_int_equal(judge_v(with(base(), "security_parameters.0.purpose", "\"other\""),
                             keel_audit_concept_identity_judge, KEEL_EN303645_V2_1_1, &ev),
                     KEEL_AUDIT_NA);
    expect_part(&ev, "condition 10 is absent");
    keel_audit_evidence_free(&ev);

    check(base(), keel_audit_concept_unique_judge, KEEL_AUDIT_PASS, "root: a public_key, public");
    check(with(base(), "security_parameters.0.unique_per_device", "false"),
          keel_audit_concept_unique_judge, KEEL_AUDIT_FAIL,
          "idkey: a) shared by every device of the class");
    check(with(base(), "security_parameters.0.generation",
               "\"derived from the serial number with HKDF\""),
          keel_audit_concept_unique_judge, KEEL_AUDIT_FAIL, "derived from the serial number");
    check(with(base(), "security_parameters.0.generation",
               "\"from the TPM's RNG, not derived from the serial\""),
          keel_audit_concept_unique_judge, KEEL_AUDIT_PASS, "idkey: b) generated");
    check(with(with(base(), "security_parameters.2.kind", "\"secret_key\""),
               "security_parameters.2.unique_per_device", "false"),
          keel_audit_concept_unique_judge, KEEL_AUDIT_FAIL,
          "root: a) shared by every device of the class");
    check(with(base(), "security_parameters.0.purpose", "\"user_data\""),
          keel_audit_concept_unique_judge, KEEL_AUDIT_NA, "feature m is absent");

    check(base(), keel_audit_concept_transit_judge, KEEL_AUDIT_PASS,
          "idcert leaves the device over mqtt");
    check(with(base(), "security_parameters.1.transit_protection", "\"sent somehow\""),
          keel_audit_concept_transit_judge, KEEL_AUDIT_FAIL,
          "idcert leaves the device: its transit_protection ('sent somehow') names no "
          "communication mechanism");
    check(with(base(), "communication_mechanisms.0.security", "\"TLS 1.0 with RC4\""),
          keel_audit_concept_transit_judge, KEEL_AUDIT_FAIL, "names known-weak cryptography");
    check(with(base(), "communication_mechanisms", NULL), keel_audit_concept_transit_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no communication_mechanisms (11-ComMech)");
    check(with(base(), "security_parameters.1.leaves_device", "false"),
          keel_audit_concept_transit_judge, KEEL_AUDIT_NA, "feature o is absent");

    check(base(), keel_audit_concept_manage_judge, KEEL_AUDIT_PASS,
          "3 of 3 security parameters managed over their whole lifecycle");
    check(with(base(), "security_parameters.1.lifecycle.revocation", NULL),
          keel_audit_concept_manage_judge, KEEL_AUDIT_FAIL,
          "idcert: a) security_parameters[1].lifecycle lacks: revocation");
    check(with(base(), "security_management.2", NULL), keel_audit_concept_manage_judge,
          KEEL_AUDIT_FAIL, "root: a) no security_management entry (14-SecMgmt)");
    check(with(base(), "confirmations.1", NULL), keel_audit_concept_manage_judge, KEEL_AUDIT_FAIL,
          "confirmations (4-Conf) hold no statement for 5.5-8");
    check(with(base(), "security_management", NULL), keel_audit_concept_manage_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no security_management (14-SecMgmt)");
    check(with(base(), "security_parameters", "[]"), keel_audit_concept_manage_judge, KEEL_AUDIT_NA,
          "condition 16 is absent");
}

/* ---- 5.8-2-1, 5.13-1A-1, 6-3B-1, 6-6-1 ---- */

static void test_data(void **state)
{
    (void)state;
    check(base(), keel_audit_concept_sensitive_judge, KEEL_AUDIT_PASS, "log (sensitive) over mqtt");
    check(with(base(), "communication_mechanisms.0.carries", "[]"),
          keel_audit_concept_sensitive_judge, KEEL_AUDIT_FAIL,
          "no communication mechanism carries \"personal_data:log\"");
    check(with(base(), "communication_mechanisms.0.security", "\"plain HTTP\""),
          keel_audit_concept_sensitive_judge, KEEL_AUDIT_FAIL,
          "names no best-practice secure channel");
    check(with(base(), "personal_data.data.0.sensitive", "false"),
          keel_audit_concept_sensitive_judge, KEEL_AUDIT_NA, "feature u is absent");
    check(with(base(), "personal_data", NULL), keel_audit_concept_sensitive_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no personal_data (21-PersData)");

    check(base(), keel_audit_concept_input_judge, KEEL_AUDIT_PASS,
          "3 of 3 user-interface inputs validated");
    check(with(base(), "input_validation.2", NULL), keel_audit_concept_input_judge, KEEL_AUDIT_FAIL,
          "web: password: a) no input_validation entry");
    check(with(base(), "input_validation", NULL), keel_audit_concept_input_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no input_validation (29-InpVal)");

    check(base(), keel_audit_concept_consent_record_judge, KEEL_AUDIT_PASS,
          "sync: a) recorded at POST /api/consent, b) read back with GET at that path");
    check(with(base(), "routes.1", NULL), keel_audit_concept_consent_record_judge, KEEL_AUDIT_FAIL,
          "b) no GET route at that path or under it reads the records back");
    check(with(base(), "routes.0", NULL), keel_audit_concept_consent_record_judge, KEEL_AUDIT_FAIL,
          "sync: a) no POST or PUT route at /api/consent");
    check(with(with(base(), "personal_data.consent", "[]"), "personal_data.data.0.legal_basis",
               "\"contract\""),
          keel_audit_concept_consent_record_judge, KEEL_AUDIT_NA, "feature y is absent");
    check(with(base(), "personal_data.consent", "[]"), keel_audit_concept_consent_record_judge,
          KEEL_AUDIT_FAIL, "no consent purpose is declared");

    check(base(), keel_audit_concept_retention_judge, KEEL_AUDIT_PASS,
          "pins: a) 'until removed': b) deleted by the device's deletion function POST "
          "/api/reset (25-DelFunc)");
    check(base(), keel_audit_concept_retention_judge, KEEL_AUDIT_PASS,
          "session: a) '15 minutes': b) not stored");
    check(with(base(), "deletion", NULL), keel_audit_concept_retention_judge, KEEL_AUDIT_FAIL,
          "pins: a) 'until removed': b) stored, with no retention_days and no deletion function");
    check(with(base(), "personal_data.data.0.retention", "\"kept indefinitely\""),
          keel_audit_concept_retention_judge, KEEL_AUDIT_FAIL,
          "c) kept indefinitely, and no retention_justification says why");
    check(with(with(base(), "personal_data.data.0.retention", "\"kept indefinitely\""),
               "personal_data.data.0.retention_justification", "\"the law demands it\""),
          keel_audit_concept_retention_judge, KEEL_AUDIT_PASS, NULL);
    check(with(base(), "personal_data.data.1.retention", NULL), keel_audit_concept_retention_judge,
          KEEL_AUDIT_FAIL, "personal_data.data[1].retention: required string");
    check(with(base(), "personal_data.data.0.retention_days", "1e300"),
          keel_audit_concept_retention_judge, KEEL_AUDIT_FAIL,
          "log: b) personal_data.data[0].retention_days: an integer 0-36500 or null");
    check(with(base(), "personal_data.data", "[]"), keel_audit_concept_retention_judge,
          KEEL_AUDIT_NA, "feature z is absent");
}

/* ---- recorded through keel_audit_check_concepts ---- */

static int only_params(const char *provision, const void *user)
{
    (void)user;
    return strncmp(provision, "5.4-", 4) == 0;
}

/* 5.1-1-1, 5.1-2-1 (1-AuthMech), 5.3-7-1, 5.3-9-1, 5.3-10-1 (7-UpdMech), 5.6-1-1 (15-Intf). */
static void test_passwords_updates_interfaces(void **state)
{
    static const char GEN[] = "\"15 symbols from the CSPRNG (getrandom), 72 bits; never derived "
                              "from the serial or a MAC address\"";
    static const char ROOTED[] = "\"Ed25519 signatures verified from the root installed at the "
                                 "factory\"";

    (void)state;
    check(base(), keel_audit_concept_password_unique_judge, KEEL_AUDIT_PASS, "owner: user-defined");
    check(with(base(), "auth_mechanisms.1.credential", "\"none\""),
          keel_audit_concept_password_unique_judge, KEEL_AUDIT_FAIL,
          "pin: credential 'none': a password neither user-defined nor unique per device");
    check(with(base(), "auth_mechanisms", "[]"), keel_audit_concept_password_unique_judge,
          KEEL_AUDIT_NA, "declares no password or PIN mechanism");
    check(with(base(), "auth_mechanisms", NULL), keel_audit_concept_password_unique_judge,
          KEEL_AUDIT_INCONCLUSIVE, "the IXIT has no auth_mechanisms (1-AuthMech)");

    check(base(), keel_audit_concept_password_generation_judge, KEEL_AUDIT_NA,
          "declares no pre-installed unique password");
    check(with(with(base(), "auth_mechanisms.0.credential", "\"unique_per_device\""),
               "auth_mechanisms.0.generation", GEN),
          keel_audit_concept_password_generation_judge, KEEL_AUDIT_PASS,
          "owner: c) not derived from device data (said so explicitly)");
    check(with(with(base(), "auth_mechanisms.0.credential", "\"unique_per_device\""),
               "auth_mechanisms.0.generation", "\"the serial number hashed, 64 bits\""),
          keel_audit_concept_password_generation_judge, KEEL_AUDIT_FAIL,
          "owner: c) derived from the serial number");
    check(with(with(base(), "auth_mechanisms.0.credential", "\"unique_per_device\""),
               "auth_mechanisms.0.generation", "\"the serial number hashed, 64 bits\""),
          keel_audit_concept_password_generation_judge, KEEL_AUDIT_FAIL,
          "owner: b) names no random source");
    check(with(with(base(), "auth_mechanisms.0.credential", "\"unique_per_device\""),
               "auth_mechanisms.0.generation", "\"from a DRBG, 40 bits\""),
          keel_audit_concept_password_generation_judge, KEEL_AUDIT_FAIL,
          "owner: d) 40 bits stated, below 64");
    check(with(with(base(), "auth_mechanisms.0.credential", "\"unique_per_device\""),
               "auth_mechanisms.0.generation", "\"from a DRBG\""),
          keel_audit_concept_password_generation_judge, KEEL_AUDIT_FAIL,
          "owner: d) its strength is not stated in bits");

    check(base(), keel_audit_concept_update_crypto_judge, KEEL_AUDIT_PASS,
          "ota: a) signed with Ed25519");
    check(with(base(), "update_mechanisms.0.authenticity", "\"RSA-1024 signatures\""),
          keel_audit_concept_update_crypto_judge, KEEL_AUDIT_FAIL,
          "ota: c) its authenticity names known-weak cryptography (RSA-1024)");
    check(with(base(), "update_mechanisms.0.integrity", "\"a CRC32 of the image\""),
          keel_audit_concept_update_crypto_judge, KEEL_AUDIT_FAIL,
          "ota: b) its integrity names no best-practice hash");
    check(with(base(), "update_mechanisms.0.integrity", NULL),
          keel_audit_concept_update_crypto_judge, KEEL_AUDIT_FAIL,
          "update_mechanisms[0].integrity: required string");

    check(base(), keel_audit_concept_update_verify_judge, KEEL_AUDIT_FAIL,
          "ota: its authenticity does not say that the device verifies it");
    check(with(with(base(), "update_mechanisms.0.authenticity", ROOTED),
               "update_mechanisms.0.integrity", "\"SHA-256, checked while it downloads\""),
          keel_audit_concept_update_verify_judge, KEEL_AUDIT_PASS,
          "ota: authenticity and integrity verified by the device");

    check(base(), keel_audit_concept_update_trust_judge, KEEL_AUDIT_FAIL,
          "ota: b) its authenticity names no trust anchor");
    check(with(base(), "update_mechanisms.0.authenticity", ROOTED),
          keel_audit_concept_update_trust_judge, KEEL_AUDIT_PASS, "ota: c) verified by the device");
    check(with(base(), "update_mechanisms.0.delivery", "\"local\""),
          keel_audit_concept_update_trust_judge, KEEL_AUDIT_NA,
          "no update mechanism is delivered over a network");

    check(base(), keel_audit_concept_interfaces_judge, KEEL_AUDIT_PASS, "api (tcp/8443): api");
    check(with(base(), "interfaces.0.purpose", "\"reserved for a later release\""),
          keel_audit_concept_interfaces_judge, KEEL_AUDIT_FAIL,
          "api: its purpose says it is reserved");
    check(with(base(), "interfaces.0.purpose", NULL), keel_audit_concept_interfaces_judge,
          KEEL_AUDIT_FAIL, "interfaces[0].purpose: required string");
    check(with(base(), "interfaces", "[]"), keel_audit_concept_interfaces_judge,
          KEEL_AUDIT_INCONCLUSIVE, "declares no interface");
}

static size_t recorded(const keel_audit_report *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->count; i++)
        n += r->entries[i].test_count;
    return n;
}

static void test_recorded(void **state)
{
    keel_audit_report *r = NULL;
    char ids[256];

    (void)state;
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "t", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_concepts(r, BASE, strlen(BASE), NULL, NULL), KEEL_OK);
    assert_int_equal(recorded(r), 17);
    assert_int_equal(keel_audit_report_find(r, "6-3B")->tests[0].verdict, KEEL_AUDIT_PASS);
    assert_int_equal(keel_audit_report_find(r, "6-3B")->tests[0].kind, KEEL_AUDIT_CONCEPTUAL);
    keel_audit_report_free(r);
    /* V2.1.1 has no 5.13-1A, 6-3B, 6-6 */
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V2_1_1, "t", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_concepts(r, BASE, strlen(BASE), NULL, NULL), KEEL_OK);
    assert_int_equal(recorded(r), 14);
    assert_null(keel_audit_report_find(r, "6-6"));
    keel_audit_report_free(r);
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "t", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_concepts(r, BASE, strlen(BASE), only_params, NULL), KEEL_OK);
    assert_int_equal(recorded(r), 2);
    assert_int_equal(keel_audit_check_concepts(r, "{", 1, NULL, NULL), KEEL_ERR_PARSE);
    keel_audit_report_free(r);
    /* any JSON value is judged without a crash: every table missing */
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "t", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_concepts(r, "[1,2]", 5, NULL, NULL), KEEL_OK);
    assert_int_equal(keel_audit_report_find(r, "5.5-8")->tests[0].verdict, KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_report_free(r);
    assert_int_equal(keel_audit_concepts_wanted(KEEL_EN303645_V3_1_3, NULL, NULL, ids, sizeof(ids)),
                     17);
    assert_non_null(strstr(ids, " 5.13-1A-1 6-3B-1 6-6-1"));
    assert_int_equal(keel_audit_concepts_wanted(KEEL_EN303645_V2_1_1, NULL, NULL, NULL, 0), 14);
    assert_int_equal(
        keel_audit_concepts_wanted(KEEL_EN303645_V3_1_3, only_params, NULL, ids, sizeof(ids)), 2);
    assert_string_equal(ids, "5.4-2-1 5.4-4-1");
    /* IDs that do not fit are left out, the count stays */
    assert_int_equal(keel_audit_concepts_wanted(KEEL_EN303645_V3_1_3, only_params, NULL, ids, 10),
                     2);
    assert_string_equal(ids, "5.4-2-1");
    assert_int_equal(keel_audit_concepts_serve(KEEL_EN303645_V3_1_3, "6-6"), 1);
    assert_int_equal(keel_audit_concepts_serve(KEEL_EN303645_V2_1_1, "6-6"), 0);
    assert_int_equal(keel_audit_concepts_serve(KEEL_EN303645_V2_1_1, "5.5-8"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_rules), cmocka_unit_test(test_auth),
        cmocka_unit_test(test_update),     cmocka_unit_test(test_params),
        cmocka_unit_test(test_data),       cmocka_unit_test(test_passwords_updates_interfaces),
        cmocka_unit_test(test_recorded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
