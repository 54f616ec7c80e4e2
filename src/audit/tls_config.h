/*
 * TLS configurations in a firmware tree (TS 103 701 test case 5.5-1-3, keel's white-box
 * addition to 5.5-1-2): the servers' and the library's own settings that allow legacy
 * protocols (SSL 2/3, TLS 1.0, TLS 1.1) or weak cipher suites (NULL, anonymous, export, DES,
 * 3DES, RC4, RC2, MD5, LOW, @SECLEVEL=0). Private to src/audit, its tests and fuzz targets.
 *
 * The files are untrusted: every line, token and count is bounded; evidence is sanitised when
 * recorded. Nothing here aborts.
 */
#ifndef KEEL_AUDIT_TLS_CONFIG_H
#define KEEL_AUDIT_TLS_CONFIG_H

#include <stddef.h>

#include "audit.h"

#define KEEL_AUDIT_TLS_FILE_MAX ((size_t)1024 * 1024)
#define KEEL_AUDIT_TLS_FILES_MAX 4096
#define KEEL_AUDIT_TLS_LINE_MAX 4096 /* longer lines are cut there */

typedef enum keel_audit_tls_software {
    KEEL_AUDIT_TLS_NONE = -1,
    KEEL_AUDIT_TLS_NGINX = 0, /* ssl_protocols, ssl_ciphers; TLS on: listen ... ssl, ssl_* */
    KEEL_AUDIT_TLS_APACHE,    /* SSLProtocol, SSLCipherSuite (and their SSLProxy forms) */
    KEEL_AUDIT_TLS_LIGHTTPD,  /* ssl.openssl.ssl-conf-cmd, ssl.use-sslv2/3, ssl.cipher-list */
    KEEL_AUDIT_TLS_MOSQUITTO, /* tls_version, ciphers; TLS on: certfile, keyfile, psk_hint */
    KEEL_AUDIT_TLS_OPENSSL,   /* openssl.cnf: MinProtocol, Protocol, CipherString */
    KEEL_AUDIT_TLS_STUNNEL,   /* sslVersion, sslVersionMin, ciphers */
    KEEL_AUDIT_TLS_HAPROXY    /* ssl-min-ver, force-sslv3/tlsv10/tlsv11, ciphers */
} keel_audit_tls_software;

/* The software whose configuration the tree path rel is (by its directory or name:
 * etc/nginx/..., nginx.conf, etc/apache2/..., etc/httpd/..., httpd.conf, etc/lighttpd/...,
 * etc/mosquitto/..., mosquitto.conf, openssl.cnf, etc/stunnel/..., etc/haproxy/...,
 * haproxy.cfg; also below a prefix such as usr/local/), or KEEL_AUDIT_TLS_NONE. */
keel_audit_tls_software keel_audit_tls_software_of(const char *rel);

/* The name people give the software ("nginx"). */
const char *keel_audit_tls_software_name(keel_audit_tls_software sw);

typedef struct keel_audit_tls_scan {
    keel_audit_evidence *findings; /* "path:line: directive ...: why" (may be NULL) */
    keel_audit_evidence *notes;    /* files with TLS on and no protocol floor (may be NULL) */
    size_t files;                  /* configuration files read */
    size_t tls_files;              /* of them, files that configure TLS */
    size_t legacy;                 /* directives allowing a legacy protocol */
    size_t weak;                   /* directives allowing weak suites */
    size_t no_floor;               /* files with TLS on and no explicit protocol setting */
    size_t unreadable;             /* files that could not be read or were too large */
} keel_audit_tls_scan;

/* Judge one configuration file (text[0..len), untrusted; path names it in the evidence) of
 * software sw: a finding per directive that allows a legacy protocol or weak suites; a note
 * when the file switches TLS on without any protocol directive (the software's default,
 * which depends on its version, applies). Counts go into s. */
void keel_audit_tls_config_scan(keel_audit_tls_software sw, const char *path, const char *text,
                                size_t len, keel_audit_tls_scan *s);

/* Whether the protocol name p[0..n) (any case, "+"/"-" stripped by the caller) is SSLv2,
 * SSLv3, TLS 1.0 or TLS 1.1 under one of its spellings (SSLv3, TLSv1, TLSv1.0, TLSv10,
 * TLS1.1, tlsv1.1 ...): 1 legacy, 0 a modern version (TLS 1.2, 1.3), -1 not a version. */
int keel_audit_tls_version_legacy(const char *p, size_t n);

/* The weak classes an OpenSSL cipher string enables (tokens not removed with '!' or '-'),
 * written into out ("RC4, 3DES"); 0 when none. */
size_t keel_audit_tls_ciphers_weak(const char *spec, size_t n, char *out, size_t outsz);

/* FAIL on a finding; N/A when no file configures TLS ("no TLS configuration in the tree");
 * INCONCLUSIVE when a file could not be read or a file switches TLS on without a protocol
 * floor; else PASS. A summary line goes into ev. */
keel_audit_verdict keel_audit_tls_config_verdict(const keel_audit_tls_scan *s,
                                                 keel_audit_evidence *ev);

#endif /* KEEL_AUDIT_TLS_CONFIG_H */
