// submission.h: what a submission may contain.
//
// A submission changes the starter's files and nothing else. Before anything is
// built, every file in it is compared with grader/starter-files.txt (the starter's
// own list): a file the starter does not have could stand in for a framework or
// library header, or carry code the checks never asked for, so it is refused with
// one sentence that names it. Hidden files (.git, editor files) and build folders
// are ignored; a symbolic link is always refused, since it can point anywhere.
#pragma once

#include <filesystem>
#include <string>

namespace raftlab::grader {

/// "" when `impl` holds only files of the starter, otherwise one sentence naming the
/// first file that is not, and what to do. Throws ConfigError when the list itself
/// (root/grader/starter-files.txt) is missing.
std::string check_submission_files(const std::filesystem::path& root, const std::filesystem::path& impl,
                                   const std::string& shown_as);

}  // namespace raftlab::grader
