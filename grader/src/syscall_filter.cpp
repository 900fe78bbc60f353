// The system-call filter every check runs under (platform.h): a seccomp program,
// written with libseccomp, that refuses the calls a check could use to take its
// sandbox apart or to reach the kernel's less travelled corners.
//
// The program is compiled once, when the grader starts and before it has threads,
// into a plain array of BPF instructions. Between fork and exec the child only
// hands that array to the kernel (two prctl calls), which allocates nothing.
#include "platform.h"

#include <cerrno>

#ifdef __linux__
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>
#endif

namespace raftlab::grader::platform {

#ifdef __linux__
namespace {

/// Refused with EPERM: mounting and namespaces (the sandbox's walls), tracing and
/// reading other processes, loading code into the kernel (modules, BPF, kexec), the
/// kernel's keyrings, performance counters, io_uring, handles that bypass path
/// checks, and settings of the whole machine (clock, swap, reboot, accounting,
/// quotas, port I/O).
constexpr const char* kRefused[] = {
    "mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount", "open_tree", "fsopen",
    "fsmount", "fsconfig", "fspick", "setns", "unshare", "ptrace", "process_vm_readv", "process_vm_writev",
    "kcmp", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot", "acct",
    "quotactl", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "syslog",
    "vhangup", "lookup_dcookie",
};

/// clone() flags that make new namespaces: refused like unshare().
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,   CLONE_NEWNET,
                                             CLONE_NEWUTS, CLONE_NEWIPC,  CLONE_NEWCGROUP};

struct Compiled {
    std::vector<sock_filter> program;
    int error = 0;  ///< errno when the program could not be built
};

/// Builds the program with libseccomp and reads its BPF back through a pipe.
Compiled compile() {
    Compiled out;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        out.error = ENOMEM;
        return out;
    }
    auto fail = [&](int rc) {
        out.error = rc < 0 ? -rc : EINVAL;
        seccomp_release(ctx);
        return out;
    };
    // Another architecture's calls (int 0x80 on x86-64) would slip past the
    // numbers below: the process is killed instead.
    if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc < 0) return fail(rc);
    for (const char* name : kRefused) {
        const int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) continue;  // not a call of this architecture or libseccomp
        if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0); rc < 0) return fail(rc);
    }
    for (unsigned long flag : kNamespaceFlags)
        if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                      SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
            rc < 0)
            return fail(rc);
    // clone3 passes its flags in memory, where no filter can read them. "Not
    // implemented" makes the C library fall back to clone(), which is filtered.
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0); rc < 0) return fail(rc);

    int fds[2];
    if (pipe(fds) != 0) return fail(-errno);
    const int rc = seccomp_export_bpf(ctx, fds[1]);
    close(fds[1]);
    seccomp_release(ctx);
    if (rc < 0) {
        close(fds[0]);
        out.error = -rc;
        return out;
    }
    std::vector<char> bytes;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) bytes.insert(bytes.end(), buf, buf + n);
    close(fds[0]);
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
        out.error = EINVAL;
        return out;
    }
    out.program.resize(bytes.size() / sizeof(sock_filter));
    std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(out.program.data()));
    return out;
}

/// Compiled before main(), while the grader has one thread.
const Compiled kFilter = compile();

}  // namespace

int install_syscall_filter() {
    if (kFilter.error) return kFilter.error;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    sock_fprog prog{static_cast<unsigned short>(kFilter.program.size()),
                    const_cast<sock_filter*>(kFilter.program.data())};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 ? 0 : errno;
}

bool syscall_filter_available() { return kFilter.error == 0; }
#else
int install_syscall_filter() { return 0; }
bool syscall_filter_available() { return false; }
#endif

}  // namespace raftlab::grader::platform
