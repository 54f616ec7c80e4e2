/* Hard-coded secrets other than private keys and dictionary passwords (5.4-3-2): credentials
 * of well-known shapes (AWS access key IDs and the secret beside them, GitHub, GitLab, Slack,
 * Stripe and Google API tokens, JWTs), literals assigned to keys that name a secret (ini,
 * YAML, JSON, env, shell, XML, "KEY VALUE" lines such as mosquitto's remote_password or a
 * .netrc), user:password@ in URLs, and HTTP Basic / Bearer credentials in headers.
 *
 * A literal assigned to a secret key is reported only when it is not a placeholder
 * ("changeme", "<password>", "${VAR}", "xxxx", empty ...), not a reference to elsewhere (a
 * variable, a path, a format), not a crypt(3) hash (those are 5.1-1-3's) and not a word of the
 * dictionary (5.4-3-2 reports those as default passwords already); and when its Shannon
 * entropy per byte and length pass the thresholds below, which docs/audit-report.md justifies
 * and measures against real configuration files.
 *
 * The search is one pass over the bytes: a table by byte marks the anchors ('=', ':', '@',
 * '>', the first letters of the token shapes, line starts); everything else costs one load
 * and one branch. Nothing is allocated. A finding shows the key's name (or the shape's name),
 * the value's length and entropy and a keyed fingerprint of the value, never the value. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "scan.h"

#define KEY_MAX 64
#define VALUE_MAX 512
#define RANGES_MAX 16
/* How far from an AWS access key ID its secret access key is looked for. */
#define AWS_WINDOW 512
#define AWS_SECRET_LEN 40

/* Thresholds (docs/audit-report.md, "Hard-coded secrets"): a password-like key's literal is
 * a secret from 6 bytes with at least 2.3 bits of entropy per byte (below that: repeated
 * characters, "aaaaaa", "abcabc"); any other secret key's literal from 16 bytes with at least
 * 3.0 bits per byte (16 random hex digits average 3.4; English identifiers of that length
 * reach 3.0 too, so identifier-like values are refused by their shape as well). A bearer
 * token needs 3.5 (random base64 of 20+ characters measures above 4). */
#define PASSWORD_LEN_MIN 6
#define PASSWORD_BITS_MIN 2.3
#define SECRET_LEN_MIN 16
#define SECRET_BITS_MIN 3.0
#define BEARER_LEN_MIN 20
#define BEARER_BITS_MIN 3.5

enum {
    A_ASSIGN = 1, /* '=' or ':' */
    A_AT = 2,     /* '@' */
    A_TAG = 4,    /* '>' */
    A_TOKEN = 8,  /* a letter a token shape starts with */
    A_LINE = 16   /* '\n': a "KEY VALUE" line may follow */
};

typedef struct state {
    const uint8_t *data;
    size_t len;
    const keel_audit_dictionary *d;
    keel_audit_scan_sink *sink;
    /* Value ranges reported so far in this buffer: one value is reported once even when two
     * rules see it (an AWS secret both beside its key ID and assigned to a key). */
    size_t from[RANGES_MAX], to[RANGES_MAX];
    size_t n_ranges;
} state;

static const uint8_t anchors[256] = {
    ['='] = A_ASSIGN, [':'] = A_ASSIGN, ['@'] = A_AT, ['>'] = A_TAG, ['\n'] = A_LINE};

/* The scan's per-byte test, indexed by a byte and the next one (byte | next << 8): the byte's
 * anchor, and A_TOKEN when the two can start a token shape (token_first_two). One load and
 * one rarely taken branch per byte: testing the token letters alone (a, e, g, h, r, s, x
 * start a quarter of the words of any text) cost more than the rest of the scan. */
static uint8_t pairs[65536];
static pthread_once_t pairs_once = PTHREAD_ONCE_INIT;

static int token_first_two(uint8_t a, uint8_t b);

static void pairs_build(void)
{
    for (unsigned i = 0; i < 65536; i++)
        pairs[i] =
            (uint8_t)(anchors[i & 0xff] |
                      (token_first_two((uint8_t)(i & 0xff), (uint8_t)(i >> 8)) ? A_TOKEN : 0));
}

static int is_lower(uint8_t c)
{
    return c >= 'a' && c <= 'z';
}
static int is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}
static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}
static int is_alnum(uint8_t c)
{
    return is_lower(c) || is_upper(c) || is_digit(c);
}
static int is_b64url(uint8_t c)
{
    return is_alnum(c) || c == '-' || c == '_';
}
static int is_b64(uint8_t c)
{
    return is_alnum(c) || c == '+' || c == '/';
}
static int key_char(uint8_t c)
{
    return is_alnum(c) || c == '_' || c == '-' || c == '.';
}
static uint8_t lower(uint8_t c)
{
    return is_upper(c) ? (uint8_t)(c - 'A' + 'a') : c;
}
static int blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

double keel_audit_entropy(const uint8_t *data, size_t len)
{
    unsigned counts[256];
    double h = 0.0;

    if (data == NULL || len == 0)
        return 0.0;
    memset(counts, 0, sizeof(counts));
    for (size_t i = 0; i < len; i++)
        counts[data[i]]++;
    for (size_t c = 0; c < 256; c++) {
        if (counts[c] != 0) {
            double p = (double)counts[c] / (double)len;
            h -= p * log2(p);
        }
    }
    return h;
}

/* Whether the lowercase copy of v[0..n) contains word. */
static int contains_ci(const uint8_t *v, size_t n, const char *word)
{
    size_t w = strlen(word);

    for (size_t i = 0; w <= n && i <= n - w; i++) {
        size_t k = 0;
        while (k < w && lower(v[i + k]) == (uint8_t)word[k])
            k++;
        if (k == w)
            return 1;
    }
    return 0;
}

static int equals_ci(const uint8_t *v, size_t n, const char *word)
{
    return strlen(word) == n && contains_ci(v, n, word);
}

int keel_audit_secret_placeholder(const uint8_t *v, size_t n)
{
    static const char *const inside[] = {
        "changeme",   "change_me",   "change-me", "changeit",    "example",       "placeholder",
        "your_",      "your-",       "yourpass",  "yoursecret",  "mypassword",    "redacted",
        "dummy",      "sample",      "replace",   "insert",      "fixme",         "xxxx",
        "****",       "....",        "----",      "secret_here", "password_here", "token_here",
        "notasecret", "not_a_secret"};
    static const char *const whole[] = {
        "password", "passwd",  "pass",       "secret",    "token",   "none",   "null",
        "nil",      "true",    "false",      "yes",       "no",      "on",     "off",
        "disabled", "enabled", "required",   "optional",  "prompt",  "ask",    "default",
        "empty",    "undef",   "undefined",  "unset",     "not-set", "notset", "string",
        "value",    "test",    "foobar",     "foo",       "bar",     "qwerty", "letmein",
        "apikey",   "api_key", "secret_key", "access_key"};

    if (v == NULL || n == 0)
        return 1;
    if ((v[0] == '<' && v[n - 1] == '>') || (v[0] == '[' && v[n - 1] == ']') ||
        (v[0] == '{' && v[n - 1] == '}') || (v[0] == '@' && v[n - 1] == '@') ||
        (v[0] == '%' && v[n - 1] == '%') || (v[0] == '_' && v[n - 1] == '_'))
        return 1;
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
        if (contains_ci(v, n, inside[i]))
            return 1;
    }
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
        if (equals_ci(v, n, whole[i]))
            return 1;
    }
    return 0;
}

/* A value that points elsewhere rather than being the secret: a variable or command
 * substitution, a template, a format directive, a path, a URL, a crypt(3) hash. */
static int reference(const uint8_t *v, size_t n)
{
    static const char *const marks[] = {"${", "$(", "{{", "%(", "#{",  "<%",   "env:",  "env.",
                                        "%s", "%d", "%u", "%x", "://", "$env", "getenv"};

    if (n == 0)
        return 1;
    if (v[0] == '$' || v[0] == '/' || v[0] == '~' || (v[0] == '.' && n > 1 && v[1] == '/'))
        return 1;
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
        if (contains_ci(v, n, marks[i]))
            return 1;
    }
    return 0;
}

/* A value made of words rather than randomness: only lowercase letters (or only uppercase
 * letters) and separators, such as an identifier, a constant's name or a phrase. */
static int word_like(const uint8_t *v, size_t n)
{
    int low = 1, up = 1;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if (c == '_' || c == '-' || c == '.' || c == ' ')
            continue;
        if (!is_lower(c))
            low = 0;
        if (!is_upper(c))
            up = 0;
    }
    return low || up;
}

/* Whether v holds '_', '-' or '.': a lowercase value with them is an identifier or a setting
 * ("no-debconf-config"), not a password. */
static int separated(const uint8_t *v, size_t n)
{
    return memchr(v, '_', n) != NULL || memchr(v, '-', n) != NULL || memchr(v, '.', n) != NULL;
}

/* A phrase: two spaces or more (a description, a prompt, a sentence in documentation), or
 * words of letters only ("Password changed", a message to translate). */
static int prose(const uint8_t *v, size_t n)
{
    size_t spaces = 0, letters = 0;

    for (size_t i = 0; i < n; i++) {
        spaces += v[i] == ' ';
        letters += is_lower(v[i]) || is_upper(v[i]);
    }
    return spaces >= 2 || (spaces == 1 && letters + 1 + (v[n - 1] == '.' || v[n - 1] == '!') >= n);
}

static int printable(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '|')
            return 0; /* '|': a list of choices ("true|false") in documentation */
    }
    return 1;
}

static int dictionary_word(const keel_audit_dictionary *d, const uint8_t *v, size_t n)
{
    if (d == NULL)
        return 0;
    for (size_t i = 0; i < d->count; i++) {
        const char *w = d->words[i];
        if (w != NULL && strlen(w) == n && memcmp(w, v, n) == 0)
            return 1;
    }
    return 0;
}

static int crypt_hash(const uint8_t *v, size_t n)
{
    return n > 3 && v[0] == '$' && (is_alnum(v[1]) || v[1] == '$');
}

void keel_audit_secret_fingerprint(const uint8_t key[32], const uint8_t *data, size_t len,
                                   char out[17])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (key == NULL || HMAC(EVP_sha256(), key, 32, data, len, md, &mdlen) == NULL || mdlen < 8 ||
        keel_hex_encode(md, 8, out, 17) != KEEL_OK) {
        out[0] = '?';
        out[1] = '\0';
    }
    keel_wipe(md, sizeof(md));
}

static int overlaps(const state *s, size_t from, size_t to)
{
    for (size_t i = 0; i < s->n_ranges; i++) {
        if (from < s->to[i] && s->from[i] < to)
            return 1;
    }
    return 0;
}

/* Report the secret data[at..at+n) found by rule form under the name what. */
static void report(state *s, const char *what, const char *form, size_t at, size_t n)
{
    keel_audit_finding f;
    size_t k = 0;

    if (overlaps(s, at, at + n))
        return;
    if (s->n_ranges < RANGES_MAX) {
        s->from[s->n_ranges] = at;
        s->to[s->n_ranges++] = at + n;
    }
    memset(&f, 0, sizeof(f));
    f.kind = KEEL_AUDIT_FOUND_SECRET;
    f.offset = at;
    /* The key's name as written (it is not secret), printable ASCII only. */
    for (const char *p = what; *p != '\0' && k + 1 < sizeof(f.what); p++)
        f.what[k++] = (char)((*p >= 0x20 && *p < 0x7f && *p != '\'') ? *p : '?');
    f.what[k] = '\0';
    (void)keel_str_copy(f.context, sizeof(f.context), form);
    f.length = n;
    f.entropy = keel_audit_entropy(s->data + at, n);
    keel_audit_secret_fingerprint(s->sink->fp_key, s->data + at, n, f.fingerprint);
    s->sink->secrets++;
    s->sink->fn(s->sink->path, &f, s->sink->user);
}

/* ---- Keys that name a secret ------------------------------------------------------------ */

typedef enum key_class { KEY_NONE = 0, KEY_PASSWORD, KEY_SECRET, KEY_AUTH_HEADER } key_class;

/* Words after the secret word that make the key a setting about the secret rather than the
 * secret itself: password_file, token_path, secret_name, password_min_length ... */
static int meta_listed(const uint8_t *w, size_t n);

static int meta_word(const uint8_t *w, size_t n)
{
    if (meta_listed(w, n))
        return 1;
    /* plurals: files, paths, hashes */
    return n > 3 && lower(w[n - 1]) == 's' &&
           (meta_listed(w, n - 1) || (lower(w[n - 2]) == 'e' && meta_listed(w, n - 2)));
}

static int meta_listed(const uint8_t *w, size_t n)
{
    static const char *const words[] = {
        "file", "files", "path", "dir", "cmd", "command", "length", "len", "min", "max", "minlen",
        "maxlen", "policy", "hash", "hashed", "prompt", "type", "field", "name", "env", "var",
        "mode", "enable", "enabled", "required", "expiry", "expires", "ttl", "timeout", "lifetime",
        "url", "uri", "endpoint", "header", "param", "regex", "pattern", "label", "help", "format",
        "size", "id", "count", "age", "interval", "retries", "attempts", "algorithm", "cache",
        "store", "storage", "backend", "provider", "location", "method", "scheme", "authentication",
        "auth", "check", "checks", "change", "reset", "expire", "validity", "store", "program",
        "helper", "script", "source", "kind", "prefix", "suffix", "separator", "encoding",
        "encrypted", "strength", "complexity", "quality", "history", "warn", "warning", "delay",
        "lock", "db", "database", "table", "column", "key", "keys", "len", "bits", "chars",
        "characters", "set", "mechanism", "flow", "type", "types", "style", "limit", "option",
        "options", "encryption", "encrypt", "height", "width", "hint", "reminder", "rotation",
        "verify", "verifier", "dialog", "generator", "gen", "request", "response", "callback",
        "handler", "input", "entry", "box", "widget", "button", "text", "message", "msg", "error",
        "ok", "changed", "updated", "saved", "invalid", "wrong", "incorrect", "mismatch", "missing",
        "title", "tooltip", "description", "desc",
        /* file names (make targets, paths): password.c.o, secrets.json */
        "o", "c", "h", "i", "s", "a", "so", "cc", "cpp", "d", "obj", "js", "py", "txt", "md",
        "html", "json", "conf", "cfg", "yaml", "yml", "xml", "ini", "pem", "der", "bin"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (equals_ci(w, n, words[i]))
            return 1;
    }
    return 0;
}

/* Whether the segments of key[from..n) hold a meta word. Segments split at '_', '-', '.'
 * and at a lowercase-to-uppercase step (camelCase). */
static int meta_after(const uint8_t *key, size_t from, size_t n)
{
    size_t i = from;

    while (i < n) {
        while (i < n && (key[i] == '_' || key[i] == '-' || key[i] == '.'))
            i++;
        size_t start = i;
        if (i < n)
            i++;
        while (i < n && key[i] != '_' && key[i] != '-' && key[i] != '.' &&
               !(is_upper(key[i]) && is_lower(key[i - 1])))
            i++;
        if (i > start && meta_word(key + start, i - start))
            return 1;
    }
    return 0;
}

/* The word starting at key[i] ends at key[e]: a segment boundary when the key ends there or a
 * separator, a digit or an uppercase letter follows; a plural 's' is part of the word. */
static int boundary(const uint8_t *key, size_t n, size_t *e)
{
    if (*e < n && lower(key[*e]) == 's' && (*e + 1 == n || !is_lower(key[*e + 1])))
        (*e)++;
    return *e == n || !is_lower(key[*e]);
}

/* A short word (pass, pwd, pw, psk) counts only as the key's last segment: after the key's
 * start, a separator or a lowercase-to-uppercase step, and followed by nothing but digits
 * (root_pass, mqttPwd, wifi_psk2; not pass_height, not base64 "...SBKPw"). */
static int segment_word(const uint8_t *key, size_t n, size_t i, size_t e)
{
    if (i > 0 && key[i - 1] != '_' && key[i - 1] != '-' && key[i - 1] != '.' &&
        !(is_upper(key[i]) && is_lower(key[i - 1])))
        return 0;
    while (e < n && is_digit(key[e]))
        e++;
    return e == n;
}

/* Whether low[0..n) holds the first two letters of any word or qualifier of classify_key (and
 * of "authorization"): most keys an assignment finds, in binaries above all, hold none, and
 * are settled by this one pass instead of a search for every word. */
static int may_hold_word(const uint8_t *low, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        uint8_t b = low[i + 1];

        switch (low[i]) {
        case 'p':
            if (b == 'a' || b == 'w' || b == 's' || b == 'r')
                return 1;
            break;
        case 's':
            if (b == 'e' || b == 'i' || b == 'h')
                return 1;
            break;
        case 't':
            if (b == 'o')
                return 1;
            break;
        case 'a':
            if (b == 'p' || b == 'c' || b == 'u')
                return 1;
            break;
        case 'c':
            if (b == 'r' || b == 'l')
                return 1;
            break;
        case 'm':
            if (b == 'a')
                return 1;
            break;
        case 'e':
            if (b == 'n')
                return 1;
            break;
        case 'h':
            if (b == 'm')
                return 1;
            break;
        case 'l':
        case 'w':
            if (b == 'i')
                return 1;
            break;
        default: break;
        }
    }
    return 0;
}

static key_class classify_key(const uint8_t *key, size_t n)
{
#define WORD(w, c, seg)                                                                            \
    {                                                                                              \
        w, sizeof(w) - 1, c, seg                                                                   \
    }
    static const struct {
        const char *word;
        size_t len;
        key_class c;
        int segment; /* only as a whole segment */
    } words[] = {WORD("password", KEY_PASSWORD, 0),   WORD("passwd", KEY_PASSWORD, 0),
                 WORD("passphrase", KEY_PASSWORD, 0), WORD("passcode", KEY_PASSWORD, 0),
                 WORD("pass", KEY_PASSWORD, 1),       WORD("pwd", KEY_PASSWORD, 1),
                 WORD("pw", KEY_PASSWORD, 1),         WORD("psk", KEY_PASSWORD, 1),
                 WORD("secret", KEY_SECRET, 0),       WORD("token", KEY_SECRET, 0),
                 WORD("apikey", KEY_SECRET, 0),       WORD("credential", KEY_SECRET, 0),
                 WORD("accesskey", KEY_SECRET, 0),    WORD("privatekey", KEY_SECRET, 0),
                 WORD("secretkey", KEY_SECRET, 0),    WORD("authkey", KEY_SECRET, 0),
                 WORD("masterkey", KEY_SECRET, 0)};
#undef WORD
#define QUALIFIER(w)                                                                               \
    {                                                                                              \
        w, sizeof(w) - 1                                                                           \
    }
    /* "<qualifier>_key" / "<qualifier>-key" / "<qualifier>Key" */
    static const struct {
        const char *word;
        size_t len;
    } qualifiers[] = {QUALIFIER("api"),        QUALIFIER("access"),  QUALIFIER("secret"),
                      QUALIFIER("private"),    QUALIFIER("auth"),    QUALIFIER("master"),
                      QUALIFIER("encryption"), QUALIFIER("signing"), QUALIFIER("hmac"),
                      QUALIFIER("app"),        QUALIFIER("client"),  QUALIFIER("shared"),
                      QUALIFIER("session"),    QUALIFIER("license"), QUALIFIER("wifi")};
#undef QUALIFIER
    uint8_t low[KEY_MAX];

    if (n == 0 || n > KEY_MAX)
        return KEY_NONE;
    for (size_t i = 0; i < n; i++)
        low[i] = lower(key[i]);
    if (!may_hold_word(low, n))
        return KEY_NONE;
    if (equals_ci(key, n, "authorization") || equals_ci(key, n, "proxy-authorization"))
        return KEY_AUTH_HEADER;
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        size_t wl = words[w].len;
        for (size_t i = 0; wl <= n && i <= n - wl; i++) {
            size_t e = i + wl;
            if (low[i] != (uint8_t)words[w].word[0] || memcmp(low + i, words[w].word, wl) != 0)
                continue;
            if (words[w].segment && !segment_word(key, n, i, e))
                continue;
            if (!boundary(key, n, &e))
                continue;
            if (meta_after(key, e, n))
                return KEY_NONE;
            return words[w].c;
        }
    }
    for (size_t q = 0; q < sizeof(qualifiers) / sizeof(qualifiers[0]); q++) {
        size_t ql = qualifiers[q].len;
        for (size_t i = 0; ql + 4 <= n && i + ql + 4 <= n; i++) {
            size_t e = i + ql + 1 + 3;
            if (low[i] != (uint8_t)qualifiers[q].word[0] ||
                memcmp(low + i, qualifiers[q].word, ql) != 0 ||
                (key[i + ql] != '_' && key[i + ql] != '-' && key[i + ql] != '.') ||
                memcmp(low + i + ql + 1, "key", 3) != 0 || (i > 0 && is_lower(key[i - 1])))
                continue;
            if (!boundary(key, n, &e))
                continue;
            return meta_after(key, e, n) ? KEY_NONE : KEY_SECRET;
        }
    }
    return KEY_NONE;
}

/* Whether the literal v[0..n) of a key of class c is a secret worth reporting. */
static int secret_value(const state *s, key_class c, const uint8_t *v, size_t n)
{
    double h;

    if (n == 0 || n > VALUE_MAX || !printable(v, n) || keel_audit_secret_placeholder(v, n) ||
        reference(v, n) || crypt_hash(v, n) || dictionary_word(s->d, v, n))
        return 0;
    if (prose(v, n))
        return 0;
    h = keel_audit_entropy(v, n);
    if (c == KEY_PASSWORD)
        return n >= PASSWORD_LEN_MIN && h >= PASSWORD_BITS_MIN &&
               !((n < 12 || separated(v, n)) && word_like(v, n));
    return n >= SECRET_LEN_MIN && h >= SECRET_BITS_MIN && !word_like(v, n);
}

/* The value after a separator at data[at] ('=' or ':', or the blank of a "KEY VALUE" line):
 * blanks skipped, then a quoted string on one line or a bare word. *v and *n get it; 0 when
 * there is none. */
static int value_after(const state *s, size_t at, size_t *v, size_t *n, int bare_stops_blank)
{
    const uint8_t *d = s->data;
    size_t i = at + 1, start;

    while (i < s->len && blank(d[i]))
        i++;
    if (i >= s->len)
        return 0;
    if (d[i] == '"' || d[i] == '\'' || d[i] == '`') {
        uint8_t q = d[i];
        start = ++i;
        while (i < s->len && d[i] != q && d[i] != '\n' && d[i] != '\0' && i - start <= VALUE_MAX)
            i++;
        if (i >= s->len || d[i] != q)
            return 0;
    } else {
        start = i;
        while (i < s->len && i - start <= VALUE_MAX) {
            uint8_t c = d[i];
            if (c <= ' ' || c == 0x7f || c == ',' || c == ';' || c == '&' || c == '<' || c == '"' ||
                c == '\'' || c == '`' || c == ')' || c == ']' || c == '}' ||
                (bare_stops_blank && blank(c)))
                break;
            /* code, not a literal: a call, an index, a member, a cast, a pointer */
            if (c == '(' || c == '[' || c == '{' || c == '^' || c == '*' ||
                (c == '-' && i + 1 < s->len && d[i + 1] == '>'))
                return 0;
            i++;
        }
        /* another word on the line: code ("If A = B then") or prose, not a setting */
        size_t j = i;
        while (!bare_stops_blank && j < s->len && blank(d[j]))
            j++;
        if (!bare_stops_blank && j > i && j < s->len && is_alnum(d[j]))
            return 0;
    }
    *v = start;
    *n = i - start;
    return *n > 0;
}

/* The key before the separator at data[at]: blanks, then an optional closing quote, then key
 * characters (at most KEY_MAX). *k and *n get it. Leading dashes ("--password") are dropped. */
static int key_before(const state *s, size_t at, size_t *k, size_t *n, int *quoted)
{
    const uint8_t *d = s->data;
    size_t i = at, end;

    while (i > 0 && blank(d[i - 1]))
        i--;
    *quoted = 0;
    if (i > 0 && (d[i - 1] == '"' || d[i - 1] == '\'')) {
        *quoted = 1;
        i--;
    }
    end = i;
    while (i > 0 && end - i < KEY_MAX && key_char(d[i - 1]))
        i--;
    if (i > 0 && end - i == KEY_MAX && key_char(d[i - 1]))
        return 0; /* longer than a key: base64 or a blob */
    while (i < end && d[i] == '-')
        i++;
    *k = i;
    *n = end - i;
    return *n > 0;
}

static void copy_key(const state *s, size_t k, size_t n, char out[KEY_MAX + 1])
{
    memcpy(out, s->data + k, n);
    out[n] = '\0';
}

/* "Authorization: Basic <base64 of user:password>" or "Bearer <token>". */
static void auth_header(state *s, size_t v, size_t n)
{
    const uint8_t *d = s->data;
    size_t i = v, start;

    (void)n;
    if (i + 6 < s->len && (contains_ci(d + i, 6, "basic ") || contains_ci(d + i, 6, "basic\t"))) {
        unsigned char plain[VALUE_MAX];
        i += 6;
        while (i < s->len && blank(d[i]))
            i++;
        start = i;
        while (i < s->len && (is_b64(d[i]) || d[i] == '=') && i - start < 2 * VALUE_MAX / 2)
            i++;
        size_t bl = i - start;
        if (bl < 8 || bl % 4 != 0 || bl * 3 / 4 > sizeof(plain))
            return;
        int got = EVP_DecodeBlock(plain, d + start, (int)bl);
        if (got <= 0)
            return;
        while (got > 0 && plain[got - 1] == '\0')
            got--; /* EVP_DecodeBlock keeps the padding's zero bytes */
        void *colon = memchr(plain, ':', (size_t)got);
        int ok = colon != NULL && printable(plain, (size_t)got) &&
                 (size_t)got - 1 - (size_t)((unsigned char *)colon - plain) > 0 &&
                 !keel_audit_secret_placeholder((unsigned char *)colon + 1,
                                                (size_t)got - 1 -
                                                    (size_t)((unsigned char *)colon - plain));
        keel_wipe(plain, sizeof(plain));
        if (ok)
            report(s, "Authorization: Basic", "HTTP Basic credentials", start, bl);
    } else if (i + 7 < s->len && contains_ci(d + i, 7, "bearer ")) {
        i += 7;
        start = i;
        while (i < s->len &&
               (is_b64url(d[i]) || d[i] == '.' || d[i] == '+' || d[i] == '/' || d[i] == '=' ||
                d[i] == '~') &&
               i - start <= VALUE_MAX)
            i++;
        if (i - start >= BEARER_LEN_MIN && i - start <= VALUE_MAX &&
            keel_audit_entropy(d + start, i - start) >= BEARER_BITS_MIN &&
            !keel_audit_secret_placeholder(d + start, i - start))
            report(s, "Authorization: Bearer", "HTTP Bearer token", start, i - start);
    }
}

/* '=' or ':' at data[at]: KEY=value, KEY: value, "KEY": "value", KEY := value. */
static void assignment(state *s, size_t at)
{
    const uint8_t *d = s->data;
    size_t k, kn, v, vn;
    int quoted;
    char key[KEY_MAX + 1];
    key_class c;

    if (at + 1 < s->len && (d[at + 1] == '=' || (d[at] == ':' && d[at + 1] == ':')))
        return; /* ==, ::, :: */
    if (at > 0 && d[at] == '=' && strchr("=!<>~+-*/|&^%", d[at - 1]) != NULL && d[at - 1] != 0)
        return; /* a comparison or a compound operator */
    size_t sep = at;
    if (at > 0 && d[at] == '=' && d[at - 1] == ':')
        sep = at - 1; /* := */
    if (!key_before(s, sep, &k, &kn, &quoted))
        return;
    if (d[at] == ':' && !quoted && at + 1 < s->len && !blank(d[at + 1]) && d[at + 1] != '"' &&
        d[at + 1] != '\'')
        return; /* host:port, a:b:c lists, URLs: a YAML value follows a blank */
    c = classify_key(d + k, kn);
    if (c == KEY_AUTH_HEADER) {
        for (v = at + 1; v < s->len && blank(d[v]); v++)
            ;
        auth_header(s, v, s->len - v);
        return;
    }
    if (c == KEY_NONE || !value_after(s, at, &v, &vn, 0))
        return;
    copy_key(s, k, kn, key);
    /* Pascal's and Go's := assign variables in code: only a quoted literal counts there */
    if (sep != at && (v == 0 || (d[v - 1] != '"' && d[v - 1] != '\'')))
        return;
    if (secret_value(s, c, d + v, vn))
        report(s, key, d[at] == '=' ? "assignment '='" : "assignment ':'", v, vn);
}

/* '>' at data[at]: <KEY>value</KEY> in XML. */
static void xml_element(state *s, size_t at)
{
    const uint8_t *d = s->data;
    size_t k = at, v = at + 1, e;
    char key[KEY_MAX + 1];
    key_class c;

    while (k > 0 && at - k < KEY_MAX && (key_char(d[k - 1]) || d[k - 1] == ':'))
        k--;
    if (k == 0 || d[k - 1] != '<' || k == at)
        return;
    c = classify_key(d + k, at - k);
    if (c != KEY_PASSWORD && c != KEY_SECRET)
        return;
    e = v;
    while (e < s->len && d[e] != '<' && d[e] != '\n' && e - v <= VALUE_MAX)
        e++;
    if (e + 1 >= s->len || d[e] != '<' || d[e + 1] != '/')
        return;
    copy_key(s, k, at - k, key);
    if (secret_value(s, c, d + v, e - v))
        report(s, key, "XML element", v, e - v);
}

/* Whether a secret word starts key or a segment of it (remote_password, password; not
 * kpasswd, the name of a service): a "KEY VALUE" line is taken only for such keys. */
static int left_segment(const uint8_t *key, size_t n)
{
    static const char *const words[] = {"pass", "pwd", "psk", "secret", "token", "apikey"};

    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; wl <= n && i <= n - wl; i++) {
            if ((i == 0 || key[i - 1] == '_' || key[i - 1] == '-' || key[i - 1] == '.') &&
                contains_ci(key + i, wl, words[w]))
                return 1;
        }
    }
    return 0;
}

/* A line "KEY VALUE" (two words, nothing else: mosquitto's remote_password, wpa_cli lines)
 * or a .netrc line "machine HOST login USER password VALUE" starting after data[at]. */
static void key_value_line(state *s, size_t at)
{
    const uint8_t *d = s->data;
    size_t i = at, k, e, v, vn;
    char key[KEY_MAX + 1];
    key_class c;

    while (i < s->len && blank(d[i]))
        i++;
    if (i + 8 < s->len &&
        (memcmp(d + i, "machine ", 8) == 0 || memcmp(d + i, "default ", 8) == 0)) {
        /* .netrc: the word after "password" */
        size_t end = i;
        while (end < s->len && d[end] != '\n' && end - i < 1024)
            end++;
        for (size_t p = i; p + 9 < end; p++) {
            if (memcmp(d + p, " password", 9) == 0 && blank(d[p + 9]) &&
                value_after(s, p + 9, &v, &vn, 1) && secret_value(s, KEY_PASSWORD, d + v, vn)) {
                report(s, "password", ".netrc", v, vn);
                break;
            }
        }
        return;
    }
    k = i;
    while (i < s->len && key_char(d[i]) && i - k <= KEY_MAX)
        i++;
    if (i == k || i - k > KEY_MAX || i >= s->len || !blank(d[i]))
        return;
    e = i;
    /* the cheap tests first: two words on the line, the key naming a secret by a segment */
    if (!value_after(s, e, &v, &vn, 1) || !left_segment(d + k, e - k))
        return;
    i = v + vn;
    if (i < s->len && (d[i] == '"' || d[i] == '\''))
        i++;
    while (i < s->len && blank(d[i]))
        i++;
    if (i < s->len && d[i] != '\n' && d[i] != '\r' && d[i] != '#')
        return; /* more words: prose, not a setting */
    c = classify_key(d + k, e - k);
    if (c != KEY_PASSWORD && c != KEY_SECRET)
        return;
    copy_key(s, k, e - k, key);
    if (secret_value(s, c, d + v, vn))
        report(s, key, "KEY VALUE line", v, vn);
}

/* The hosts RFC 2606 and RFC 6761 reserve for documentation and tests. */
static int example_host(const uint8_t *host, size_t n)
{
    static const char *const suffixes[] = {".example", ".test", ".invalid", ".localhost"};

    if (contains_ci(host, n, "example.") || equals_ci(host, n, "host") ||
        equals_ci(host, n, "hostname") || equals_ci(host, n, "server"))
        return 1;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && equals_ci(host + n - k, k, suffixes[i]))
            return 1;
    }
    return 0;
}

/* '@' at data[at]: scheme://user:password@host. */
static void url_userinfo(state *s, size_t at)
{
    const uint8_t *d = s->data;
    size_t i = at, colon = 0;

    while (i > 0 && at - i < 256) {
        uint8_t c = d[i - 1];
        if (c == '/' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '@')
            break;
        if (c == ':' && colon == 0)
            colon = i - 1;
        i--;
    }
    if (i < 3 || d[i - 1] != '/' || d[i - 2] != '/' || d[i - 3] != ':' || colon == 0 || colon < i)
        return;
    /* the scheme before "://" must be a word */
    if (i < 4 || !is_alnum(d[i - 4]))
        return;
    size_t v = colon + 1, vn = at - v, h = at + 1;
    while (h < s->len && (is_alnum(d[h]) || d[h] == '.' || d[h] == '-'))
        h++;
    if (vn < 4 || colon == i || memchr(d + i, ':', colon - i) != NULL || !printable(d + v, vn) ||
        keel_audit_secret_placeholder(d + v, vn) || reference(d + v, vn) ||
        equals_ci(d + i, colon - i, "anonymous") ||
        keel_audit_secret_placeholder(d + i, colon - i) || h == at + 1 ||
        example_host(d + at + 1, h - at - 1))
        return;
    report(s, "user:password@ in a URL", "URL userinfo", v, vn);
}

/* ---- Token shapes ------------------------------------------------------------------------- */

/* The run of bytes from data[at] that satisfy ok, at most max. */
static size_t run(const state *s, size_t at, int (*ok)(uint8_t), size_t max)
{
    size_t i = at;

    while (i < s->len && i - at < max && ok(s->data[i]))
        i++;
    return i - at;
}

static int upper_or_digit(uint8_t c)
{
    return is_upper(c) || is_digit(c);
}

static int ends_token(const state *s, size_t at)
{
    return at >= s->len || !is_b64url(s->data[at]);
}

static int starts_with(const state *s, size_t at, const char *prefix)
{
    size_t n = strlen(prefix);

    return n <= s->len - at && memcmp(s->data + at, prefix, n) == 0;
}

/* Every token shape keel knows holds digits in its random part (a Slack token starts with
 * its team and user numbers): a package name such as "xapp-sn-watcher" has none. */
static int has_digit(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (is_digit(v[i]))
            return 1;
    }
    return 0;
}

/* The secret access key (40 base64 characters, random) near an AWS key ID at data[at]. */
static void aws_secret_near(state *s, size_t at)
{
    size_t from = at > AWS_WINDOW ? at - AWS_WINDOW : 0;
    size_t to = s->len - at > AWS_WINDOW ? at + AWS_WINDOW : s->len;

    for (size_t i = from; i + AWS_SECRET_LEN <= to; i++) {
        if (is_b64(s->data[i]) && (i == 0 || !is_b64(s->data[i - 1]))) {
            size_t n = run(s, i, is_b64, AWS_SECRET_LEN + 1);
            const uint8_t *v = s->data + i;
            int up = 0, low = 0, dig = 0;
            if (n != AWS_SECRET_LEN)
                continue;
            for (size_t k = 0; k < n; k++) {
                up |= is_upper(v[k]);
                low |= is_lower(v[k]);
                dig |= is_digit(v[k]);
            }
            if (up && low && dig && keel_audit_entropy(v, n) >= 4.0 &&
                !keel_audit_secret_placeholder(v, n))
                report(s, "AWS secret access key", "beside its key ID", i, n);
        }
    }
}

/* The first two bytes of every token shape: AK/AS/AG/AI/AR/AN/AB/AC, gh/gl, xo/xa, sk/rk, ey,
 * ho. */
static int token_first_two(uint8_t a, uint8_t b)
{
    switch (a) {
    case 'A': return b != '\0' && strchr("KSGIRNBC", b) != NULL;
    case 'g': return b == 'h' || b == 'l';
    case 'x': return b == 'o' || b == 'a';
    case 's':
    case 'r': return b == 'k';
    case 'e': return b == 'y';
    case 'h': return b == 'o';
    default: return 0;
    }
}

/* Whether a token shape can start at data[at]: its first two bytes, and room for it. */
static int token_pair(const state *s, size_t at)
{
    return at + 8 <= s->len && token_first_two(s->data[at], s->data[at + 1]);
}

/* A token shape starting at data[at] (a boundary before it). */
static void token(state *s, size_t at)
{
    static const char *const aws[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA",
                                      "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"};
#define SHAPE(p, name, min, max)                                                                   \
    {                                                                                              \
        p, sizeof(p) - 1, name, min, max                                                           \
    }
    static const struct {
        const char *prefix;
        size_t len;
        const char *name;
        size_t min, max;
    } shapes[] = {SHAPE("ghp_", "GitHub token", 36, 36),
                  SHAPE("gho_", "GitHub token", 36, 36),
                  SHAPE("ghu_", "GitHub token", 36, 36),
                  SHAPE("ghs_", "GitHub token", 36, 36),
                  SHAPE("ghr_", "GitHub token", 36, 36),
                  SHAPE("github_pat_", "GitHub token", 82, 82),
                  SHAPE("glpat-", "GitLab token", 20, 20),
                  SHAPE("xoxb-", "Slack token", 20, 255),
                  SHAPE("xoxp-", "Slack token", 20, 255),
                  SHAPE("xoxa-", "Slack token", 20, 255),
                  SHAPE("xoxr-", "Slack token", 20, 255),
                  SHAPE("xoxs-", "Slack token", 20, 255),
                  SHAPE("xapp-", "Slack token", 20, 255),
                  SHAPE("sk_live_", "Stripe secret key", 20, 255),
                  SHAPE("rk_live_", "Stripe restricted key", 20, 255),
                  SHAPE("AIza", "Google API key", 35, 35)};
#undef SHAPE
    const uint8_t *d = s->data;

    for (size_t i = 0; d[at] == 'A' && i < sizeof(aws) / sizeof(aws[0]); i++) {
        if (starts_with(s, at, aws[i]) && run(s, at + 4, upper_or_digit, 17) == 16 &&
            ends_token(s, at + 20) && !keel_audit_secret_placeholder(d + at, 20)) {
            report(s, "AWS access key ID", "token shape", at, 20);
            aws_secret_near(s, at);
            return;
        }
    }
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        size_t pl = shapes[i].len, n;
        if (d[at] != (uint8_t)shapes[i].prefix[0] || pl > s->len - at ||
            memcmp(d + at, shapes[i].prefix, pl) != 0)
            continue;
        n = run(s, at + pl, is_b64url, shapes[i].max + 1);
        if (n < shapes[i].min || n > shapes[i].max || !ends_token(s, at + pl + n) ||
            keel_audit_entropy(d + at + pl, n) < 3.0 || !has_digit(d + at + pl, n) ||
            keel_audit_secret_placeholder(d + at, pl + n))
            continue;
        report(s, shapes[i].name, "token shape", at, pl + n);
        return;
    }
    /* A JWT: base64url JSON header "eyJ", '.', payload "eyJ", '.', signature. */
    if (starts_with(s, at, "eyJ")) {
        size_t h = run(s, at, is_b64url, 4096), p, g;
        if (h < 10 || at + h + 4 >= s->len || d[at + h] != '.' ||
            !starts_with(s, at + h + 1, "eyJ"))
            return;
        p = run(s, at + h + 1, is_b64url, 8192);
        if (p < 10 || at + h + 1 + p >= s->len || d[at + h + 1 + p] != '.')
            return;
        g = run(s, at + h + 2 + p, is_b64url, 1024);
        if (g < 16 || !ends_token(s, at + h + 2 + p + g))
            return;
        report(s, "JWT", "token shape", at, h + 2 + p + g);
    }
    /* A Slack incoming webhook carries its secret in the path. */
    if (starts_with(s, at, "hooks.slack.com/services/T")) {
        size_t n = 25 + run(s, at + 25, is_b64url, 16);
        if (n < s->len - at && d[at + n] == '/') {
            size_t b = run(s, at + n + 1, is_b64url, 16);
            size_t t = at + n + 1 + b;
            if (b >= 8 && t < s->len && d[t] == '/' && run(s, t + 1, is_b64url, 64) >= 20)
                report(s, "Slack webhook", "token shape", at,
                       t + 1 + run(s, t + 1, is_b64url, 64) - at);
        }
    }
}

void keel_audit_scan_secrets(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                             keel_audit_scan_sink *sink)
{
    state s;

    if (data == NULL || len == 0 || sink == NULL || sink->fn == NULL)
        return;
    memset(&s, 0, sizeof(s));
    s.data = data;
    s.len = len;
    s.d = d;
    s.sink = sink;
    (void)pthread_once(&pairs_once, pairs_build);
    if (len > 0)
        key_value_line(&s, 0);
    for (size_t i = 0; i < len; i++) {
        uint8_t a = i + 1 < len ? pairs[data[i] | (unsigned)data[i + 1] << 8] : anchors[data[i]];
        if (a == 0)
            continue;
        if (a & A_ASSIGN)
            assignment(&s, i);
        else if (a & A_AT)
            url_userinfo(&s, i);
        else if (a & A_TAG)
            xml_element(&s, i);
        else if (a & A_LINE)
            key_value_line(&s, i + 1);
        else if ((a & A_TOKEN) && (i == 0 || !is_b64url(data[i - 1])) &&
                 !(i > 0 && data[i - 1] == '.') && token_pair(&s, i))
            token(&s, i);
    }
}

int keel_audit_secret_path_skipped(const char *path)
{
    static const char *const names[] = {"shadow", "shadow-", "gshadow", "gshadow-",
                                        "passwd", "passwd-", "group",   "group-"};
    const char *base;
    size_t dir;

    if (path == NULL)
        return 0;
    base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    dir = (size_t)(base - path);
    /* etc/NAME at the root or .../etc/NAME below it */
    if (dir < 4 || strncmp(base - 4, "etc/", 4) != 0 || (dir > 4 && base[-5] != '/'))
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(base, names[i]) == 0)
            return 1;
    }
    return 0;
}
