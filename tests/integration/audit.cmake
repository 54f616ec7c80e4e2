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
