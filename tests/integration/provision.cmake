# keel provision (the factory): one device on each root of trust, a batch, a refused CA.
# keel_test_provision checks what needs libkeel (the store, the identity key, the QR code);
# the scripts find it beside themselves in the build tree.
add_executable(keel_test_provision ${CMAKE_CURRENT_SOURCE_DIR}/support/provision_check.c)
keel_project_flags(keel_test_provision)
target_link_libraries(keel_test_provision PRIVATE keel_static PkgConfig::PNG PkgConfig::QRENCODE)
set_target_properties(keel_test_provision PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/integration)

keel_script_test(NAME cli_provision_batch MODULE cli KIND integration TIMEOUT 300
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/provision_batch.sh)
keel_script_test(NAME cli_provision_ca MODULE cli KIND integration TIMEOUT 120
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/provision_ca.sh)
keel_script_test(NAME cli_provision_tpm MODULE cli KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/provision_tpm.sh)
