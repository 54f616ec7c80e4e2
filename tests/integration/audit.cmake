# keel audit against real peers (openssl s_server, the weak_device fixture, python's
# http.server, keeld) in a network namespace each script makes and removes (needs root).
foreach(scenario tls credentials ports cli login labels firmware rot surface)
  keel_script_test(NAME audit_${scenario} MODULE audit KIND integration
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/${scenario}.sh TIMEOUT 240)
endforeach()

# The white-box test cases 5.1-1-3, 5.6-4A-2, 5.6-7-2 and 5.6-8-2 on firmware trees with planted
# flaws and a clean control that tests/fixtures/firmware_trees.sh builds at test time: recall and
# false findings.
keel_script_test(NAME audit_whitebox MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/whitebox.sh TIMEOUT 120)

# The live test cases 5.6-1-2 (TCP and UDP scan, telnet), 5.5-1-2 (legacy TLS, a declared
# telnet interface), 5.1-1-2 (default password as JSON and as HTTP Basic) and 5.1-5-2 on servers
# with planted flaws and their controls that tests/fixtures/live_servers.sh starts (nginx, telnet
# and UDP services, weak_device.py): recall and false findings; the UDP view against nmap -sU.
keel_script_test(NAME audit_live_fixtures MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/live_fixtures.sh TIMEOUT 120)
# --firmware IMAGE (tar.gz, tar.zst, squashfs, ext4: the directory's findings for each), hostile
# images refused, and 5.4-4-2 (--firmware-peer) on peers sharing keys or not
# (tests/fixtures/firmware_images.sh builds them at test time).
keel_script_test(NAME audit_images MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/images.sh TIMEOUT 60)

# Hard-coded secrets (5.4-3-2) and TLS configurations (5.5-1-3) on trees that
# tests/fixtures/secret_trees.sh plants at test time, with a clean control of look-alikes, nginx
# probed on the wire, and the secret scan's false-positive rate on the host's /etc and
# /usr/share/doc: recall and false findings.
keel_script_test(NAME audit_secrets MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/secrets.sh TIMEOUT 60)

# keel's own 5.4-3: no key or default password in what keel ships to devices or in its
# sources, scanned with the auditor's own scanner (no root needed).
add_executable(keel_audit_scan ${CMAKE_CURRENT_SOURCE_DIR}/audit/scan_driver.c)
keel_project_flags(keel_audit_scan)
target_link_libraries(keel_audit_scan PRIVATE keel_audit keel_static)
keel_script_test(NAME audit_self_scan MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/self_scan.sh TIMEOUT 240)
set_property(TEST audit_self_scan APPEND PROPERTY ENVIRONMENT
             "KEEL_AUDIT_SCAN=$<TARGET_FILE:keel_audit_scan>;KEEL_LIB_SHARED=$<TARGET_FILE:keel>;KEEL_LIB_STATIC=$<TARGET_FILE:keel_static>")
# 5.5-1-2 against testssl.sh on nginx with TLS 1.0 switched on, and on keeld.
keel_script_test(NAME audit_agreement MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/agreement.sh TIMEOUT 300)
# 5.3-2-2, 5.3-7-2, 5.3-9-2, 5.3-10-2 and 5.7-1-2 against keeld updating from nginx: the audit
# stands in for the repository with manipulated copies (keel release, keel flash, libwebsockets).
keel_script_test(NAME audit_update MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/update.sh TIMEOUT 300)
# 5.2-1-2 (security.txt), 5.3-13-2 / 5.3-16-2 (published support period and model), 5.9-2-2
# (local function with the cloud link cut: keeld and mosquitto in two namespaces joined by a
# veth link the IXIT's hook takes down) and 5.13-1B (the malformed-input campaign), each on
# keeld and on an nginx negative control that must fail.
foreach(scenario securitytxt published resilience malformed)
  keel_script_test(NAME audit_${scenario} MODULE audit KIND integration
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/${scenario}.sh TIMEOUT 300)
endforeach()
# 5.11-1-2 (canaries, reset, data tree), 5.11-2-2 / 5.11-4-1 (deletion at the service, confirmed),
# 6-3A-2 (consent withdrawn: the broker sees nothing more) and the conceptual privacy test cases,
# on keeld with mosquitto and a stand-in service, and on a leaky fixture that must fail.
keel_script_test(NAME audit_privacy MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/privacy.sh TIMEOUT 180)
# The Markdown, SARIF 2.1.0 and JUnit XML reports read back by cmark-gfm, jq and xmllint, on a
# report with hostile evidence and on `keel audit --format` against a closed port (no root).
add_executable(keel_audit_render_formats ${CMAKE_CURRENT_SOURCE_DIR}/audit/render_formats.c)
keel_project_flags(keel_audit_render_formats)
target_link_libraries(keel_audit_render_formats PRIVATE keel_audit keel_static)
keel_script_test(NAME audit_formats MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/formats.sh TIMEOUT 60)
set_property(TEST audit_formats APPEND PROPERTY ENVIRONMENT
             "RENDER_FORMATS=$<TARGET_FILE:keel_audit_render_formats>")
# The ICS (keel audit init, --ics: 5.0-1-1, N/A and N applied, keeld's own ICS against its
# schema) and the catalog of test cases (keel audit list), through the CLI; no device, no root.
keel_script_test(NAME audit_ics MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/ics.sh TIMEOUT 60)
# keeld's IXIT with the 29 tables of TS 103 701 (keeld --describe joined by keeld-ixit.jq):
# valid for data/schemas/ixit.schema.json and for keel, consistent, true to keeld's sources;
# broken tables refused by both naming the field (no device, no root).
keel_script_test(NAME audit_ixit_schema MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/ixit_schema.sh TIMEOUT 60)
# The conceptual test cases on the IXIT's design tables (5.1-3-1, 5.3-3-1, 5.3-8-1, 5.4-2-1,
# 5.4-4-1, 5.5-7-1, 5.5-8-1, 5.8-2-1, 5.13-1A-1, 6-3B-1, 6-6-1): all PASS on keeld's IXIT; one
# wrong fact at a time FAILs exactly its test case; a table left out: INCONCLUSIVE (no device,
# no root).
keel_script_test(NAME audit_concepts MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/concepts.sh TIMEOUT 60)
# The SBOM keel audit writes with --firmware (OUT/sbom.cdx.json): Debian, OpenWrt and
# distroless trees built at test time and this machine's dpkg database, each validated against
# the real CycloneDX 1.5 JSON Schema (tests/sbom pins the npm package that ships it); a
# malformed database ends the audit without an SBOM (no device, no root).
keel_script_test(NAME audit_sbom MODULE audit KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/audit/sbom.sh TIMEOUT 60)
