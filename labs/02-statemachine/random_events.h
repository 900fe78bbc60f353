// random_events.h: lab 2's random event sequences, shared by the visible checks
// (light_random_checks.cpp) and a hidden one.
// Each seed makes one sequence of ticks and button presses; how often the button is
// pressed also depends on the seed, so both busy and quiet intersections occur.
#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "light_under_test.h"
#include "raftlab/check/check.h"

namespace raftlab::light::checks {

constexpr int kEventsPerSeed = 600;

inline std::vector<Event> random_events(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::uint64_t one_in[] = {3, 10, 40};
    std::uint64_t press_one_in = one_in[seed % 3];
    std::vector<Event> events;
    events.reserve(kEventsPerSeed);
    for (int i = 0; i < kEventsPerSeed; ++i)
        events.push_back(rng() % press_one_in == 0 ? Event::button : Event::tick);
    return events;
}

inline std::string where(std::uint64_t seed, std::size_t step) {
    std::ostringstream out;
    out << "seed " << seed << ", event #" << step + 1;
    return out.str();
}

inline std::string replay(std::uint64_t seed) {
    return " Replay: " + check::replay_command(seed);
}

}  // namespace raftlab::light::checks
