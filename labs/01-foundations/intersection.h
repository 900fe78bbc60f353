// intersection.h: lab 1 part (c)'s test rig. The check plays both framework
// programs around the student's traffic_light controller: it is the display (it
// binds the UDP port the controller sends colours to) and the button (it sends
// "press" datagrams). Datagrams are in raftlab/light/wire.h. Safety is checked on
// every display change: never green or yellow both ways, and each direction goes
// green -> yellow -> red. Used by light_checks.cpp and the hidden check in hidden/.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <vector>

#include "raftlab/check/check.h"
#include "raftlab/light/wire.h"
#include "test_net.h"

namespace raftlab::lab01 {

using lightwire::Colour;
using lightwire::Command;
using lightwire::Direction;

inline constexpr int kUnitMs = 60;
inline constexpr std::chrono::milliseconds kUnit{kUnitMs};

struct Seen {
    Clock::time_point at;
    Command command;
};

/// The check's display and button, and the controller process between them.
class Intersection {
  public:
    Intersection()
        : display_fd_(bind_display()),
          button_port_(free_port(SOCK_DGRAM)),
          controller_("traffic_light", ::raftlab::check::built_file(LAB01_TRAFFIC_LIGHT),
                      {"--display-port", std::to_string(display_port_), "--button-port",
                       std::to_string(button_port_), "--unit-ms", std::to_string(kUnitMs)}) {}
    ~Intersection() { ::close(display_fd_); }

    /// Waits until the controller has announced both colours; returns when ew turned green.
    Clock::time_point wait_for_start();
    /// Records every display change until `deadline`, checking safety as it goes.
    void watch_until(Clock::time_point deadline);
    /// Watches until `direction` shows `colour`, or throws after `patience`.
    Clock::time_point wait_for(Direction direction, Colour colour,
                               std::chrono::milliseconds patience);
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

}  // namespace raftlab::lab01
