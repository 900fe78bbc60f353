// raftlab/net/socket.h: the few lines every blocking socket helper of the framework
// needs (the lab 10 client, the cluster daemon's control line, scripted peers, the
// port helpers): a loopback address, and waiting on a descriptor until a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

namespace raftlab::net {

using Clock = std::chrono::steady_clock;

/// 127.0.0.1:port (port 0: any free port, for bind).
inline sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/// Whole milliseconds until `deadline`, 0 once it has passed.
inline int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

/// Waits until `fd` is ready for `events` (POLLIN, POLLOUT). False on timeout or error.
inline bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, ms_left(deadline));
        if (n > 0) return true;
        if (n == 0 || errno != EINTR) return false;
    }
}

}  // namespace raftlab::net
