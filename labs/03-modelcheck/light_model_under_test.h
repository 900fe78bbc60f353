// light_model_under_test.h: the student's lab 2 light as a lab 3 model, and the
// properties the checks hold it to. Graded, LightModel and explore() on it run in the
// student's process (raftlab/host/remote_light_model.h); in the fast variant, the
// student's modelcheck/light_model.h is compiled in.
#pragma once

#include <vector>

#ifdef RAFTLAB_IN_PROCESS
#include "modelcheck/light_model.h"
#else
#include "raftlab/host/remote_light_model.h"
#endif

namespace raftlab::modelcheck::checks {

/// The properties every state of a correct light has: the checks' own copy of the
/// list in the starter's light_model.h (the names are the same), so a submission that
/// changes its copy changes nothing the checks verify.
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

}  // namespace raftlab::modelcheck::checks
