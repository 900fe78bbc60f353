// build.h: compiling the lab checks against one implementation.
//
// Each implementation gets its own build directory, build/impl-<name> (starter,
// solutions, or <folder>-<hash> for any other path), configured in impl mode, so
// two implementations never overwrite each other's objects. It sits as deep as
// build/tool: the compiler cache hashes paths relative to the build folder, so the
// framework files both builds compile are compiled once. Labs are built one
// target at a time: a compile error in lab 6 costs lab 6, not lab 4.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "catalog.h"

namespace raftlab::grader {

struct Impl {
    std::string name;                ///< "starter", "solutions" or the folder name
    std::filesystem::path source;    ///< absolute path of the implementation
    std::filesystem::path build_dir; ///< its own build directory
    /// True: student code runs only in implementation hosts, processes of its own
    /// (labs 4 and 6-9 today), and nothing in them can reach the verdict. False: the
    /// fast variant of those labs, with the student's code compiled into the checks;
    /// the same verdicts, for a student's own runs. Any --impl PATH, every batch and
    /// the Gradescope and Classroom autograders are isolated.
    bool isolated = true;
};

/// Resolves --impl (starter | solutions | PATH). Throws ConfigError for a missing
/// path or a folder that does not look like an implementation. starter and solutions
/// run fast (not isolated) unless asked otherwise; any other path is isolated.
Impl resolve_impl(const std::filesystem::path& root, const std::string& impl_arg);

struct BuildOutcome {
    bool ok = false;
    std::string errors;   ///< the first compiler errors, paths relative to the root
    std::string log;      ///< the full (capped) build output
    double seconds = 0;
};

/// Configures the implementation's build directory when needed. Throws ConfigError
/// when the directory cannot be written.
BuildOutcome configure(const std::filesystem::path& root, const Impl& impl);

/// Proves, from the compiler's own dependency records (-MD, read back with
/// `ninja -t deps`), that building `target` read nothing of the instructors': the
/// student's objects only their own files, harness/include and the system's
/// headers; the framework's objects never solutions/ (unless
/// it is the graded folder) nor another lab's hidden checks. Returns "" or the one
/// sentence naming the file that was read.
std::string check_includes(const std::filesystem::path& root, const Impl& impl, const std::string& target);

/// Builds one lab's check executable, then refuses it (ok = false, the sentence of
/// check_includes() as its error) when the student's code read a file it may not.
BuildOutcome build_lab(const std::filesystem::path& root, const Impl& impl, const Lab& lab);

/// How far a build has got: ninja's step `done` of `total`, in the build of `what`
/// (a target, e.g. "lab10_checks"). Called as the steps happen, by every build the
/// grader runs after set_build_progress(); builds are silent without one. A build of a
/// target also calls it once with done = total = 0 as it starts, and once with
/// done = -1, total = 0 when it ends, built or not.
using BuildProgress = std::function<void(const std::string& what, int done, int total)>;
void set_build_progress(BuildProgress progress);

/// Builds any target of the implementation's build (e.g. "lab10_server").
BuildOutcome build_target(const std::filesystem::path& root, const Impl& impl, const std::string& target);

/// Where the lab 10 server program (target lab10_server) of an implementation lands.
std::filesystem::path server_binary(const Impl& impl);

/// Makes `dst` a copy of `src`, rewriting only files whose content differs, so that a
/// build directory of `dst` recompiles only what changed.
void sync_tree(const std::filesystem::path& src, const std::filesystem::path& dst);

/// The path of a lab's check executable in the implementation's build directory.
std::filesystem::path check_binary(const Impl& impl, const Lab& lab);

}  // namespace raftlab::grader
