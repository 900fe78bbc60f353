# raftlab_lab(<NN>
#     SOURCES <check sources, relative to the lab folder>
#     IMPL    <implementation sources, relative to RAFTLAB_IMPL, compiled in>
#     [REQUIRE <implementation files that must exist, built elsewhere>]
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
  cmake_parse_arguments(ARG "" "" "SOURCES;IMPL;REQUIRE;LIBS" ${ARGN})
  set(target "lab${number}_checks")
  set(impl_sources "")
  set(missing "")
  foreach(f IN LISTS ARG_IMPL ARG_REQUIRE)
    if(NOT EXISTS "${RAFTLAB_IMPL}/${f}")
      list(APPEND missing "${RAFTLAB_IMPL}/${f}")
    elseif(f IN_LIST ARG_IMPL)
      list(APPEND impl_sources "${RAFTLAB_IMPL}/${f}")
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

# The student's Raft server (labs 6-10): the same files for every lab that runs it.
set(RAFTLAB_RAFT_FILES raft/log.cpp raft/quorum.cpp raft/server.cpp raft/replication.cpp raft/commit.cpp
                       raft/election.cpp raft/reads.cpp)

# raftlab_raft_objects(): the object library raftlab_impl_raft, the Raft server's files
# compiled once for labs 6-10 (not once per lab), when every file exists. Labs check
# the files themselves (REQUIRE), so a missing one still fails with its one line.
function(raftlab_raft_objects)
  if(TARGET raftlab_impl_raft)
    return()
  endif()
  foreach(f IN LISTS RAFTLAB_RAFT_FILES)
    if(NOT EXISTS "${RAFTLAB_IMPL}/${f}")
      return()
    endif()
  endforeach()
  set(files ${RAFTLAB_RAFT_FILES})
  list(TRANSFORM files PREPEND "${RAFTLAB_IMPL}/")
  add_library(raftlab_impl_raft OBJECT ${files})
  target_include_directories(raftlab_impl_raft PUBLIC "${RAFTLAB_IMPL}")
  target_link_libraries(raftlab_impl_raft PUBLIC raftlab_contract)
endfunction()

# raftlab_raft_lab(<NN> SOURCES <check sources>)
#
# A lab whose checks run the student's whole Raft server (labs 6-9) in the
# simulator: the server's files, the simulator, and, when the timeline component is
# built, the hook that lets `raftlab replay ... --html FILE` write the page.
function(raftlab_raft_lab number)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  raftlab_raft_objects()
  set(libs raftlab_sim)
  if(TARGET raftlab_impl_raft)
    list(APPEND libs raftlab_impl_raft)
  endif()
  if(TARGET raftlab_timeline_hook)
    list(APPEND libs raftlab_timeline_hook)
  endif()
  raftlab_lab(${number}
    SOURCES ${ARG_SOURCES}
    REQUIRE ${RAFTLAB_RAFT_FILES}
    LIBS ${libs})
endfunction()

# raftlab_impl_debug_info(<dir>): gives every implementation file (under RAFTLAB_IMPL)
# of every target in <dir> and below its debug information back (-g after the
# top-level -g0), so a student can step through their own code in gdb.
function(raftlab_impl_debug_info dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "UTILITY" OR type STREQUAL "INTERFACE_LIBRARY")
      continue()
    endif()
    get_target_property(sources ${t} SOURCES)
    foreach(src IN LISTS sources)
      string(FIND "${src}" "${RAFTLAB_IMPL}/" at)
      if(at EQUAL 0)
        set_source_files_properties(${src} TARGET_DIRECTORY ${t} PROPERTIES COMPILE_OPTIONS -g)
      endif()
    endforeach()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    raftlab_impl_debug_info(${sub})
  endforeach()
endfunction()
