# ctest's grader.build_solutions: builds every lab of solutions/ in
# build/impl-solutions, configured exactly as the grader configures it
# (grader/src/build.cpp), before the tests that build other implementations start.
#   cmake -DROOT=<repository> -P build_solutions.cmake
set(type RelWithDebInfo)
if(DEFINED ENV{RAFTLAB_IMPL_BUILD_TYPE} AND "$ENV{RAFTLAB_IMPL_BUILD_TYPE}" MATCHES "^(Release|Debug)$")
  set(type $ENV{RAFTLAB_IMPL_BUILD_TYPE})
endif()
set(build ${ROOT}/build/impl-solutions)
set(generator "")
if(NOT EXISTS ${build}/CMakeCache.txt)
  set(generator -G Ninja)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${ROOT} -B ${build} -DRAFTLAB_MODE=impl
                        -DRAFTLAB_IMPL=${ROOT}/solutions -DCMAKE_BUILD_TYPE=${type} ${generator}
                RESULT_VARIABLE configured)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "configuring ${build} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${build} RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "building ${build} failed")
endif()
