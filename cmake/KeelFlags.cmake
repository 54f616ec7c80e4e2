set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# Warnings and hardening for project code only (keel_project_flags on each target).
set(KEEL_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Werror)
# -fPIC for library objects comes from CMAKE_POSITION_INDEPENDENT_CODE; executables get -fPIE.
set(KEEL_HARDEN_C -fstack-protector-strong)
set(KEEL_HARDEN_LINK -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack)
if(KEEL_SANITIZE)
  set(KEEL_SAN -fsanitize=address,undefined -fno-sanitize-recover=all
               -fno-omit-frame-pointer)
  add_compile_options(${KEEL_SAN})
  add_link_options(${KEEL_SAN})
else()
  # FORTIFY needs optimisation and fights ASan's interceptors, so only the plain build has it.
  list(APPEND KEEL_HARDEN_C -D_FORTIFY_SOURCE=2)
endif()

function(keel_project_flags target)
  target_compile_options(${target} PRIVATE ${KEEL_WARNINGS} ${KEEL_HARDEN_C})
  target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE
    KEEL_PRODUCTION=$<BOOL:${KEEL_PRODUCTION}> KEEL_ROT_FILE=$<BOOL:${KEEL_ROT_FILE}>)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_compile_options(${target} PRIVATE -fPIE)
    target_link_options(${target} PRIVATE ${KEEL_HARDEN_LINK})
  elseif(type STREQUAL "SHARED_LIBRARY")
    target_link_options(${target} PRIVATE -Wl,-z,relro,-z,now -Wl,-z,noexecstack)
  endif()
endfunction()

# Fuzz builds instrument all of keel for coverage; only the targets link libFuzzer's main.
if(KEEL_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KEEL_FUZZ=ON needs clang (CC=clang): libFuzzer is part of clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
