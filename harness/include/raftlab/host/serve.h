// raftlab/host/serve.h: the host's side of the protocol with the judge.
//
// A lab's host executable is the student's code plus a framework main that calls
// serve(): it reads one request frame at a time from fd 3, hands it to the lab's
// handler, and writes the handler's frames to fd 4. The host knows only what each
// request carries: no lab, check or seed name reaches it.
//
// Exceptions: a handler reports an exception from student code with
// write_exception(), and the judge rethrows one of the same kind with the same
// message (raise_exception() in judge code), so `EXPECT_THROW(log.at(0),
// std::out_of_range)` works across the process boundary.
#pragma once

#include <exception>
#include <functional>
#include <string>

#include "raftlab/host/wire.h"

namespace raftlab::host {

/// The host's two pipes. Frames written with send() are buffered until flush() or
/// await().
class HostChannel {
public:
    /// Queues one frame for the judge.
    void send(const Writer& frame);
    /// Writes every queued frame.
    void flush();
    /// Flushes, then blocks for the judge's next frame. When the judge has gone the
    /// host exits at once (nothing it computes could matter any more).
    std::string await();

private:
    std::string out_;
    std::string in_;
};

/// Calls `handle` with each request until the judge closes its pipe; then returns 0.
/// A handler that throws ends the host with a message on stderr.
int serve(const std::function<void(Reader& request, HostChannel& channel)>& handle);

/// Exception kinds on the wire.
enum class ExceptionKind : std::uint8_t {
    none = 0,
    out_of_range = 1,
    invalid_argument = 2,
    other = 3,       ///< any other std::exception
    not_std = 4,     ///< something thrown that is not a std::exception
};

/// Writes the kind and message of the exception being handled (call from a catch).
void write_current_exception(Writer& w);

/// Judge side: throws an exception of `kind` with `what`.
[[noreturn]] void raise_exception(ExceptionKind kind, const std::string& what);

/// Reads a kind and message written by write_current_exception() and, when it is an
/// exception, rethrows it (judge side). Returns normally for ExceptionKind::none.
void rethrow_if_exception(Reader& r);

}  // namespace raftlab::host
