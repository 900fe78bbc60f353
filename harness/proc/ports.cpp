// Small process and port helpers (see raftlab/proc/supervisor.h).
#include "raftlab/proc/supervisor.h"

#include <arpa/inet.h>
#include <cerrno>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace raftlab::proc {
namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/// Closes a file descriptor when it goes out of scope.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t count) {
    std::ifstream in(file);
    std::deque<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
        if (lines.size() > count) lines.pop_front();
    }
    return {lines.begin(), lines.end()};
}

bool port_accepts(int port, std::chrono::milliseconds timeout) {
    Fd s{::socket(AF_INET, SOCK_STREAM, 0)};
    if (s.fd < 0) return false;
    ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    sockaddr_in addr = loopback(port);
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
    if (errno != EINPROGRESS) return false;
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    return error == 0;
}

int pick_free_port() {
    Fd s{::socket(AF_INET, SOCK_STREAM, 0)};
    if (s.fd < 0) throw std::runtime_error("pick_free_port: cannot create a socket");
    sockaddr_in addr = loopback(0);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("pick_free_port: cannot bind 127.0.0.1:0");
    socklen_t len = sizeof addr;
    ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
}

}  // namespace raftlab::proc
