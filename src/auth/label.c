/* Label passwords (5.1-1, 5.1-2): unique per device, drawn only from the CSPRNG, from an
 * alphabet a person can read off a label and type without guessing at look-alikes, with a
 * check symbol so that a typing error is caught before it costs a login attempt. */
#include <string.h>

#include "keel/auth.h"

#define ALPHABET_SIZE 28u

static const char alphabet[] = KEEL_AUTH_LABEL_ALPHABET;

_Static_assert(sizeof(alphabet) - 1 == ALPHABET_SIZE, "the check scheme is built for 28 symbols");
_Static_assert(KEEL_AUTH_LABEL_LEN ==
                   KEEL_AUTH_LABEL_SYMBOLS + KEEL_AUTH_LABEL_SYMBOLS / KEEL_AUTH_LABEL_GROUP - 1,
               "the groups fill the canonical form exactly");

/* Symbol index i is the pair (i & 3 in GF(4), i >> 2 in Z/7); these are that group's
 * operations. */
static unsigned pair(unsigned gf4, unsigned z7)
{
    return (z7 << 2) | gf4;
}

static unsigned add(unsigned x, unsigned y)
{
    return pair((x ^ y) & 3u, ((x >> 2) + (y >> 2)) % 7u);
}

static unsigned negate(unsigned x)
{
    return pair(x & 3u, (7u - (x >> 2)) % 7u);
}

/* Multiplication by u = (w, 3): in GF(4) = {0, 1, w, w + 1} with w^2 = w + 1, the element
 * h*w + l times w is (h + l)*w + h. u - 1 = (w + 1, 2) is a unit as well, which is what
 * makes every swap of neighbours change the sum. */
static unsigned times_u(unsigned x)
{
    unsigned h = (x >> 1) & 1u;
    unsigned l = x & 1u;

    return pair(((h ^ l) << 1) | h, ((x >> 2) * 3u) % 7u);
}

/* The check symbol's index for the KEEL_AUTH_LABEL_RANDOM indices in idx: the one that
 * makes the weighted sum of all KEEL_AUTH_LABEL_SYMBOLS zero. The check symbol itself has
 * weight 1; weights alternate leftwards, as in Luhn. Branch-free in the symbols. */
static unsigned check_index(const unsigned idx[KEEL_AUTH_LABEL_RANDOM])
{
    unsigned sum = 0;

    for (size_t i = 0; i < KEEL_AUTH_LABEL_RANDOM; i++) {
        int odd = (KEEL_AUTH_LABEL_RANDOM - i) % 2 == 1;
        sum = add(sum, odd ? times_u(idx[i]) : idx[i]);
    }
    return negate(sum);
}

/* Write the symbols of idx in groups into text (KEEL_AUTH_LABEL_LEN bytes). */
static void format_groups(const unsigned idx[KEEL_AUTH_LABEL_SYMBOLS],
                          char text[KEEL_AUTH_LABEL_LEN])
{
    size_t pos = 0;

    for (size_t i = 0; i < KEEL_AUTH_LABEL_SYMBOLS; i++) {
        if (i > 0 && i % KEEL_AUTH_LABEL_GROUP == 0)
            text[pos++] = '-';
        text[pos++] = alphabet[idx[i]];
    }
}

keel_err keel_auth_label_password(keel_secret *out)
{
    unsigned idx[KEEL_AUTH_LABEL_SYMBOLS];
    char text[KEEL_AUTH_LABEL_LEN];
    keel_err ret = KEEL_ERR_ARG;

    if (out == NULL)
        return KEEL_ERR_ARG;
    keel_secret_clear(out);
    for (size_t i = 0; i < KEEL_AUTH_LABEL_RANDOM; i++) {
        uint32_t r;
        ret = keel_random_uniform(ALPHABET_SIZE, &r);
        if (ret != KEEL_OK)
            goto out;
        idx[i] = r;
    }
    idx[KEEL_AUTH_LABEL_RANDOM] = check_index(idx);
    format_groups(idx, text);
    ret = keel_secret_set(out, text, sizeof(text));
out:
    if (ret != KEEL_OK)
        keel_secret_clear(out);
    keel_wipe(idx, sizeof(idx));
    keel_wipe(text, sizeof(text));
    return ret;
}

/* The index of c (upper or lower case) in the alphabet, or -1. Every entry is looked at,
 * so the time taken does not say which symbol of a password was typed. */
static int symbol_index(char c)
{
    int found = -1;

    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    for (int i = 0; i < (int)ALPHABET_SIZE; i++)
        found = alphabet[i] == c ? i : found;
    return found;
}

/* Read the symbols of the n bytes at in into idx, skipping spaces and dashes. */
static keel_err read_symbols(const char *in, size_t n, unsigned idx[KEEL_AUTH_LABEL_SYMBOLS])
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        int v;
        if (in[i] == ' ' || in[i] == '-')
            continue;
        v = symbol_index(in[i]);
        if (v < 0 || count == KEEL_AUTH_LABEL_SYMBOLS)
            return KEEL_ERR_PARSE;
        idx[count++] = (unsigned)v;
    }
    return count == KEEL_AUTH_LABEL_SYMBOLS ? KEEL_OK : KEEL_ERR_PARSE;
}

keel_err keel_auth_label_canonical(const keel_secret *input, keel_secret *out)
{
    unsigned idx[KEEL_AUTH_LABEL_SYMBOLS];
    char text[KEEL_AUTH_LABEL_LEN];
    keel_err ret;

    if (input == NULL || out == NULL)
        return KEEL_ERR_ARG;
    ret = read_symbols(keel_secret_bytes(input), keel_secret_len(input), idx);
    if (ret == KEEL_OK && check_index(idx) != idx[KEEL_AUTH_LABEL_RANDOM])
        ret = KEEL_ERR_PARSE;
    if (ret == KEEL_OK) {
        format_groups(idx, text);
        ret = keel_secret_set(out, text, sizeof(text));
    }
    if (ret != KEEL_OK)
        keel_secret_clear(out);
    keel_wipe(idx, sizeof(idx));
    keel_wipe(text, sizeof(text));
    return ret;
}
