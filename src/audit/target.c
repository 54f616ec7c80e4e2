/* The device under test as "HOST:PORT". The text comes from the command line and ends up
 * in URLs, SNI and reports, so it is validated strictly here, at the edge (5.13-1). */
#include <arpa/inet.h>
#include <string.h>

#include "audit.h"

/* A DNS name: dot-separated labels of 1-63 letters, digits and '-', no label starting
 * or ending with '-', at most 253 bytes. */
static int valid_dns_name(const char *s, size_t n)
{
    size_t label = 0;

    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
        if (c == '-' && label == 0)
            return 0;
        if (++label > 63)
            return 0;
    }
    return label > 0 && s[n - 1] != '-';
}

static keel_err parse_port(const char *text, uint16_t *port)
{
    uint64_t v;

    if (keel_str_to_u64(text, 1, 65535, &v) != KEEL_OK)
        return KEEL_ERR_PARSE;
    *port = (uint16_t)v;
    return KEEL_OK;
}

/* "[addr]:port" with addr an IPv6 literal. */
static keel_err parse_bracketed(const char *text, keel_audit_target *out)
{
    const char *close = strchr(text, ']');
    struct in6_addr a6;
    size_t n;

    if (close == NULL || close[1] != ':')
        return KEEL_ERR_PARSE;
    n = (size_t)(close - text - 1);
    if (n == 0 || n >= sizeof(out->host))
        return KEEL_ERR_PARSE;
    memcpy(out->host, text + 1, n);
    out->host[n] = '\0';
    if (inet_pton(AF_INET6, out->host, &a6) != 1)
        return KEEL_ERR_PARSE;
    out->ipv6_literal = 1;
    return parse_port(close + 2, &out->port);
}

keel_err keel_audit_target_parse(const char *text, keel_audit_target *out)
{
    const char *colon;
    struct in_addr a4;
    size_t n;
    keel_err ret;

    if (text == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        ret = parse_bracketed(text, out);
        goto out;
    }
    ret = KEEL_ERR_PARSE;
    colon = strchr(text, ':');
    /* A second colon means an IPv6 literal without brackets: its port would be a guess. */
    if (colon == NULL || strchr(colon + 1, ':') != NULL)
        goto out;
    n = (size_t)(colon - text);
    if (n == 0 || n >= sizeof(out->host))
        goto out;
    memcpy(out->host, text, n);
    out->host[n] = '\0';
    if (inet_pton(AF_INET, out->host, &a4) != 1 && !valid_dns_name(out->host, n))
        goto out;
    ret = parse_port(colon + 1, &out->port);
out:
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

keel_err keel_audit_target_format(const keel_audit_target *t, char *out, size_t outsz)
{
    if (t == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    if (t->ipv6_literal)
        return keel_str_format(out, outsz, "[%s]:%u", t->host, (unsigned)t->port);
    return keel_str_format(out, outsz, "%s:%u", t->host, (unsigned)t->port);
}
