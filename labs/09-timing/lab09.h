// lab09.h: what the lab 9 checks share. Lab 9 grows the lab 8 server, so its checks
// reuse lab 8's cluster setup, probe and helpers (labs/08-election/lab08.h) and add
// measurements on the simulator's virtual clock.
#pragma once

#include <fmt/format.h>

#include <string>

#include "../08-election/lab08.h"

namespace lab09 {

using namespace lab08;

/// Messages sent by every server during `duration` of virtual time, per second.
inline double message_rate(Simulation& sim, Time duration) {
    const std::uint64_t before = sim.stats().messages_sent;
    sim.run_for(duration);
    return static_cast<double>(sim.stats().messages_sent - before) * kSecond /
           static_cast<double>(duration);
}

}  // namespace lab09
