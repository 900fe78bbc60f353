// child.h: run one program as an isolated child and report how it ended.
//
// Used for every check and every build step. The child gets its own process group,
// dies with the grader (parent-death signal), runs under resource limits, and is
// killed, with its whole group, when its wall-clock limit passes. Its stdout and
// stderr are captured together up to a cap; past a hard cap the child is killed
// (a flood of output costs that check, not the grader's memory).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::grader {

struct Limits {
    std::chrono::milliseconds wall{30'000};
    std::size_t output_keep = 256 * 1024;        ///< bytes of output kept for the report
    std::size_t output_kill = 64 * 1024 * 1024;  ///< bytes after which the child is killed
    bool resource_limits = true;                 ///< apply rlimits (not for builds)
    unsigned long cpu_seconds = 0;               ///< 0: derived from the wall limit
    unsigned long long address_space = 2ull << 30;
    unsigned long long file_size = 256ull << 20;
    unsigned long open_files = 1024;
    /// Root only (see platform.h): run the child in its own PID and mount namespace,
    /// with the filesystem read-only except `writable_dir`, and `hidden_dirs`
    /// covered by an empty directory. Ignored when not root.
    bool sandbox = false;
    std::string writable_dir;
    std::vector<std::string> hidden_dirs;
    /// Sandbox only: a directory (inside writable_dir) that gets a fresh tmpfs of
    /// `tmpfs_megabytes`, gone with the namespace. The checks' scratch files go there,
    /// so an fsync costs what it costs in memory, not what a disk shared with builds
    /// costs at that moment (lab 10's servers fsync on every batch).
    std::string tmpfs_dir;
    unsigned long tmpfs_megabytes = 512;
    /// At most this many processes and threads (a pids cgroup when root, otherwise
    /// RLIMIT_NPROC above the user's current count). 0: no limit.
    unsigned long max_processes = 0;
    /// Root where namespaces are refused (no CAP_SYS_ADMIN, as in a default container):
    /// the sandbox is replaced by running the child as this unprivileged uid (and gid),
    /// with no supplementary groups and no_new_privs. -1: not used.
    int run_as_uid = -1;
    /// Filled in by run_child: RLIMIT_NPROC for a non-root user (0: none).
    unsigned long nproc_rlimit = 0;
    /// A descriptor of the grader's the child inherits under the same number (it is
    /// opened close-on-exec and made inheritable only in the child): where a check
    /// writes its result, with no path any other process could find. -1: none.
    int keep_fd = -1;
};

struct ChildSpec {
    std::filesystem::path program;
    std::vector<std::string> args;
    std::map<std::string, std::string> env_overrides;  ///< added to the grader's environment
    std::filesystem::path cwd;                          ///< empty: the grader's
    Limits limits;
    bool inherit_output = false;  ///< stream to the terminal instead of capturing
    /// Called with each piece of output as it arrives (captured output only), e.g. to
    /// show a build's progress.
    std::function<void(const char* data, std::size_t size)> on_output;
};

struct ChildResult {
    bool started = false;        ///< false: could not be started (see output)
    bool timed_out = false;
    bool output_flood = false;   ///< killed for passing output_kill
    std::optional<int> exit_code;
    std::optional<int> signal;   ///< the signal that ended it
    std::string output;          ///< first output_keep bytes (and the last part, if cut)
    bool output_truncated = false;
    double seconds = 0;
};

/// Runs `spec` to completion. Never throws for the child's misbehaviour; a failure to
/// start is reported in the result.
ChildResult run_child(const ChildSpec& spec);

/// "SIGSEGV (segmentation fault)".
std::string describe_signal(int sig);

/// Installs SIGINT/SIGTERM/SIGHUP handlers that kill the running child's group and
/// remove registered temporary directories before the grader exits.
void install_interrupt_cleanup();

/// Registers a temporary directory to remove if the grader is interrupted.
void register_temp_dir(const std::filesystem::path& dir);
void unregister_temp_dir(const std::filesystem::path& dir);

}  // namespace raftlab::grader
