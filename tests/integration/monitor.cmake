# keel monitor, the service side of the fleet's security telemetry (5.10-1): 1000 simulated
# devices against a real mosquitto over mutual TLS, with injected attacks (monitor.sh).
# fleet_sim (tests/integration/monitor/fleet_sim.c) plays the fleet; bench/monitor.sh uses it
# too, to measure the events per second one and two monitors sustain.
add_executable(fleet_sim ${CMAKE_CURRENT_SOURCE_DIR}/monitor/fleet_sim.c)
keel_project_flags(fleet_sim)
target_link_libraries(fleet_sim PRIVATE keel_static PkgConfig::MOSQUITTO Threads::Threads m)
set_target_properties(fleet_sim PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                           ${PROJECT_BINARY_DIR}/tests/integration)
keel_script_test(NAME cli_monitor MODULE cli KIND integration TIMEOUT 120
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/monitor.sh)
set_property(TEST cli_monitor APPEND PROPERTY ENVIRONMENT
             "KEEL_FLEET_SIM=$<TARGET_FILE:fleet_sim>")
