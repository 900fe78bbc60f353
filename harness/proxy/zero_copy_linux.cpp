// splice(2)-based forwarding (see zero_copy.h).
#include "zero_copy.h"

#if defined(__linux__)
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace raftlab::proxy {

#if defined(__linux__)

SplicePipe::SplicePipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return;
    read_end_ = fds[0];
    write_end_ = fds[1];
    ::fcntl(write_end_, F_SETPIPE_SZ, 1 << 20);  // best effort: bigger moves per call
}

SplicePipe::~SplicePipe() {
    if (read_end_ >= 0) ::close(read_end_);
    if (write_end_ >= 0) ::close(write_end_);
}

long SplicePipe::fill(int from, std::size_t max) {
    ssize_t n = ::splice(from, nullptr, write_end_, nullptr, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EINTR ? -1 : -2;
}

long SplicePipe::drain(int to, std::size_t count) {
    ssize_t n = ::splice(read_end_, nullptr, to, nullptr, count, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EINTR ? -1 : -2;
}

#else

SplicePipe::SplicePipe() = default;
SplicePipe::~SplicePipe() = default;
long SplicePipe::fill(int, std::size_t) { return -2; }
long SplicePipe::drain(int, std::size_t) { return -2; }

#endif

}  // namespace raftlab::proxy
