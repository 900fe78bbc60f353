// light_unit_checks.cpp: lab 2 unit checks, one rule of the light at a time.
//
// Each check starts from initial_state() and drives next() by hand. A failure says
// which rule broke, in one sentence, with the state it happened in.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "light_under_test.h"

namespace raftlab::light {
namespace {

/// The state after `n` ticks from `from`; every action on the way is appended to
/// `seen` (when given).
State ticks(State from, int n, std::vector<Show>* seen = nullptr) {
    for (int i = 0; i < n; ++i) {
        Step step = next(from, Event::tick);
        if (seen) seen->insert(seen->end(), step.actions.begin(), step.actions.end());
        from = step.state;
    }
    return from;
}

std::string colours(const State& s) {
    return std::string("ew ") + to_string(s.east_west) + ", ns " + to_string(s.north_south);
}

TEST(Light, startsGreenEastWest) {
    State s = initial_state();
    State expected{Color::green, Color::red, 0, false};
    if (!(s == expected)) FAIL() << "initial_state() should be {" << to_string(expected)
                           << "} but is {" << to_string(s) << "}.";
}

TEST(Light, greenLasts30Ticks) {
    std::vector<Show> seen;
    State s = ticks(initial_state(), green_units - 1, &seen);
    if (!seen.empty()) FAIL() << "no colour may change during the first 29 ticks of a green, "
                              << "but next() asked for: " << to_string(seen) << ".";
    if (!(s.east_west == Color::green)) FAIL() << "after 29 ticks east-west should still be green, "
                                         << "but the state is {" << to_string(s) << "}.";
    Step step = next(s, Event::tick);
    std::vector<Show> expected{{Direction::east_west, Color::yellow}};
    if (!(step.actions == expected)) FAIL() << "the 30th tick of a green should show exactly "
                                      << "'ew Y', but next() asked for: " << to_string(step.actions) << ".";
    if (!(step.state == (State{Color::yellow, Color::red, 0, false}))) FAIL()
        << "after the 30th tick the state should be {ew=Y ns=R clock=0 button=no}, "
        << "but it is {" << to_string(step.state) << "}.";
}

TEST(Light, yellowLasts5ThenRedBeforeGreen) {
    State yellow = ticks(initial_state(), green_units);
    std::vector<Show> seen;
    State s = ticks(yellow, yellow_units - 1, &seen);
    if (!(seen.empty() && s.east_west == Color::yellow)) FAIL()
        << "a yellow should last 5 ticks, but after 4 ticks the light is {" << to_string(s)
        << "} having asked for: " << to_string(seen) << ".";
    Step step = next(s, Event::tick);
    std::vector<Show> expected{{Direction::east_west, Color::red}, {Direction::north_south, Color::green}};
    if (!(step.actions == expected)) FAIL() << "when the east-west yellow ends, next() should ask for "
                                      << "'ew R, ns G' in that order, but asked for: "
                                      << to_string(step.actions) << ".";
    if (!(step.state == (State{Color::red, Color::green, 0, false}))) FAIL()
        << "after the yellow the state should be {ew=R ns=G clock=0 button=no}, but it is {"
        << to_string(step.state) << "}.";
}

TEST(Light, fullCycleReturnsToStart) {
    std::vector<Show> seen;
    int cycle = 2 * (green_units + yellow_units);
    State s = ticks(initial_state(), cycle, &seen);
    std::vector<Show> expected{{Direction::east_west, Color::yellow},
                               {Direction::east_west, Color::red},
                               {Direction::north_south, Color::green},
                               {Direction::north_south, Color::yellow},
                               {Direction::north_south, Color::red},
                               {Direction::east_west, Color::green}};
    if (!(seen == expected)) FAIL() << "one full cycle of 70 ticks should ask for '" << to_string(expected)
                              << "', but next() asked for: " << to_string(seen) << ".";
    if (!(s == initial_state())) FAIL() << "after 70 ticks the light should be back in its initial "
                                  << "state, but it is {" << to_string(s) << "}.";
}

TEST(Light, earlyButtonShortensGreenTo15) {
    State s = ticks(initial_state(), 4);
    Step pressed = next(s, Event::button);
    if (!(pressed.actions.empty() && pressed.state.east_west == Color::green)) FAIL()
        << "a press after 4 ticks of green should only be remembered, but next() gave {"
        << to_string(pressed.state) << "} and asked for: " << to_string(pressed.actions) << ".";
    std::vector<Show> seen;
    State before = ticks(pressed.state, short_green_units - 4 - 1, &seen);
    if (!seen.empty()) FAIL() << "after an early press the green must still last 15 ticks, "
                              << "but next() asked for '" << to_string(seen) << "' sooner.";
    Step step = next(before, Event::tick);
    if (!(step.state.east_west == Color::yellow)) FAIL()
        << "after an early press the green should turn yellow on its 15th tick, but the state is {"
        << to_string(step.state) << "} (" << colours(step.state) << ").";
    if (step.state.button) FAIL() << "a used button request must be cleared when the yellow starts, "
                                    << "but the state is {" << to_string(step.state) << "}.";
}

TEST(Light, lateButtonTurnsYellowAtOnce) {
    State s = ticks(initial_state(), green_units + yellow_units + 20);  // ns green for 20 ticks
    Step step = next(s, Event::button);
    std::vector<Show> expected{{Direction::north_south, Color::yellow}};
    if (!(step.actions == expected)) FAIL() << "a press after 20 ticks of north-south green should show "
                                      << "'ns Y' at once, but next() asked for: "
                                      << to_string(step.actions) << ".";
    if (!(step.state == (State{Color::red, Color::yellow, 0, false}))) FAIL()
        << "after a late press the state should be {ew=R ns=Y clock=0 button=no}, but it is {"
        << to_string(step.state) << "}.";
}

TEST(Light, buttonIgnoredDuringYellow) {
    State yellow = ticks(initial_state(), green_units + 2);
    Step step = next(yellow, Event::button);
    if (!(step == (Step{yellow, {}}))) FAIL() << "a press while a yellow shows must change nothing, but in {"
                                        << to_string(yellow) << "} next() gave {"
                                        << to_string(step.state) << "} and asked for: "
                                        << to_string(step.actions) << ".";
    State after = ticks(step.state, yellow_units - 2);
    if (!(after == (State{Color::red, Color::green, 0, false}))) FAIL()
        << "a press during a yellow must not shorten or lengthen it, but 5 ticks into the yellow "
        << "the light is {" << to_string(after) << "}.";
}

}  // namespace
}  // namespace raftlab::light
