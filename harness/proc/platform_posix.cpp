// POSIX (and Linux-only) process calls for the supervisor. See platform.h.
#include "platform.h"

#include "raftlab/proc/child.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

namespace raftlab::proc::platform {
namespace {

// Process groups to kill on a fatal signal. A fixed array of atomics, because the
// signal handler may only touch async-signal-safe state.
constexpr std::size_t kMaxGroups = 1024;
std::array<std::atomic<pid_t>, kMaxGroups> g_groups{};

void register_group(pid_t pgid) {
    for (auto& slot : g_groups) {
        pid_t expected = 0;
        if (slot.compare_exchange_strong(expected, pgid)) return;
    }
}

void on_fatal_signal(int signal) {
    kill_registered_groups();
    std::signal(signal, SIG_DFL);
    ::raise(signal);
}

ExitStatus decode(int status) {
    if (WIFSIGNALED(status)) return {true, WTERMSIG(status)};
    return {false, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

}  // namespace

void in_child_after_fork(pid_t parent) {
    ::setpgid(0, 0);
    // Death with the harness, default signals, none of the harness's descriptors
    // (stdio is dup2'ed onto 0-2 by Boost.Process, which this leaves alone).
    if (proc::prepare_child({.parent = parent}) != 0) ::_exit(127);
#if defined(__linux__)
    // Supervised programs are student code (lab 10 servers): under root they keep the
    // uid, so they can still read their build and write their data, but no capability
    // at all (no mount, no raw device, no signal to other users) and no way to gain one.
    if (::geteuid() == 0) {
        for (int cap = 0; cap <= 63; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct none[2]{};
        if (::syscall(SYS_capset, &header, none) != 0) ::_exit(127);
    }
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
#endif
}

void in_parent_after_fork(pid_t child) {
    ::setpgid(child, child);  // may fail harmlessly if the child already exec'ed
    register_group(child);
}

bool signal_group(pid_t pgid, int signal) {
    if (pgid <= 0) return false;
    if (::kill(-pgid, signal) == 0) return true;
    // The group may not exist yet (child not scheduled); signal the leader directly.
    return ::kill(pgid, signal) == 0;
}

std::optional<ExitStatus> try_reap(pid_t pid) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode(status);
    if (r < 0 && errno == ECHILD) return ExitStatus{false, -1};
    return std::nullopt;
}

ExitStatus reap(pid_t pid) {
    int status = 0;
    while (true) {
        pid_t r = ::waitpid(pid, &status, 0);
        if (r == pid) return decode(status);
        if (r < 0 && errno != EINTR) return {false, -1};
    }
}

void forget_group(pid_t pgid) {
    for (auto& slot : g_groups) {
        pid_t expected = pgid;
        if (slot.compare_exchange_strong(expected, 0)) return;
    }
}

void kill_registered_groups() {
    for (auto& slot : g_groups) {
        pid_t pgid = slot.load();
        if (pgid > 0) {
            ::kill(-pgid, SIGKILL);
            ::kill(pgid, SIGKILL);
        }
    }
}

void install_cleanup_handlers() {
    static std::atomic<bool> installed{false};
    if (installed.exchange(true)) return;
    for (int s : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction action {};
        action.sa_handler = on_fatal_signal;
        sigemptyset(&action.sa_mask);
        ::sigaction(s, &action, nullptr);
    }
}

std::string signal_name(int signal) {
    switch (signal) {
        case SIGKILL: return "SIGKILL";
        case SIGTERM: return "SIGTERM";
        case SIGINT: return "SIGINT";
        case SIGSEGV: return "SIGSEGV";
        case SIGABRT: return "SIGABRT";
        case SIGBUS: return "SIGBUS";
        case SIGFPE: return "SIGFPE";
        case SIGHUP: return "SIGHUP";
        case SIGPIPE: return "SIGPIPE";
        default: return "signal " + std::to_string(signal);
    }
}

}  // namespace raftlab::proc::platform
