# Features are chosen at configure time and fail closed (STYLE.md 15).
# A production build never carries a development backend: the file root of trust keeps
# keys in ordinary files, which EN 303 645 5.4-1 does not accept on a shipped device.
if(NOT KEEL_ROT_BACKEND MATCHES "^(file|tpm2)$")
  message(FATAL_ERROR "KEEL_ROT_BACKEND='${KEEL_ROT_BACKEND}': choose file or tpm2")
endif()
if(KEEL_PRODUCTION AND KEEL_ROT_BACKEND STREQUAL "file")
  message(FATAL_ERROR
    "KEEL_PRODUCTION=ON refuses the development backend KEEL_ROT_BACKEND=file "
    "(keys in plain files fail EN 303 645 5.4-1); configure with KEEL_ROT_BACKEND=tpm2")
endif()
if(KEEL_ROT_BACKEND STREQUAL "tpm2")
  message(FATAL_ERROR
    "KEEL_ROT_BACKEND=tpm2: this keel release has no tpm2 root of trust yet; "
    "only the development file backend exists, so no production build can be made")
endif()
