# The reference device's software updates end to end (5.3, 5.7): keel release, nginx, keeld,
# and agent_sim's model bootloader (development builds, like the power-loss test).
if(KEEL_ROT_FILE)
  keel_script_test(NAME keeld_update MODULE update KIND integration TIMEOUT 300
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_update.sh)
  set_property(TEST keeld_update APPEND PROPERTY ENVIRONMENT
               "KEEL_AGENT_SIM=$<TARGET_FILE:update_agent_sim>")
endif()
