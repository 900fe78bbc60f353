// The supervisor's platform layer: every OS-specific call lives behind these
// functions (platform_posix.cpp). Linux adds the parent-death signal; other POSIX
// systems (macOS) get the same behaviour minus that one guarantee.
#pragma once

#include "raftlab/proc/supervisor.h"

#include <optional>
#include <sys/types.h>

namespace raftlab::proc::platform {

/// Runs in the child between fork and exec: own process group, then
/// proc::prepare_child() (raftlab/proc/child.h: SIGKILL when the parent thread dies
/// on Linux, default signal dispositions, every descriptor above stderr
/// close-on-exec, so the program inherits none of the harness's sockets or files),
/// and under root no capability. If the parent is already gone, exits at once.
/// Async-signal-safe.
void in_child_after_fork(pid_t parent);

/// Runs in the parent right after fork: also puts the child in its own group (so
/// the group exists before either side is scheduled) and registers it for cleanup.
void in_parent_after_fork(pid_t child);

/// Sends `signal` to the process group `pgid`. Returns false if it no longer exists.
bool signal_group(pid_t pgid, int signal);

/// Non-blocking reap: the exit status if the process has ended, nullopt if it runs.
std::optional<ExitStatus> try_reap(pid_t pid);

/// Blocking reap.
ExitStatus reap(pid_t pid);

/// Removes a group from the cleanup registry once it is dead.
void forget_group(pid_t pgid);

/// Kills every registered group (async-signal-safe).
void kill_registered_groups();

/// SIGINT/SIGTERM/SIGHUP -> kill_registered_groups(), then die of that signal.
void install_cleanup_handlers();

/// "SIGKILL", "SIGSEGV", ... or "signal N".
std::string signal_name(int signal);

}  // namespace raftlab::proc::platform
