# The grader's fuzz target, lab_yaml: lab.yaml parsing, load_lab() in
# grader/src/catalog.h. Included by the clang project of harness/fuzz (project/),
# which grader/CMakeLists.txt points at this folder (raftlab_fuzz_folder) so that
# ctest fuzz.smoke and ./raftlab bench fuzz run it with the harness's targets.
raftlab_fuzz_target(lab_yaml ${CMAKE_CURRENT_LIST_DIR}/lab_yaml.cpp ${CMAKE_CURRENT_LIST_DIR}/../src/catalog.cpp)
target_include_directories(fuzz_lab_yaml PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../src)
