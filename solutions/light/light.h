// light/light.h: the traffic light as a pure state machine (lab 2).
//
// In lab 1 the controller mixed three things: the rules of the light, the clock and
// the network. This file keeps only the rules. A light is a State; something happens
// (an Event); the rules answer with the next State and the Actions the outside world
// must carry out (show a colour). Nothing here opens a socket, starts a thread,
// sleeps or reads a clock, so the rules can be tested, replayed and explored (lab 3)
// without any of those.
//
// The intersection has two directions, east-west and north-south. The rules:
//
//   * At the start east-west is green and north-south is red.
//   * A green lasts green_units ticks, then that direction turns yellow.
//   * A yellow lasts yellow_units ticks, then that direction turns red and, in the
//     same step, the other direction turns green. There is no all-red pause.
//   * A direction that is not green or yellow is red. At most one direction is
//     ever green or yellow: the light is never green both ways.
//   * The pedestrian button shortens a long green. Pressed while a green has run
//     for at least short_green_units ticks, that green turns yellow at once.
//     Pressed earlier, the request is remembered and the green turns yellow when it
//     has run short_green_units ticks. Presses while a yellow shows are ignored.
//
// `clock` counts the ticks since the current colour began; every colour change sets
// it back to 0 and clears a remembered button request.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace raftlab::light {

/// How long each colour lasts, in ticks (time units). The lab 1 driver decides how
/// long one tick is in real time.
inline constexpr int green_units = 30;
inline constexpr int yellow_units = 5;
/// The shortest a green may be once the pedestrian button was pressed.
inline constexpr int short_green_units = 15;

enum class Color { red, yellow, green };
enum class Direction { east_west, north_south };

/// What can happen to the light: one time unit passes, or a pedestrian presses the
/// button.
enum class Event { tick, button };

/// Everything the light remembers. Two states are equal when all fields are.
struct State {
    Color east_west = Color::green;
    Color north_south = Color::red;
    int clock = 0;        // ticks since the current colour began
    bool button = false;  // a pedestrian request is waiting to shorten this green
    bool operator==(const State&) const = default;
};

/// An instruction for the display: show `color` for `direction`.
struct Show {
    Direction direction;
    Color color;
    bool operator==(const Show&) const = default;
};

/// The result of one event: the new state, and the display changes to make, in
/// the order they must be made. When a yellow ends, the red for that direction
/// comes before the green for the other, so a display that applies them one by one
/// never shows green both ways, not even for an instant.
struct Step {
    State state;
    std::vector<Show> actions;
    bool operator==(const Step&) const = default;
};

/// The state the light starts in: east-west green, north-south red, clock 0, no
/// pending button request.
State initial_state();

/// Applies `event` to `state` by the rules above. Returns the next state and the
/// display changes, which are empty when no colour changed. Pure: the result
/// depends only on the arguments, so the same call always returns the same Step.
/// `state` is assumed to be reachable from initial_state().
Step next(const State& state, Event event);

// ---- small helpers, already written for you -----------------------------------

inline const char* to_string(Color c) {
    switch (c) {
        case Color::red: return "R";
        case Color::yellow: return "Y";
        case Color::green: return "G";
    }
    return "?";
}

inline const char* to_string(Direction d) { return d == Direction::east_west ? "ew" : "ns"; }

inline const char* to_string(Event e) { return e == Event::tick ? "tick" : "button"; }

/// "ew=G ns=R clock=3 button=no": how checks and traces print a state.
inline std::string to_string(const State& s) {
    return std::string("ew=") + to_string(s.east_west) + " ns=" + to_string(s.north_south) +
           " clock=" + std::to_string(s.clock) + " button=" + (s.button ? "yes" : "no");
}

/// "ew R, ns G": how checks print a list of actions ("none" when empty).
inline std::string to_string(const std::vector<Show>& actions) {
    if (actions.empty()) return "none";
    std::string out;
    for (const Show& a : actions) {
        if (!out.empty()) out += ", ";
        out += std::string(to_string(a.direction)) + " " + to_string(a.color);
    }
    return out;
}

}  // namespace raftlab::light

/// Lets a State be a key of an unordered container (the lab 3 explorer needs it).
template <>
struct std::hash<raftlab::light::State> {
    std::size_t operator()(const raftlab::light::State& s) const noexcept {
        std::size_t h = static_cast<std::size_t>(s.east_west);
        h = h * 3 + static_cast<std::size_t>(s.north_south);
        h = h * 2 + (s.button ? 1 : 0);
        return h * 1009 + static_cast<std::size_t>(s.clock);
    }
};

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
