# The data inventory and what is made from it (6-1, 6-5, 5.8-3): its schema and checks, its
# agreement with the code, docs/privacy.md and the IXIT's personal_data, telemetry and sensing.
keel_script_test(NAME privacy_docs MODULE privacy KIND integration TIMEOUT 60
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/privacy_docs.sh)
