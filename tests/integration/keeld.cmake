# keel provision (the factory) and keeld (the device) against real processes on loopback.
keel_script_test(NAME cli_provision MODULE cli KIND integration TIMEOUT 120
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_provision.sh)
keel_script_test(NAME keeld_https MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_https.sh)
keel_script_test(NAME keeld_guard MODULE keeld KIND integration TIMEOUT 240
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_guard.sh)
keel_script_test(NAME keeld_password MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_password.sh)
keel_script_test(NAME keeld_tpm2 MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_tpm2.sh)
keel_script_test(NAME keeld_sandbox MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_sandbox.sh)
keel_script_test(NAME keeld_setup MODULE keeld KIND integration TIMEOUT 240
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_setup.sh)
keel_script_test(NAME keeld_api MODULE keeld KIND integration TIMEOUT 240
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_api.sh)
# The owner's personal data (6-1 .. 6-6): the inventory, consent records, the export, retention.
keel_script_test(NAME keeld_privacy MODULE keeld KIND integration TIMEOUT 120
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_privacy.sh)
# Factory reset, the canary test (5.11-1): a loop-mounted data partition searched to its bytes.
keel_script_test(NAME keeld_reset MODULE keeld KIND integration TIMEOUT 120
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_reset.sh)
