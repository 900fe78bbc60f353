// light_random_checks.cpp: lab 2 checks on long random event sequences
// (random_events.h).
//
// The checks watch the display that the actions would produce, and run every
// sequence twice to make sure next() is pure. Any failure names the seed and the
// replay command. (Instructors grade one more check, hidden.)
// Each sequence goes to the student's next() as
// one request (light::Steps, light_under_test.h): the same calls, in the
// same order, as a loop of s = next(s, e).state, without a round trip per event.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "light_under_test.h"
#include "raftlab/check/check.h"
#include "random_events.h"

namespace raftlab::light {
namespace {

using checks::random_events;
using checks::replay;
using checks::where;

/// What a display shows after carrying out actions one at a time.
struct Display {
    Color east_west = Color::green;
    Color north_south = Color::red;
    void show(const Show& a) {
        (a.direction == Direction::east_west ? east_west : north_south) = a.color;
    }
    bool green_both_ways() const { return east_west != Color::red && north_south != Color::red; }
};

TEST(Light, neverGreenBothWays) {
    for (std::uint64_t seed : check::seeds(200)) {
        std::vector<Event> events = random_events(seed);
        State s = initial_state();
        Steps steps(s, events);
        Display display;
        for (std::size_t i = 0; i < events.size(); ++i) {
            State before = s;
            Step step = steps.next(i);  // next(s, events[i])
            for (const Show& action : step.actions) {
                display.show(action);
                if (display.green_both_ways()) FAIL()
                    << where(seed, i) << ": after " << to_string(events[i]) << " in {"
                    << to_string(before) << "} the actions '" << to_string(step.actions)
                    << "' make the display show green or yellow both ways." << replay(seed);
            }
            s = step.state;
            if (!(s.east_west == Color::red || s.north_south == Color::red)) FAIL()
                << where(seed, i) << ": " << to_string(events[i]) << " in {" << to_string(before)
                << "} led to {" << to_string(s) << "}, which is not red either way." << replay(seed);
            if (!(display.east_west == s.east_west && display.north_south == s.north_south)) FAIL()
                << where(seed, i) << ": the actions so far leave the display at ew "
                << to_string(display.east_west) << ", ns " << to_string(display.north_south)
                << " but the state says {" << to_string(s) << "}: an action is missing or extra."
                << replay(seed);
        }
    }
}

/// Every Step along one run of `events`, calling next() twice per step; the two
/// answers must agree, or the function depends on something besides its arguments.
std::vector<Step> run_twice_per_step(const std::vector<Event>& events, std::uint64_t seed,
                                     std::string& problem) {
    std::vector<Step> out;
    State s = initial_state();
    if (!problem.empty()) return out;
    Steps steps(s, events, 2);
    for (std::size_t i = 0; i < events.size() && problem.empty(); ++i) {
        Step first = steps.next(i, 0);  // next(s, events[i])
        Step again = steps.next(i, 1);  // next(s, events[i]) once more
        if (!(first == again))
            problem = where(seed, i) + ": calling next() twice with the same state {" +
                      to_string(s) + "} and event " + to_string(events[i]) +
                      " gave two different answers, so next() is not pure.";
        out.push_back(first);
        s = first.state;
    }
    return out;
}

TEST(Light, sameEventsSameOutputs) {
    for (std::uint64_t seed : check::seeds(100)) {
        std::vector<Event> events = random_events(seed);
        std::string problem;
        std::vector<Step> first = run_twice_per_step(events, seed, problem);
        if (!problem.empty()) FAIL() << problem << replay(seed);
        // A different run in between must not influence the next one.
        run_twice_per_step(random_events(seed + 1000), seed, problem);
        std::vector<Step> second = run_twice_per_step(events, seed, problem);
        if (!problem.empty()) FAIL() << problem << replay(seed);
        for (std::size_t i = 0; i < first.size(); ++i)
            if (!(first[i] == second[i])) FAIL()
                << where(seed, i) << ": the same event sequence run twice gave {"
                << to_string(first[i].state) << "} the first time and {"
                << to_string(second[i].state) << "} the second, so next() is not pure."
                << replay(seed);
    }
}

}  // namespace
}  // namespace raftlab::light
