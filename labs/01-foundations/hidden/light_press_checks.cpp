// light_press_checks.cpp: lab 1's hidden traffic light check: under many random
// button presses the display is never green or yellow both ways.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "intersection.h"
#include "raftlab/check/check.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

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
