# Packaging is the same in every build; a sanitized libkeel needs its runtime in every
# consumer, so the installation is tested from the plain build.
if(NOT KEEL_SANITIZE)
  keel_script_test(NAME core_install MODULE core KIND integration
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/install.sh)
endif()
keel_script_test(NAME core_production_policy MODULE core KIND integration
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/production.sh)
