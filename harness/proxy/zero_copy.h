// Zero-copy forwarding for the proxy's fast path: socket -> pipe -> socket with
// splice(2) on Linux, so bytes never enter user space. Elsewhere available() is
// false and the proxy copies through a buffer instead. All OS-specific calls of the
// proxy live in zero_copy_linux.cpp.
#pragma once

#include <cstddef>

namespace raftlab::proxy {

class SplicePipe {
public:
    SplicePipe();   ///< opens the pipe (Linux); available() tells whether it worked
    ~SplicePipe();
    SplicePipe(const SplicePipe&) = delete;
    SplicePipe& operator=(const SplicePipe&) = delete;

    bool available() const { return read_end_ >= 0; }

    /// Moves up to `max` bytes from the non-blocking socket `from` into the pipe.
    /// Returns the count, 0 at end of stream, -1 if nothing is ready (would block),
    /// -2 on error.
    long fill(int from, std::size_t max);

    /// Moves up to `count` bytes from the pipe to the non-blocking socket `to`.
    /// Returns the count, -1 if the socket is full (would block), -2 on error.
    long drain(int to, std::size_t count);

private:
    int read_end_ = -1, write_end_ = -1;
};

}  // namespace raftlab::proxy
