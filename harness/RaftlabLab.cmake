# raftlab_lab(<NN>
#     SOURCES <check sources, relative to the lab folder>
#     [HOST   <host target> <MACRO>]  the implementation host the checks drive
#     [JUDGE_SOURCES <sources of the hosted variant only>]
#     [FAST_IMPL <files under RAFTLAB_IMPL> | FAST_OBJECTS <object libraries>]
#             what the fast variant lab<NN>_checks_fast compiles in
#     [IMPL   <implementation sources, relative to RAFTLAB_IMPL, compiled in>]
#     [REQUIRE <implementation files that must exist, built elsewhere>]
#     [LIBS   <framework libraries to link>]
#     [SHARED_CHECKS ISOLATED_SOURCES <files> FAST_SOURCES <files>])
#
# SHARED_CHECKS (the Raft labs): the check sources never see the student's folder;
# they reach the student's code through a link-time interface
# (raftlab/host/student_raft.h). They are compiled once, into the object library
# lab<NN>_check_objects, which both binaries link: the hosted one with
# ISOLATED_SOURCES (the interface over the host), the fast one with FAST_SOURCES (the
# student's code in the process). Compiled alike in every implementation's build,
# they also come from the compiler cache after the first build.
#
# Defines the executable lab<NN>_checks: a GoogleTest binary holding every check of
# the lab. Student code reaches it in one of two ways:
#   * HOST (labs 2-9): the student's code is compiled into a separate host
#     executable (raftlab_host) and the checks start it as a process of its own;
#     its path, relative to the checks, is compiled into them as <MACRO>. The
#     check binary then holds no student code and does not see the
#     implementation's folder at all.
#   * IMPL: the files are compiled into the check binary itself (lab 1's message
#     functions until they move to a host).
# Hidden checks (lab.yaml visibility: hidden) live in the lab's hidden/ folder; its
# *.cpp files are added here when the folder exists, so the student repository, which
# has no hidden/, builds the same lab without them. The grader runs it once per
# check. When an implementation file is missing the target still exists but fails to
# build with one line that names the file, so that one broken lab never stops the
# others from being graded.
function(raftlab_lab number)
  cmake_parse_arguments(ARG "SHARED_CHECKS" ""
    "SOURCES;IMPL;REQUIRE;LIBS;HOST;JUDGE_SOURCES;FAST_IMPL;FAST_OBJECTS;ISOLATED_SOURCES;FAST_SOURCES" ${ARGN})
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
    add_custom_target(${target}_fast DEPENDS ${target})
    return()
  endif()
  file(GLOB hidden_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/hidden/*.cpp")
  list(SORT hidden_sources)
  set(check_sources ${ARG_SOURCES} ${hidden_sources})
  if(ARG_SHARED_CHECKS)
    add_library(${target}_objects OBJECT ${check_sources})
    target_include_directories(${target}_objects PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
    target_link_libraries(${target}_objects PRIVATE raftlab_check ${ARG_LIBS})
    set(check_sources $<TARGET_OBJECTS:${target}_objects> ${ARG_ISOLATED_SOURCES})
  endif()
  add_executable(${target} ${check_sources} ${ARG_JUDGE_SOURCES} ${impl_sources})
  target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  if(impl_sources)
    # The implementation's folder comes after the framework's, and only for quoted
    # includes: nothing in it can stand in for <gtest/gtest.h> or a raftlab header.
    raftlab_impl_include(${target} PRIVATE)
  endif()
  target_link_libraries(${target} PRIVATE raftlab_check ${ARG_LIBS})
  if(ARG_HOST)
    list(GET ARG_HOST 0 host_target)
    list(GET ARG_HOST 1 host_macro)
    if(NOT TARGET ${host_target})
      # The host could not be defined (a file is missing): fail with the first one.
      add_custom_target(${target}_missing_host
        COMMAND ${CMAKE_COMMAND} -E echo "${RAFTLAB_IMPL}: the implementation host ${host_target} is incomplete"
        COMMAND ${CMAKE_COMMAND} -E false)
      add_dependencies(${target} ${target}_missing_host)
    else()
      add_dependencies(${target} ${host_target})
      raftlab_built_path(${target} ${host_macro} ${host_target})
    endif()
    target_link_libraries(${target} PRIVATE raftlab_judge)
    # The fast variant for a student's own runs: the same checks with the student's
    # code compiled in (no host processes), so the same verdicts in a fraction of the
    # time. Official grading (other people's code, batches, Gradescope) never uses it.
    set(fast_files "")
    foreach(f IN LISTS ARG_FAST_IMPL)
      list(APPEND fast_files "${RAFTLAB_IMPL}/${f}")
    endforeach()
    set(fast_objects_ok TRUE)
    foreach(o IN LISTS ARG_FAST_OBJECTS)
      if(NOT TARGET ${o})
        set(fast_objects_ok FALSE)
      endif()
    endforeach()
    if(fast_objects_ok AND ARG_SHARED_CHECKS)
      add_executable(${target}_fast $<TARGET_OBJECTS:${target}_objects> ${ARG_FAST_SOURCES} ${fast_files})
      raftlab_impl_include(${target}_fast PRIVATE)
      target_link_libraries(${target}_fast PRIVATE raftlab_check ${ARG_LIBS} ${ARG_FAST_OBJECTS})
    elseif(fast_objects_ok)
      add_executable(${target}_fast ${ARG_SOURCES} ${hidden_sources} ${fast_files})
      target_include_directories(${target}_fast PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
      raftlab_impl_include(${target}_fast PRIVATE)
      target_compile_definitions(${target}_fast PRIVATE RAFTLAB_IN_PROCESS=1)
      target_link_libraries(${target}_fast PRIVATE raftlab_check ${ARG_LIBS} ${ARG_FAST_OBJECTS})
    else()
      add_custom_target(${target}_fast DEPENDS ${target})
    endif()
  else()
    # Labs whose checks have no host (their programs are processes already): the one
    # binary serves both modes.
    add_custom_target(${target}_fast DEPENDS ${target})
  endif()
endfunction()

# raftlab_host(<target> MAIN <framework host main> [IMPL <files under RAFTLAB_IMPL>]
#              [OBJECTS <object library of student code>]
#              [LIBS <framework libraries the host and the student's files use>]
#              [DYNAMIC])
#
# The implementation host of a lab: the student's files compiled with a framework
# main (harness/host/*_main.cpp) into an executable the checks start as a process of
# its own. The student's folder is searched only for quoted includes and after the
# framework's headers. Defines nothing when an IMPL file is missing (the lab's
# REQUIRE names it in one line). A host is linked statically on Linux unless it is
# DYNAMIC: lab 10's storage host links the fsync shim, which finds the C library's
# own fsync() with dlsym(RTLD_NEXT) and so needs the dynamic linker.
function(raftlab_host target)
  cmake_parse_arguments(ARG "DYNAMIC" "MAIN" "IMPL;OBJECTS;LIBS" ${ARGN})
  if(TARGET ${target})
    return()
  endif()
  set(files "")
  foreach(f IN LISTS ARG_IMPL)
    if(NOT EXISTS "${RAFTLAB_IMPL}/${f}")
      return()
    endif()
    list(APPEND files "${RAFTLAB_IMPL}/${f}")
  endforeach()
  foreach(o IN LISTS ARG_OBJECTS)
    if(NOT TARGET ${o})
      return()
    endif()
  endforeach()
  set(objects ${ARG_OBJECTS})
  if(files)
    add_library(${target}_student OBJECT ${files})
    raftlab_impl_include(${target}_student PRIVATE)
    target_link_libraries(${target}_student PRIVATE raftlab_contract ${ARG_LIBS})
    list(APPEND objects ${target}_student)
  endif()
  add_executable(${target} ${ARG_MAIN})
  raftlab_impl_include(${target} PRIVATE)
  target_link_libraries(${target} PRIVATE raftlab_host_serve ${objects} ${ARG_LIBS})
  # Student objects may not define framework symbols: one sentence, before linking.
  set(object_files "")
  foreach(o IN LISTS objects)
    list(APPEND object_files "$<TARGET_OBJECTS:${o}>")
  endforeach()
  add_custom_command(TARGET ${target} PRE_LINK
    COMMAND ${CMAKE_COMMAND} "-DOBJECTS=${object_files}"
            -P "${PROJECT_SOURCE_DIR}/harness/host/check_symbols.cmake"
    VERBATIM)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT ARG_DYNAMIC)
    # A static host starts in a fraction of the time: the simulator starts one per
    # server and per restart.
    target_link_options(${target} PRIVATE -static)
  endif()
endfunction()

# Every implementation build compiles the same checks, and the compiler cache
# (CMakeLists.txt) gives each object compiled once before to every other build, if
# its command line and the files it reads are the same. So nothing that names a
# build's own folders reaches a check's command line:
#   * the student's folder is reached through the link `impl` in the build folder,
#     which the cache sees as the relative path "impl" in every build;
#   * programs the checks start are named relative to the check binary's folder
#     (raftlab_built_path), and found from it at run time.
# The student's own source files keep their real paths, so compiler messages name
# them.
if(NOT RAFTLAB_MODE STREQUAL "tool")
  file(CREATE_LINK "${RAFTLAB_IMPL}" "${CMAKE_BINARY_DIR}/impl" SYMBOLIC)
endif()

# raftlab_impl_include(<target> <scope>): the student's folder for quoted includes
# only, after the framework's headers.
function(raftlab_impl_include target scope)
  # SHELL: keeps each -iquote with its folder (CMake folds repeated options).
  target_compile_options(${target} ${scope} "SHELL:-iquote ${PROJECT_SOURCE_DIR}/harness/include"
                                            "SHELL:-iquote ${CMAKE_BINARY_DIR}/impl")
endfunction()

# raftlab_built_path(<target> <MACRO> <built target>): defines <MACRO> in <target> as
# the path of <built target>'s file relative to <target>'s own folder, for
# raftlab::check::built_file() to resolve at run time.
# raftlab_built_path_of_objects(<object library> <MACRO> <built target>): the same for
# the check objects of SHARED_CHECKS, relative to the lab's binary folder, where both
# check binaries are written.
function(raftlab_built_path_of_objects target macro built)
  target_compile_definitions(${target} PRIVATE
    ${macro}="$<PATH:RELATIVE_PATH,$<TARGET_FILE:${built}>,${CMAKE_CURRENT_BINARY_DIR}>")
endfunction()

function(raftlab_built_path target macro built)
  target_compile_definitions(${target} PRIVATE
    ${macro}="$<PATH:RELATIVE_PATH,$<TARGET_FILE:${built}>,$<TARGET_FILE_DIR:${target}>>")
endfunction()

# The student's Raft server (labs 6-13): the same files for every lab that runs it.
set(RAFTLAB_RAFT_FILES raft/log.cpp raft/quorum.cpp raft/server.cpp raft/replication.cpp raft/commit.cpp
                       raft/election.cpp raft/reads.cpp raft/stability.cpp raft/compaction.cpp
                       raft/membership.cpp)

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
  raftlab_impl_include(raftlab_impl_raft PUBLIC)
  target_link_libraries(raftlab_impl_raft PUBLIC raftlab_contract)
  # The host of labs 6-9: one server per process (harness/host/raft_host_main.cpp).
  raftlab_host(raftlab_raft_host MAIN "${PROJECT_SOURCE_DIR}/harness/host/raft_host_main.cpp"
               OBJECTS raftlab_impl_raft)
endfunction()

# raftlab_raft_lab(<NN> SOURCES <check sources> [REQUIRE <more student files>] [LIBS <libraries>])
#
# A lab whose checks run the student's whole Raft server (labs 6-9) in the
# simulator: each server is a process of the Raft host (RAFTLAB_RAFT_HOST), driven by
# the simulator and, when the timeline component is built, the hook that lets
# `raftlab replay ... --html FILE` write the page.
# raftlab_uses_lab10_server(<NN>): lab NN's checks (SHARED_CHECKS, both binaries) start
# the student's lab 10 server and the fsync shim, so they get both paths and depend
# on both targets. labs/10-system defines them and comes first.
function(raftlab_uses_lab10_server number)
  get_target_property(type lab${number}_checks TYPE)
  if(NOT type STREQUAL "EXECUTABLE" OR NOT TARGET lab10_server)
    return()
  endif()
  raftlab_built_path_of_objects(lab${number}_checks_objects LAB10_SERVER lab10_server)
  raftlab_built_path_of_objects(lab${number}_checks_objects LAB10_SYNC_SHIM raftlab_sync_shim)
  foreach(target lab${number}_checks lab${number}_checks_fast)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      add_dependencies(${target} lab10_server raftlab_sync_shim)
    endif()
  endforeach()
endfunction()

function(raftlab_raft_lab number)
  cmake_parse_arguments(ARG "" "" "SOURCES;REQUIRE;LIBS" ${ARGN})
  raftlab_raft_objects()
  set(libs raftlab_sim ${ARG_LIBS})
  if(TARGET raftlab_timeline_hook)
    list(APPEND libs raftlab_timeline_hook)
  endif()
  raftlab_lab(${number}
    SOURCES ${ARG_SOURCES}
    REQUIRE ${RAFTLAB_RAFT_FILES} ${ARG_REQUIRE}
    HOST raftlab_raft_host RAFTLAB_RAFT_HOST
    FAST_OBJECTS raftlab_impl_raft
    SHARED_CHECKS
    ISOLATED_SOURCES ${PROJECT_SOURCE_DIR}/harness/host/student_raft_remote.cpp
    FAST_SOURCES ${PROJECT_SOURCE_DIR}/harness/host/student_raft_local.cpp
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
