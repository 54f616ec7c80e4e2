/* TS 103 701 test case 5.7-1-2: the device verifies its software with a secure-boot
 * mechanism. The laboratory is given the firmware as flashed (`keel flash`: the trust
 * directory, both slots and the boot environment) and runs on it the very check the device
 * runs at every start (keel_integrity_verify): the booted slot hashed and compared with its
 * record, whose length and SHA-256 come from targets metadata verified again under the trusted
 * root. With the IXIT's repository the record is also found in the repository's own signed
 * targets, walked from the trust anchor, so a tree signed by some other repository does not
 * pass. The live device is asked, without a session, whether it is in restricted mode. Nothing
 * is written to the tree and the device is not restarted: the evidence says so. */
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "check_update.h"
#include "http.h"
#include "keel/integrity.h"

typedef struct tree {
    char trust[KEEL_AUDIT_UPDATE_FILE_MAX];
    char slot_a[KEEL_AUDIT_UPDATE_FILE_MAX];
    char slot_b[KEEL_AUDIT_UPDATE_FILE_MAX];
    char env[KEEL_AUDIT_UPDATE_FILE_MAX];
    char spec[KEEL_AUDIT_UPDATE_FILE_MAX + 8];
} tree;

static keel_err tree_paths(const char *dir, tree *p)
{
    if (keel_str_format(p->trust, sizeof(p->trust), "%s/update", dir) != KEEL_OK ||
        keel_str_format(p->slot_a, sizeof(p->slot_a), "%s/slot-a", dir) != KEEL_OK ||
        keel_str_format(p->slot_b, sizeof(p->slot_b), "%s/slot-b", dir) != KEEL_OK ||
        keel_str_format(p->env, sizeof(p->env), "%s/bootenv", dir) != KEEL_OK ||
        keel_str_format(p->spec, sizeof(p->spec), "file:%s", p->env) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return KEEL_OK;
}

static void verify_tree(const char *dir, keel_audit_integrity_facts *f, keel_update_target *out,
                        keel_audit_evidence *ev)
{
    keel_update_boot *boot = NULL;
    keel_integrity_result res;
    struct stat st;
    char hex[65];
    tree p;

    memset(&res, 0, sizeof(res));
    if (tree_paths(dir, &p) != KEEL_OK || stat(p.trust, &st) != 0 || !S_ISDIR(st.st_mode) ||
        stat(p.env, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    f->ran = 1;
    f->verify = keel_update_boot_open(p.spec, &boot);
    if (f->verify == KEEL_OK)
        f->verify = keel_integrity_verify(p.trust, boot, p.slot_a, p.slot_b, &res);
    keel_update_boot_free(boot);
    f->slot = res.slot;
    *out = res.target;
    (void)keel_str_copy(f->target, sizeof(f->target), res.target.name);
    (void)keel_audit_evidence_addf(ev,
                                   "keel_integrity_verify (the device's check at start) on %s: "
                                   "the booted slot from bootenv, its record in update/ verified "
                                   "under update/root.json, the slot's bytes hashed",
                                   dir);
    if (f->verify != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "slot %c: %s", res.slot ? res.slot : '?',
                                       keel_strerror(f->verify));
        return;
    }
    (void)keel_hex_encode(res.target.sha256, sizeof(res.target.sha256), hex, sizeof(hex));
    (void)keel_audit_evidence_addf(ev, "slot %c holds %s %s as signed: %llu bytes, SHA-256 %s",
                                   res.slot, res.target.name, res.target.version,
                                   (unsigned long long)res.target.length, hex);
}

/* The booted target in the repository's signed targets, walked from the IXIT's anchor. */
static void find_in_repository(const keel_audit_ixit_update *u, const keel_update_target *t,
                               keel_audit_integrity_facts *f, keel_audit_evidence *ev)
{
    char work[KEEL_AUDIT_UPDATE_FILE_MAX];
    keel_audit_evidence scratch7, scratch2;
    keel_audit_update_repo repo;
    keel_audit_update_mirror m;

    memset(&repo, 0, sizeof(repo));
    keel_audit_evidence_init(&scratch7);
    keel_audit_evidence_init(&scratch2);
    if (keel_audit_update_workdir(work, sizeof(work)) != KEEL_OK) {
        (void)keel_audit_evidence_addf(ev, "the repository was not consulted (no temporary "
                                           "directory)");
        return;
    }
    (void)keel_audit_update_walk(u, work, &m, &repo, &scratch7, &scratch2);
    f->listed = 0;
    for (size_t i = 0; m.verified && i < m.targets.ntargets; i++) {
        const keel_update_target *g = &m.targets.targets[i];

        if (strcmp(g->name, t->name) == 0 && g->length == t->length &&
            memcmp(g->sha256, t->sha256, sizeof(g->sha256)) == 0)
            f->listed = 1;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "the repository's signed targets (the mirror walked from "
                                   "%s): %s",
                                   u->trust_root,
                                   !m.verified ? "could not be verified"
                                   : f->listed ? "list the booted target with this length and hash"
                                               : "do not list the booted target as recorded");
    if (!m.verified)
        f->listed = -1;
    keel_audit_update_mirror_free(&m);
    keel_audit_update_workdir_remove(work);
    keel_audit_evidence_free(&scratch7);
    keel_audit_evidence_free(&scratch2);
}

/* GET the status route without a session: restricted mode answers 503 with the alert. */
static void ask_device(const keel_audit_target *t, const char *status_path,
                       keel_audit_integrity_facts *f, keel_audit_evidence *ev)
{
    char alert[32] = "";
    keel_audit_http_answer a = {0};
    keel_audit_http h;

    if (keel_audit_http_open(&h, t) == KEEL_OK &&
        keel_audit_http_get(&h, status_path, NULL, &a) == KEEL_OK) {
        f->status = a.status;
        f->alert = keel_audit_http_body_string(&h, "alert", alert, sizeof(alert)) == KEEL_OK &&
                   strcmp(alert, "integrity") == 0;
    }
    keel_audit_http_close(&h);
    if (f->status == 0)
        (void)keel_audit_evidence_addf(ev, "GET %s without a session: no answer", status_path);
    else
        (void)keel_audit_evidence_addf(
            ev, "GET %s without a session: HTTP %ld%s", status_path, f->status,
            f->alert ? ", the integrity alert (restricted mode)" : ", no integrity alert");
}

keel_err keel_audit_check_integrity(keel_audit_report *r, const keel_audit_target *t,
                                    const char *dir, const keel_audit_ixit_update *ixit,
                                    const char *status_path)
{
    keel_audit_integrity_facts f;
    keel_update_target target;
    keel_audit_evidence ev;
    keel_audit_verdict v;

    status_path = status_path ? status_path : KEEL_AUDIT_STATUS_PATH_DEFAULT;
    if (r == NULL || t == NULL || dir == NULL || !keel_audit_http_path_valid(status_path))
        return KEEL_ERR_ARG;
    memset(&f, 0, sizeof(f));
    memset(&target, 0, sizeof(target));
    f.listed = -1;
    keel_audit_evidence_init(&ev);
    verify_tree(dir, &f, &target, &ev);
    if (f.ran && f.verify == KEEL_OK && ixit != NULL && ixit->present)
        find_in_repository(ixit, &target, &f, &ev);
    if (f.ran)
        ask_device(t, status_path, &f, &ev);
    (void)keel_audit_evidence_addf(&ev,
                                   "not exercised: the device was not restarted and its software "
                                   "not changed; that it runs this check at every start rests on "
                                   "its documentation and on its status route");
    v = keel_audit_integrity_judge(&f, &ev);
    return keel_audit_record(r, "5.7-1-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
