# Word lists compiled into keel (default passwords for the audit, common passwords for the
# password policy): read at configure time and re-read when the file changes, so a binary
# needs no data file at run time.
#
# keel_read_word_list(FILE OUT_WORDS OUT_C_ITEMS): the words of FILE (one per line; blank
# lines and lines starting with # skipped) into OUT_WORDS, and the same as the lines of a
# C array initialiser into OUT_C_ITEMS. A word that could not be a plain C string literal,
# or an empty list, stops the configure with the file and the word, never a mangled entry.
function(keel_read_word_list file out_words out_items)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  file(STRINGS ${file} lines)
  set(words "")
  foreach(line IN LISTS lines)
    if(line STREQUAL "" OR line MATCHES "^#")
      continue()
    endif()
    if(NOT line MATCHES "^[A-Za-z0-9!#$%&'()*+,./:<=>?@^_`{|}~-]+$")
      message(FATAL_ERROR "${file}: '${line}' holds a character that is not allowed")
    endif()
    list(APPEND words "${line}")
  endforeach()
  if(NOT words)
    message(FATAL_ERROR "${file}: no word in the list")
  endif()
  keel_c_string_items("${words}" items)
  set(${out_words} "${words}" PARENT_SCOPE)
  set(${out_items} "${items}" PARENT_SCOPE)
endfunction()

# keel_c_string_items(WORDS OUT): the words as the lines of a C array initialiser.
function(keel_c_string_items words out)
  set(items "")
  foreach(word IN LISTS words)
    string(APPEND items "    \"${word}\",\n")
  endforeach()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()
