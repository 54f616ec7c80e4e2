keel_script_test(NAME core_install MODULE core KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/install.sh)
keel_script_test(NAME core_production_policy MODULE core KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/production.sh)
