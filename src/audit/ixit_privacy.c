/* The IXIT's privacy members (TS 103 701 IXIT 2-UserInfo, 21-PersData, 22-ExtSens,
 * 24-TelData, 25-DelFunc) and the laboratory's consent check: what 5.8-3, 5.10-1, 5.11 and
 * 6-1 .. 6-5 are judged against. The maker's file is untrusted like the rest of the IXIT:
 * every field is bounded and every refusal names it ("deletion.user_data[0].body: ..."). A
 * member that is absent says nothing; null (or an empty list where the schema allows one)
 * declares "none", which is what N/A rests on. */
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "ixit_int.h"

typedef keel_audit_ixit_parser parse;

#define RETENTION_DAYS_MAX 36500 /* a hundred years */
#define CONSENT_QUIET_MIN_MS 100

static void at(parse *p, const char *where)
{
    (void)keel_str_copy(p->where, sizeof(p->where), where);
}

static void at_item(parse *p, const char *list, size_t i)
{
    (void)keel_str_format(p->where, sizeof(p->where), "%s[%zu]", list, i);
}

/* The member name of obj as an object, or a refusal; *out NULL when absent and !required. */
static keel_err get_object(parse *p, const cJSON *obj, const char *name, int required,
                           const cJSON **out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

    *out = NULL;
    if (m == NULL)
        return required ? keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing") : KEEL_OK;
    if (!cJSON_IsObject(m))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be an object");
    *out = m;
    return KEEL_OK;
}

/* The array member name of obj with at most max entries. */
static keel_err get_list(parse *p, const cJSON *obj, const char *name, size_t max,
                         const cJSON **out, size_t *count)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name);
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;

    if (a == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing");
    if (n < 0)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be an array");
    if ((size_t)n > max)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, name, "more than %zu entries", max);
    *out = a;
    *count = (size_t)n;
    return KEEL_OK;
}

/* A required member that is a string or null ("" for null). */
static keel_err get_nullable_string(parse *p, const cJSON *obj, const char *name, char *out,
                                    size_t outsz)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

    out[0] = '\0';
    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing (null for none)");
    if (cJSON_IsNull(m))
        return KEEL_OK;
    return keel_audit_ixit_get_string(p, obj, name, out, outsz);
}

static keel_err get_optional_ms(parse *p, const cJSON *obj, const char *name, long min, long max,
                                long fallback, long *out)
{
    double v = 0;
    int has = 0;
    keel_err ret =
        keel_audit_ixit_get_optional_integer(p, obj, name, (double)min, (double)max, &has, &v);

    *out = has ? (long)v : fallback;
    return ret;
}

int keel_audit_json_walk(cJSON *root, int (*visit)(cJSON *item, void *user), void *user)
{
    cJSON *parents[CJSON_NESTING_LIMIT + 1];
    cJSON *cur = root;
    size_t depth = 0;

    if (root == NULL || visit == NULL)
        return 0;
    for (;;) {
        if (visit(cur, user))
            return 1;
        if (cur->child != NULL && depth < sizeof(parents) / sizeof(parents[0])) {
            parents[depth++] = cur;
            cur = cur->child;
            continue;
        }
        while (cur != root && cur->next == NULL && depth > 0)
            cur = parents[--depth];
        if (cur == root)
            return 0;
        cur = cur->next;
    }
}

static int holds(cJSON *item, void *needle)
{
    return cJSON_IsString(item) && item->valuestring != NULL &&
           strstr(item->valuestring, needle) != NULL;
}

/* 1 when a string of item (any depth) holds needle. */
static int strings_hold(const cJSON *item, const char *needle)
{
    return keel_audit_json_walk((cJSON *)item, holds, (void *)needle);
}

/* {"method", "path", "body"?}: the body a JSON object (required when placeholder is given, and
 * then holding it in a string). */
static keel_err get_request(parse *p, const cJSON *obj, const char *placeholder,
                            keel_audit_ixit_request *r)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(obj, "body");
    keel_err ret = keel_audit_ixit_get_string(p, obj, "method", r->method, sizeof(r->method));

    if (ret == KEEL_ERR_TOO_LARGE || (ret == KEEL_OK && !keel_audit_ixit_method_known(r->method)))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "method",
                                      "must be GET, POST, PUT, PATCH or DELETE");
    if (ret != KEEL_OK ||
        (ret = keel_audit_ixit_get_path(p, obj, "path", r->path, sizeof(r->path))) != KEEL_OK)
        return ret;
    if (body == NULL && placeholder == NULL)
        return KEEL_OK;
    if (!cJSON_IsObject(body) ||
        keel_audit_ixit_print_json(body, r->body, sizeof(r->body)) != KEEL_OK)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "body",
                                      "must be a JSON object of at most %d bytes",
                                      KEEL_AUDIT_PRIVACY_BODY_MAX - 1);
    if (placeholder != NULL && !strings_hold(body, placeholder))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "body",
                                      "must hold \"%s\" in a string where the datum goes",
                                      placeholder);
    return KEEL_OK;
}

/* ---- "personal_data" (21-PersData) ---- */

static keel_err get_legal_basis(parse *p, const cJSON *obj, keel_audit_legal_basis *out)
{
    char v[32];
    keel_err ret = keel_audit_ixit_get_string(p, obj, "legal_basis", v, sizeof(v));

    for (int b = KEEL_AUDIT_BASIS_CONTRACT;
         ret == KEEL_OK && b <= KEEL_AUDIT_BASIS_LEGAL_OBLIGATION; b++) {
        if (strcmp(v, keel_audit_legal_basis_name((keel_audit_legal_basis)b)) == 0) {
            *out = (keel_audit_legal_basis)b;
            return KEEL_OK;
        }
    }
    if (ret != KEEL_OK && ret != KEEL_ERR_TOO_LARGE)
        return ret;
    return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "legal_basis",
                                  "must be \"contract\", \"consent\", \"legitimate_interest\" or "
                                  "\"legal_obligation\"");
}

static keel_err get_retention_days(parse *p, const cJSON *obj, long *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "retention_days");
    double v = 0;
    int has = 0;
    keel_err ret;

    *out = -1;
    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "retention_days",
                                      "missing (null when no fixed number of days)");
    if (cJSON_IsNull(m))
        return KEEL_OK;
    ret = keel_audit_ixit_get_optional_integer(p, obj, "retention_days", 0, RETENTION_DAYS_MAX,
                                               &has, &v);
    *out = (long)v;
    return ret;
}

static keel_err get_recipients(parse *p, const cJSON *obj, keel_audit_ixit_datum *d)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret = get_list(p, obj, "recipients", KEEL_AUDIT_PRIVACY_RECIPIENTS_MAX, &a, &n);

    if (ret != KEEL_OK)
        return ret;
    cJSON_ArrayForEach(e, a)
    {
        const char *v = cJSON_IsString(e) ? e->valuestring : NULL;
        size_t len = v != NULL ? strlen(v) : 0;
        int ctrl = 0;

        for (size_t i = 0; i < len; i++)
            ctrl |= (unsigned char)v[i] < 0x20 || v[i] == 0x7f;
        if (len == 0 || len >= KEEL_AUDIT_PRIVACY_RECIPIENT_MAX || ctrl)
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "recipients",
                                          "entry %zu must be a string of 1-%d bytes without "
                                          "control characters",
                                          d->recipient_count, KEEL_AUDIT_PRIVACY_RECIPIENT_MAX - 1);
        (void)keel_str_copy(d->recipients[d->recipient_count++], KEEL_AUDIT_PRIVACY_RECIPIENT_MAX,
                            v);
    }
    return KEEL_OK;
}

static keel_err parse_datum(parse *p, const cJSON *o, keel_audit_ixit_datum *d)
{
    keel_err ret;

    if (!cJSON_IsObject(o))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_string(p, o, "id", d->id, sizeof(d->id))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, o, "datum", d->datum, sizeof(d->datum))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, o, "purpose", d->purpose, sizeof(d->purpose))) !=
            KEEL_OK ||
        (ret = get_legal_basis(p, o, &d->legal_basis)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, o, "retention", d->retention, sizeof(d->retention))) !=
            KEEL_OK ||
        (ret = get_retention_days(p, o, &d->retention_days)) != KEEL_OK ||
        (ret = get_recipients(p, o, d)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, o, "stored", d->stored, sizeof(d->stored))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_bool(p, o, "sealed", &d->sealed)) != KEEL_OK)
        return ret;
    return get_nullable_string(p, o, "consent_purpose", d->consent_purpose,
                               sizeof(d->consent_purpose));
}

static keel_err parse_consent(parse *p, const cJSON *o, keel_audit_ixit_consent *c)
{
    keel_err ret;

    if (!cJSON_IsObject(o))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_string(p, o, "purpose", c->purpose, sizeof(c->purpose))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, o, "description", c->description,
                                          sizeof(c->description))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_bool(p, o, "default", &c->default_on)) != KEEL_OK)
        return ret;
    return keel_audit_ixit_get_path(p, o, "route", c->route, sizeof(c->route));
}

static keel_err parse_data_list(parse *p, const cJSON *obj, keel_audit_ixit_personal_data *pd)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret = get_list(p, obj, "data", KEEL_AUDIT_PRIVACY_DATA_MAX, &a, &n);

    cJSON_ArrayForEach(e, a)
    {
        if (ret != KEEL_OK)
            break;
        at_item(p, "personal_data.data", pd->data_count);
        ret = parse_datum(p, e, &pd->data[pd->data_count]);
        for (size_t j = 0; ret == KEEL_OK && j < pd->data_count; j++) {
            if (strcmp(pd->data[j].id, pd->data[pd->data_count].id) == 0)
                ret = keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "id",
                                             "duplicates personal_data.data[%zu]", j);
        }
        pd->data_count++;
    }
    return ret;
}

static keel_err parse_consent_list(parse *p, const cJSON *obj, keel_audit_ixit_personal_data *pd)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret = get_list(p, obj, "consent", KEEL_AUDIT_PRIVACY_CONSENTS_MAX, &a, &n);

    cJSON_ArrayForEach(e, a)
    {
        if (ret != KEEL_OK)
            break;
        at_item(p, "personal_data.consent", pd->consent_count);
        ret = parse_consent(p, e, &pd->consent[pd->consent_count]);
        for (size_t j = 0; ret == KEEL_OK && j < pd->consent_count; j++) {
            if (strcmp(pd->consent[j].purpose, pd->consent[pd->consent_count].purpose) == 0)
                ret = keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "purpose",
                                             "duplicates personal_data.consent[%zu]", j);
        }
        pd->consent_count++;
    }
    return ret;
}

/* Every "consent_purpose" names a declared purpose. */
static keel_err check_purposes(parse *p, const keel_audit_ixit_personal_data *pd)
{
    for (size_t i = 0; i < pd->data_count; i++) {
        const char *want = pd->data[i].consent_purpose;
        int found = want[0] == '\0';

        for (size_t j = 0; !found && j < pd->consent_count; j++)
            found = strcmp(pd->consent[j].purpose, want) == 0;
        if (!found) {
            at_item(p, "personal_data.data", i);
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "consent_purpose",
                                          "\"%s\" is not a purpose of personal_data.consent", want);
        }
    }
    return KEEL_OK;
}

static keel_err parse_personal_data(parse *p, const cJSON *obj, keel_audit_ixit_personal_data *pd)
{
    keel_err ret;

    at(p, "personal_data");
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_string(p, obj, "controller", pd->controller,
                                          sizeof(pd->controller))) != KEEL_OK ||
        (ret = parse_data_list(p, obj, pd)) != KEEL_OK)
        return ret;
    at(p, "personal_data");
    if ((ret = parse_consent_list(p, obj, pd)) != KEEL_OK ||
        (ret = check_purposes(p, pd)) != KEEL_OK)
        return ret;
    pd->present = 1;
    return KEEL_OK;
}

/* ---- "telemetry" (24-TelData) and "sensing" (22-ExtSens) ---- */

static keel_err get_topic(parse *p, const cJSON *obj, char *out)
{
    keel_err ret = keel_audit_ixit_get_string(p, obj, "topic", out, KEEL_AUDIT_TOPIC_MAX);

    if (ret == KEEL_OK && mosquitto_sub_topic_check(out) != MOSQ_ERR_SUCCESS)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "topic",
                                      "must be an MQTT topic ('+' and '#' only as whole levels)");
    return ret;
}

static keel_err parse_field(parse *p, const cJSON *o, keel_audit_ixit_telemetry_field *f)
{
    keel_err ret;

    if (!cJSON_IsObject(o))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    ret = keel_audit_ixit_get_string(p, o, "name", f->name, sizeof(f->name));
    if (ret == KEEL_OK && !keel_audit_ixit_name_valid(f->name))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "name", "must be printable ASCII");
    if (ret != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, o, "meaning", f->meaning, sizeof(f->meaning))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_bool(p, o, "personal", &f->personal)) != KEEL_OK)
        return ret;
    return keel_audit_ixit_get_optional_string(p, o, "justification", f->justification,
                                               sizeof(f->justification));
}

static keel_err parse_telemetry(parse *p, const cJSON *obj, keel_audit_ixit_telemetry *t)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret;

    at(p, "telemetry");
    if (cJSON_IsNull(obj)) {
        t->declared = KEEL_AUDIT_DECLARED_NONE;
        return KEEL_OK;
    }
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "",
                                      "must be an object (null when no telemetry is collected)");
    if ((ret = get_topic(p, obj, t->topic)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "recipient", t->recipient,
                                          sizeof(t->recipient))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "purpose", t->purpose, sizeof(t->purpose))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "examined_by", t->examined_by,
                                          sizeof(t->examined_by))) != KEEL_OK ||
        (ret = get_list(p, obj, "fields", KEEL_AUDIT_TELEMETRY_FIELDS_MAX, &a, &n)) != KEEL_OK)
        return ret;
    cJSON_ArrayForEach(e, a)
    {
        at_item(p, "telemetry.fields", t->field_count);
        if ((ret = parse_field(p, e, &t->fields[t->field_count])) != KEEL_OK)
            return ret;
        for (size_t j = 0; j < t->field_count; j++) {
            if (strcmp(t->fields[j].name, t->fields[t->field_count].name) == 0)
                return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "name",
                                              "duplicates telemetry.fields[%zu]", j);
        }
        t->field_count++;
    }
    t->declared = KEEL_AUDIT_DECLARED;
    return KEEL_OK;
}

static keel_err parse_sensing(parse *p, const cJSON *root, keel_audit_ixit_sensing *s)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret;

    at(p, "");
    if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "sensing"))) {
        s->declared = KEEL_AUDIT_DECLARED_NONE;
        return KEEL_OK;
    }
    if ((ret = get_list(p, root, "sensing", KEEL_AUDIT_SENSING_MAX, &a, &n)) != KEEL_OK)
        return ret;
    cJSON_ArrayForEach(e, a)
    {
        keel_audit_ixit_sensor *c = &s->items[s->count];

        at_item(p, "sensing", s->count);
        if (!cJSON_IsObject(e))
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
        if ((ret = keel_audit_ixit_get_string(p, e, "capability", c->capability,
                                              sizeof(c->capability))) != KEEL_OK ||
            (ret = keel_audit_ixit_get_string(p, e, "what", c->what, sizeof(c->what))) != KEEL_OK ||
            (ret = keel_audit_ixit_get_string(p, e, "documented_in", c->documented_in,
                                              sizeof(c->documented_in))) != KEEL_OK)
            return ret;
        s->count++;
    }
    s->declared = s->count > 0 ? KEEL_AUDIT_DECLARED : KEEL_AUDIT_DECLARED_NONE;
    return KEEL_OK;
}

/* ---- "deletion" (25-DelFunc) ---- */

static keel_err parse_service(parse *p, const cJSON *obj, keel_audit_ixit_deletion *d)
{
    const cJSON *svc = cJSON_GetObjectItemCaseSensitive(obj, "service"), *req = NULL, *st = NULL;
    const cJSON *confirmed;
    keel_err ret;

    if (svc == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "service",
                                      "missing (null when no associated service keeps personal "
                                      "data)");
    if (cJSON_IsNull(svc)) {
        d->service = KEEL_AUDIT_DECLARED_NONE;
        return KEEL_OK;
    }
    if ((ret = get_object(p, obj, "service", 1, &svc)) != KEEL_OK)
        return ret;
    at(p, "deletion.service");
    if ((ret = get_object(p, svc, "request", 1, &req)) != KEEL_OK ||
        (ret = get_object(p, svc, "status", 1, &st)) != KEEL_OK)
        return ret;
    at(p, "deletion.service.request");
    if ((ret = get_request(p, req, NULL, &d->service_request)) != KEEL_OK)
        return ret;
    at(p, "deletion.service.status");
    confirmed = cJSON_GetObjectItemCaseSensitive(st, "confirmed");
    if ((ret = keel_audit_ixit_get_path(p, st, "path", d->status_path, sizeof(d->status_path))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, st, "field", d->status_field,
                                          sizeof(d->status_field))) != KEEL_OK)
        return ret;
    if (confirmed == NULL || cJSON_IsObject(confirmed) || cJSON_IsArray(confirmed) ||
        keel_audit_ixit_print_json(confirmed, d->status_confirmed, sizeof(d->status_confirmed)) !=
            KEEL_OK)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "confirmed",
                                      "must be the JSON string, number or boolean the field shows "
                                      "once the service confirmed");
    if ((ret = get_optional_ms(p, st, "timeout_ms", 1, KEEL_AUDIT_DELETION_WAIT_MAX_MS,
                               KEEL_AUDIT_DELETION_WAIT_MS, &d->status_timeout_ms)) != KEEL_OK)
        return ret;
    d->service = KEEL_AUDIT_DECLARED;
    return KEEL_OK;
}

static keel_err parse_user_data(parse *p, const cJSON *obj, keel_audit_ixit_deletion *d)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret = get_list(p, obj, "user_data", KEEL_AUDIT_USER_DATA_MAX, &a, &n);

    cJSON_ArrayForEach(e, a)
    {
        if (ret != KEEL_OK)
            break;
        at_item(p, "deletion.user_data", d->user_data_count);
        if (!cJSON_IsObject(e))
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
        ret = get_request(p, e, KEEL_AUDIT_CANARY_PLACEHOLDER, &d->user_data[d->user_data_count++]);
    }
    return ret;
}

static keel_err parse_deletion(parse *p, const cJSON *obj, keel_audit_ixit_deletion *d)
{
    const cJSON *reset = NULL;
    keel_err ret;

    at(p, "deletion");
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = get_object(p, obj, "reset", 1, &reset)) != KEEL_OK)
        return ret;
    at(p, "deletion.reset");
    if ((ret = get_request(p, reset, NULL, &d->reset)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_bool(p, reset, "restarts", &d->restarts)) != KEEL_OK)
        return ret;
    at(p, "deletion");
    if ((ret = parse_user_data(p, obj, d)) != KEEL_OK)
        return ret;
    at(p, "deletion");
    if ((ret = parse_service(p, obj, d)) != KEEL_OK)
        return ret;
    at(p, "deletion");
    if ((ret = keel_audit_ixit_get_string(p, obj, "instructions", d->instructions,
                                          sizeof(d->instructions))) != KEEL_OK)
        return ret;
    d->present = 1;
    return KEEL_OK;
}

/* ---- "consent_check" (the laboratory's 6-3A-2) and "user_info" (2-UserInfo) ---- */

static keel_err parse_mqtt(parse *p, const cJSON *m, keel_audit_ixit_mqtt *q)
{
    char hostport[KEEL_AUDIT_TARGET_MAX + 8];
    keel_audit_target t;
    double port = 0;
    int has = 0;
    keel_err ret;

    if ((ret = keel_audit_ixit_get_string(p, m, "host", q->host, sizeof(q->host))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_optional_integer(p, m, "port", 1, 65535, &has, &port)) !=
            KEEL_OK)
        return ret;
    if (!has)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "port", "missing");
    q->port = (uint16_t)port;
    if (keel_str_format(hostport, sizeof(hostport), strchr(q->host, ':') ? "[%s]:%u" : "%s:%u",
                        q->host, (unsigned)q->port) != KEEL_OK ||
        keel_audit_target_parse(hostport, &t) != KEEL_OK)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "host",
                                      "must be a DNS name or an IP address");
    if ((ret = keel_audit_ixit_get_string(p, m, "ca", q->ca, sizeof(q->ca))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, m, "cert", q->cert, sizeof(q->cert))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, m, "key", q->key, sizeof(q->key))) != KEEL_OK)
        return ret;
    return get_topic(p, m, q->topic);
}

static keel_err parse_consent_check(parse *p, const cJSON *obj, keel_audit_ixit_consent_check *c)
{
    const cJSON *trigger = NULL, *observe = NULL, *mqtt = NULL;
    keel_err ret;

    at(p, "consent_check");
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_string(p, obj, "purpose", c->purpose, sizeof(c->purpose))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_path(p, obj, "route", c->route, sizeof(c->route))) != KEEL_OK ||
        (ret = get_optional_ms(p, obj, "wait_ms", 1, KEEL_AUDIT_CONSENT_WAIT_MAX_MS,
                               KEEL_AUDIT_CONSENT_WAIT_MS, &c->wait_ms)) != KEEL_OK ||
        (ret = get_optional_ms(p, obj, "quiet_ms", CONSENT_QUIET_MIN_MS,
                               KEEL_AUDIT_CONSENT_WAIT_MAX_MS, KEEL_AUDIT_CONSENT_QUIET_MS,
                               &c->quiet_ms)) != KEEL_OK ||
        (ret = get_object(p, obj, "trigger", 1, &trigger)) != KEEL_OK ||
        (ret = get_object(p, obj, "observe", 1, &observe)) != KEEL_OK)
        return ret;
    at(p, "consent_check.trigger");
    if ((ret = get_request(p, trigger, NULL, &c->trigger)) != KEEL_OK)
        return ret;
    at(p, "consent_check.observe");
    if ((ret = get_object(p, observe, "mqtt", 1, &mqtt)) != KEEL_OK)
        return ret;
    at(p, "consent_check.observe.mqtt");
    if ((ret = parse_mqtt(p, mqtt, &c->mqtt)) != KEEL_OK)
        return ret;
    c->present = 1;
    return KEEL_OK;
}

static keel_err parse_user_info(parse *p, const cJSON *obj, keel_audit_ixit_user_info *u)
{
    const cJSON *a = NULL, *e;
    size_t n = 0;
    keel_err ret;

    at(p, "user_info");
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = get_list(p, obj, "documents", KEEL_AUDIT_USER_DOCS_MAX, &a, &n)) != KEEL_OK)
        return ret;
    cJSON_ArrayForEach(e, a)
    {
        keel_audit_ixit_document *d = &u->documents[u->count];

        at_item(p, "user_info.documents", u->count);
        if (!cJSON_IsObject(e))
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
        if ((ret = keel_audit_ixit_get_string(p, e, "title", d->title, sizeof(d->title))) !=
                KEEL_OK ||
            (ret = keel_audit_ixit_get_string(p, e, "path", d->path, sizeof(d->path))) != KEEL_OK)
            return ret;
        u->count++;
    }
    u->present = 1;
    return KEEL_OK;
}

/* ---- the whole ---- */

static const char *const members[] = {"personal_data", "telemetry",     "sensing",
                                      "deletion",      "consent_check", "user_info"};

static keel_err parse_all(parse *p, const cJSON *root, keel_audit_ixit_privacy *x)
{
    const cJSON *m;
    keel_err ret = KEEL_OK;

    if ((m = cJSON_GetObjectItemCaseSensitive(root, "personal_data")) != NULL)
        ret = parse_personal_data(p, m, &x->personal_data);
    if (ret == KEEL_OK && (m = cJSON_GetObjectItemCaseSensitive(root, "telemetry")) != NULL)
        ret = parse_telemetry(p, m, &x->telemetry);
    if (ret == KEEL_OK && cJSON_GetObjectItemCaseSensitive(root, "sensing") != NULL)
        ret = parse_sensing(p, root, &x->sensing);
    if (ret == KEEL_OK && (m = cJSON_GetObjectItemCaseSensitive(root, "deletion")) != NULL)
        ret = parse_deletion(p, m, &x->deletion);
    if (ret == KEEL_OK && (m = cJSON_GetObjectItemCaseSensitive(root, "consent_check")) != NULL)
        ret = parse_consent_check(p, m, &x->consent_check);
    if (ret == KEEL_OK && (m = cJSON_GetObjectItemCaseSensitive(root, "user_info")) != NULL)
        ret = parse_user_info(p, m, &x->user_info);
    return ret;
}

keel_err keel_audit_ixit_privacy_parse(const void *root_item, keel_audit_ixit *x, char *why,
                                       size_t whysz)
{
    const cJSON *root = root_item;
    parse p = {.why = why, .whysz = whysz, .where = ""};
    int any = 0;

    if (root == NULL || x == NULL)
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
        any |= cJSON_GetObjectItemCaseSensitive(root, members[i]) != NULL;
    if (!any)
        return KEEL_OK;
    x->privacy = calloc(1, sizeof(*x->privacy));
    if (x->privacy == NULL)
        return KEEL_ERR_NOMEM;
    return parse_all(&p, root, x->privacy);
}

const char *keel_audit_legal_basis_name(keel_audit_legal_basis b)
{
    switch (b) {
    case KEEL_AUDIT_BASIS_CONTRACT: return "contract";
    case KEEL_AUDIT_BASIS_CONSENT: return "consent";
    case KEEL_AUDIT_BASIS_LEGITIMATE_INTEREST: return "legitimate_interest";
    case KEEL_AUDIT_BASIS_LEGAL_OBLIGATION: return "legal_obligation";
    }
    return NULL;
}

/* A relative file name of the IXIT is taken from the IXIT file's directory. */
static keel_err rebase(parse *p, const char *dir, const char *field, char *name, size_t namesz)
{
    char joined[KEEL_AUDIT_UPDATE_FILE_MAX];

    if (name[0] == '\0' || name[0] == '/')
        return KEEL_OK;
    if (keel_str_format(joined, sizeof(joined), "%s/%s", dir, name) != KEEL_OK)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, field,
                                      "longer than %d bytes once joined to the IXIT's directory",
                                      KEEL_AUDIT_UPDATE_FILE_MAX - 1);
    return keel_str_copy(name, namesz, joined);
}

keel_err keel_audit_ixit_privacy_rebase(keel_audit_ixit *x, const char *path, char *why,
                                        size_t whysz)
{
    parse p = {.why = why, .whysz = whysz, .where = "consent_check.observe.mqtt"};
    char dir[KEEL_AUDIT_UPDATE_FILE_MAX];
    const char *slash;
    keel_audit_ixit_mqtt *m;
    keel_err ret;

    if (x == NULL || path == NULL)
        return KEEL_ERR_ARG;
    if (x->privacy == NULL || !x->privacy->consent_check.present)
        return KEEL_OK;
    m = &x->privacy->consent_check.mqtt;
    slash = strrchr(path, '/');
    if (slash == NULL)
        ret = keel_str_copy(dir, sizeof(dir), ".");
    else if (slash == path)
        ret = keel_str_copy(dir, sizeof(dir), "/");
    else
        ret = keel_str_format(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (ret != KEEL_OK)
        return keel_audit_ixit_refuse(&p, KEEL_ERR_TOO_LARGE, "", "the IXIT's path is too long");
    if ((ret = rebase(&p, dir, "ca", m->ca, sizeof(m->ca))) != KEEL_OK ||
        (ret = rebase(&p, dir, "cert", m->cert, sizeof(m->cert))) != KEEL_OK)
        return ret;
    return rebase(&p, dir, "key", m->key, sizeof(m->key));
}
