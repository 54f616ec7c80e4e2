# The anti-rollback floor on a real TPM (swtpm, tests/support).
keel_unit_test(NAME test_update_floor MODULE update SOURCES test_update_floor.c
               LIBS keel_test_swtpm)
target_include_directories(test_update_floor PRIVATE ${PROJECT_SOURCE_DIR}/src/update)
set_tests_properties(test_update_floor PROPERTIES TIMEOUT 120)
