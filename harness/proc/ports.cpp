// Small process and port helpers (see raftlab/proc/supervisor.h).
#include "raftlab/proc/supervisor.h"

#include "raftlab/net/socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace raftlab::proc {
namespace {

using net::loopback;

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

/// Claims `port` among raftlab processes on this machine for as long as this process
/// lives: an abstract Unix socket named after the port, whose name the kernel frees
/// when the process exits (no file to clean up, even after kill -9). Two checks
/// running at once (ctest -j, parallel grading) then never hand out the same port
/// between picking it and their server binding it. False if another process holds it.
/// `claims` maps the ports this process holds to their sockets (the caller's lock
/// guards it): a port picked again after the sequence wraps is still ours.
static bool reserve(int port, std::map<int, int>& claims) {
    if (claims.count(port)) return true;
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;  // cannot tell: fall back to the TCP test alone
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string name = "raftlab-port-" + std::to_string(port);
    std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] == 0: abstract
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
        ::close(fd);
        return false;
    }
    claims[port] = fd;  // stays open on purpose: it is the claim
    return true;
}

int pick_free_port() {
    // Port 0 would hand out a port from the kernel's ephemeral range, the same range
    // it draws from for every outgoing connection and every other port-0 listener (the
    // fault proxy's links among them). Such a port can be taken again between this
    // call and the server's bind, which made clusters fail now and then with "address
    // already in use". So draw from below the ephemeral range instead, from a sequence
    // that starts at a random point per process and never repeats a port within it.
    static std::mutex mutex;
    static int next = 0;
    static std::map<int, int> claims;
    std::lock_guard lock(mutex);
    constexpr int kLow = 20000, kHigh = 32000;  // below Linux's default 32768-60999
    int low = kLow, high = kHigh;
    if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) {
        int first = 0, last = 0;
        if (range >> first >> last && first > kLow + 1000 && first <= kHigh) high = first - 1;
    }
    if (next == 0) {
        std::random_device rd;
        next = low + static_cast<int>(rd() % static_cast<unsigned>(high - low));
    }
    for (int tries = 0; tries < high - low; ++tries) {
        int port = next;
        next = next + 1 >= high ? low : next + 1;
        if (!reserve(port, claims)) continue;  // another raftlab process picked it
        Fd s{::socket(AF_INET, SOCK_STREAM, 0)};
        if (s.fd < 0) throw std::runtime_error("pick_free_port: cannot create a socket");
        sockaddr_in addr = loopback(port);
        if (::bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return port;
    }
    throw std::runtime_error("pick_free_port: every port from " + std::to_string(low) + " to " + std::to_string(high) +
                             " on 127.0.0.1 is taken");
}

}  // namespace raftlab::proc
