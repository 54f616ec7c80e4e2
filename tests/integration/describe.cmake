# keeld's declared interfaces and routes (5.6-1), and their copy in docs/conformance/.
keel_script_test(NAME keeld_describe MODULE keeld KIND integration TIMEOUT 30
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_describe.sh)
