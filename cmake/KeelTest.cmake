# Test helpers. Every test carries two labels: its module and its kind (STYLE: one suite,
# many builds; `ctest -L update` runs one module).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

set(KEEL_MODULES core catalog rot store auth tls update integrity privacy events audit
    keeld cli)

function(keel_check_module module)
  if(NOT module IN_LIST KEEL_MODULES)
    message(FATAL_ERROR "test label '${module}' is not a keel module: ${KEEL_MODULES}")
  endif()
endfunction()

# keel_unit_test(NAME n MODULE m SOURCES a.c ... [LIBS ...] [WRAP sym ...])
# WRAP redirects libkeel's calls to sym into __wrap_sym in the test, for fault injection.
function(keel_unit_test)
  cmake_parse_arguments(T "" "NAME;MODULE" "SOURCES;LIBS;WRAP" ${ARGN})
  keel_check_module(${T_MODULE})
  add_executable(${T_NAME} ${T_SOURCES})
  keel_project_flags(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE keel_static PkgConfig::CMOCKA ${T_LIBS})
  foreach(sym ${T_WRAP})
    target_link_options(${T_NAME} PRIVATE -Wl,--wrap=${sym})
  endforeach()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_MODULE};unit"
    ENVIRONMENT "KEEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};KEEL_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# keel_script_test(NAME n MODULE m KIND integration|browser SCRIPT path [TIMEOUT s])
# Scripts get the source and build trees and the binaries in their environment.
function(keel_script_test)
  cmake_parse_arguments(T "" "NAME;MODULE;KIND;SCRIPT;TIMEOUT" "" ${ARGN})
  keel_check_module(${T_MODULE})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${T_NAME} COMMAND bash ${T_SCRIPT})
  # COST: ctest starts the script tests (seconds to a minute each) before the unit tests and
  # fuzz smokes (a few seconds), which then fill the last gaps of `ctest -j`: on a fresh build
  # ctest has no timings of its own, and in declaration order a long test started last keeps
  # the other job slot idle.
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_MODULE};${T_KIND}"
    TIMEOUT ${T_TIMEOUT} COST 100
    ENVIRONMENT "KEEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};KEEL_BUILD_DIR=${PROJECT_BINARY_DIR};KEEL_BIN=$<TARGET_FILE:keel-cli>;KEELD_BIN=$<TARGET_FILE:keeld>;KEEL_SANITIZE=$<BOOL:${KEEL_SANITIZE}>")
endfunction()
