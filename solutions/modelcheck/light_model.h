// modelcheck/light_model.h: your lab 2 traffic light, seen as a model for the
// explorer (lab 3).
//
// The explorer needs initial states, the events possible in a state and a
// next-state function. The light already has all three: it starts in
// light::initial_state(), a tick or a button press can happen at any moment, and
// light::next() says what follows. The actions are the display's business; for
// exploring, only the state matters.
#pragma once

#include <vector>

#include "light/light.h"
#include "modelcheck/explorer.h"

namespace raftlab::modelcheck {

struct LightModel {
    using State = light::State;
    using Event = light::Event;

    std::vector<State> initial_states() const { return {light::initial_state()}; }
    std::vector<Event> events(const State&) const { return {Event::tick, Event::button}; }
    State next(const State& s, Event e) const { return light::next(s, e).state; }
};

/// The properties every state of a correct light has.
inline std::vector<Invariant<LightModel>> light_invariants() {
    using light::Color;
    return {
        {"never green both ways",
         [](const light::State& s) { return s.east_west == Color::red || s.north_south == Color::red; }},
        {"a green never outlasts 30 ticks",
         [](const light::State& s) { return s.clock >= 0 && s.clock < light::green_units; }},
        {"a yellow never outlasts 5 ticks",
         [](const light::State& s) {
             bool yellow = s.east_west == Color::yellow || s.north_south == Color::yellow;
             return !yellow || s.clock < light::yellow_units;
         }},
    };
}

}  // namespace raftlab::modelcheck

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
