// foundations/traffic_light.cpp: the lab 1 traffic light controller (reference
// solution), written as the thin driver around the lab 2 state machine.
//
//   traffic_light --display-port D --button-port B [--unit-ms U]
//
// The display and the button are separate programs (harness/light/), talking UDP
// on 127.0.0.1: each display change is one datagram "<direction> <colour>" sent
// to port D ("ew G", "ns R", ...); each press arrives as one datagram "press" on
// port B. One time unit lasts U milliseconds (default 1000).
//
// All decisions are light::next()'s. This file only turns time into ticks and
// datagrams into button events, and sends the actions it gets back.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <system_error>

#include "foundations/options.h"
#include "light/light.h"

namespace raftlab::foundations {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/// A UDP socket bound to 127.0.0.1:port, for receiving presses and sending colours.
int udp_socket(int port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr = loopback(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        throw std::system_error(errno, std::generic_category(),
                                "bind udp 127.0.0.1:" + std::to_string(port));
    return fd;
}

void show(int fd, const sockaddr_in& display, const light::Show& action) {
    std::string text =
        std::string(light::to_string(action.direction)) + " " + light::to_string(action.color);
    ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<const sockaddr*>(&display),
             sizeof display);
}

/// True when a "press" datagram was waiting on `fd`.
bool read_press(int fd) {
    char buffer[64];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return n == 5 && std::string_view(buffer, 5) == "press";
}

int run(int argc, char** argv) {
    int display_port = int_flag(argc, argv, "--display-port", -1);
    int button_port = int_flag(argc, argv, "--button-port", -1);
    int unit_ms = int_flag(argc, argv, "--unit-ms", 1000);
    if (display_port <= 0 || button_port <= 0 || unit_ms <= 0)
        throw std::invalid_argument(
            "usage: traffic_light --display-port D --button-port B [--unit-ms U]");
    int fd = udp_socket(button_port);
    sockaddr_in display = loopback(display_port);

    light::State state = light::initial_state();
    show(fd, display, {light::Direction::north_south, state.north_south});  // red first
    show(fd, display, {light::Direction::east_west, state.east_west});
    const auto unit = std::chrono::milliseconds(unit_ms);
    auto next_tick = Clock::now() + unit;
    for (;;) {
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now());
        pollfd p{fd, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, wait.count())));
        light::Step step{state, {}};
        if (ready > 0 && read_press(fd)) {
            step = light::next(state, light::Event::button);
        } else if (Clock::now() >= next_tick) {
            step = light::next(state, light::Event::tick);
            next_tick += unit;  // ticks keep to the schedule, so no drift builds up
        }
        for (const light::Show& action : step.actions) show(fd, display, action);
        state = step.state;
    }
}

}  // namespace
}  // namespace raftlab::foundations

int main(int argc, char** argv) {
    try {
        return raftlab::foundations::run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "traffic_light: " << e.what() << "\n";
        return 1;
    }
}

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
