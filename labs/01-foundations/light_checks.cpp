// light_checks.cpp: lab 1 part (c), the student's traffic_light controller as a
// real process. The check plays both framework programs: it is the display (it
// binds the UDP port the controller sends colours to) and the button (it sends
// "press" datagrams). Datagrams are in raftlab/light/wire.h.
//
// Safety is checked strictly: the display may never be green or yellow both ways,
// and each direction must go green -> yellow -> red. Timing is checked with wide
// margins, because shared machines are slow at times: one time unit is 60 ms, and
// a phase of E ms may last from 0.6 E - 100 ms to 1.25 E + 300 ms. (A controller
// that falls behind may catch up by running a few ticks quickly, so a phase after a
// delayed one can look short.)
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "raftlab/check/check.h"
#include "raftlab/light/wire.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

using lightwire::Colour;
using lightwire::Command;
using lightwire::Direction;

constexpr int kUnitMs = 60;
constexpr std::chrono::milliseconds kUnit{kUnitMs};

struct Seen {
    Clock::time_point at;
    Command command;
};

/// The check's display and button, and the controller process between them.
class Intersection {
public:
    Intersection() : display_fd_(bind_display()), button_port_(free_port(SOCK_DGRAM)),
                     controller_("traffic_light", LAB01_TRAFFIC_LIGHT,
                                 {"--display-port", std::to_string(display_port_), "--button-port",
                                  std::to_string(button_port_), "--unit-ms", std::to_string(kUnitMs)}) {}
    ~Intersection() { ::close(display_fd_); }

    /// Waits until the controller has announced both colours; returns when ew turned green.
    Clock::time_point wait_for_start();
    /// Records every display change until `deadline`, checking safety as it goes.
    void watch_until(Clock::time_point deadline);
    /// Watches until `direction` shows `colour`, or throws after `patience`.
    Clock::time_point wait_for(Direction direction, Colour colour, std::chrono::milliseconds patience);
    void press();

    ChildProcess& controller() { return controller_; }
    Colour ew = Colour::red, ns = Colour::red;
    bool ew_known = false, ns_known = false;

private:
    int bind_display();
    void apply(const Seen& seen);
    std::optional<Seen> receive(std::chrono::milliseconds wait);

    int display_port_ = 0;
    int display_fd_;
    int button_port_;
    ChildProcess controller_;
    std::vector<Seen> history_;
};

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
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(0, wait.count()))) <= 0) return std::nullopt;
    char buffer[256];
    ssize_t n = ::recv(display_fd_, buffer, sizeof buffer, 0);
    std::string_view text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    auto command = lightwire::parse(text);
    if (!command) throw Problem("the display received " + preview(text) + ", which is not a command like 'ew G'.");
    return Seen{Clock::now(), *command};
}

const char* name(Colour c) { return c == Colour::green ? "green" : c == Colour::yellow ? "yellow" : "red"; }

void Intersection::apply(const Seen& seen) {
    bool east_west = seen.command.direction == Direction::east_west;
    Colour& colour = east_west ? ew : ns;
    Colour next = seen.command.colour;
    bool& known = east_west ? ew_known : ns_known;
    bool legal = !known || next == colour || (colour == Colour::green && next == Colour::yellow) ||
                 (colour == Colour::yellow && next == Colour::red) || (colour == Colour::red && next == Colour::green);
    if (!legal)
        throw Problem(std::string(east_west ? "east-west" : "north-south") + " went from " + name(colour) + " to " +
                      name(next) + "; a light must go green, yellow, red, green.");
    colour = next;
    known = true;
    if (ew_known && ns_known && ew != Colour::red && ns != Colour::red)
        throw Problem(std::string("the display showed east-west ") + name(ew) + " and north-south " + name(ns) +
                      " at the same time; one direction must always be red.");
    history_.push_back(seen);
}

void Intersection::watch_until(Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        if (auto seen = receive(std::min(left, std::chrono::milliseconds(200)))) apply(*seen);
        else controller_.require_running("while the display waited for colours");
    }
}

Clock::time_point Intersection::wait_for(Direction direction, Colour colour, std::chrono::milliseconds patience) {
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
    throw Problem(std::string(direction == Direction::east_west ? "east-west" : "north-south") + " did not turn " +
                  name(colour) + " within " + std::to_string(patience.count()) + " ms (" +
                  std::to_string(patience.count() / kUnitMs) + " time units).");
}

Clock::time_point Intersection::wait_for_start() {
    auto deadline = Clock::now() + 15s;
    while (!(ew_known && ns_known)) {
        if (Clock::now() > deadline)
            throw Problem("the controller did not announce both directions' colours within 15 s of starting.");
        auto seen = receive(200ms);
        if (seen) apply(*seen);
        else controller_.require_running("before the display received any colour");
    }
    if (!(ew == Colour::green && ns == Colour::red))
        throw Problem(std::string("the light must start east-west green and north-south red, but it started ") +
                      "east-west " + name(ew) + " and north-south " + name(ns) + ".");
    return Clock::now();
}

void Intersection::press() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(button_port_));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, lightwire::press.data(), lightwire::press.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ::close(fd);
}

/// Throws unless `from`..`to` lasted about `units` time units (see the margins above).
void require_duration(const std::string& what, Clock::time_point from, Clock::time_point to, int units) {
    double ms = std::chrono::duration<double, std::milli>(to - from).count();
    double expected = units * kUnitMs;
    if (ms < 0.6 * expected - 100 || ms > 1.25 * expected + 300)
        throw Problem(what + " lasted " + std::to_string(static_cast<int>(ms / kUnitMs)) + " time units (" +
                      std::to_string(static_cast<int>(ms)) + " ms), but should last " + std::to_string(units) +
                      " (" + std::to_string(static_cast<int>(expected)) + " ms at --unit-ms " +
                      std::to_string(kUnitMs) + ").");
}

TEST(TrafficLight, cycleSequenceAndTiming) {
    run_check([] {
        Intersection x;
        auto start = x.wait_for_start();
        auto patience = std::chrono::milliseconds(40 * kUnitMs + 2000);
        auto ew_yellow = x.wait_for(Direction::east_west, Colour::yellow, patience);
        require_duration("the first east-west green", start, ew_yellow, 30);
        auto ns_green = x.wait_for(Direction::north_south, Colour::green, patience);
        if (x.ew != Colour::red) throw Problem("north-south turned green before east-west turned red.");
        require_duration("the east-west yellow", ew_yellow, ns_green, 5);
        auto ns_yellow = x.wait_for(Direction::north_south, Colour::yellow, patience);
        require_duration("the north-south green", ns_green, ns_yellow, 30);
        auto ew_green = x.wait_for(Direction::east_west, Colour::green, patience);
        require_duration("the north-south yellow", ns_yellow, ew_green, 5);
        x.controller().require_running("after one full cycle");
    });
}

TEST(TrafficLight, buttonShortensLongGreen) {
    run_check([] {
        Intersection x;
        auto start = x.wait_for_start();
        x.watch_until(start + 5 * kUnit);
        x.press();
        auto ew_yellow = x.wait_for(Direction::east_west, Colour::yellow, 40 * kUnit + 2s);
        require_duration("an east-west green with the button pressed after 5 units", start, ew_yellow, 15);
        auto ns_green = x.wait_for(Direction::north_south, Colour::green, 10 * kUnit + 2s);
        x.watch_until(ns_green + 22 * kUnit);
        if (x.ns != Colour::green) throw Problem("north-south green ended before 22 units without a button press.");
        auto pressed = Clock::now();
        x.press();
        auto ns_yellow = x.wait_for(Direction::north_south, Colour::yellow, 20 * kUnit + 2s);
        double late_ms = std::chrono::duration<double, std::milli>(ns_yellow - pressed).count();
        if (late_ms > 2 * kUnitMs + 300)
            throw Problem("after 22 units of green a button press must turn the light yellow at once, but it took " +
                          std::to_string(static_cast<int>(late_ms)) + " ms.");
    });
}

TEST(TrafficLight, neverGreenBothWaysWhilePressed) {
    run_check([] {
        for (std::uint64_t seed : check::seeds(1)) {
            Intersection x;
            auto start = x.wait_for_start();
            std::mt19937_64 rng(seed);
            auto at = start;
            while (at < start + 150 * kUnit) {
                at += std::chrono::milliseconds(kUnitMs / 2 + rng() % (3 * kUnitMs));
                x.watch_until(at);
                x.press();
            }
            x.watch_until(Clock::now() + 10 * kUnit);
            x.controller().require_running("after many button presses");
        }
    });
}

}  // namespace
}  // namespace raftlab::lab01
