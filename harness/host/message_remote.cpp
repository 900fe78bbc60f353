// message_remote.cpp: the judge's side of the lab 1 host (see
// raftlab/host/remote_message.h).
#include "raftlab/host/remote_message.h"

#include <chrono>
#include <fcntl.h>
#include <memory>
#include <new>
#include <system_error>

#include "message_protocol.h"
#include "raftlab/check/check.h"
#include "raftlab/host/process.h"
#include "raftlab/todo.h"

#ifndef RAFTLAB_MESSAGE_HOST
#error "RAFTLAB_MESSAGE_HOST must name the lab 1 host executable"
#endif

namespace raftlab {
namespace {
namespace p = raftlab::host::message;
using host::HostProcess;
using host::Reader;
using host::Writer;
using p::Thrown;

/// A call may block for as long as the check's other end keeps it waiting (seconds);
/// one that lasts longer hangs, and says so well within the check's time limit.
constexpr std::chrono::seconds kCallTimeout{40};

/// The lab 1 host of this judge thread. It starts with the session, so that what
/// HostProcess keeps per thread is made first and outlives it at thread exit.
class Session {
public:
    Session() : process_(std::make_unique<HostProcess>(::raftlab::check::built_file(RAFTLAB_MESSAGE_HOST), kCallTimeout)) {}
    HostProcess& process() {
        if (process_->broken()) throw host::HostError(process_->error());
        return *process_;
    }

private:
    std::unique_ptr<HostProcess> process_;
};

Session& session() {
    thread_local Session s;
    return s;
}

/// A std::system_error whose what() is exactly the student's.
class SystemError : public std::system_error {
public:
    SystemError(int code, const std::error_category& category, std::string what)
        : std::system_error(code, category), what_(std::move(what)) {}
    const char* what() const noexcept override { return what_.c_str(); }

private:
    std::string what_;
};

/// Thrown for something the student threw that was not a std::exception.
struct NotStdException {};

/// Rethrows what the student's function threw, as the same type with the same what().
void rethrow(Reader& r, Thrown kind) {
    if (kind == Thrown::kSystemError) {
        const int code = r.i32();
        const bool system = r.boolean();
        std::string what = r.str();
        r.finish();
        throw SystemError(code, system ? std::system_category() : std::generic_category(), std::move(what));
    }
    std::string what = r.str();
    r.finish();
    switch (kind) {
        case Thrown::kMessageError: throw foundations::MessageError(what);
        case Thrown::kLengthError: throw std::length_error(what);
        case Thrown::kBadAlloc: throw std::bad_alloc();
        case Thrown::kNotImplemented: {
            const std::string prefix = "not implemented: ";
            throw NotImplemented(what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
        }
        case Thrown::kOther: throw std::runtime_error(what);
        case Thrown::kNotStd: throw NotStdException{};
        default: throw host::ProtocolError("unknown exception kind " + std::to_string(static_cast<int>(kind)));
    }
}

/// Runs one call in the host: the request, the host's kReady, the descriptor, the
/// answer. Returns a reader positioned after a kNone.
template <class Read>
auto call(int fd, Writer& w, const char* name, Read read) {
    HostProcess& h = session().process();
    const bool with_fd = ::fcntl(fd, F_GETFD) != -1;
    w.bytes()[1] = with_fd ? 1 : 0;
    h.send(w);
    try {
        if (with_fd) {
            std::string ready = h.receive(name);
            Reader r(ready);
            if (r.u8() != p::kReady) throw host::ProtocolError("the host did not ask for the socket");
            r.finish();
            h.send_fd(fd, name);
        }
        std::string frame = h.receive(name);
        Reader r(frame);
        const auto kind = static_cast<Thrown>(r.u8());
        if (kind != Thrown::kNone) rethrow(r, kind);
        auto v = read(r);
        r.finish();
        return v;
    } catch (const host::ProtocolError& e) {
        h.fail(std::string("its process broke the protocol with the checks during ") + name + " (" + e.what() +
               ")");
    }
}

Writer request(std::uint8_t op) {
    Writer w;
    w.u8(op);
    w.boolean(false);  // with_fd, set by call()
    return w;
}

}  // namespace

namespace foundations {

void send_message(int fd, std::string_view payload) {
    Writer w = request(p::kSend);
    w.str(payload);
    call(fd, w, "send_message()", [](Reader&) { return 0; });
}

std::optional<std::string> recv_message(int fd) {
    Writer w = request(p::kReceive);
    return call(fd, w, "recv_message()", [](Reader& r) -> std::optional<std::string> {
        if (!r.boolean()) return std::nullopt;
        return r.str();
    });
}

}  // namespace foundations

namespace host {
pid_t message_host_pid() { return session().process().pid(); }
}  // namespace host

}  // namespace raftlab
