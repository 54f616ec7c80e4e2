# keeld's cloud link beyond the connection itself: the lock works with the broker and the
# update server gone and its events reach the cloud in order, each once, when the broker
# returns; commands over MQTT are validated (5.9-2, 5.13-1A); and 200 simulated devices
# come back after a broker restart spread over time rather than as a storm (5.9-3).
keel_script_test(NAME keeld_offline MODULE keeld KIND integration TIMEOUT 240
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_offline.sh)

# storm_sim plays N devices with keeld's reconnection policy (keel_backoff_ms and
# KEELD_CLOUD_BACKOFF_*, from keeld.h: the same constants the device uses).
add_executable(storm_sim ${CMAKE_CURRENT_SOURCE_DIR}/storm/storm_sim.c)
keel_project_flags(storm_sim)
target_link_libraries(storm_sim PRIVATE keeld_core keel_static PkgConfig::MOSQUITTO)
set_target_properties(storm_sim PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                           ${PROJECT_BINARY_DIR}/tests/integration)
# A measurement of the reconnection policy, the same in both builds: plain build only.
if(NOT KEEL_SANITIZE)
  keel_script_test(NAME keeld_storm MODULE keeld KIND integration TIMEOUT 240
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/storm.sh)
  set_property(TEST keeld_storm APPEND PROPERTY ENVIRONMENT
               "KEEL_STORM_SIM=$<TARGET_FILE:storm_sim>")
endif()
# Security telemetry and the owner's data on the link (5.10-1, 5.11-2, 5.11-4, 6-3A, 6-4):
# events of the keel/events.h shape without personal data, access-log copies only with
# consent (and none after its withdrawal), the service's deletion request and confirmation.
keel_script_test(NAME keeld_telemetry MODULE keeld KIND integration TIMEOUT 180
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_telemetry.sh)
