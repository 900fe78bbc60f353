# check_symbols.cmake: refuses student objects that define framework symbols.
cmake_policy(SET CMP0057 NEW)  # IN_LIST
#
# Run before a host executable is linked (cmake -DOBJECTS=<;-list> -DIMPL=<folder>
# -P check_symbols.cmake). The framework's own code in a host (raftlab::host) is
# linked as objects, so a second definition there is a link error anyway; this
# check names the file and the symbol in one sentence instead, and also catches
# definitions of the checks' and the simulator's symbols, which a student object has
# no reason to contain.
set(strong_types "T;D;B;R")
foreach(obj IN LISTS OBJECTS)
  execute_process(COMMAND nm -C --defined-only "${obj}" OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    continue()
  endif()
  string(REPLACE "\n" ";" lines "${listing}")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^[0-9a-fA-F]* ([A-Za-z]) (.*)$")
      continue()
    endif()
    set(type "${CMAKE_MATCH_1}")
    set(symbol "${CMAKE_MATCH_2}")
    set(bad FALSE)
    if(symbol MATCHES "^raftlab::host::")
      set(bad TRUE)  # never in student code, even inline
    elseif(type IN_LIST strong_types AND symbol MATCHES "^(raftlab::check::|raftlab::sim::|raftlab::probe::|testing::)")
      set(bad TRUE)
    endif()
    if(bad)
      # The object's source: .../<target>.dir/<path under the folder>.cpp.o
      string(REGEX REPLACE "^.*\\.dir/" "" source "${obj}")
      string(REGEX REPLACE "\\.o$" "" source "${source}")
      string(REGEX REPLACE "^(__/)+" "" source "${source}")
      message(FATAL_ERROR "${source}:1: error: defines ${symbol}, which belongs to the framework; "
                          "remove it (student code may not replace framework code)")
    endif()
  endforeach()
endforeach()
