/* The analysis of TS 103 701 test case 5.1-2-2: are the pre-installed passwords of a batch
 * of devices unique and not predictable (5.1-2: not derived from public information such
 * as serial or MAC address, with enough entropy)? It looks at the batch the way an attacker
 * with many labels would: shared passwords, serials in passwords, a skewed symbol
 * distribution, too few possible values. Passwords are secrets: they are compared with
 * keel_ct_equal and never appear in evidence, not even in part. */
#include <math.h>
#include <string.h>

#include "audit.h"

/* Six symbols: a run that long matches by chance with odds near 1 in 28^6 per position. */
#define RUN_MIN 6
/* Pearson's rule of thumb: the chi-square approximation needs 5 expected per cell. */
#define CHI_EXPECTED_MIN 5.0

typedef struct symbols {
    uint8_t s[KEEL_SECRET_MAX];
    size_t n;
} symbols;

static uint8_t upper(uint8_t c)
{
    return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
}

/* The password's symbols (group separators dropped), upper-cased when fold. */
static void symbols_of(const keel_secret *pw, int fold, symbols *out)
{
    const uint8_t *p = keel_secret_bytes(pw);

    out->n = 0;
    for (size_t i = 0; i < keel_secret_len(pw); i++) {
        if (p[i] != '-' && p[i] != ' ')
            out->s[out->n++] = fold ? upper(p[i]) : p[i];
    }
}

static int same_password(const keel_secret *a, const keel_secret *b)
{
    return keel_secret_len(a) == keel_secret_len(b) &&
           keel_ct_equal(keel_secret_bytes(a), keel_secret_bytes(b), keel_secret_len(a));
}

static size_t count_shared(const keel_audit_label *l, size_t n, keel_audit_evidence *ev)
{
    size_t shared = 0;

    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i || !same_password(&l[i].password, &l[j].password))
                continue;
            dup = 1;
            if (j > i)
                (void)keel_audit_evidence_addf(ev, "'%s' and '%s' carry the same password",
                                               l[i].name, l[j].name);
        }
        shared += (size_t)dup;
    }
    return shared;
}

/* Whether pw holds any RUN_MIN-character run of the letters and digits of public. */
static int holds_run(const symbols *pw, const char *public)
{
    uint8_t clean[KEEL_AUDIT_LABEL_FIELD_MAX];
    size_t n = 0;

    for (size_t i = 0; public[i] != '\0' && n < sizeof(clean); i++) {
        uint8_t c = upper((uint8_t) public[i]);
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
            clean[n++] = c;
    }
    for (size_t w = 0; w + RUN_MIN <= n; w++) {
        for (size_t p = 0; p + RUN_MIN <= pw->n; p++) {
            if (keel_ct_equal(pw->s + p, clean + w, RUN_MIN))
                return 1;
        }
    }
    return 0;
}

static size_t count_derived(const keel_audit_label *l, size_t n, keel_audit_evidence *ev)
{
    size_t derived = 0;
    symbols pw;

    for (size_t i = 0; i < n; i++) {
        symbols_of(&l[i].password, 1, &pw);
        int from_serial = holds_run(&pw, l[i].serial);
        int from_mac = l[i].mac[0] != '\0' && holds_run(&pw, l[i].mac);
        if (from_serial || from_mac) {
            derived++;
            (void)keel_audit_evidence_addf(ev,
                                           "'%s': the password holds a run of %d or more "
                                           "characters of its %s",
                                           l[i].name, RUN_MIN,
                                           from_serial ? "serial" : "MAC address");
        }
    }
    keel_wipe(&pw, sizeof(pw));
    return derived;
}

double keel_audit_chi_square_q999(size_t df)
{
    const double z = 3.090232306167813; /* the 0.999 quantile of the standard normal */
    double k = df == 0 ? 1.0 : (double)df;
    double c = 2.0 / (9.0 * k);
    double t = 1.0 - c + z * sqrt(c);

    return k * t * t * t;
}

static void distribution(const keel_audit_label *l, size_t n, keel_audit_batch_stats *out)
{
    size_t counts[256] = {0};
    symbols pw;

    out->min_length = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        symbols_of(&l[i].password, 0, &pw);
        for (size_t k = 0; k < pw.n; k++)
            counts[pw.s[k]]++;
        out->symbols += pw.n;
        if (pw.n < out->min_length)
            out->min_length = pw.n;
    }
    keel_wipe(&pw, sizeof(pw));
    for (size_t c = 0; c < 256; c++)
        out->alphabet += counts[c] > 0;
    out->entropy_bits =
        out->alphabet > 1 ? (double)out->min_length * log2((double)out->alphabet) : 0.0;
    if (out->alphabet >= 2 && (double)out->symbols / (double)out->alphabet >= CHI_EXPECTED_MIN) {
        double expected = (double)out->symbols / (double)out->alphabet;
        for (size_t c = 0; c < 256; c++) {
            double d = (double)counts[c] - expected;
            out->chi_square += counts[c] > 0 ? d * d / expected : 0.0;
        }
        out->chi_square_run = 1;
        out->chi_square_max = keel_audit_chi_square_q999(out->alphabet - 1);
    }
    keel_wipe(counts, sizeof(counts));
}

keel_err keel_audit_labels_analyse(const keel_audit_label *labels, size_t n,
                                   keel_audit_evidence *ev, keel_audit_batch_stats *out)
{
    if (labels == NULL || n == 0 || ev == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    out->labels = n;
    out->shared = count_shared(labels, n, ev);
    out->derived = count_derived(labels, n, ev);
    distribution(labels, n, out);
    return KEEL_OK;
}
