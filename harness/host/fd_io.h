// fd_io.h: whole reads and writes on the sockets between a judge and its hosts (both
// sides use them). A write never raises SIGPIPE: a peer that went away is an error.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
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

/// Sends `n` bytes and, when `fd` >= 0, the descriptor `fd` with them (SCM_RIGHTS).
/// The bytes sent, or -1.
inline ssize_t send_with_fd(int sock, const void* data, std::size_t n, int fd) {
    iovec iov{const_cast<void*>(data), n};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t sent;
    while ((sent = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    return sent;
}

/// Receives up to `n` bytes, and in `fd` the descriptor that came with them (-1 when
/// none did; close-on-exec). The bytes received: 0 at the end of the stream, -1 on an
/// error.
inline ssize_t recv_with_fd(int sock, void* data, std::size_t n, int& fd) {
    fd = -1;
    iovec iov{data, n};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got;
    while ((got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (got < 0) return got;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return got;
}

}  // namespace raftlab::host
