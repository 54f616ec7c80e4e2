# The reference device's software updates end to end (5.3, 5.7): keel release, nginx, keeld.
keel_script_test(NAME keeld_update MODULE update KIND integration TIMEOUT 300
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_update.sh)
