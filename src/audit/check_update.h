/* The parts of keel audit's update test cases (5.3-2-2, 5.3-7-2, 5.3-9-2, 5.3-10-2) shared
 * between their files (private to src/audit): the audit's own walk of the repository, the
 * probe of the repository's server, the manipulated files the laboratory makes, and its HTTPS
 * server that stands in for the repository. */
#ifndef KEEL_AUDIT_CHECK_UPDATE_H
#define KEEL_AUDIT_CHECK_UPDATE_H

#include <openssl/evp.h>

#include "audit.h"
#include "keel/catalog.h"
#include "keel/update.h"

/* At most this many hardware ids get a forged or tampered target of their own. */
#define KEEL_AUDIT_UPDATE_HW_MAX 8
/* Files one round serves instead of the mirror's. */
#define KEEL_AUDIT_LAB_OVERRIDES_MAX (3 + KEEL_AUDIT_UPDATE_HW_MAX)
#define KEEL_AUDIT_LAB_NAME_MAX 256

/* ---- The repository as the audit's own client verified it (check_update_repo.c) ---- */

typedef struct keel_audit_update_mirror {
    int verified;          /* the walk succeeded: everything below is set */
    keel_update_root root; /* the newest root */
    keel_update_timestamp timestamp;
    keel_update_snapshot snapshot;
    keel_update_targets targets;
    char trust[KEEL_AUDIT_UPDATE_FILE_MAX]; /* the audit's trust directory (in its work dir) */
    /* The newest target of each hardware id, the one a device of that model installs. */
    const keel_update_target *newest[KEEL_AUDIT_UPDATE_HW_MAX];
    size_t nnewest;
} keel_audit_update_mirror;

/* Install the IXIT's trust anchor in work/trust and refresh it from the mirror with
 * keel_update_fetcher_dir (keel_update_refresh: the device's own workflow), then read what
 * was verified and check every target file of the mirror. Facts go to repo (walked,
 * walk_error, keys, best_keys, hashes, targets, targets_intact), crypto lines to ev7 (keys,
 * thresholds, expiries, hashes) and the rest to ev2 (the walk, each target). On success
 * m->verified is 1. Returns an error only for bad arguments. */
keel_err keel_audit_update_walk(const keel_audit_ixit_update *u, const char *work,
                                keel_audit_update_mirror *m, keel_audit_update_repo *repo,
                                keel_audit_evidence *ev7, keel_audit_evidence *ev2);

void keel_audit_update_mirror_free(keel_audit_update_mirror *m);

/* ---- The repository's server (check_update_channel.c) ---- */

/* Probe the server at u->server: 5.5-1-2's rules (the TLS probes of keel_audit_check_tls on a
 * scratch report of version v), an HTTPS GET of timestamp.json checked against the repository's
 * CA and the URL's host as the device checks it, and plain HTTP on the same port. Sets
 * repo->server_tls, pinned and plain_http (NOT_TESTED / -1 when the server does not answer)
 * and adds lines to ev. */
keel_err keel_audit_update_probe_server(const keel_audit_ixit_update *u, keel_catalog_version v,
                                        keel_audit_update_repo *repo, keel_audit_evidence *ev);

/* ---- The laboratory's files (check_update_forge.c) ---- */

/* A new Ed25519 key of the laboratory's (the repository's root does not list it). */
keel_err keel_audit_update_lab_key(EVP_PKEY **out);

/* Forge into dir: "unsigned-timestamp.json", "unsigned-snapshot.json" and
 * "unsigned-targets.json" (versions one above the mirror's, each naming the next by length and
 * SHA-256, all signed by key) and "substituted-targets.json" (the mirror's targets version,
 * signed by key), both targets documents offering, for each hardware id of the mirror, a target
 * "keel-audit-forged-<hardware id>.bin" newer than any (its bytes in dir under that name).
 * names[]/paths[] receive the served name ("targets/keel-audit-forged-...") and file of each
 * forged target (at most KEEL_AUDIT_UPDATE_HW_MAX), *n their number. */
keel_err keel_audit_update_forge_metadata(const keel_audit_update_mirror *m, const char *dir,
                                          EVP_PKEY *key, int64_t now,
                                          char names[][KEEL_AUDIT_LAB_NAME_MAX],
                                          char paths[][KEEL_AUDIT_UPDATE_FILE_MAX], size_t *n);

/* Copy the mirror's file of target t to out: endless 0 changes one byte in the middle (the
 * length kept), endless 1 appends 4096 bytes. */
keel_err keel_audit_update_forge_target(const char *mirror, const keel_update_target *t,
                                        int endless, const char *out);

/* A new P-256 key and a self-signed certificate naming host (an IP address or a DNS name),
 * valid for a day, written to cert_path and key_path (mode 0600). */
keel_err keel_audit_update_forge_cert(const char *host, const char *cert_path,
                                      const char *key_path);

/* 1 when the certificate file cert (its first certificate, the rest as the chain) chains to
 * ca_file and names host; why (whysz) says what failed otherwise. */
int keel_audit_update_cert_vouched(const char *cert, const char *ca_file, const char *host,
                                   char *why, size_t whysz);

/* ---- The laboratory's HTTPS server (check_update_lab.c) ---- */

typedef struct keel_audit_lab_file {
    char name[KEEL_AUDIT_LAB_NAME_MAX]; /* as the device asks for it: "timestamp.json" */
    char path[KEEL_AUDIT_UPDATE_FILE_MAX];
} keel_audit_lab_file;

typedef struct keel_audit_lab_config {
    const keel_audit_target *listen; /* an address of this machine and the port */
    const char *prefix;              /* the repository URL's path, "" for none */
    const char *root;                /* the mirror: every file not overridden comes from it */
    const keel_audit_lab_file *overrides;
    size_t noverrides;
    const char *cert, *key; /* PEM files */
    int legacy_tls;         /* offer TLS 1.0 and 1.1 only; else keel's TLS policy */
} keel_audit_lab_config;

typedef struct keel_audit_lab keel_audit_lab; /* opaque */

/* Serve cfg over HTTPS with libwebsockets on its own thread: GET of "<prefix>/<name>" answers
 * the override for name or the mirror's file (names of [A-Za-z0-9._-] components, none
 * starting with '.'), 404 otherwise. KEEL_ERR_IO (why: the address in use, a bad certificate)
 * when it cannot serve. cfg's strings must outlive the server. */
keel_err keel_audit_lab_start(const keel_audit_lab_config *cfg, keel_audit_lab **out, char *why,
                              size_t whysz);

/* What the device did so far: connections accepted, requests answered, the names asked for
 * (comma-separated, cut to fetchedsz). */
void keel_audit_lab_seen(keel_audit_lab *lab, size_t *connections, size_t *requests, char *fetched,
                         size_t fetchedsz);

/* Forget what was seen (after the laboratory's own check of its server). */
void keel_audit_lab_reset(keel_audit_lab *lab);

/* Stop serving and free. NULL is a no-op. */
void keel_audit_lab_stop(keel_audit_lab *lab);

/* 1 when a handshake at TLS 1.1 or below with the server at t succeeds: the laboratory checks
 * its legacy server before it offers it to the device. */
int keel_audit_lab_speaks_legacy(const keel_audit_target *t);

/* ---- The device's rounds (check_update_device.c) ---- */

/* Run every round against the device at t with the laboratory's files in work (rounds indexed
 * by keel_audit_update_round_id; each not run says why in its note). m must be verified. */
keel_err keel_audit_update_run_rounds(const keel_audit_target *t, const keel_audit_update_opts *o,
                                      const keel_audit_update_mirror *m, const char *work,
                                      keel_audit_update_round rounds[KEEL_AUDIT_ROUNDS]);

/* ---- Shared small helpers (check_update_repo.c) ---- */

/* A new directory under the system's temporary directory (mode 0700) into out. */
keel_err keel_audit_update_workdir(char *out, size_t outsz);

/* Remove dir and everything in it (symbolic links removed, not followed). NULL/"" no-op. */
void keel_audit_update_workdir_remove(const char *dir);

#endif /* KEEL_AUDIT_CHECK_UPDATE_H */
