// raftlab/host/process.h: the judge's side of an implementation host.
//
// A HostProcess is one running host executable (the student's code compiled with a
// small framework main, see serve.h). The check that starts it is the judge: it
// sends requests, reads the host's frames, and never runs student code itself. The
// host gets nothing that names the check: an empty environment but for PATH, "/" as
// its working directory, standard input from /dev/null, and only the socket of its
// protocol (fd 3) besides standard output and error. When the judge runs as root the
// host runs as the user nobody, with no_new_privs, so it can neither read the
// judge's environment or result file through /proc nor signal it. Hosts are forked
// from a zygote of their program, one per judge thread (see process.cpp).
//
// Everything that can go wrong with the host (it crashed, exited, hung, or wrote
// something that is not the protocol) becomes a HostError whose what() is one
// sentence for the student, for example "its process crashed with SIGSEGV
// (segmentation fault) during receive()". After the first error the process is
// dead to the judge: every later call throws the same error again.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "raftlab/host/wire.h"

namespace raftlab::host {

/// The host failed (crashed, hung, broke the protocol). what() is one sentence.
class HostError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class HostProcess {
public:
    /// Starts `program`. `call_timeout` bounds each wait for a frame: a host that
    /// says nothing for that long is taken to hang. Throws HostError when the
    /// program cannot be started.
    explicit HostProcess(const std::string& program,
                         std::chrono::milliseconds call_timeout = std::chrono::seconds(10));
    /// Kills the host (SIGKILL) and reaps it.
    ~HostProcess();
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    /// Queues one frame for the host (sent on the next flush() or receive()).
    void send(const Writer& frame);
    /// Writes every queued frame.
    void flush(const char* during);
    /// Flushes, then waits for the host's next frame and returns its payload.
    /// `during` names the call in progress for the error sentence ("receive()").
    std::string receive(const char* during);
    /// Flushes, then passes the host a copy of the descriptor `fd` (SCM_RIGHTS, with
    /// one byte of data). The host must be waiting for it with recvmsg() on its
    /// socket, not in HostChannel::await(), whose read() would lose it: a lab's
    /// protocol has the host ask for it first (see harness/host/message_host_main.cpp).
    void send_fd(int fd, const char* during);

    pid_t pid() const { return pid_; }
    /// True once the host failed; every later call throws error() again.
    bool broken() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

    /// Ends the host now (SIGKILL) and waits for it.
    void kill_now();
    /// Marks the host failed with `sentence`, kills it and throws HostError.
    [[noreturn]] void fail(std::string sentence);

private:
    /// Why the host stopped answering: its exit status when it has ended.
    std::string death_sentence(const char* during);

    std::string program_;
    pid_t pid_ = -1;
    int fd_ = -1;         // the judge's end of the host's socket (the host's fd 3)
    std::chrono::milliseconds call_timeout_;
    std::string out_;     // frames queued for the host
    std::string in_;      // bytes read from the host, not yet returned
    std::size_t in_at_ = 0;
    std::string error_;
};

/// The largest frame either side accepts (a bigger length prefix is a protocol error).
inline constexpr std::uint32_t kMaxFrame = 64u << 20;

}  // namespace raftlab::host
