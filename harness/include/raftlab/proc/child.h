// raftlab/proc/child.h: what a process raftlab starts gets between fork and exec,
// written once for every place that forks: the supervisor (harness/proc), the
// grader's checks (grader/src/platform_posix.cpp), lab 1's programs
// (labs/01-foundations/child_process.cpp) and the cluster daemon
// (harness/tools/cluster_main.cpp).
//
// Header-only, so that each of them uses it without linking anything more, and
// async-signal-safe (no allocation, no lock): a child of a multi-threaded process may
// call nothing else before exec. Linux-only calls are guarded; elsewhere (macOS) the
// child gets everything but the parent-death signal.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <initializer_list>

namespace raftlab::proc {

/// What prepare_child() does besides resetting signals and descriptors.
struct ChildOptions {
    /// The process that forked the child (its getpid(), read before fork()). The child
    /// is killed with SIGKILL when that process dies (Linux: PR_SET_PDEATHSIG), and
    /// prepare_child() fails with ESRCH if it is gone already. 0: the child may outlive
    /// its parent (a daemon).
    pid_t parent = 0;
    /// A descriptor above stderr that the program inherits; -1 for none.
    int keep_fd = -1;
};

namespace detail {

/// Sets FD_CLOEXEC on every descriptor from `first` up.
inline void mark_close_on_exec_from(int first) {
#if defined(__linux__) && defined(CLOSE_RANGE_CLOEXEC)
    if (::close_range(static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
    // Kernels before 5.11 and other systems: one call per possible descriptor.
    long max = ::sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1 << 20) max = 1 << 20;
    for (int fd = first; fd < max; ++fd) {
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

}  // namespace detail

/// Runs in the child between fork and exec, after stdin, stdout and stderr are in
/// place (dup2), and gives the program a clean start:
///   * death with its parent, when options.parent is set (see ChildOptions);
///   * default handling of SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGCHLD, and no
///     blocked signal, whatever the parent ignored, caught or blocked;
///   * no descriptor of the parent's but 0-2 and options.keep_fd: the others are
///     marked close-on-exec rather than closed, so a launcher's own exec-error pipe
///     (Boost.Process) keeps working until the exec. (Asio, for one, opens its sockets
///     without close-on-exec; a program holding a copy of a connection would keep it
///     open after the parent closes it.)
/// Returns 0, or an errno value: ESRCH when the parent is already gone.
inline int prepare_child(const ChildOptions& options) {
    if (options.parent > 0) {
#if defined(__linux__)
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        // The parent may have died before the line above took effect (or, elsewhere,
        // at any time before this): then nobody would ever kill the child.
        if (::getppid() != options.parent) return ESRCH;
    }
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) ::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) return errno;
    detail::mark_close_on_exec_from(3);
    if (options.keep_fd >= 0 && ::fcntl(options.keep_fd, F_SETFD, 0) != 0) return errno;
    return 0;
}

}  // namespace raftlab::proc
