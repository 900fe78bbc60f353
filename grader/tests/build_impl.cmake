# Builds every lab of solutions/ or starter/ in build/impl-<IMPL>, configured exactly
# as the grader configures it (grader/src/build.cpp): ctest's grader.build_solutions,
# before the tests that build other implementations start, and framework.parts.
#   cmake -DROOT=<repository> -DIMPL=solutions|starter -P build_impl.cmake
set(type RelWithDebInfo)
if(DEFINED ENV{RAFTLAB_IMPL_BUILD_TYPE} AND "$ENV{RAFTLAB_IMPL_BUILD_TYPE}" MATCHES "^(Release|Debug)$")
  set(type $ENV{RAFTLAB_IMPL_BUILD_TYPE})
endif()
if(NOT IMPL MATCHES "^(solutions|starter)$")
  message(FATAL_ERROR "build_impl.cmake: IMPL is \"${IMPL}\"; give -DIMPL=solutions or -DIMPL=starter")
endif()
set(build ${ROOT}/build/impl-${IMPL})
set(generator "")
if(NOT EXISTS ${build}/CMakeCache.txt)
  set(generator -G Ninja)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${ROOT} -B ${build} -DRAFTLAB_MODE=impl
                        -DRAFTLAB_IMPL=${ROOT}/${IMPL} -DCMAKE_BUILD_TYPE=${type} ${generator}
                RESULT_VARIABLE configured)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "configuring ${build} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${build} RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "building ${build} failed")
endif()
