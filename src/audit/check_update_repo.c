/* The audit's own walk of the update repository (5.3-2-2, 5.3-7-2): the trust anchor the
 * device was made with is installed in a directory of the audit's, and keel's client workflow
 * (keel_update_refresh, the very code the device runs) verifies the mirror from it: the root
 * chain, timestamp, snapshot and targets, each signature, threshold, version, expiry, length
 * and hash. Then every target file of the mirror is hashed against its signed entry. */
/* nftw is XSI */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_update.h"

keel_err keel_audit_update_workdir(char *out, size_t outsz)
{
    const char *tmp = getenv("TMPDIR");

    if (keel_str_format(out, outsz, "%s/keel-audit-update-XXXXXX",
                        tmp != NULL && tmp[0] == '/' ? tmp : "/tmp") != KEEL_OK)
        return KEEL_ERR_RANGE;
    return mkdtemp(out) != NULL ? KEEL_OK : KEEL_ERR_IO;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path); /* keep going: remove what can be removed */
    return 0;
}

void keel_audit_update_workdir_remove(const char *dir)
{
    if (dir == NULL || dir[0] == '\0')
        return;
    (void)nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void keel_audit_update_mirror_free(keel_audit_update_mirror *m)
{
    if (m == NULL)
        return;
    keel_update_root_free(&m->root);
    keel_update_targets_free(&m->targets);
    memset(m, 0, sizeof(*m));
}

/* The payload of a verified envelope the refresh left in the audit's trust directory. */
static keel_err trusted_payload(const char *trust, const char *name, uint8_t **payload, size_t *len)
{
    char path[KEEL_AUDIT_UPDATE_FILE_MAX];
    char *text = NULL;
    size_t n = 0;
    keel_err ret = keel_str_format(path, sizeof(path), "%s/%s", trust, name);

    if (ret == KEEL_OK)
        ret = keel_file_read(path, KEEL_UPDATE_META_MAX, &text, &n);
    if (ret == KEEL_OK)
        ret = keel_update_envelope_payload(text, n, payload, len);
    keel_file_free(text, n);
    return ret;
}

static keel_err read_verified(keel_audit_update_mirror *m)
{
    uint8_t *p = NULL;
    size_t n = 0;
    keel_err ret = keel_update_trust_root(m->trust, &m->root);

    if (ret == KEEL_OK)
        ret = trusted_payload(m->trust, "timestamp.json", &p, &n);
    if (ret == KEEL_OK)
        ret = keel_update_timestamp_parse(p, n, &m->timestamp);
    free(p);
    p = NULL;
    if (ret == KEEL_OK)
        ret = trusted_payload(m->trust, "snapshot.json", &p, &n);
    if (ret == KEEL_OK)
        ret = keel_update_snapshot_parse(p, n, &m->snapshot);
    free(p);
    return ret;
}

static void time_text(int64_t t, char out[21])
{
    if (keel_update_time_format(t, out) != KEEL_OK)
        (void)keel_str_copy(out, 21, "?");
}

/* One line per role: its threshold and keys, each key's type and id prefix. */
static void describe_roles(const keel_update_root *root, keel_audit_evidence *ev)
{
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        const keel_update_role_keys *rk = &root->roles[r];
        char keys[512] = "";
        size_t used = 0;

        for (size_t i = 0; i < rk->nkeyids; i++) {
            const char *type = "a key the root does not carry";
            for (size_t k = 0; k < root->nkeys; k++) {
                if (strcmp(root->keyids[k], rk->keyids[i]) == 0) {
                    type = keel_update_key_type(root->keys[k]);
                    type = type != NULL ? type : "another key type";
                }
            }
            int w = snprintf(keys + used, sizeof(keys) - used, "%s%s %.16s", i ? ", " : "", type,
                             rk->keyids[i]);
            if (w < 0 || (size_t)w >= sizeof(keys) - used)
                break;
            used += (size_t)w;
        }
        (void)keel_audit_evidence_addf(ev, "%s: threshold %u of %zu key(s): %s",
                                       keel_update_role_name((keel_update_role)r), rk->threshold,
                                       rk->nkeyids, keys);
    }
}

static void describe_crypto(const keel_audit_update_mirror *m, keel_audit_update_repo *repo,
                            keel_audit_evidence *ev)
{
    char e_root[21], e_targets[21], e_snap[21], e_ts[21];

    repo->keys = m->root.nkeys;
    for (size_t i = 0; i < m->root.nkeys; i++)
        repo->best_keys += keel_update_key_type(m->root.keys[i]) != NULL;
    (void)keel_audit_evidence_addf(ev,
                                   "signatures: DSSE envelopes; %zu root key(s), %zu of them "
                                   "Ed25519 or ECDSA P-256 (best practice)",
                                   repo->keys, repo->best_keys);
    describe_roles(&m->root, ev);
    repo->hashes = m->timestamp.snapshot.has_sha256 && m->snapshot.targets.has_sha256;
    (void)keel_audit_evidence_addf(
        ev,
        "timestamp names snapshot.json by %s; snapshot names "
        "targets.json by %s; every target by length and SHA-256",
        m->timestamp.snapshot.has_sha256 ? "length and SHA-256" : "version only",
        m->snapshot.targets.has_sha256 ? "length and SHA-256" : "version only");
    time_text(m->root.header.expires, e_root);
    time_text(m->targets.header.expires, e_targets);
    time_text(m->snapshot.header.expires, e_snap);
    time_text(m->timestamp.header.expires, e_ts);
    (void)keel_audit_evidence_addf(ev,
                                   "expiries (none past, checked by the client): root %s, "
                                   "targets %s, snapshot %s, timestamp %s",
                                   e_root, e_targets, e_snap, e_ts);
}

/* The newest target of each hardware id (the one a device of that model selects). */
static void pick_newest(keel_audit_update_mirror *m)
{
    for (size_t i = 0; i < m->targets.ntargets; i++) {
        const keel_update_target *t = &m->targets.targets[i], *best = NULL;
        int seen = 0;

        for (size_t j = 0; j < m->nnewest; j++)
            seen |= strcmp(m->newest[j]->hardware_id, t->hardware_id) == 0;
        if (seen || m->nnewest == KEEL_AUDIT_UPDATE_HW_MAX ||
            keel_update_select(&m->targets, t->hardware_id, 0, &best) != KEEL_OK)
            continue;
        m->newest[m->nnewest++] = best;
    }
}

/* Each target file of the mirror against its signed length and SHA-256. */
static void check_targets(const keel_audit_ixit_update *u, const keel_audit_update_mirror *m,
                          keel_audit_update_repo *repo, keel_audit_evidence *ev)
{
    repo->targets = m->targets.ntargets;
    for (size_t i = 0; i < m->targets.ntargets; i++) {
        const keel_update_target *t = &m->targets.targets[i];
        char path[KEEL_AUDIT_UPDATE_FILE_MAX], hex[65];
        struct stat st;
        int ok =
            keel_str_format(path, sizeof(path), "%s/targets/%s", u->mirror, t->name) == KEEL_OK &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == t->length &&
            keel_update_slot_verify(path, t) == KEEL_OK;

        repo->targets_intact += ok;
        (void)keel_hex_encode(t->sha256, sizeof(t->sha256), hex, sizeof(hex));
        (void)keel_audit_evidence_addf(
            ev,
            "target %s %s (hardware %s, security version %llu): %llu "
            "bytes, SHA-256 %.16s...: %s",
            t->name, t->version, t->hardware_id, (unsigned long long)t->security_version,
            (unsigned long long)t->length, hex,
            ok ? "the mirror's file matches" : "the mirror's file differs or is missing");
    }
}

static keel_err install_anchor(const keel_audit_ixit_update *u, keel_audit_update_mirror *m,
                               keel_audit_update_repo *repo, keel_audit_evidence *ev2)
{
    char *anchor = NULL;
    size_t len = 0;
    struct stat st;
    keel_err ret = keel_file_read(u->trust_root, KEEL_UPDATE_ROOT_MAX, &anchor, &len);

    if (ret != KEEL_OK || stat(u->mirror, &st) != 0 || !S_ISDIR(st.st_mode)) {
        (void)keel_audit_evidence_addf(ev2, "cannot read %s: %s",
                                       ret != KEEL_OK ? u->trust_root : u->mirror,
                                       ret != KEEL_OK ? keel_strerror(ret) : "not a directory");
        keel_file_free(anchor, len);
        return ret != KEEL_OK ? ret : KEEL_ERR_IO;
    }
    repo->walked = 1;
    ret = keel_update_trust_init(m->trust, anchor, len);
    keel_file_free(anchor, len);
    if (ret != KEEL_OK)
        (void)keel_audit_evidence_addf(ev2, "the trust anchor %s does not install: %s",
                                       u->trust_root, keel_strerror(ret));
    return ret;
}

keel_err keel_audit_update_walk(const keel_audit_ixit_update *u, const char *work,
                                keel_audit_update_mirror *m, keel_audit_update_repo *repo,
                                keel_audit_evidence *ev7, keel_audit_evidence *ev2)
{
    keel_update_fetcher *f = NULL;
    keel_err ret;

    if (u == NULL || work == NULL || m == NULL || repo == NULL)
        return KEEL_ERR_ARG;
    memset(m, 0, sizeof(*m));
    if (keel_str_format(m->trust, sizeof(m->trust), "%s/trust", work) != KEEL_OK)
        return KEEL_ERR_RANGE;
    ret = install_anchor(u, m, repo, ev2);
    if (ret == KEEL_OK)
        ret = keel_update_fetcher_dir(u->mirror, &f);
    if (ret == KEEL_OK)
        ret = keel_update_refresh(m->trust, f, (int64_t)time(NULL), &m->targets);
    keel_update_fetcher_free(f);
    if (ret == KEEL_OK)
        ret = read_verified(m);
    repo->walk_error = ret;
    if (!repo->walked)
        return KEEL_OK;
    if (ret != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev2,
                                       "keel's update client refused the mirror %s from the "
                                       "trust anchor %s: %s",
                                       u->mirror, u->trust_root, keel_strerror(ret));
        return KEEL_OK;
    }
    m->verified = 1;
    (void)keel_audit_evidence_addf(ev2,
                                   "keel's update client (the device's workflow) verified the "
                                   "mirror %s from the trust anchor %s: root version %llu, "
                                   "timestamp %llu, snapshot %llu, targets %llu",
                                   u->mirror, u->trust_root,
                                   (unsigned long long)m->root.header.version,
                                   (unsigned long long)m->timestamp.header.version,
                                   (unsigned long long)m->snapshot.header.version,
                                   (unsigned long long)m->targets.header.version);
    (void)keel_audit_evidence_addf(ev7, "the metadata verified from the trust anchor: every "
                                        "signature, threshold, version and expiry");
    describe_crypto(m, repo, ev7);
    check_targets(u, m, repo, ev2);
    pick_newest(m);
    return KEEL_OK;
}
