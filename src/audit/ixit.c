/* The IXIT of the device under test (TS 103 701 IXIT 15-Intf and 13-SoftServ): its declared
 * network interfaces and HTTP routes, in the shape `keeld --describe` prints. The file comes
 * from the device maker and is untrusted: every size is bounded and every refusal names the
 * field and the rule, so that the maker can fix the file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "audit.h"
#include "ixit_int.h"

typedef keel_audit_ixit_parser parse;

KEEL_PRINTF(4, 5)
keel_err keel_audit_ixit_refuse(parse *p, keel_err err, const char *field, const char *fmt, ...)
{
    char rule[KEEL_AUDIT_IXIT_WHY_MAX];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(rule, sizeof(rule), fmt, ap) < 0)
        rule[0] = '\0';
    va_end(ap);
    /* A reason too long for the caller's buffer is cut, never dropped: it names the field
     * first. */
    if (p->why != NULL && p->whysz > 0 &&
        snprintf(p->why, p->whysz, "%s%s%s%s%s", p->where,
                 p->where[0] != '\0' && field[0] != '\0' ? "." : "", field,
                 p->where[0] != '\0' || field[0] != '\0' ? ": " : "", rule) < 0)
        p->why[0] = '\0';
    return err;
}

/* A required string member of at most outsz - 1 bytes, non-empty, without control
 * characters. */
keel_err keel_audit_ixit_get_string(parse *p, const cJSON *obj, const char *name, char *out,
                                    size_t outsz)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    size_t n;

    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing");
    if (!cJSON_IsString(m) || m->valuestring == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be a string");
    n = strlen(m->valuestring);
    if (n == 0)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must not be empty");
    if (n >= outsz)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, name, "longer than %zu bytes",
                                      outsz - 1);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)m->valuestring[i] < 0x20 || m->valuestring[i] == 0x7f)
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name,
                                          "must not hold control characters");
    }
    return keel_str_copy(out, outsz, m->valuestring);
}

keel_err keel_audit_ixit_get_bool(parse *p, const cJSON *obj, const char *name, int *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing");
    if (!cJSON_IsBool(m))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be true or false");
    *out = cJSON_IsTrue(m);
    return KEEL_OK;
}

/* One of two words: *out 0 for a, 1 for b. */
static keel_err get_choice(parse *p, const cJSON *obj, const char *name, const char *a,
                           const char *b, int *out)
{
    char v[16];
    keel_err ret = keel_audit_ixit_get_string(p, obj, name, v, sizeof(v));

    if (ret == KEEL_ERR_TOO_LARGE || (ret == KEEL_OK && strcmp(v, a) != 0 && strcmp(v, b) != 0))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be \"%s\" or \"%s\"", a, b);
    if (ret != KEEL_OK)
        return ret;
    *out = strcmp(v, b) == 0;
    return KEEL_OK;
}

static keel_err get_port(parse *p, const cJSON *obj, uint16_t *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "port");
    double d;

    if (m == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "port", "missing");
    d = cJSON_IsNumber(m) ? m->valuedouble : 0;
    if (!cJSON_IsNumber(m) || !(d >= 1 && d <= 65535) || d != (double)(long)d)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "port", "must be an integer 1-65535");
    *out = (uint16_t)d;
    return KEEL_OK;
}

static keel_err parse_interface(parse *p, const cJSON *obj, keel_audit_ixit_interface *i)
{
    keel_err ret;

    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_string(p, obj, "id", i->id, sizeof(i->id))) != KEEL_OK ||
        (ret = get_choice(p, obj, "direction", "outbound", "inbound", &i->inbound)) != KEEL_OK ||
        (ret = get_choice(p, obj, "transport", "tcp", "udp", &i->udp)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "address", i->address, sizeof(i->address))) !=
            KEEL_OK ||
        (ret = get_port(p, obj, &i->port)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "protocol", i->protocol, sizeof(i->protocol))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "purpose", i->purpose, sizeof(i->purpose))) !=
            KEEL_OK)
        return ret;
    return keel_audit_ixit_get_string(p, obj, "authentication", i->authentication,
                                      sizeof(i->authentication));
}

int keel_audit_ixit_method_known(const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(m, known[i]) == 0)
            return 1;
    }
    return 0;
}

/* An optional integer member in [min, max]; absent: *present 0. */
keel_err keel_audit_ixit_get_optional_integer(parse *p, const cJSON *obj, const char *name,
                                              double min, double max, int *present, double *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    double d;

    *present = 0;
    if (m == NULL)
        return KEEL_OK;
    d = cJSON_IsNumber(m) ? m->valuedouble : -1;
    if (!cJSON_IsNumber(m) || !(d >= min && d <= max) || d != (double)(long long)d)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be an integer %.0f-%.0f", min,
                                      max);
    *present = 1;
    *out = d;
    return KEEL_OK;
}

/* A member name or label key: 1 to KEEL_AUDIT_IXIT_NAME_MAX - 1 printable ASCII bytes. */
int keel_audit_ixit_name_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= KEEL_AUDIT_IXIT_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < ' ' || s[i] > '~')
            return 0;
    }
    return 1;
}

static keel_err get_json_type(parse *p, const cJSON *m, keel_audit_json_type *out)
{
    static const char *const names[] = {"string",  "secret", "integer", "number",
                                        "boolean", "object", "array"};

    for (size_t i = 0; cJSON_IsString(m) && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(m->valuestring, names[i]) == 0) {
            *out = (keel_audit_json_type)i;
            return KEEL_OK;
        }
    }
    return keel_audit_ixit_refuse(
        p, KEEL_ERR_PARSE, "body",
        "member types must be \"string\", \"secret\", \"integer\", \"number\", "
        "\"boolean\", \"object\" or \"array\"");
}

/* The optional "max_body" and "body" of a route (5.13-1): its largest body, and its JSON
 * object's members and their types. */
static keel_err parse_route_input(parse *p, const cJSON *obj, keel_audit_ixit_route *r)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(obj, "body"), *m;
    double max = 0;
    keel_err ret = keel_audit_ixit_get_optional_integer(
        p, obj, "max_body", 0, (double)KEEL_AUDIT_IXIT_BODY_MAX, &r->has_max_body, &max);

    if (ret != KEEL_OK)
        return ret;
    r->max_body = (size_t)max;
    if (body == NULL)
        return KEEL_OK;
    if (!cJSON_IsObject(body))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "body",
                                      "must be an object of member names and types");
    cJSON_ArrayForEach(m, body)
    {
        if (r->member_count == KEEL_AUDIT_IXIT_MEMBERS_MAX)
            return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, "body", "more than %d members",
                                          KEEL_AUDIT_IXIT_MEMBERS_MAX);
        if (m->string == NULL || !keel_audit_ixit_name_valid(m->string))
            return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "body",
                                          "member names must be 1-%d printable ASCII bytes",
                                          KEEL_AUDIT_IXIT_NAME_MAX - 1);
        for (size_t j = 0; j < r->member_count; j++) {
            if (strcmp(r->members[j].name, m->string) == 0)
                return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "body",
                                              "member \"%s\" declared twice", m->string);
        }
        if ((ret = get_json_type(p, m, &r->members[r->member_count].type)) != KEEL_OK)
            return ret;
        (void)keel_str_copy(r->members[r->member_count].name, KEEL_AUDIT_IXIT_NAME_MAX, m->string);
        r->member_count++;
    }
    r->has_body = 1;
    return KEEL_OK;
}

static keel_err parse_route(parse *p, const cJSON *obj, keel_audit_ixit_route *r)
{
    keel_err ret;

    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    ret = keel_audit_ixit_get_string(p, obj, "method", r->method, sizeof(r->method));
    if (ret == KEEL_ERR_TOO_LARGE || (ret == KEEL_OK && !keel_audit_ixit_method_known(r->method)))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "method",
                                      "must be GET, POST, PUT, PATCH or DELETE");
    if (ret != KEEL_OK)
        return ret;
    ret = keel_audit_ixit_get_string(p, obj, "path", r->path, sizeof(r->path));
    if (ret == KEEL_OK && !keel_audit_http_path_valid(r->path))
        return keel_audit_ixit_refuse(
            p, KEEL_ERR_PARSE, "path",
            "must start with '/' and hold only printable ASCII without spaces");
    if (ret != KEEL_OK ||
        (ret = keel_audit_ixit_get_bool(p, obj, "public", &r->is_public)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_bool(p, obj, "security_relevant", &r->security_relevant)) !=
            KEEL_OK)
        return ret;
    return parse_route_input(p, obj, r);
}

/* The array member name of root with at most max entries. */
static keel_err get_array(parse *p, const cJSON *root, const char *name, size_t max,
                          const cJSON **out, size_t *count)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, name);
    int n;

    if (a == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing");
    if (!cJSON_IsArray(a))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be an array");
    n = cJSON_GetArraySize(a);
    if (n < 0 || (size_t)n > max)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, name, "more than %zu entries", max);
    *out = a;
    *count = (size_t)n;
    return KEEL_OK;
}

static keel_err parse_interfaces(parse *p, const cJSON *root, keel_audit_ixit *x)
{
    const cJSON *a = NULL, *e;
    size_t n = 0, i = 0;
    keel_err ret = get_array(p, root, "interfaces", KEEL_AUDIT_IXIT_INTERFACES_MAX, &a, &n);

    if (ret != KEEL_OK)
        return ret;
    x->interfaces = n > 0 ? calloc(n, sizeof(*x->interfaces)) : NULL;
    if (n > 0 && x->interfaces == NULL)
        return KEEL_ERR_NOMEM;
    cJSON_ArrayForEach(e, a)
    {
        if (x->interfaces == NULL || i >= n)
            break; /* cannot happen: n counted these very elements */
        (void)keel_str_format(p->where, sizeof(p->where), "interfaces[%zu]", i);
        if ((ret = parse_interface(p, e, &x->interfaces[i])) != KEEL_OK)
            return ret;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(x->interfaces[j].id, x->interfaces[i].id) == 0)
                return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "id", "duplicates interfaces[%zu]",
                                              j);
        }
        x->interface_count = ++i;
    }
    return KEEL_OK;
}

static keel_err parse_routes(parse *p, const cJSON *root, keel_audit_ixit *x)
{
    const cJSON *a = NULL, *e;
    size_t n = 0, i = 0;
    keel_err ret = get_array(p, root, "routes", KEEL_AUDIT_IXIT_ROUTES_MAX, &a, &n);

    if (ret != KEEL_OK)
        return ret;
    x->routes = n > 0 ? calloc(n, sizeof(*x->routes)) : NULL;
    if (n > 0 && x->routes == NULL)
        return KEEL_ERR_NOMEM;
    cJSON_ArrayForEach(e, a)
    {
        if (x->routes == NULL || i >= n)
            break; /* cannot happen: n counted these very elements */
        (void)keel_str_format(p->where, sizeof(p->where), "routes[%zu]", i);
        if ((ret = parse_route(p, e, &x->routes[i])) != KEEL_OK)
            return ret;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(x->routes[j].method, x->routes[i].method) == 0 &&
                strcmp(x->routes[j].path, x->routes[i].path) == 0)
                return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "path",
                                              "%s %s duplicates routes[%zu]", x->routes[i].method,
                                              x->routes[i].path, j);
        }
        x->route_count = ++i;
    }
    return KEEL_OK;
}

/* ---- "security_txt", "publication" and "outage": what 5.2-1-2, 5.3-13-2, 5.3-16-2 and
 * 5.9-2-2 are given ---- */

keel_err keel_audit_ixit_get_path(parse *p, const cJSON *obj, const char *name, char *out,
                                  size_t outsz)
{
    keel_err ret = keel_audit_ixit_get_string(p, obj, name, out, outsz);

    if (ret == KEEL_OK && !keel_audit_http_path_valid(out))
        return keel_audit_ixit_refuse(
            p, KEEL_ERR_PARSE, name,
            "must start with '/' and hold only printable ASCII without spaces");
    return ret;
}

/* An optional member name or label key into out ("" when absent). */
static keel_err get_optional_name(parse *p, const cJSON *obj, const char *name, char *out)
{
    keel_err ret = keel_audit_ixit_get_optional_string(p, obj, name, out, KEEL_AUDIT_IXIT_NAME_MAX);

    if (ret == KEEL_OK && out[0] != '\0' && !keel_audit_ixit_name_valid(out))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be printable ASCII");
    return ret;
}

static keel_err parse_place(parse *p, const cJSON *obj, const char *name, int api,
                            keel_audit_ixit_publication *o)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    char *su = api ? o->api_support_until : o->label_support_until;
    char *model = api ? o->api_model : o->label_model;
    keel_err ret;

    if (m == NULL)
        return KEEL_OK;
    (void)keel_str_format(p->where, sizeof(p->where), "publication.%s", name);
    if (!cJSON_IsObject(m))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((api && (ret = keel_audit_ixit_get_path(p, m, "path", o->api_path, sizeof(o->api_path))) !=
                    KEEL_OK) ||
        (ret = get_optional_name(p, m, "support_until", su)) != KEEL_OK ||
        (ret = get_optional_name(p, m, "model", model)) != KEEL_OK)
        return ret;
    if (su[0] == '\0' && model[0] == '\0')
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "",
                                      "names neither support_until nor model");
    if ((su[0] != '\0' && o->support_until[0] == '\0') || (model[0] != '\0' && o->model[0] == '\0'))
        return keel_audit_ixit_refuse(
            p, KEEL_ERR_PARSE,
            su[0] != '\0' && o->support_until[0] == '\0' ? "support_until" : "model",
            "named, but \"publication\" declares no value to compare with");
    o->has_label |= !api;
    return KEEL_OK;
}

static keel_err parse_publication(parse *p, const cJSON *root, keel_audit_ixit_publication *o)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "publication");
    int64_t day;
    keel_err ret;

    if (obj == NULL)
        return KEEL_OK;
    (void)keel_str_copy(p->where, sizeof(p->where), "publication");
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_optional_string(p, obj, "support_until", o->support_until,
                                                   sizeof(o->support_until))) ==
            KEEL_ERR_TOO_LARGE ||
        (ret == KEEL_OK && o->support_until[0] != '\0' &&
         keel_audit_date_parse(o->support_until, strlen(o->support_until), &day) != KEEL_OK))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "support_until",
                                      "must be a date YYYY-MM-DD");
    if (ret != KEEL_OK || (ret = keel_audit_ixit_get_optional_string(p, obj, "model", o->model,
                                                                     sizeof(o->model))) != KEEL_OK)
        return ret;
    if (o->support_until[0] == '\0' && o->model[0] == '\0')
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "",
                                      "declares neither support_until nor model");
    if ((ret = parse_place(p, obj, "api", 1, o)) != KEEL_OK ||
        (ret = parse_place(p, obj, "label", 0, o)) != KEEL_OK)
        return ret;
    if (o->api_path[0] == '\0' && !o->has_label) {
        (void)keel_str_copy(p->where, sizeof(p->where), "publication");
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "",
                                      "names no place: \"api\" or \"label\"");
    }
    o->present = 1;
    return KEEL_OK;
}

/* "cut" or "restore": 1 to KEEL_AUDIT_OUTAGE_COMMANDS_MAX argv arrays of 1 to
 * KEEL_AUDIT_OUTAGE_ARGS_MAX non-empty strings without control characters. */
static keel_err parse_commands(parse *p, const cJSON *obj, const char *name,
                               keel_audit_ixit_command *out, size_t *count)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name), *cmd, *arg;
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;

    if (a == NULL)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "missing");
    if (!cJSON_IsArray(a) || n < 1 || n > KEEL_AUDIT_OUTAGE_COMMANDS_MAX)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name, "must be an array of 1-%d commands",
                                      KEEL_AUDIT_OUTAGE_COMMANDS_MAX);
    cJSON_ArrayForEach(cmd, a)
    {
        keel_audit_ixit_command *c = &out[*count];
        int argc = cJSON_IsArray(cmd) ? cJSON_GetArraySize(cmd) : 0;

        if (argc < 1 || argc > KEEL_AUDIT_OUTAGE_ARGS_MAX)
            return keel_audit_ixit_refuse(
                p, KEEL_ERR_PARSE, name,
                "command %zu must be an array of 1-%d strings (argv, no shell)", *count,
                KEEL_AUDIT_OUTAGE_ARGS_MAX);
        cJSON_ArrayForEach(arg, cmd)
        {
            const char *v = cJSON_IsString(arg) ? arg->valuestring : NULL;
            size_t len = v != NULL ? strlen(v) : 0;
            int ctrl = 0;

            for (size_t i = 0; i < len; i++)
                ctrl |= (unsigned char)v[i] < 0x20 || v[i] == 0x7f;
            if (v == NULL || len == 0 || len >= KEEL_AUDIT_OUTAGE_ARG_MAX || ctrl)
                return keel_audit_ixit_refuse(
                    p, KEEL_ERR_PARSE, name,
                    "command %zu argument %zu must be a string of 1-%d bytes without "
                    "control characters",
                    *count, c->argc, KEEL_AUDIT_OUTAGE_ARG_MAX - 1);
            (void)keel_str_copy(c->args[c->argc++], KEEL_AUDIT_OUTAGE_ARG_MAX, v);
        }
        (*count)++;
    }
    return KEEL_OK;
}

/* cJSON's text of item into out, KEEL_ERR_RANGE when it does not fit. */
keel_err keel_audit_ixit_print_json(const cJSON *item, char *out, size_t outsz)
{
    char *text = cJSON_PrintUnformatted(item);
    keel_err ret = text != NULL ? keel_str_copy(out, outsz, text) : KEEL_ERR_NOMEM;

    cJSON_free(text);
    return ret;
}

static keel_err parse_steps(parse *p, const cJSON *local, keel_audit_ixit_outage *o)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(local, "steps"), *step;
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;

    if (n < 1 || n > KEEL_AUDIT_OUTAGE_STEPS_MAX)
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "steps", "must be an array of 1-%d steps",
                                      KEEL_AUDIT_OUTAGE_STEPS_MAX);
    cJSON_ArrayForEach(step, a)
    {
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(step, "body");
        const cJSON *expect = cJSON_GetObjectItemCaseSensitive(step, "expect");
        keel_audit_ixit_step *s = &o->steps[o->step_count];

        if (!cJSON_IsObject(body) ||
            keel_audit_ixit_print_json(body, s->body, sizeof(s->body)) != KEEL_OK)
            return keel_audit_ixit_refuse(
                p, KEEL_ERR_PARSE, "steps",
                "step %zu: \"body\" must be a JSON object of at most %d bytes", o->step_count,
                KEEL_AUDIT_OUTAGE_BODY_MAX - 1);
        if (expect == NULL || cJSON_IsObject(expect) || cJSON_IsArray(expect) ||
            keel_audit_ixit_print_json(expect, s->expect, sizeof(s->expect)) != KEEL_OK)
            return keel_audit_ixit_refuse(
                p, KEEL_ERR_PARSE, "steps",
                "step %zu: \"expect\" must be a JSON string, number, boolean or null",
                o->step_count);
        o->step_count++;
    }
    return KEEL_OK;
}

static keel_err parse_local(parse *p, const cJSON *obj, keel_audit_ixit_outage *o)
{
    const cJSON *local = cJSON_GetObjectItemCaseSensitive(obj, "local");
    keel_err ret;

    if (!cJSON_IsObject(local))
        return keel_audit_ixit_refuse(
            p, KEEL_ERR_PARSE, "local",
            "must be an object: path, member, steps (how local function is exercised)");
    (void)keel_str_copy(p->where, sizeof(p->where), "outage.local");
    if ((ret = keel_audit_ixit_get_path(p, local, "path", o->path, sizeof(o->path))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, local, "member", o->member, sizeof(o->member))) !=
            KEEL_OK)
        return ret;
    return parse_steps(p, local, o);
}

static keel_err parse_outage(parse *p, const cJSON *root, keel_audit_ixit *x)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "outage");
    keel_audit_ixit_outage *o;
    double v = 0;
    int has = 0;
    keel_err ret;

    if (obj == NULL)
        return KEEL_OK;
    (void)keel_str_copy(p->where, sizeof(p->where), "outage");
    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    o = x->outage = calloc(1, sizeof(*x->outage));
    if (o == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = parse_commands(p, obj, "cut", o->cut, &o->cut_count)) != KEEL_OK ||
        (ret = parse_commands(p, obj, "restore", o->restore, &o->restore_count)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_optional_integer(
             p, obj, "timeout_ms", 1, KEEL_AUDIT_OUTAGE_WAIT_MAX_MS, &has, &v)) != KEEL_OK)
        return ret;
    o->timeout_ms = has ? (long)v : KEEL_AUDIT_OUTAGE_TIMEOUT_MS;
    if ((ret = keel_audit_ixit_get_optional_integer(
             p, obj, "settle_ms", 0, KEEL_AUDIT_OUTAGE_WAIT_MAX_MS, &has, &v)) != KEEL_OK)
        return ret;
    o->settle_ms = has ? (long)v : KEEL_AUDIT_OUTAGE_SETTLE_MS;
    return parse_local(p, obj, o);
}

static keel_err parse_extra(parse *p, const cJSON *root, keel_audit_ixit *x)
{
    keel_err ret = KEEL_OK;

    p->where[0] = '\0';
    if (cJSON_GetObjectItemCaseSensitive(root, "security_txt") != NULL)
        ret = keel_audit_ixit_get_path(p, root, "security_txt", x->security_txt,
                                       sizeof(x->security_txt));
    if (ret == KEEL_OK)
        ret = parse_publication(p, root, &x->publication);
    return ret == KEEL_OK ? parse_outage(p, root, x) : ret;
}

keel_err keel_audit_ixit_parse(const void *text, size_t len, keel_audit_ixit *out, char *why,
                               size_t whysz)
{
    parse p = {.why = why, .whysz = whysz};
    cJSON *root = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (text == NULL && len != 0)
        goto out;
    if (len > KEEL_AUDIT_IXIT_FILE_MAX) {
        ret = keel_audit_ixit_refuse(&p, KEEL_ERR_TOO_LARGE, "", "larger than %zu bytes",
                                     KEEL_AUDIT_IXIT_FILE_MAX);
        goto out;
    }
    root = cJSON_ParseWithLength(text, len);
    if (root == NULL) {
        ret = keel_audit_ixit_refuse(&p, KEEL_ERR_PARSE, "", "not valid JSON");
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        ret = keel_audit_ixit_refuse(&p, KEEL_ERR_PARSE, "", "must be a JSON object");
        goto out;
    }
    if ((ret = parse_interfaces(&p, root, out)) != KEEL_OK)
        goto out;
    p.where[0] = '\0';
    if ((ret = parse_routes(&p, root, out)) != KEEL_OK)
        goto out;
    if ((ret = parse_extra(&p, root, out)) == KEEL_OK)
        ret = keel_audit_ixit_privacy_parse(root, out, why, whysz);
    /* The 29 tables of TS 103 701 that are present, each against its spec (ixit_tables.c). */
    if (ret == KEEL_OK)
        ret = keel_audit_ixit_tables_validate(&p, root);
out:
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        keel_audit_ixit_free(out);
    return ret;
}

/* The bytes of the IXIT file at path into a new buffer (*buf, *len; free()), at most
 * KEEL_AUDIT_IXIT_FILE_MAX of them. */
static keel_err read_ixit(const char *path, char **buf, size_t *len, char *why, size_t whysz)
{
    ssize_t n = 0;
    struct stat st;
    keel_err ret = KEEL_ERR_IO;
    int fd;

    *buf = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (why != NULL)
            (void)keel_str_format(why, whysz, "%s",
                                  fd < 0 ? strerror(errno) : "not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > KEEL_AUDIT_IXIT_FILE_MAX) {
        if (why != NULL)
            (void)keel_str_format(why, whysz, "larger than %zu bytes", KEEL_AUDIT_IXIT_FILE_MAX);
        ret = KEEL_ERR_TOO_LARGE;
        goto out;
    }
    /* One byte more than allowed, so that a file that grew since fstat is still refused. */
    *buf = malloc(KEEL_AUDIT_IXIT_FILE_MAX + 1);
    if (*buf == NULL) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    while (*len <= KEEL_AUDIT_IXIT_FILE_MAX &&
           (n = read(fd, *buf + *len, KEEL_AUDIT_IXIT_FILE_MAX + 1 - *len)) > 0)
        *len += (size_t)n;
    if (n < 0) {
        if (why != NULL)
            (void)keel_str_format(why, whysz, "%s", strerror(errno));
        goto out;
    }
    ret = KEEL_OK;
out:
    if (fd >= 0)
        close(fd);
    if (ret != KEEL_OK) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return ret;
}

keel_err keel_audit_ixit_load(const char *path, keel_audit_ixit *out, char *why, size_t whysz)
{
    char *buf = NULL;
    size_t len = 0;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (path == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = read_ixit(path, &buf, &len, why, whysz);
    if (ret == KEEL_OK)
        ret = keel_audit_ixit_parse(buf, len, out, why, whysz);
    if (ret == KEEL_OK && (ret = keel_audit_ixit_privacy_rebase(out, path, why, whysz)) != KEEL_OK)
        keel_audit_ixit_free(out);
    free(buf);
    return ret;
}

void keel_audit_ixit_free(keel_audit_ixit *x)
{
    if (x == NULL)
        return;
    free(x->interfaces);
    free(x->routes);
    free(x->outage);
    free(x->privacy);
    memset(x, 0, sizeof(*x));
}

const keel_audit_ixit_interface *keel_audit_ixit_inbound_tcp(const keel_audit_ixit *x,
                                                             uint16_t port)
{
    if (x == NULL)
        return NULL;
    for (size_t i = 0; i < x->interface_count; i++) {
        if (x->interfaces[i].inbound && !x->interfaces[i].udp && x->interfaces[i].port == port)
            return &x->interfaces[i];
    }
    return NULL;
}

/* ---- The "update" object: what the laboratory is given to assess updates (5.3, 5.7) ---- */

keel_err keel_audit_ixit_get_optional_string(parse *p, const cJSON *obj, const char *name,
                                             char *out, size_t outsz)
{
    out[0] = '\0';
    if (cJSON_GetObjectItemCaseSensitive(obj, name) == NULL)
        return KEEL_OK;
    return keel_audit_ixit_get_string(p, obj, name, out, outsz);
}

/* An optional "HOST:PORT" member into *out; absent: *out = fallback. */
static keel_err get_host_port(parse *p, const cJSON *obj, const char *name,
                              const keel_audit_target *fallback, keel_audit_target *out)
{
    char text[KEEL_AUDIT_TARGET_MAX];
    keel_err ret;

    if (cJSON_GetObjectItemCaseSensitive(obj, name) == NULL) {
        *out = *fallback;
        return KEEL_OK;
    }
    ret = keel_audit_ixit_get_string(p, obj, name, text, sizeof(text));
    if (ret == KEEL_ERR_TOO_LARGE ||
        (ret == KEEL_OK && keel_audit_target_parse(text, out) != KEEL_OK))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, name,
                                      "must be HOST:PORT with a port 1-65535 (IPv6 in brackets)");
    return ret;
}

/* The URL's parts, as the device's fetcher takes it (keel_update_fetcher_https): https, a
 * host, no user, query or fragment, no final '/'. */
typedef struct url_parts {
    char *scheme, *host, *port, *path, *user, *query, *fragment;
} url_parts;

static keel_err url_split(CURLU *url, const char *text, url_parts *u)
{
    if (curl_url_set(url, CURLUPART_URL, text, 0) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_SCHEME, &u->scheme, 0) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_HOST, &u->host, 0) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_PORT, &u->port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_PATH, &u->path, 0) != CURLUE_OK)
        return KEEL_ERR_PARSE;
    if (strcmp(u->scheme, "https") != 0 || u->host[0] == '\0' ||
        curl_url_get(url, CURLUPART_USER, &u->user, 0) != CURLUE_NO_USER ||
        curl_url_get(url, CURLUPART_QUERY, &u->query, 0) != CURLUE_NO_QUERY ||
        curl_url_get(url, CURLUPART_FRAGMENT, &u->fragment, 0) != CURLUE_NO_FRAGMENT)
        return KEEL_ERR_PARSE;
    return KEEL_OK;
}

static void url_parts_free(url_parts *u)
{
    curl_free(u->scheme);
    curl_free(u->host);
    curl_free(u->port);
    curl_free(u->path);
    curl_free(u->user);
    curl_free(u->query);
    curl_free(u->fragment);
}

static keel_err parse_repository(parse *p, keel_audit_ixit_update *out)
{
    char hostport[KEEL_AUDIT_TARGET_MAX + 8];
    url_parts u = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    CURLU *url = curl_url();
    size_t n = strlen(out->repository);
    keel_err ret = KEEL_ERR_PARSE;

    if (url == NULL)
        return KEEL_ERR_NOMEM;
    if (n == 0 || out->repository[n - 1] == '/' || url_split(url, out->repository, &u) != KEEL_OK ||
        keel_str_format(hostport, sizeof(hostport), "%s:%s", u.host, u.port) != KEEL_OK ||
        keel_audit_target_parse(hostport, &out->repository_at) != KEEL_OK) {
        ret = keel_audit_ixit_refuse(
            p, KEEL_ERR_PARSE, "repository",
            "must be an https URL https://HOST[:PORT][/path] without user, query, "
            "fragment or final '/'");
        goto out;
    }
    if (strcmp(u.path, "/") != 0 &&
        (keel_str_copy(out->repository_path, sizeof(out->repository_path), u.path) != KEEL_OK ||
         !keel_audit_http_path_valid(out->repository_path))) {
        ret = keel_audit_ixit_refuse(
            p, KEEL_ERR_PARSE, "repository",
            "its path must be printable ASCII without spaces, under %d bytes",
            KEEL_AUDIT_LOGIN_PATH_MAX);
        goto out;
    }
    ret = KEEL_OK;
out:
    url_parts_free(&u);
    curl_url_cleanup(url);
    return ret;
}

static keel_err parse_update(parse *p, const cJSON *obj, keel_audit_ixit_update *out)
{
    keel_err ret;

    if (!cJSON_IsObject(obj))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE, "", "must be an object");
    if ((ret = keel_audit_ixit_get_string(p, obj, "repository", out->repository,
                                          sizeof(out->repository))) != KEEL_OK ||
        (ret = parse_repository(p, out)) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "repository_ca", out->repository_ca,
                                          sizeof(out->repository_ca))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "trust_root", out->trust_root,
                                          sizeof(out->trust_root))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_string(p, obj, "mirror", out->mirror, sizeof(out->mirror))) !=
            KEEL_OK ||
        (ret = keel_audit_ixit_get_optional_string(p, obj, "lab_cert", out->lab_cert,
                                                   sizeof(out->lab_cert))) != KEEL_OK ||
        (ret = keel_audit_ixit_get_optional_string(p, obj, "lab_key", out->lab_key,
                                                   sizeof(out->lab_key))) != KEEL_OK)
        return ret;
    if ((out->lab_cert[0] == '\0') != (out->lab_key[0] == '\0'))
        return keel_audit_ixit_refuse(p, KEEL_ERR_PARSE,
                                      out->lab_cert[0] == '\0' ? "lab_cert" : "lab_key",
                                      "missing: lab_cert and lab_key go together");
    if ((ret = get_host_port(p, obj, "lab_listen", &out->repository_at, &out->lab_listen)) !=
        KEEL_OK)
        return ret;
    return get_host_port(p, obj, "repository_server", &out->repository_at, &out->server);
}

keel_err keel_audit_ixit_update_parse(const void *text, size_t len, keel_audit_ixit_update *out,
                                      char *why, size_t whysz)
{
    parse p = {.why = why, .whysz = whysz};
    const cJSON *obj;
    cJSON *root = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (text == NULL && len != 0)
        return KEEL_ERR_ARG;
    if (len > KEEL_AUDIT_IXIT_FILE_MAX)
        return keel_audit_ixit_refuse(&p, KEEL_ERR_TOO_LARGE, "", "larger than %zu bytes",
                                      KEEL_AUDIT_IXIT_FILE_MAX);
    root = cJSON_ParseWithLength(text, len);
    if (root == NULL || !cJSON_IsObject(root)) {
        ret = keel_audit_ixit_refuse(&p, KEEL_ERR_PARSE, "",
                                     root == NULL ? "not valid JSON" : "must be a JSON object");
        goto out;
    }
    obj = cJSON_GetObjectItemCaseSensitive(root, "update");
    ret = KEEL_OK;
    if (obj != NULL) {
        (void)keel_str_copy(p.where, sizeof(p.where), "update");
        ret = parse_update(&p, obj, out);
        out->present = ret == KEEL_OK;
    }
out:
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

/* A relative path of the IXIT is taken from the IXIT file's directory. */
static keel_err rebase(parse *p, const char *dir, const char *field, char *path, size_t pathsz)
{
    char joined[KEEL_AUDIT_UPDATE_FILE_MAX];

    if (path[0] == '\0' || path[0] == '/')
        return KEEL_OK;
    if (keel_str_format(joined, sizeof(joined), "%s/%s", dir, path) != KEEL_OK)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, field,
                                      "longer than %d bytes once joined to the IXIT's directory",
                                      KEEL_AUDIT_UPDATE_FILE_MAX - 1);
    return keel_str_copy(path, pathsz, joined);
}

static keel_err rebase_all(parse *p, const char *ixit_path, keel_audit_ixit_update *u)
{
    char dir[KEEL_AUDIT_UPDATE_FILE_MAX];
    const char *slash = strrchr(ixit_path, '/');
    keel_err ret;

    if (slash == NULL)
        ret = keel_str_copy(dir, sizeof(dir), ".");
    else if (slash == ixit_path)
        ret = keel_str_copy(dir, sizeof(dir), "/");
    else
        ret = keel_str_format(dir, sizeof(dir), "%.*s", (int)(slash - ixit_path), ixit_path);
    if (ret != KEEL_OK)
        return keel_audit_ixit_refuse(p, KEEL_ERR_TOO_LARGE, "", "the IXIT's path is too long");
    if ((ret = rebase(p, dir, "repository_ca", u->repository_ca, sizeof(u->repository_ca))) !=
            KEEL_OK ||
        (ret = rebase(p, dir, "trust_root", u->trust_root, sizeof(u->trust_root))) != KEEL_OK ||
        (ret = rebase(p, dir, "mirror", u->mirror, sizeof(u->mirror))) != KEEL_OK ||
        (ret = rebase(p, dir, "lab_cert", u->lab_cert, sizeof(u->lab_cert))) != KEEL_OK)
        return ret;
    return rebase(p, dir, "lab_key", u->lab_key, sizeof(u->lab_key));
}

keel_err keel_audit_ixit_update_load(const char *path, keel_audit_ixit_update *out, char *why,
                                     size_t whysz)
{
    parse p = {.why = why, .whysz = whysz, .where = "update"};
    char *buf = NULL;
    size_t len = 0;
    keel_err ret;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (path == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = read_ixit(path, &buf, &len, why, whysz);
    if (ret == KEEL_OK)
        ret = keel_audit_ixit_update_parse(buf, len, out, why, whysz);
    if (ret == KEEL_OK && out->present)
        ret = rebase_all(&p, path, out);
    free(buf);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}
