// daemon_control.cpp: the one-line JSON protocol between the cluster commands and the
// cluster daemon (see daemon_control.h). Blocking sockets with poll() for deadlines.
#include "raftlab/net/socket.h"
#include "daemon_control.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace raftlab::tools {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

using net::loopback;
using net::wait_for;

/// Reads until '\n' or the deadline; false on timeout, error or close before it.
bool read_line(int fd, std::string& line, Clock::time_point deadline) {
    char buf[4096];
    while (line.find('\n') == std::string::npos) {
        if (!wait_for(fd, POLLIN, deadline)) return false;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) return false;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return false;
        }
        line.append(buf, static_cast<std::size_t>(n));
        if (line.size() > (1 << 20)) return false;
    }
    line.resize(line.find('\n'));
    return true;
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

json::object call_daemon(int port, const json::object& request, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    std::string where = "the cluster daemon on 127.0.0.1:" + std::to_string(port);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw DaemonUnreachable(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr = loopback(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::string why = std::strerror(errno);
        ::close(fd);
        throw DaemonUnreachable(where + " does not accept connections (" + why + ")");
    }
    std::string line;
    bool ok = write_all(fd, json::serialize(request) + "\n") && read_line(fd, line, deadline);
    ::close(fd);
    if (!ok) throw DaemonUnreachable(where + " did not answer within " + std::to_string(timeout.count() / 1000) + " s");
    boost::system::error_code ec;
    json::value reply = json::parse(line, ec);
    if (ec || !reply.is_object()) throw DaemonUnreachable(where + " answered something else: " + line.substr(0, 200));
    return reply.as_object();
}

int listen_control(int& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw std::runtime_error(std::string("cannot listen on 127.0.0.1 for the daemon's control: ") + std::strerror(errno));
    port = ntohs(addr.sin_port);
    return fd;
}

void serve_one(int fd, const std::function<json::object(const json::object&)>& handle) {
    std::string line;
    if (read_line(fd, line, Clock::now() + std::chrono::seconds(2))) {
        json::object reply;
        boost::system::error_code ec;
        json::value request = json::parse(line, ec);
        if (ec || !request.is_object())
            reply = {{"ok", false}, {"error", "the request is not a JSON object: " + line.substr(0, 200)}};
        else
            reply = handle(request.as_object());
        write_all(fd, json::serialize(reply) + "\n");
    }
    ::close(fd);
}

}  // namespace raftlab::tools
