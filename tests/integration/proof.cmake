# keeld's attack surface proved by tools keel did not write (5.5-1, 5.5-4, 5.6-1, 5.6-2):
# testssl.sh, nmap, curl and openssl s_client against a provisioned device on loopback or in a
# network namespace (proof_nmap needs root).
# testssl.sh takes a minute and proves the TLS policy, which is the same in both builds (the
# TLS code runs under the sanitizers in keeld_https and audit_tls): plain build only.
if(NOT KEEL_SANITIZE)
  keel_script_test(NAME proof_testssl MODULE keeld KIND integration TIMEOUT 420
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/proof_testssl.sh)
endif()
keel_script_test(NAME proof_nmap MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/proof_nmap.sh)
keel_script_test(NAME proof_routes MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/proof_routes.sh)
