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
// weaker one. Under all three, every check runs with no_new_privs and a seccomp filter
// (syscall_filter.cpp) that refuses mount and umount, namespaces (unshare, setns, and
// clone with a namespace flag), ptrace and reading other processes' memory, BPF,
// kernel modules, keyrings, io_uring and the machine's settings: an unprivileged
// check cannot make a user namespace of its own and mount inside it, and root in the
// sandbox cannot take its walls down even with a capability left over.
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

/// Sets no_new_privs and installs the system-call filter in this process (between
/// fork and exec; it allocates nothing: the filter was compiled when the grader
/// started). Returns errno or 0. A no-op where there is no seccomp.
int install_syscall_filter();

/// True when the filter compiled (Linux with libseccomp).
bool syscall_filter_available();

/// Root with namespaces: moves the grader into a mount namespace of its own, whose
/// mounts do not propagate to the machine's. Called once when the grader starts,
/// before it has threads. Returns true when each check's folder can then get a
/// bounded tmpfs (mount_check_folder).
bool private_mount_namespace();

/// After private_mount_namespace(): mounts a tmpfs of `megabytes` on `dir`, the
/// check's own folder, so the disk a check can fill is bounded (what else it may
/// write is read-only or a tmpfs too). The grader sees it, and so does the check,
/// whose sandbox copies the grader's mounts; it goes away with unmount_check_folder
/// or, if the grader is killed, with the grader's namespace. False when not mounted.
bool mount_check_folder(const std::string& dir, unsigned long megabytes);
void unmount_check_folder(const std::string& dir);
/// The same for whichever check folder is mounted now; async-signal-safe (an
/// interrupt calls it before removing the grader's temporary folders).
void unmount_check_folder_now();

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
