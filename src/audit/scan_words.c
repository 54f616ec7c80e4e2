/* Well-known default passwords hard-coded in firmware (5.4-3, with 5.1-1): a word of the
 * dictionary standing as a C string in a binary (NUL on both sides), as a quoted value in a
 * configuration or script, or as the value after '=' ("pass=admin"). Words that programs
 * also use as names ("password", "user", "default") and digit-only words (port numbers,
 * versions) count only where the key before them names a password, and never as bare C
 * strings: "password" is every login's JSON key. The search is driven by memchr over the
 * delimiters, then a table by first byte picks the words to compare. */
#include <string.h>

#include "scan.h"

#define WORD_MAX 63
#define KEY_LOOKBACK 64
/* Fewer entries than this are a set of credentials, not a list of words. */
#define LIST_MIN 64
/* NUL bytes that may separate two strings of a list (alignment, sanitizer padding). */
#define PAD_MAX 64

typedef struct word_index {
    const keel_audit_dictionary *d;
    uint8_t has_first[256]; /* 1 when some word starts with that byte */
} word_index;

static int all_digits(const char *w)
{
    for (; *w != '\0'; w++) {
        if (*w < '0' || *w > '9')
            return 0;
    }
    return 1;
}

static int is_identifier(const keel_audit_dictionary *d, const char *w)
{
    for (size_t i = 0; i < d->identifier_count; i++) {
        if (strcmp(d->identifiers[i], w) == 0)
            return 1;
    }
    return 0;
}

static char lower(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return (char)c;
}

static int key_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* Whether the value whose left delimiter is at data[at] is the value of a key that names
 * a password: KEY=value, KEY: value, "KEY": "value", 'KEY' = 'value', with KEY holding
 * pass, pwd or secret in any case. */
static int password_key_before(const uint8_t *data, size_t at)
{
    static const char *const names[] = {"pass", "pwd", "secret"};
    char key[KEY_LOOKBACK + 1];
    size_t i = at, end, n = 0;

    if (data[i] == '"' || data[i] == '\'') {
        while (i > 0 && (data[i - 1] == ' ' || data[i - 1] == '\t'))
            i--;
        if (i == 0 || (data[i - 1] != ':' && data[i - 1] != '='))
            return 0;
        i--;
    } else if (data[i] != '=') {
        return 0;
    }
    while (i > 0 && (data[i - 1] == ' ' || data[i - 1] == '\t'))
        i--;
    if (i > 0 && (data[i - 1] == '"' || data[i - 1] == '\''))
        i--;
    end = i;
    while (i > 0 && end - i < KEY_LOOKBACK && key_char(data[i - 1]))
        i--;
    for (; i < end; i++)
        key[n++] = lower(data[i]);
    key[n] = '\0';
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (strstr(key, names[k]) != NULL)
            return 1;
    }
    return 0;
}

static int token_char(uint8_t c)
{
    return c > ' ' && c < 0x7f;
}

/* Whether the NUL-delimited string data[at..at+n) stands in a list of at least LIST_MIN
 * short tokens (no spaces, separated by NUL runs: a compiler may pad each string, as
 * AddressSanitizer does): a table of words, such as a blocklist of weak passwords that a
 * device refuses, rather than a credential it accepts. */
static int in_word_list(const uint8_t *data, size_t len, size_t at, size_t n)
{
    size_t count = 1, p = at, q = at + n;

    while (count < LIST_MIN) {
        size_t t = p, pad = 0;
        while (t > 0 && data[t - 1] == '\0' && pad++ < PAD_MAX)
            t--;
        size_t end = t;
        while (t > 0 && token_char(data[t - 1]) && end - t <= WORD_MAX)
            t--;
        if (t == end || end - t > WORD_MAX || t == 0 || data[t - 1] != '\0')
            break;
        count++;
        p = t;
    }
    while (count < LIST_MIN) {
        size_t t = q, pad = 0;
        while (t < len && data[t] == '\0' && pad++ < PAD_MAX)
            t++;
        size_t start = t;
        while (t < len && token_char(data[t]) && t - start <= WORD_MAX)
            t++;
        if (t == start || t - start > WORD_MAX || t >= len || data[t] != '\0')
            break;
        count++;
        q = t;
    }
    return count >= LIST_MIN;
}

/* The context of a word between data[at - 1] and data[at + n], or NULL when it is not a
 * delimited string. */
static const char *context(const uint8_t *data, size_t len, size_t at, size_t n)
{
    uint8_t left = data[at - 1];
    int has_right = at + n < len;
    uint8_t right = has_right ? data[at + n] : 0;

    if (left == '\0')
        return has_right && right == '\0' ? "NUL-delimited" : NULL;
    if (left == '"' || left == '\'') {
        size_t k = at + n + 1;
        if (!has_right || right != left)
            return NULL;
        while (k < len && (data[k] == ' ' || data[k] == '\t'))
            k++;
        /* "password": ... is a JSON key, not a value. */
        return k < len && data[k] == ':' ? NULL : "quoted";
    }
    if (at >= 2 && data[at - 2] != '\0' && strchr("=!<>", data[at - 2]) != NULL)
        return NULL; /* a comparison (==, !=, <=, >=), not an assignment */
    if (!has_right || strchr("\n\r \t;&,#", right) != NULL || right == '\0')
        return "after '='";
    return NULL;
}

static void report(keel_audit_scan_sink *sink, keel_audit_finding_kind kind, const char *word,
                   const char *ctx, size_t at)
{
    keel_audit_finding f;

    memset(&f, 0, sizeof(f));
    f.kind = kind;
    f.offset = at;
    (void)keel_str_copy(f.what, sizeof(f.what), word);
    (void)keel_str_copy(f.context, sizeof(f.context), ctx);
    if (kind == KEEL_AUDIT_FOUND_PASSWORD)
        sink->passwords++;
    else
        sink->listed++;
    sink->fn(sink->path, &f, sink->user);
}

/* Every dictionary word starting at data[at] (just after a delimiter). */
static void match_at(const word_index *ix, const uint8_t *data, size_t len, size_t at,
                     keel_audit_scan_sink *sink)
{
    const keel_audit_dictionary *d = ix->d;

    for (size_t i = 0; i < d->count; i++) {
        const char *w = d->words[i];
        const char *ctx;
        size_t n;

        /* The first byte first: most candidates end there, without measuring the word. */
        if (w == NULL || (uint8_t)w[0] != data[at])
            continue;
        n = strnlen(w, WORD_MAX + 1);
        if (n == 0 || n > WORD_MAX || n > len - at || memcmp(data + at, w, n) != 0)
            continue;
        ctx = context(data, len, at, n);
        if (ctx == NULL)
            continue;
        if (is_identifier(d, w) || all_digits(w)) {
            if (ctx[0] == 'N' && is_identifier(d, w))
                continue;
            if (ctx[0] != 'N' && !password_key_before(data, at - 1))
                continue;
        }
        if (ctx[0] == 'N' && in_word_list(data, len, at, n))
            report(sink, KEEL_AUDIT_FOUND_LISTED, w, "in a list of 64+ words", at);
        else
            report(sink, KEEL_AUDIT_FOUND_PASSWORD, w, ctx, at);
    }
}

void keel_audit_scan_words(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                           keel_audit_scan_sink *sink)
{
    static const uint8_t delimiters[] = {'\0', '"', '\'', '='};
    word_index ix;

    if (d == NULL || d->count == 0 || len < 2)
        return;
    memset(&ix, 0, sizeof(ix));
    ix.d = d;
    for (size_t i = 0; i < d->count; i++) {
        if (d->words[i] != NULL && d->words[i][0] != '\0')
            ix.has_first[(uint8_t)d->words[i][0]] = 1;
    }
    for (size_t k = 0; k < sizeof(delimiters); k++) {
        const uint8_t c = delimiters[k], *p = data, *end = data + len - 1;
        while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
            size_t at;
            /* In a run of delimiters (a binary's NUL padding) only the byte after the last
             * one can start a word, unless a word starts with the delimiter itself. */
            if (!ix.has_first[c]) {
                while (p + 1 < end && p[1] == c)
                    p++;
            }
            at = (size_t)(p - data) + 1;
            if (ix.has_first[data[at]])
                match_at(&ix, data, len, at, sink);
            p++;
        }
    }
}
