# raftlab_lab(<NN>
#     SOURCES <check sources, relative to the lab folder>
#     IMPL    <implementation sources, relative to RAFTLAB_IMPL>
#     [LIBS   <framework libraries to link>])
#
# Defines the executable lab<NN>_checks: a GoogleTest binary holding every check of
# the lab, compiled against the chosen implementation. Hidden checks (lab.yaml
# visibility: hidden) live in the lab's hidden/ folder; its *.cpp files are added
# here when the folder exists, so the student repository, which has no hidden/,
# builds the same lab without them. The grader runs it once per
# check with --gtest_filter. When an implementation file is missing the target still
# exists but fails to build with one line that names the file, so that one broken lab
# never stops the others from being graded.
function(raftlab_lab number)
  cmake_parse_arguments(ARG "" "" "SOURCES;IMPL;LIBS" ${ARGN})
  set(target "lab${number}_checks")
  set(impl_sources "")
  set(missing "")
  foreach(f IN LISTS ARG_IMPL)
    if(EXISTS "${RAFTLAB_IMPL}/${f}")
      list(APPEND impl_sources "${RAFTLAB_IMPL}/${f}")
    else()
      list(APPEND missing "${RAFTLAB_IMPL}/${f}")
    endif()
  endforeach()
  if(missing)
    list(GET missing 0 first)
    add_custom_target(${target}
      COMMAND ${CMAKE_COMMAND} -E echo "${first}:1: error: file is missing; copy it from starter/ and fill it in"
      COMMAND ${CMAKE_COMMAND} -E false)
    return()
  endif()
  file(GLOB hidden_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/hidden/*.cpp")
  list(SORT hidden_sources)
  add_executable(${target} ${ARG_SOURCES} ${hidden_sources} ${impl_sources})
  target_include_directories(${target} PRIVATE "${RAFTLAB_IMPL}" "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(${target} PRIVATE raftlab_check ${ARG_LIBS})
endfunction()

# raftlab_raft_lab(<NN> SOURCES <check sources>)
#
# A lab whose checks run the student's whole Raft server (labs 6-9) in the
# simulator: the server's files, the simulator, and, when the timeline component is
# built, the hook that lets `raftlab replay ... --html FILE` write the page.
function(raftlab_raft_lab number)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  set(libs raftlab_sim)
  if(TARGET raftlab_timeline_hook)
    list(APPEND libs raftlab_timeline_hook)
  endif()
  raftlab_lab(${number}
    SOURCES ${ARG_SOURCES}
    IMPL raft/log.cpp raft/quorum.cpp raft/server.cpp raft/replication.cpp raft/commit.cpp
         raft/election.cpp raft/reads.cpp
    LIBS ${libs})
endfunction()
