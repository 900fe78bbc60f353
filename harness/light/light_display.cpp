// raftlab-light-display: the light of the lab 1 intersection, for people.
//
//   raftlab-light-display --port D
//
// Receives the controller's datagrams on 127.0.0.1:D (see raftlab/light/wire.h)
// and prints one line per change: the time since the first command, the command,
// and the whole intersection. Prints a warning, loudly, if the light ever shows
// green or yellow in both directions, and for any datagram it cannot read.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "raftlab/light/wire.h"

namespace {

using raftlab::lightwire::Colour;

const char* name(Colour c) {
    return c == Colour::green ? "GREEN " : c == Colour::yellow ? "YELLOW" : "red   ";
}

int bind_udp(int port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        std::fprintf(stderr, "raftlab-light-display: cannot bind udp 127.0.0.1:%d: %s\n", port,
                     std::strerror(errno));
        std::exit(1);
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || std::strcmp(argv[1], "--port") != 0) {
        std::fprintf(stderr, "usage: raftlab-light-display --port D\n");
        return 2;
    }
    int fd = bind_udp(std::atoi(argv[2]));
    std::printf("listening on udp 127.0.0.1:%s; start the controller with --display-port %s\n",
                argv[2], argv[2]);
    Colour ew = Colour::red, ns = Colour::red;
    std::chrono::steady_clock::time_point start{};
    bool started = false;
    for (char buffer[128];;) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) continue;
        auto command =
            raftlab::lightwire::parse(std::string_view(buffer, static_cast<std::size_t>(n)));
        if (!command) {
            std::printf("warning: unreadable datagram of %zd bytes ignored\n", n);
            continue;
        }
        if (!started) start = std::chrono::steady_clock::now(), started = true;
        (command->direction == raftlab::lightwire::Direction::east_west ? ew : ns) =
            command->colour;
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%8.2fs  %s   east-west %s  north-south %s%s\n", t,
                    raftlab::lightwire::format(*command).c_str(), name(ew), name(ns),
                    (ew != Colour::red && ns != Colour::red)
                        ? "   <-- UNSAFE: both directions may go"
                        : "");
        std::fflush(stdout);
    }
}
