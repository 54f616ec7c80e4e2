# The attacks of TUF's threat catalogue against a device (5.3-2, 5.3-7, 5.3-9, 5.3-10): a
# repository builder on the public API (repo.c) and one test per attack.
add_library(keel_test_update_repo STATIC ${CMAKE_CURRENT_LIST_DIR}/repo.c)
keel_project_flags(keel_test_update_repo)
target_include_directories(keel_test_update_repo PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(keel_test_update_repo PUBLIC keel_static PkgConfig::CJSON)

# The device's root of trust is the development file backend.
if(KEEL_ROT_FILE)
  keel_unit_test(NAME update_attacks MODULE update
                 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_update_attacks.c
                 LIBS keel_test_update_repo)
  set_tests_properties(update_attacks PROPERTIES TIMEOUT 60)
endif()
