// raftlab/check/check.h: what a lab's check binary knows about the grader.
//
// Each lab compiles its checks into one GoogleTest executable (see
// harness/RaftlabLab.cmake). The grader runs one check at a time with
// --gtest_filter and passes the rest through the environment:
//
//   RAFTLAB_LAB        the lab number, "04"
//   RAFTLAB_CHECK      the check id from lab.yaml, "append_exact"
//   RAFTLAB_SEEDS      how many seeds a simulated check runs (lab.yaml `seeds`)
//   RAFTLAB_SEED       replay exactly this seed (set by `raftlab replay`)
//   RAFTLAB_TIMELINE   when set, a simulated check prints its readable timeline
//   RAFTLAB_HTML       when set, a simulated check writes its HTML timeline there
//   RAFTLAB_ARTIFACTS  a directory where a failing check may leave files (histories,
//                      logs); the grader prints the path
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::check {

/// The seeds this run should cover: just RAFTLAB_SEED when replaying, otherwise
/// RAFTLAB_SEEDS of them (or `default_count` when unset), starting at 1.
std::vector<std::uint64_t> seeds(int default_count);

/// True when one seed is being replayed (RAFTLAB_SEED is set).
bool replaying();

/// True when the check should print its readable timeline (RAFTLAB_TIMELINE).
bool timeline_wanted();

/// Where to write the HTML timeline, if asked for (RAFTLAB_HTML).
std::optional<std::filesystem::path> html_path();

/// The command a person types to replay `seed` of the running check, for example
/// "./raftlab replay 6 follower_catches_up --seed 17".
std::string replay_command(std::uint64_t seed);

/// The lab number and check id the grader is running ("" when run by hand).
std::string lab();
std::string check_id();

/// A directory for the files a failing check leaves behind (created on demand).
std::filesystem::path artifacts_dir();

/// Takes every RAFTLAB_* and GTEST_* variable out of this process's environment and
/// keeps them for the calls above, so that no process the check starts (an
/// implementation host, a lab 10 server, a lab 1 program) inherits a name of the lab,
/// the check or its seeds. The check's main() calls it once GoogleTest has read its own.
void hide_environment();

/// A program or library the build made for this check binary, from the path the
/// build compiled in relative to the binary's own folder (raftlab_built_path in
/// harness/RaftlabLab.cmake): the absolute path of "../01-foundations/kv_server"
/// seen from labs/01-foundations/lab01_checks. Compiled-in paths are relative so that
/// every build folder compiles the checks alike and shares them through the
/// compiler cache. An absolute `relative` is returned as it is.
std::string built_file(const char* relative);

/// The value of one of the grader's variables (RAFTLAB_*), hidden or not; "" when unset.
std::string variable(const char* name);

/// True when the student's code runs inside this check binary (the fast variant), so
/// that seeds and search states run one at a time: the student's code need not be
/// thread-safe. Labs 1-5 compile their fast binary with RAFTLAB_IN_PROCESS; the Raft
/// labs (6-9, 13) compile their checks once for both binaries, and the fast one sets
/// this when it starts (harness/host/student_raft_local.cpp).
inline bool& code_under_test_in_process() {
    static bool in_process = false;
    return in_process;
}

}  // namespace raftlab::check
