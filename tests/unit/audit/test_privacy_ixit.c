/* The IXIT's privacy members (21-PersData, 22-ExtSens, 24-TelData, 25-DelFunc, 2-UserInfo and
 * the laboratory's consent_check): what is read, what "none" looks like, and that every
 * missing or malformed field is refused naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "privacy_ixit.h"

static void parse_ok(const char *text, keel_audit_ixit *x)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_err err = keel_audit_ixit_parse(text, strlen(text), x, why, sizeof(why));

    if (err != KEEL_OK)
        fail_msg("refused (%s): %s", keel_strerror(err), why);
}

static void test_full(void **state)
{
    const keel_audit_ixit_privacy *p;
    keel_audit_ixit x;

    (void)state;
    parse_ok(PRIVACY_IXIT, &x);
    p = x.privacy;
    assert_non_null(p);
    assert_true(p->personal_data.present);
    assert_string_equal(p->personal_data.controller, "the lock's owner");
    assert_int_equal(p->personal_data.data_count, 3);
    assert_string_equal(p->personal_data.data[0].id, "pin_codes");
    assert_int_equal(p->personal_data.data[0].retention_days, -1);
    assert_int_equal(p->personal_data.data[0].recipient_count, 0);
    assert_int_equal(p->personal_data.data[1].retention_days, 90);
    assert_int_equal(p->personal_data.data[2].legal_basis, KEEL_AUDIT_BASIS_CONSENT);
    assert_string_equal(p->personal_data.data[2].recipients[0], "keel cloud service");
    assert_string_equal(p->personal_data.data[2].consent_purpose, "access_log_sync");
    assert_false(p->personal_data.data[2].sealed);
    assert_int_equal(p->personal_data.consent_count, 1);
    assert_false(p->personal_data.consent[0].default_on);
    assert_string_equal(p->personal_data.consent[0].route, "/api/v1/privacy/consent");
    assert_int_equal(p->telemetry.declared, KEEL_AUDIT_DECLARED);
    assert_string_equal(p->telemetry.topic, "keel/+/events");
    assert_int_equal(p->telemetry.field_count, 2);
    assert_string_equal(p->telemetry.fields[1].name, "event");
    assert_int_equal(p->sensing.declared, KEEL_AUDIT_DECLARED);
    assert_int_equal(p->sensing.count, 1);
    assert_true(p->deletion.present);
    assert_true(p->deletion.restarts);
    assert_string_equal(p->deletion.reset.body,
                        "{\"password\":\"{password}\",\"confirm\":\"erase\"}");
    assert_int_equal(p->deletion.user_data_count, 1);
    assert_int_equal(p->deletion.service, KEEL_AUDIT_DECLARED);
    assert_string_equal(p->deletion.service_request.body, "");
    assert_string_equal(p->deletion.status_field, "state");
    assert_string_equal(p->deletion.status_confirmed, "\"confirmed\"");
    assert_int_equal(p->deletion.status_timeout_ms, 5000);
    assert_true(p->consent_check.present);
    assert_int_equal(p->consent_check.wait_ms, KEEL_AUDIT_CONSENT_WAIT_MS);
    assert_int_equal(p->consent_check.quiet_ms, KEEL_AUDIT_CONSENT_QUIET_MS);
    assert_int_equal(p->consent_check.mqtt.port, 8883);
    assert_string_equal(p->consent_check.mqtt.topic, "keel/+/accesslog");
    assert_string_equal(p->consent_check.trigger.body, "{\"action\":\"unlock\"}");
    assert_int_equal(p->user_info.count, 2);
    keel_audit_ixit_free(&x);
    assert_null(x.privacy);
}

static void test_none_declared(void **state)
{
    static const char plain[] = "{\"interfaces\":[],\"routes\":[]}";
    keel_audit_ixit x;
    char *text;

    (void)state;
    parse_ok(plain, &x);
    assert_null(x.privacy);
    keel_audit_ixit_free(&x);
    text = privacy_ixit_with("telemetry", "null");
    parse_ok(text, &x);
    assert_int_equal(x.privacy->telemetry.declared, KEEL_AUDIT_DECLARED_NONE);
    keel_audit_ixit_free(&x);
    free(text);
    text = privacy_ixit_with("sensing", "[]");
    parse_ok(text, &x);
    assert_int_equal(x.privacy->sensing.declared, KEEL_AUDIT_DECLARED_NONE);
    keel_audit_ixit_free(&x);
    free(text);
    text = privacy_ixit_with("deletion.service", "null");
    parse_ok(text, &x);
    assert_int_equal(x.privacy->deletion.service, KEEL_AUDIT_DECLARED_NONE);
    keel_audit_ixit_free(&x);
    free(text);
    /* Absent members: nothing said. */
    text = privacy_ixit_with("telemetry", NULL);
    parse_ok(text, &x);
    assert_int_equal(x.privacy->telemetry.declared, KEEL_AUDIT_UNDECLARED);
    keel_audit_ixit_free(&x);
    free(text);
}

static void refused(const char *path, const char *value, keel_err want, const char *says)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    char *text = privacy_ixit_with(path, value);
    keel_audit_ixit x;
    keel_err err;

    if (text == NULL)
        fail_msg("no member %s in the test's IXIT", path);
    err = keel_audit_ixit_parse(text, strlen(text), &x, why, sizeof(why));
    free(text);
    if (err != want || strcmp(why, says) != 0)
        fail_msg("%s = %s: %s '%s', expected '%s'", path, value ? value : "(removed)",
                 keel_strerror(err), why, says);
    assert_null(x.privacy);
    assert_null(x.routes);
}

static void test_refused(void **state)
{
    (void)state;
    refused("personal_data.data.0.retention", NULL, KEEL_ERR_PARSE,
            "personal_data.data[0].retention: missing");
    refused("personal_data.data.1.legal_basis", "\"maybe\"", KEEL_ERR_PARSE,
            "personal_data.data[1].legal_basis: must be \"contract\", \"consent\", "
            "\"legitimate_interest\" or \"legal_obligation\"");
    refused("personal_data.data.0.retention_days", "-1", KEEL_ERR_PARSE,
            "personal_data.data[0].retention_days: must be an integer 0-36500");
    refused("personal_data.data.0.retention_days", NULL, KEEL_ERR_PARSE,
            "personal_data.data[0].retention_days: missing (null when no fixed number of days)");
    refused("personal_data.data.2.consent_purpose", "\"marketing\"", KEEL_ERR_PARSE,
            "personal_data.data[2].consent_purpose: \"marketing\" is not a purpose of "
            "personal_data.consent");
    refused("personal_data.data.0.consent_purpose", NULL, KEEL_ERR_PARSE,
            "personal_data.data[0].consent_purpose: missing (null for none)");
    refused("personal_data.data.1.id", "\"pin_codes\"", KEEL_ERR_PARSE,
            "personal_data.data[1].id: duplicates personal_data.data[0]");
    refused("personal_data.data.0.recipients", "[\"\"]", KEEL_ERR_PARSE,
            "personal_data.data[0].recipients: entry 0 must be a string of 1-127 bytes without "
            "control characters");
    refused("personal_data.data.0.sealed", "1", KEEL_ERR_PARSE,
            "personal_data.data[0].sealed: must be true or false");
    refused("personal_data.consent.0.default", "\"no\"", KEEL_ERR_PARSE,
            "personal_data.consent[0].default: must be true or false");
    refused("personal_data.consent.0.route", "\"consent\"", KEEL_ERR_PARSE,
            "personal_data.consent[0].route: must start with '/' and hold only printable ASCII "
            "without spaces");
    refused("personal_data.controller", NULL, KEEL_ERR_PARSE, "personal_data.controller: missing");
    refused("personal_data", "[]", KEEL_ERR_PARSE, "personal_data: must be an object");
    refused("telemetry.topic", "\"keel/#/x\"", KEEL_ERR_PARSE,
            "telemetry.topic: must be an MQTT topic ('+' and '#' only as whole levels)");
    refused("telemetry.fields.0.personal", NULL, KEEL_ERR_PARSE,
            "telemetry.fields[0].personal: missing");
    refused("telemetry.fields.1.name", "\"device\"", KEEL_ERR_PARSE,
            "telemetry.fields[1].name: duplicates telemetry.fields[0]");
    refused("telemetry", "3", KEEL_ERR_PARSE,
            "telemetry: must be an object (null when no telemetry is collected)");
    refused("telemetry.examined_by", NULL, KEEL_ERR_PARSE, "telemetry.examined_by: missing");
    refused("sensing.0.documented_in", "\"\"", KEEL_ERR_PARSE,
            "sensing[0].documented_in: must not be empty");
    refused("sensing", "{}", KEEL_ERR_PARSE, "sensing: must be an array");
    refused("deletion.user_data.0.body", "{\"name\":\"x\"}", KEEL_ERR_PARSE,
            "deletion.user_data[0].body: must hold \"{canary}\" in a string where the datum "
            "goes");
    refused("deletion.user_data.0.body", NULL, KEEL_ERR_PARSE,
            "deletion.user_data[0].body: must be a JSON object of at most 1023 bytes");
    refused("deletion.reset.restarts", NULL, KEEL_ERR_PARSE, "deletion.reset.restarts: missing");
    refused("deletion.reset", NULL, KEEL_ERR_PARSE, "deletion.reset: missing");
    refused("deletion.service", NULL, KEEL_ERR_PARSE,
            "deletion.service: missing (null when no associated service keeps personal data)");
    refused("deletion.service.status.confirmed", "{}", KEEL_ERR_PARSE,
            "deletion.service.status.confirmed: must be the JSON string, number or boolean the "
            "field shows once the service confirmed");
    refused("deletion.service.status.timeout_ms", "0", KEEL_ERR_PARSE,
            "deletion.service.status.timeout_ms: must be an integer 1-120000");
    refused("deletion.service.request.method", "\"FETCH\"", KEEL_ERR_PARSE,
            "deletion.service.request.method: must be GET, POST, PUT, PATCH or DELETE");
    refused("deletion.instructions", NULL, KEEL_ERR_PARSE, "deletion.instructions: missing");
    refused("consent_check.observe.mqtt.port", "0", KEEL_ERR_PARSE,
            "consent_check.observe.mqtt.port: must be an integer 1-65535");
    refused("consent_check.observe.mqtt.host", "\"bad host\"", KEEL_ERR_PARSE,
            "consent_check.observe.mqtt.host: must be a DNS name or an IP address");
    refused("consent_check.observe.mqtt.key", NULL, KEEL_ERR_PARSE,
            "consent_check.observe.mqtt.key: missing");
    refused("consent_check.trigger.path", "\"lock\"", KEEL_ERR_PARSE,
            "consent_check.trigger.path: must start with '/' and hold only printable ASCII "
            "without spaces");
    refused("consent_check.quiet_ms", "50", KEEL_ERR_PARSE,
            "consent_check.quiet_ms: must be an integer 100-60000");
    refused("consent_check.observe", NULL, KEEL_ERR_PARSE, "consent_check.observe: missing");
    refused("user_info.documents.0.title", NULL, KEEL_ERR_PARSE,
            "user_info.documents[0].title: missing");
}

static void test_bounds(void **state)
{
    cJSON *root = cJSON_Parse(PRIVACY_IXIT);
    cJSON *data = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "personal_data"), "data");
    char why[KEEL_AUDIT_IXIT_WHY_MAX], *text;
    keel_audit_ixit x;

    (void)state;
    while (cJSON_GetArraySize(data) <= KEEL_AUDIT_PRIVACY_DATA_MAX)
        cJSON_AddItemToArray(data, cJSON_Duplicate(cJSON_GetArrayItem(data, 0), 1));
    text = cJSON_PrintUnformatted(root);
    assert_int_equal(keel_audit_ixit_parse(text, strlen(text), &x, why, sizeof(why)),
                     KEEL_ERR_TOO_LARGE);
    assert_string_equal(why, "personal_data.data: more than 64 entries");
    cJSON_free(text);
    cJSON_Delete(root);
}

/* keel_audit_ixit_load takes the consent check's relative file names from the file's
 * directory, and leaves absolute ones. */
static void test_load_rebases(void **state)
{
    char dir[] = "/tmp/keel-test-privacy-XXXXXX", path[128], want[160],
         why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit x;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ixit.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(PRIVACY_IXIT, f);
    fclose(f);
    assert_int_equal(keel_audit_ixit_load(path, &x, why, sizeof(why)), KEEL_OK);
    snprintf(want, sizeof(want), "%s/lab/ca.pem", dir);
    assert_string_equal(x.privacy->consent_check.mqtt.ca, want);
    assert_string_equal(x.privacy->consent_check.mqtt.key, "/abs/lab.key");
    keel_audit_ixit_free(&x);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),         cmocka_unit_test(test_none_declared),
        cmocka_unit_test(test_refused),      cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_load_rebases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
