# update: fetching (directory mirror and HTTPS against a real nginx), downloading into a
# slot, slot verification and boot control (5.3-2, 5.3-9, 5.7-1). The tests reach the
# private transport layer (src/update/fetch_private.h) to inject faults.
keel_unit_test(NAME test_update_download MODULE update SOURCES test_update_download.c)
target_include_directories(test_update_download PRIVATE ${PROJECT_SOURCE_DIR}/src/update)

# A real nginx on loopback (tests/support/nginx.h), started once for the whole file.
keel_unit_test(NAME test_update_https MODULE update SOURCES test_update_https.c
               LIBS keel_test_nginx)
target_include_directories(test_update_https PRIVATE ${PROJECT_SOURCE_DIR}/src/update)
set_tests_properties(test_update_https PROPERTIES TIMEOUT 120)

# Power cuts during a change of the boot environment: rename and write fail on request.
keel_unit_test(NAME test_update_boot MODULE update SOURCES test_update_boot.c
               WRAP rename write)
target_include_directories(test_update_boot PRIVATE ${PROJECT_SOURCE_DIR}/src/update)
