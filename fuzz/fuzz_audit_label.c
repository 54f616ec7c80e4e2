/* Fuzz the label parser of 5.1-2-2: label files come from the device maker and are read as
 * untrusted text. Properties beyond memory safety: a parsed label has a non-empty serial and
 * password without control characters, a MAC of exactly 12 lower-case hex digits or none,
 * and a batch of the label with itself is judged as sharing its password. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static void check_label(const keel_audit_label *l)
{
    size_t n = strlen(l->serial), m = strlen(l->mac);
    const uint8_t *pw = keel_secret_bytes(&l->password);

    if (n == 0 || n >= KEEL_AUDIT_LABEL_FIELD_MAX || keel_secret_len(&l->password) == 0)
        abort();
    for (size_t i = 0; i < keel_secret_len(&l->password); i++) {
        if (pw[i] < 0x20 && pw[i] != '\t')
            abort();
    }
    if (m != 0 && m != 12)
        abort();
    for (size_t i = 0; i < m; i++) {
        if (!((l->mac[i] >= '0' && l->mac[i] <= '9') || (l->mac[i] >= 'a' && l->mac[i] <= 'f')))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_label pair[2];
    keel_audit_batch_stats s;
    keel_audit_evidence ev;

    if (keel_audit_label_parse(data, size, &pair[0]) != KEEL_OK)
        return 0;
    check_label(&pair[0]);
    pair[1] = pair[0];
    keel_audit_evidence_init(&ev);
    if (keel_audit_labels_analyse(pair, 2, &ev, &s) != KEEL_OK || s.shared != 2 || s.labels != 2)
        abort();
    keel_audit_evidence_free(&ev);
    keel_audit_label_clear(&pair[0]);
    keel_audit_label_clear(&pair[1]);
    return 0;
}
