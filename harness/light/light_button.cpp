// raftlab-light-button: the pedestrian button of the lab 1 intersection.
//
//   raftlab-light-button --port B          press Enter to press the button
//   raftlab-light-button --port B --once   press it once and exit
//
// Each press is one datagram "press" to 127.0.0.1:B (see raftlab/light/wire.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "raftlab/light/wire.h"

int main(int argc, char** argv) {
    bool once = argc == 4 && std::strcmp(argv[3], "--once") == 0;
    if ((argc != 3 && !once) || std::strcmp(argv[1], "--port") != 0) {
        std::fprintf(stderr, "usage: raftlab-light-button --port B [--once]\n");
        return 2;
    }
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto press = [&] {
        auto& p = raftlab::lightwire::press;
        ::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    };
    if (once) {
        press();
        return 0;
    }
    std::cout << "press Enter to press the button (Ctrl-D to quit)" << std::endl;
    for (std::string line; std::getline(std::cin, line);) {
        press();
        std::cout << "pressed" << std::endl;
    }
}
