// light/light.cpp: the rules of the traffic light (reference solution, lab 2).
//
// Exactly one direction is "active" (green or yellow) at any moment; the other is
// red. Each event is handled by looking at the active direction's colour, so the
// green and yellow rules stay in separate small functions.
#include "light/light.h"

namespace raftlab::light {
namespace {

Direction active_direction(const State& s) {
    return s.east_west != Color::red ? Direction::east_west : Direction::north_south;
}

Direction other(Direction d) {
    return d == Direction::east_west ? Direction::north_south : Direction::east_west;
}

Color& color_of(State& s, Direction d) {
    return d == Direction::east_west ? s.east_west : s.north_south;
}

Color color_in(const State& s, Direction d) {
    return d == Direction::east_west ? s.east_west : s.north_south;
}

/// A new colour begins: the clock restarts and any pending request is used up.
void restart_clock(State& s) {
    s.clock = 0;
    s.button = false;
}

Step turn_yellow(State s, Direction d) {
    color_of(s, d) = Color::yellow;
    restart_clock(s);
    return {s, {Show{d, Color::yellow}}};
}

Step on_green(const State& s, Direction d, Event event) {
    if (event == Event::button) {
        if (s.clock >= short_green_units) return turn_yellow(s, d);
        State waiting = s;
        waiting.button = true;
        return {waiting, {}};
    }
    State later = s;
    later.clock += 1;
    bool long_enough = later.clock >= green_units ||
                       (later.button && later.clock >= short_green_units);
    if (long_enough) return turn_yellow(later, d);
    return {later, {}};
}

Step on_yellow(const State& s, Direction d, Event event) {
    if (event == Event::button) return {s, {}};  // too late to matter; ignored
    State later = s;
    later.clock += 1;
    if (later.clock < yellow_units) return {later, {}};
    color_of(later, d) = Color::red;
    color_of(later, other(d)) = Color::green;
    restart_clock(later);
    // Red first, then green: never both at once, even between two actions.
    return {later, {Show{d, Color::red}, Show{other(d), Color::green}}};
}

}  // namespace

State initial_state() { return State{Color::green, Color::red, 0, false}; }

Step next(const State& state, Event event) {
    Direction d = active_direction(state);
    if (color_in(state, d) == Color::green) return on_green(state, d, event);
    return on_yellow(state, d, event);
}

}  // namespace raftlab::light

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
