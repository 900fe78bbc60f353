// platform.h: the few OS-specific calls the grader needs, in one place.
//
// Isolation of a check, strongest first:
//   * root on Linux: a new PID namespace (the check cannot see or signal the grader,
//     and when it ends the kernel kills everything it started), a new mount namespace
//     (every mount read-only except the check's own directory and tmpfs; solutions/
//     and the hidden checks' sources hidden when grading someone else's code; a /dev
//     of harmless devices and a private /dev/shm; /proc/sys and SysRq read-only), a
//     network namespace with only a loopback, a pids cgroup (a fork bomb stops at the
//     cap), and root keeps only CAP_SETUID, CAP_SETGID and CAP_KILL, with no_new_privs
//     (to start student code as nobody; the lab 10 servers it starts keep none);
//   * root where namespaces are refused (no CAP_SYS_ADMIN: Docker's default): the
//     check runs as an unprivileged uid of its own (see sandbox_uid), with no_new_privs,
//     in a directory only that uid may write; solutions/ is made readable by root only;
//   * any user: its own process group, a parent-death signal, and rlimits on CPU time,
//     address space, file size, open files and (non-root) processes.
// Where the stronger layer is not available the grader says so once and uses the
// weaker one.
#pragma once

#include <string>
#include <sys/types.h>

#include "child.h"

namespace raftlab::grader::platform {

/// Runs in the child between fork and exec; `parent` is the grader's pid, read before
/// the fork (proc::prepare_child() in raftlab/proc/child.h: the child dies with it,
/// and inherits no signal setting and no descriptor but limits.keep_fd). May fork
/// twice more (sandbox): the process Boost.Process started then only waits and
/// forwards the check's exit status. Returns errno or 0.
int prepare_child(const Limits& limits, const std::string& cgroup, pid_t parent);

/// Kills a whole process group with SIGKILL (ignores "no such group").
void kill_group(int pgid);

/// Makes this process reap orphaned descendants (Linux subreaper), so a check's
/// daemonized grandchild cannot escape by re-parenting to init.
void become_subreaper();

/// Kills and reaps every remaining descendant of this process.
void kill_descendants();

/// How many processes the current user runs (for a relative RLIMIT_NPROC).
long user_process_count();

/// True when checks can run in namespaces: root on Linux, and the kernel lets this
/// process create mount and PID namespaces (asked once, in a throwaway child).
bool sandbox_available();

/// The uid a check runs as when the grader is root but sandbox_available() is false:
/// 61000 plus the batch slot (RAFTLAB_BATCH_SLOT), so checks of two students graded at
/// once cannot signal or trace each other.
int sandbox_uid();

/// Creates a pids cgroup allowing `max` tasks; "" when not possible.
std::string make_pids_cgroup(unsigned long max);
/// Kills every task in the cgroup and removes it.
void remove_cgroup(const std::string& cgroup);

}  // namespace raftlab::grader::platform
