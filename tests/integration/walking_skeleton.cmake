keel_script_test(NAME cli_walking_skeleton MODULE cli KIND integration TIMEOUT 300
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/walking_skeleton.sh)
