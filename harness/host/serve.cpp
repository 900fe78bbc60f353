// serve.cpp: the host's side (runs in the implementation host, beside the student's
// code): first the zygote, which forks one child per host the judge asks for, then,
// in each child, the request loop of the lab's handler.
#include "raftlab/host/serve.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <csignal>
#include <sys/prctl.h>
#endif

#include "raftlab/host/process.h"
#include "fd_io.h"
#include "zygote_protocol.h"

namespace raftlab::host {
namespace {
constexpr int kFd = zygote::kFd;



void die_with_parent() {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/// Sends the child's pid and the judge's end of its socket.
void send_child(pid_t pid, int judge_end) {
    std::int32_t p = pid;
    send_with_fd(kFd, &p, sizeof p, judge_end);
}

/// The zygote: forks a child for every 'F' and reaps for every 'W'. Returns in each
/// child (with the child's socket on fd 3); exits when the judge goes away.
void run_zygote() {
    die_with_parent();
    pid_t zygote = getpid();
    for (;;) {
        char op;
        if (!read_all(kFd, &op, 1)) std::_Exit(0);
        if (op == zygote::kWait) {
            char req[sizeof(std::int32_t) + 1];
            if (!read_all(kFd, req, sizeof req)) std::_Exit(0);
            std::int32_t pid;
            std::memcpy(&pid, req, sizeof pid);
            int status = 0;
            pid_t r;
            while ((r = waitpid(pid, &status, req[sizeof pid] ? 0 : WNOHANG)) < 0 && errno == EINTR) {
            }
            std::int32_t answer[2] = {r == pid ? 1 : (r < 0 ? 1 : 0), r == pid ? status : 0};
            if (!write_all(kFd, reinterpret_cast<char*>(answer), sizeof answer)) std::_Exit(0);
            continue;
        }
        if (op != zygote::kFork) std::_Exit(3);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            send_child(-1, -1);
            continue;
        }
        pid_t child = fork();
        if (child == 0) {
            // The child: its own socket on fd 3, nothing of the zygote's.
            die_with_parent();
            if (getppid() != zygote) std::_Exit(0);
            dup2(sv[1], kFd);  // dup2 clears close-on-exec; sv[] themselves close on exec
            close(sv[0]);
            close(sv[1]);
            return;
        }
        close(sv[1]);
        send_child(child < 0 ? -1 : child, child < 0 ? -1 : sv[0]);
        close(sv[0]);
    }
}

}  // namespace

void HostChannel::send(const Writer& frame) {
    std::uint32_t n = static_cast<std::uint32_t>(frame.bytes().size());
    out_.append(reinterpret_cast<const char*>(&n), sizeof n);
    out_ += frame.bytes();
}

void HostChannel::flush() {
    if (!out_.empty() && !write_all(kFd, out_.data(), out_.size())) std::_Exit(0);  // the judge has gone
    out_.clear();
}

std::string HostChannel::await() {
    flush();
    for (;;) {
        if (in_.size() >= 4) {
            std::uint32_t n;
            std::memcpy(&n, in_.data(), 4);
            if (n > kMaxFrame) std::_Exit(3);
            if (in_.size() >= 4 + static_cast<std::size_t>(n)) {
                std::string payload = in_.substr(4, n);
                in_.erase(0, 4 + n);
                return payload;
            }
        }
        char buf[65536];
        ssize_t n = ::read(kFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) std::_Exit(0);  // the judge has gone: nothing left to do
        in_.append(buf, static_cast<std::size_t>(n));
    }
}

int serve(const std::function<void(Reader&, HostChannel&)>& handle) {
    run_zygote();
    HostChannel channel;
    for (;;) {
        std::string frame = channel.await();
        Reader r(frame);
        try {
            handle(r, channel);
        } catch (const ProtocolError& e) {
            std::fprintf(stderr, "raftlab host: bad request from the checks: %s\n", e.what());
            return 3;
        }
    }
}

}  // namespace raftlab::host
