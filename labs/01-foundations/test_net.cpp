// test_net.cpp: the checks' TCP client and socket helpers.
#include "test_net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0  // macOS: SIGPIPE is ignored below instead
#endif

namespace raftlab::lab01 {
namespace {

// A check writing to a connection the student's program closed must see an error,
// not die of SIGPIPE.
const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

int try_connect(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = loopback(port);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
}

}  // namespace

int free_port(int socket_type) {
    int fd = ::socket(AF_INET, socket_type, 0);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0)
        throw Problem("the check could not find a free port on 127.0.0.1");
    ::close(fd);
    return ntohs(addr.sin_port);
}

Connection::Connection(int port, ChildProcess& server, std::chrono::milliseconds patience)
    : server_(server), decoder_(64u * 1024u * 1024u) {
    auto deadline = Clock::now() + patience;
    while ((fd_ = try_connect(port)) < 0) {
        server.require_running("before it accepted a connection on 127.0.0.1:" + std::to_string(port));
        if (Clock::now() > deadline)
            throw Problem(server.name() + " did not accept connections on 127.0.0.1:" + std::to_string(port) +
                          " within " + std::to_string(patience.count() / 1000) + " s.");
        std::this_thread::sleep_for(20ms);
    }
    timeval limit{20, 0};  // a server that stops reading must not hang the check
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

void Connection::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            throw Problem(server_.name() + " read nothing of a client's request for 20 s.");
        if (n < 0) {
            server_.require_running("while a client was sending");
            throw Problem(server_.name() + " closed a client's connection while the client was still sending a request.");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void Connection::send_sliced(std::string_view bytes, std::size_t slice, std::chrono::microseconds pause) {
    while (!bytes.empty()) {
        std::size_t n = std::min(slice, bytes.size());
        send_raw(bytes.substr(0, n));
        bytes.remove_prefix(n);
        std::this_thread::sleep_for(pause);
    }
}

std::string Connection::read_frame(const std::string& what, std::chrono::milliseconds patience) {
    auto deadline = Clock::now() + patience;
    std::string buffer(64 * 1024, '\0');
    for (;;) {
        auto result = decoder_.next();
        if (result.status == wire::FrameDecoder::Status::frame) return std::move(result.payload);
        if (result.status == wire::FrameDecoder::Status::error)
            throw Problem(what + " is not a valid frame: " + result.error + ".");
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
            server_.require_running("while a client waited for " + what);
            throw Problem(what + " did not arrive within " + std::to_string(patience.count() / 1000) + " s.");
        }
        ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            server_.require_running("while a client waited for " + what);
            throw Problem(server_.name() + " closed the connection instead of sending " + what + ".");
        }
        decoder_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
}

void Connection::reset() {
    linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd_);
    fd_ = -1;
}

std::string preview(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 40)) out += (c >= 32 && c < 127) ? c : '?';
    if (text.size() > 40) out += "... (" + std::to_string(text.size()) + " bytes)";
    return "'" + out + "'";
}

}  // namespace raftlab::lab01
