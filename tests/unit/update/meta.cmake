# The metadata layer (5.3-7, 5.3-9, 5.3-10, 5.13-1): DSSE envelopes, keys, and the four role documents.
# The tests reach the module's private helpers (meta_private.h) as well as update.h.
keel_unit_test(NAME test_update_dsse MODULE update SOURCES test_update_dsse.c)
keel_unit_test(NAME test_update_meta MODULE update SOURCES test_update_meta.c)
foreach(t test_update_dsse test_update_meta)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src/update)
endforeach()
