/* A strict reader of a firmware's etc/passwd and etc/shadow for 5.1-1-3. The files come from
 * the device maker's tree and are untrusted: a line that is not exactly what passwd(5) and
 * shadow(5) describe stops the reading with the line and the rule, so that the test case
 * says INCONCLUSIVE instead of judging a file it misread. */
#include <stdio.h>
#include <string.h>

#include "whitebox.h"

#define FIELDS_MAX 9

typedef struct field {
    const char *p;
    size_t len;
} field;

static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

static int valid_name(const field *f)
{
    size_t n = f->len;

    if (n > 0 && f->p[n - 1] == '$')
        n--;
    if (n == 0 || f->len >= KEEL_AUDIT_ACCOUNT_NAME_MAX || f->p[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!name_char((unsigned char)f->p[i]))
            return 0;
    }
    return 1;
}

/* Printable ASCII without spaces: every crypt(3) hash and lock marker. */
static int valid_password(const field *f)
{
    if (f->len >= KEEL_AUDIT_ACCOUNT_FIELD_MAX)
        return 0;
    for (size_t i = 0; i < f->len; i++) {
        unsigned char c = (unsigned char)f->p[i];
        if (c <= 0x20 || c >= 0x7f)
            return 0;
    }
    return 1;
}

static int valid_number(const field *f, size_t max_digits, int may_be_empty)
{
    if (f->len == 0)
        return may_be_empty;
    if (f->len > max_digits)
        return 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->p[i] < '0' || f->p[i] > '9')
            return 0;
    }
    if (max_digits == 10 && f->len == 10 && memcmp(f->p, "4294967295", 10) > 0)
        return 0;
    return 1;
}

/* gecos, home, shell: no control byte (bytes above 0x7f are the device's own encoding). */
static int valid_text(const field *f)
{
    for (size_t i = 0; i < f->len; i++) {
        unsigned char c = (unsigned char)f->p[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

static size_t split(const char *line, size_t len, field *out)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] != ':')
            continue;
        if (n == FIELDS_MAX)
            return FIELDS_MAX + 1;
        out[n].p = line + start;
        out[n].len = i - start;
        n++;
        start = i + 1;
    }
    return n;
}

static const char *check_fields(const field *f, keel_audit_account_file kind)
{
    if (f[0].len > 0 && (f[0].p[0] == '+' || f[0].p[0] == '-'))
        return "NIS compatibility entries are not supported";
    if (!valid_name(&f[0]))
        return "the name is not 1-32 of A-Z a-z 0-9 . _ - (optional final $)";
    if (!valid_password(&f[1]))
        return "the password field is not 0-255 printable characters without spaces";
    if (kind == KEEL_AUDIT_PASSWD) {
        if (!valid_number(&f[2], 10, 0) || !valid_number(&f[3], 10, 0))
            return "uid and gid must be decimal numbers below 2^32";
        if (!valid_text(&f[4]) || !valid_text(&f[5]) || !valid_text(&f[6]))
            return "a control character in gecos, home or shell";
        return NULL;
    }
    for (size_t i = 2; i < 8; i++) {
        if (!valid_number(&f[i], 10, 1))
            return "a day count is neither empty nor a decimal number";
    }
    if (!valid_text(&f[8]))
        return "a control character in the reserved field";
    return NULL;
}

static int seen_before(const keel_audit_account *out, size_t n, const field *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(out[i].name) == name->len && memcmp(out[i].name, name->p, name->len) == 0)
            return 1;
    }
    return 0;
}

/* One line (without its '\n') into out[*count]; 0 on success, else -1 with why set. */
static int take_line(const char *line, size_t len, size_t number, keel_audit_account_file kind,
                     keel_audit_account *out, size_t max, size_t *count, char *why, size_t whysz,
                     keel_err *err)
{
    size_t want = kind == KEEL_AUDIT_PASSWD ? 7 : 9;
    field f[FIELDS_MAX];
    size_t n = split(line, len, f);
    const char *bad;

    *err = KEEL_ERR_PARSE;
    if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL) {
        keel_audit_say(why, whysz, "line %zu: a NUL or carriage return", number);
        return -1;
    }
    if (n != want) {
        keel_audit_say(why, whysz, "line %zu: %s%zu fields, %s has %zu", number,
                       n > want ? "more than " : "", n > want ? want : n,
                       kind == KEEL_AUDIT_PASSWD ? "passwd" : "shadow", want);
        return -1;
    }
    if ((bad = check_fields(f, kind)) != NULL) {
        keel_audit_say(why, whysz, "line %zu: %s", number, bad);
        return -1;
    }
    if (seen_before(out, *count, &f[0])) {
        keel_audit_say(why, whysz, "line %zu: account '%.*s' appears twice", number, (int)f[0].len,
                       f[0].p);
        return -1;
    }
    if (*count == max) {
        keel_audit_say(why, whysz, "line %zu: more than %zu accounts", number, max);
        *err = KEEL_ERR_TOO_LARGE;
        return -1;
    }
    memcpy(out[*count].name, f[0].p, f[0].len);
    out[*count].name[f[0].len] = '\0';
    memcpy(out[*count].password, f[1].p, f[1].len);
    out[*count].password[f[1].len] = '\0';
    out[*count].line = number;
    (*count)++;
    return 0;
}

keel_err keel_audit_accounts_parse(const void *text, size_t len, keel_audit_account_file kind,
                                   keel_audit_account *out, size_t max, size_t *count, char *why,
                                   size_t whysz)
{
    const char *p = text, *end;
    size_t number = 0;
    keel_err err = KEEL_OK;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (count == NULL || (text == NULL && len != 0) || (out == NULL && max != 0) ||
        (kind != KEEL_AUDIT_PASSWD && kind != KEEL_AUDIT_SHADOW))
        return KEEL_ERR_ARG;
    *count = 0;
    if (len > KEEL_AUDIT_ACCOUNT_FILE_MAX) {
        keel_audit_say(why, whysz, "larger than %zu bytes", KEEL_AUDIT_ACCOUNT_FILE_MAX);
        return KEEL_ERR_TOO_LARGE;
    }
    end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t line_len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        number++;
        if (line_len > 0 &&
            take_line(p, line_len, number, kind, out, max, count, why, whysz, &err) != 0) {
            if (out != NULL && *count > 0)
                keel_wipe(out, *count * sizeof(*out));
            *count = 0;
            return err;
        }
        p += line_len + (nl != NULL ? 1 : 0);
    }
    return KEEL_OK;
}

keel_audit_password_state keel_audit_password_classify(const char *value,
                                                       keel_audit_account_file kind)
{
    if (value == NULL || value[0] == '\0')
        return KEEL_AUDIT_PW_EMPTY;
    if (value[0] == '!' || value[0] == '*')
        return KEEL_AUDIT_PW_LOCKED;
    if (kind == KEEL_AUDIT_PASSWD && strcmp(value, "x") == 0)
        return KEEL_AUDIT_PW_SHADOWED;
    return KEEL_AUDIT_PW_HASH;
}
