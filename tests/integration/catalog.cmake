# The provision catalog: its build-time generator and the `keel catalog` command.
keel_script_test(NAME catalog_gen MODULE catalog KIND integration
  SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/catalog_gen.sh TIMEOUT 120)
set_property(TEST catalog_gen APPEND PROPERTY ENVIRONMENT
  "KEEL_CATALOG_GEN=$<TARGET_FILE:keel-catalog-gen>;KEEL_CC=${CMAKE_C_COMPILER}")

keel_script_test(NAME catalog_cli MODULE catalog KIND integration
  SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/catalog_cli.sh TIMEOUT 60)
set_property(TEST catalog_cli APPEND PROPERTY LABELS cli)
