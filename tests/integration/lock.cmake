# The lock (5.9-2): lock_sim plays the lock's storage without the rest of keeld so that
# lock_powercut.sh can kill it at random moments (it needs the file root of trust), and
# keeld_lock.sh drives the keypad of a real keeld, offline, through a kill -9.
if(KEEL_ROT_FILE)
  add_executable(lock_sim ${CMAKE_CURRENT_SOURCE_DIR}/lock/lock_sim.c)
  keel_project_flags(lock_sim)
  target_link_libraries(lock_sim PRIVATE keeld_core)
  set_target_properties(lock_sim PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                            ${PROJECT_BINARY_DIR}/tests/integration)

  keel_script_test(NAME lock_powercut MODULE keeld KIND integration TIMEOUT 300
                   SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/lock_powercut.sh)
  set_property(TEST lock_powercut APPEND PROPERTY ENVIRONMENT
               "KEEL_LOCK_SIM=$<TARGET_FILE:lock_sim>")
  # 200 kills in the plain build; under ASan + UBSan 60 look for memory errors in recovery.
  if(KEEL_SANITIZE)
    set_property(TEST lock_powercut APPEND PROPERTY ENVIRONMENT "KEEL_POWERCUT_KILLS=60")
  endif()
endif()
keel_script_test(NAME keeld_lock MODULE keeld KIND integration TIMEOUT 240
                 SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/keeld_lock.sh)
