// process.cpp: starting implementation hosts and talking to them (the judge's side).
//
// Starting a program costs about half a millisecond here, and the simulator starts
// a server (a host) for every node of every seed and again at every restart: tens of
// thousands per lab. So each judge thread starts every host program once, as a
// zygote, and the zygote forks a fresh child for each host the judge asks for. A
// child starts from the zygote's memory, which no server has touched (the zygote
// never runs a server), and dies with everything it learned: a crash in the
// simulator is still a process that ends.
//
//   judge <-> zygote: a socket pair; "fork" is answered with the child's pid and,
//                     passed over the socket (SCM_RIGHTS), the judge's end of a new
//                     socket pair whose other end is the child's fd 3;
//                     "wait" reaps a child and answers its exit status.
//   judge <-> child:  frames both ways on that socket.
#include "raftlab/host/process.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <poll.h>
#include <grp.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#endif

#include "fd_io.h"
#include "zygote_protocol.h"

namespace raftlab::host {
namespace {

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char* what = sigdescr_np(sig);
        const char* name = sigabbrev_np(sig);
        return "crashed with " + (name ? "SIG" + std::string(name) : "signal " + std::to_string(sig)) +
               (what ? " (" + std::string(what) + ")" : "");
    }
    if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
    return "stopped";
}



/// write() of all `n` bytes to a plain file.
bool write_all_file(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

/// The user graded code runs as when the grader is root: nobody. A root process could
/// read the judge's environment and open its result file through /proc; another user
/// cannot, nor signal the judge, nor write where only root may.
constexpr uid_t kNobody = 65534;

/// The address space a host may use: a server of these labs needs tens of megabytes.
/// Far below the check's own cap, so an implementation that allocates without end
/// fails with std::bad_alloc in a second or two even where the kernel is slow to hand
/// out pages (filling 2 GiB took over 10 s on a loaded CI machine: a hang, not a
/// verdict), and leaves the judge's memory alone.
constexpr rlim_t kHostAddressSpace = rlim_t{512} << 20;

/// In the forked child, before exec: the socket on fd 3, nothing else of the judge's,
/// "/" as the folder, and, under root, the user nobody with no way back to root.
/// Only system calls: the judge has threads.
[[noreturn]] void in_child(int socket, bool root, int image, const char* program, char** argv, char** envp) {
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0) _exit(126);
    if (socket == zygote::kFd) {
        if (fcntl(socket, F_SETFD, 0) != 0) _exit(126);
    } else if (dup2(socket, zygote::kFd) < 0) {
        _exit(126);
    }
#ifdef __linux__
    // Close-on-exec rather than closed: the program image (a memfd) must stay open
    // until execveat, and closes with the exec.
    close_range(zygote::kFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
#else
    for (int fd = zygote::kFd + 1; fd < 1024; ++fd) close(fd);
#endif
    if (chdir("/") != 0) _exit(126);
    rlimit as{};
    if (getrlimit(RLIMIT_AS, &as) != 0) _exit(126);
    if (as.rlim_cur == RLIM_INFINITY || as.rlim_cur > kHostAddressSpace) {
        as.rlim_cur = kHostAddressSpace;
        if (as.rlim_max != RLIM_INFINITY && as.rlim_max < as.rlim_cur) as.rlim_cur = as.rlim_max;
        if (setrlimit(RLIMIT_AS, &as) != 0) _exit(126);
    }
    if (root) {
        if (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
            setresuid(kNobody, kNobody, kNobody) != 0)
            _exit(126);
    }
#ifdef __linux__
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
#endif
#ifdef __linux__
    if (image >= 0) syscall(SYS_execveat, image, "", argv, envp, AT_EMPTY_PATH);
#else
    (void)image;
#endif
    execve(program, argv, envp);
    _exit(127);
}

#ifdef __linux__
/// The host program as an anonymous executable file: under root the host runs as
/// nobody, who may not be able to reach the repository's folder (a clone in a mkdtemp
/// folder is mode 0700), so the judge opens the program and the child executes that.
int program_image(const std::string& program) {
    int in = open(program.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int image = memfd_create("raftlab-host", MFD_CLOEXEC);
    char buf[1 << 16];
    ssize_t n;
    while (image >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (!write_all_file(image, buf, static_cast<std::size_t>(n))) {
            close(image);
            image = -1;
        }
    close(in);
    return image;
}
#endif

/// One running zygote of one host program, owned by one judge thread.
class Zygote {
public:
    explicit Zygote(const std::string& program) : program_(program) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            throw HostError(std::string("could not create a socket pair: ") + std::strerror(errno));
        if (access(program.c_str(), X_OK) != 0) {
            int err = errno;
            close(sv[0]);
            close(sv[1]);
            throw HostError("could not start the implementation host " + program + ": " + std::strerror(err));
        }
        // No variable or argument names the lab, the check, the seed or whether the
        // check is hidden. Prepared before fork: the child only makes system calls.
        char path_var[] = "PATH=/usr/bin:/bin";
        char* envp[] = {path_var, nullptr};
        char arg0[] = "raftlab-host";
        char* argv[] = {arg0, nullptr};
        const bool root = geteuid() == 0;
#ifdef __linux__
        if (root) image_ = program_image(program);
#endif
        pid_ = fork();
        if (pid_ < 0) {
            int err = errno;
            close(sv[0]);
            close(sv[1]);
            throw HostError("could not start the implementation host " + program + ": " + std::strerror(err));
        }
        if (pid_ == 0) in_child(sv[1], root, image_, program.c_str(), argv, envp);
        close(sv[1]);
        fd_ = sv[0];
    }
    ~Zygote() {
        if (image_ >= 0) close(image_);
        close(fd_);
        ::kill(pid_, SIGKILL);
        while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }

    /// A new child: its pid and the judge's end of its socket.
    std::pair<pid_t, int> fork_child() {
        const char op = zygote::kFork;
        if (!write_all(fd_, &op, 1)) dead("starting a host");
        char buf[sizeof(std::int32_t)];
        int fd;
        const ssize_t n = recv_with_fd(fd_, buf, sizeof buf, fd);
        if (n <= 0) dead("starting a host");
        if (static_cast<std::size_t>(n) < sizeof buf && !read_all(fd_, buf + n, sizeof buf - n)) dead("starting a host");
        std::int32_t pid;
        std::memcpy(&pid, buf, sizeof pid);
        if (fd < 0 || pid <= 0) {
            if (fd >= 0) close(fd);
            throw HostError("the implementation host " + program_ + " could not fork (pid " + std::to_string(pid) + ")");
        }
        return {pid, fd};
    }

    /// Reaps `pid`: its wait status, or nullopt when `block` is false and it still runs.
    std::optional<int> wait_child(pid_t pid, bool block) {
        char req[1 + sizeof(std::int32_t) + 1];
        req[0] = zygote::kWait;
        std::int32_t p = pid;
        std::memcpy(req + 1, &p, sizeof p);
        req[1 + sizeof p] = block ? 1 : 0;
        std::int32_t answer[2];
        if (!write_all(fd_, req, sizeof req) || !read_all(fd_, reinterpret_cast<char*>(answer), sizeof answer))
            dead("waiting for a host");
        if (answer[0] == 0) return std::nullopt;
        return answer[1];
    }

private:
    [[noreturn]] void dead(const char* what) {
        throw HostError("the implementation host " + program_ + " stopped answering while " + what);
    }
    std::string program_;
    pid_t pid_ = -1;
    int fd_ = -1;
    int image_ = -1;  // the program as a memfd (root only), see program_image
};

/// Set once this thread's zygotes are gone (at thread or process exit): a host
/// destroyed after that (a static one) has died with its zygote already.
thread_local bool t_zygotes_gone = false;

/// The zygotes of this judge thread, one per host program.
struct Zygotes {
    std::map<std::string, std::unique_ptr<Zygote>> all;
    ~Zygotes() { t_zygotes_gone = true; }
};
Zygotes& zygotes() {
    thread_local Zygotes z;
    return z;
}

Zygote& zygote_for(const std::string& program) {
    if (t_zygotes_gone) throw HostError("the checks are ending");
    auto& z = zygotes().all[program];
    if (!z) z = std::make_unique<Zygote>(program);
    return *z;
}

/// Forgets a zygote that failed; the next host starts a new one.
void drop_zygote(const std::string& program) {
    if (!t_zygotes_gone) zygotes().all.erase(program);
}

}  // namespace

HostProcess::HostProcess(const std::string& program, std::chrono::milliseconds call_timeout)
    : program_(program), call_timeout_(call_timeout) {
    // A host that dies while the judge writes to it must not kill the judge.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        auto [pid, fd] = zygote_for(program).fork_child();
        pid_ = pid;
        fd_ = fd;
    } catch (const HostError&) {
        // A zygote that failed once is started again for the next host.
        drop_zygote(program);
        throw;
    }
    timeval slice{1, 0};  // receive() wakes at least once a second to check its deadline
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
}

HostProcess::~HostProcess() { kill_now(); }

void HostProcess::kill_now() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        try {
            if (!t_zygotes_gone) zygote_for(program_).wait_child(pid_, true);
        } catch (const HostError&) {
            drop_zygote(program_);
        }
        pid_ = -1;
    }
}

void HostProcess::fail(std::string sentence) {
    error_ = std::move(sentence);
    kill_now();
    throw HostError(error_);
}

std::string HostProcess::death_sentence(const char* during) {
    // The host closed its socket: it is ending. Give it a moment to be reaped.
    try {
        for (int i = 0; i < 200 && pid_ > 0; ++i) {
            if (auto status = zygote_for(program_).wait_child(pid_, false)) {
                pid_ = -1;
                return "its process " + describe_status(*status) + " during " + during;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    } catch (const HostError&) {
        drop_zygote(program_);
    }
    return std::string("its process closed the connection to the checks during ") + during;
}

void HostProcess::send(const Writer& frame) {
    if (broken()) throw HostError(error_);
    std::uint32_t n = static_cast<std::uint32_t>(frame.bytes().size());
    out_.append(reinterpret_cast<const char*>(&n), sizeof n);
    out_ += frame.bytes();
}

void HostProcess::flush(const char* during) {
    if (broken()) throw HostError(error_);
    if (out_.empty()) return;
    if (!write_all(fd_, out_.data(), out_.size())) {
        out_.clear();
        fail(death_sentence(during));
    }
    out_.clear();
}

void HostProcess::send_fd(int fd, const char* during) {
    flush(during);
    const char byte = 0;
    const ssize_t n = send_with_fd(fd_, &byte, 1, fd);
    if (n != 1) fail(death_sentence(during));
}

std::string HostProcess::receive(const char* during) {
    flush(during);
    const auto deadline = std::chrono::steady_clock::now() + call_timeout_;
    auto have = [&] { return in_.size() - in_at_; };
    for (;;) {
        if (have() >= 4) {
            std::uint32_t n;
            std::memcpy(&n, in_.data() + in_at_, 4);
            if (n > kMaxFrame)
                fail(std::string("its process broke the protocol with the checks during ") + during +
                     ": a frame of " + std::to_string(n) + " bytes (does your code write to file descriptor 3?)");
            if (have() >= 4 + static_cast<std::size_t>(n)) {
                std::string payload = in_.substr(in_at_ + 4, n);
                in_at_ += 4 + n;
                if (in_at_ == in_.size()) {
                    in_.clear();
                    in_at_ = 0;
                }
                return payload;
            }
        }
        if (in_at_ > 0) {
            in_.erase(0, in_at_);
            in_at_ = 0;
        }
        char buf[65536];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (std::chrono::steady_clock::now() >= deadline)
                fail(std::string("it did not finish ") + during + " within " +
                     std::to_string(call_timeout_.count() / 1000) +
                     " s: look for an infinite loop, a deadlock or a wait that never ends");
            continue;
        }
        fail(death_sentence(during));
    }
}

}  // namespace raftlab::host
