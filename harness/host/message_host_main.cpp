// message_host_main.cpp: the implementation host of lab 1's message functions. It
// runs the student's send_message() and recv_message() in a process of its own and
// answers the judge (message_remote.cpp; the frames are in message_protocol.h).
//
// This file is framework code, but it shares a process with student code: nothing
// here is trusted by the judge, which checks every frame it reads.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

#include "fd_io.h"
#include "foundations/message.h"
#include "message_protocol.h"
#include "raftlab/host/serve.h"
#include "raftlab/todo.h"

namespace {
using namespace raftlab::host;
namespace p = raftlab::host::message;
using p::Thrown;

/// The host's socket to the judge (serve.h).
constexpr int kJudge = 3;

void interrupted(int) {}

/// The process the student's code ran in before it had a host of its own: signals
/// interrupt blocking calls instead of restarting them (the checks send SIGUSR1 to
/// cut send() and recv() short), and a peer that hung up is an error, not SIGPIPE.
void set_up_signals() {
    struct sigaction action {};
    action.sa_handler = interrupted;  // no SA_RESTART
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

/// Receives the descriptor the judge passes after kReady (HostProcess::send_fd).
int take_fd() {
    char byte;
    int fd;
    if (recv_with_fd(kJudge, &byte, 1, fd) <= 0) std::_Exit(0);  // the judge has gone
    if (fd < 0) throw ProtocolError("no descriptor came after kReady");
    return fd;
}

void thrown(Writer& w, Thrown kind, const char* what) {
    w.u8(static_cast<std::uint8_t>(kind));
    w.str(what);
}

/// Writes the kind and what() of the exception being handled.
void write_thrown(Writer& w) {
    try {
        throw;
    } catch (const raftlab::NotImplemented& e) {
        thrown(w, Thrown::kNotImplemented, e.what());
    } catch (const raftlab::foundations::MessageError& e) {
        thrown(w, Thrown::kMessageError, e.what());
    } catch (const std::system_error& e) {
        w.u8(static_cast<std::uint8_t>(Thrown::kSystemError));
        w.i32(e.code().value());
        w.boolean(&e.code().category() == &std::system_category());
        w.str(e.what());
    } catch (const std::length_error& e) {
        thrown(w, Thrown::kLengthError, e.what());
    } catch (const std::bad_alloc& e) {
        thrown(w, Thrown::kBadAlloc, e.what());
    } catch (const std::exception& e) {
        thrown(w, Thrown::kOther, e.what());
    } catch (...) {
        thrown(w, Thrown::kNotStd, "something that is not a std::exception was thrown");
    }
}

void handle(Reader& r, HostChannel& channel) {
    const std::uint8_t op = r.u8();
    const bool with_fd = r.boolean();
    std::string payload;
    if (op == p::kSend) payload = r.str();
    else if (op != p::kReceive) throw ProtocolError("unknown request " + std::to_string(op));
    r.finish();
    int fd = -1;
    if (with_fd) {
        Writer ready;
        ready.u8(p::kReady);
        channel.send(ready);
        channel.flush();
        fd = take_fd();
    }
    Writer w;
    try {
        if (op == p::kSend) {
            raftlab::foundations::send_message(fd, payload);
            w.u8(static_cast<std::uint8_t>(Thrown::kNone));
        } else {
            std::optional<std::string> got = raftlab::foundations::recv_message(fd);
            w.u8(static_cast<std::uint8_t>(Thrown::kNone));
            w.boolean(got.has_value());
            if (got) w.str(*got);
        }
    } catch (...) {
        w.clear();
        write_thrown(w);
    }
    if (fd >= 0) ::close(fd);
    channel.send(w);
}

}  // namespace

int main() {
    set_up_signals();
    return raftlab::host::serve(handle);
}
