/* Fuzz the strict passwd and shadow reader of 5.1-1-3 (the first byte picks the file kind):
 * a firmware's account files are untrusted. Properties beyond memory safety: every account
 * read has a valid name that appears in the input on its line, a password field without
 * spaces or control bytes, ascending line numbers, unique names; a refusal says why and
 * leaves no account. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whitebox.h"

#define MAX 64

static int contains(const uint8_t *data, size_t size, const char *s, size_t n)
{
    for (size_t i = 0; n <= size && i <= size - n; i++) {
        if (memcmp(data + i, s, n) == 0)
            return 1;
    }
    return 0;
}

static void check(const keel_audit_account *a, size_t n, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(a[i].name);

        if (len == 0 || len >= KEEL_AUDIT_ACCOUNT_NAME_MAX || a[i].line == 0 ||
            (i > 0 && a[i].line <= a[i - 1].line))
            abort();
        for (const char *p = a[i].password; *p != '\0'; p++) {
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
                abort();
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(a[k].name, a[i].name) == 0)
                abort();
        }
        if (!contains(data, size, a[i].name, len))
            abort();
        if ((unsigned)keel_audit_password_classify(a[i].password, KEEL_AUDIT_SHADOW) >
            KEEL_AUDIT_PW_HASH)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static keel_audit_account out[MAX];
    keel_audit_account_file kind;
    char why[128];
    size_t count = 99;
    keel_err err;

    if (size == 0)
        return 0;
    kind = (data[0] & 1) ? KEEL_AUDIT_SHADOW : KEEL_AUDIT_PASSWD;
    err = keel_audit_accounts_parse(data + 1, size - 1, kind, out, MAX, &count, why, sizeof(why));
    if (err != KEEL_OK) {
        if (count != 0 || why[0] == '\0')
            abort();
        return 0;
    }
    check(out, count, data + 1, size - 1);
    return 0;
}
