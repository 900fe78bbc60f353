// intersection.cpp: the display, the button and the safety checks of intersection.h.
#include "intersection.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace raftlab::lab01 {
namespace {

const char* name(Colour c) {
    return c == Colour::green ? "green" : c == Colour::yellow ? "yellow" : "red";
}

}  // namespace

int Intersection::bind_display() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0)
        throw Problem("the check could not bind its display socket on 127.0.0.1");
    display_port_ = ntohs(addr.sin_port);
    return fd;
}

std::optional<Seen> Intersection::receive(std::chrono::milliseconds wait) {
    pollfd p{display_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(0, wait.count()))) <= 0)
        return std::nullopt;
    char buffer[256];
    ssize_t n = ::recv(display_fd_, buffer, sizeof buffer, 0);
    std::string_view text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    auto command = lightwire::parse(text);
    if (!command)
        throw Problem("the display received " + preview(text) +
                      ", which is not a command like 'ew G'.");
    return Seen{Clock::now(), *command};
}

void Intersection::apply(const Seen& seen) {
    bool east_west = seen.command.direction == Direction::east_west;
    Colour& colour = east_west ? ew : ns;
    Colour next = seen.command.colour;
    bool& known = east_west ? ew_known : ns_known;
    bool legal = !known || next == colour || (colour == Colour::green && next == Colour::yellow) ||
                 (colour == Colour::yellow && next == Colour::red) ||
                 (colour == Colour::red && next == Colour::green);
    if (!legal)
        throw Problem(std::string(east_west ? "east-west" : "north-south") + " went from " +
                      name(colour) + " to " + name(next) +
                      "; a light must go green, yellow, red, green.");
    colour = next;
    known = true;
    if (ew_known && ns_known && ew != Colour::red && ns != Colour::red)
        throw Problem(std::string("the display showed east-west ") + name(ew) +
                      " and north-south " + name(ns) +
                      " at the same time; one direction must always be red.");
    history_.push_back(seen);
}

void Intersection::watch_until(Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        if (auto seen = receive(std::min(left, std::chrono::milliseconds(200))))
            apply(*seen);
        else
            controller_.require_running("while the display waited for colours");
    }
}

Clock::time_point Intersection::wait_for(Direction direction, Colour colour,
                                         std::chrono::milliseconds patience) {
    auto deadline = Clock::now() + patience;
    while (Clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto seen = receive(std::min(left, std::chrono::milliseconds(200)));
        if (!seen) {
            controller_.require_running("while the display waited for colours");
            continue;
        }
        apply(*seen);
        if (seen->command.direction == direction && seen->command.colour == colour) return seen->at;
    }
    throw Problem(std::string(direction == Direction::east_west ? "east-west" : "north-south") +
                  " did not turn " + name(colour) + " within " + std::to_string(patience.count()) +
                  " ms (" + std::to_string(patience.count() / kUnitMs) + " time units).");
}

Clock::time_point Intersection::wait_for_start() {
    auto deadline = Clock::now() + 15s;
    while (!(ew_known && ns_known)) {
        if (Clock::now() > deadline)
            throw Problem(
                "the controller did not announce both directions' colours within 15 s of "
                "starting.");
        auto seen = receive(200ms);
        if (seen)
            apply(*seen);
        else
            controller_.require_running("before the display received any colour");
    }
    if (!(ew == Colour::green && ns == Colour::red))
        throw Problem(
            std::string(
                "the light must start east-west green and north-south red, but it started ") +
            "east-west " + name(ew) + " and north-south " + name(ns) + ".");
    return Clock::now();
}

void Intersection::press() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(button_port_));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, lightwire::press.data(), lightwire::press.size(), 0,
             reinterpret_cast<sockaddr*>(&to), sizeof to);
    ::close(fd);
}

}  // namespace raftlab::lab01
