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

#include <string>

#include "intersection.h"
#include "raftlab/check/check.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

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

}  // namespace
}  // namespace raftlab::lab01
