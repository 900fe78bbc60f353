// fd_io.h: whole reads and writes on the sockets between a judge and its hosts (both
// sides use them). A write never raises SIGPIPE: a peer that went away is an error.
#pragma once

#include <cerrno>
#include <cstddef>
#include <sys/socket.h>
#include <unistd.h>

namespace raftlab::host {

/// Writes all `n` bytes; false when the peer has gone.
inline bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

/// Reads exactly `n` bytes; false at the end of the stream or on an error.
inline bool read_all(int fd, char* data, std::size_t n) {
    while (n > 0) {
        ssize_t r = ::read(fd, data, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        data += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

}  // namespace raftlab::host
