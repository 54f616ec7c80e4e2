# Features are chosen at configure time and fail closed (STYLE.md 15).
# The root of trust's backend is chosen at run time (keel_rot_open's spec); which backends
# exist is chosen here. The tpm2 backend is always built. The file backend keeps keys in
# ordinary files, which EN 303 645 5.4-1 does not accept on a shipped device: it exists only
# in development builds, and a production build that asks for it is refused.
if(KEEL_PRODUCTION)
  set(keel_rot_file_default OFF)
else()
  set(keel_rot_file_default ON)
endif()
option(KEEL_ROT_FILE "Build the development file root of trust (never in production)"
       ${keel_rot_file_default})
if(KEEL_PRODUCTION)
  if(KEEL_ROT_FILE)
    message(FATAL_ERROR
      "KEEL_PRODUCTION=ON refuses the development backend KEEL_ROT_FILE=ON "
      "(keys in plain files fail EN 303 645 5.4-1); configure with -DKEEL_ROT_FILE=OFF")
  endif()
endif()
