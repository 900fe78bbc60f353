// raftlab/host/remote_light_model.h: the student's lab 2 light as a lab 3 model,
// seen from the judge (the names of modelcheck/light_model.h).
//
// LightModel's three functions are the student's own LightModel, called in the lab 3
// host, so a trace the checks replay on it is judged by the student's rules, as it
// always was. explore() on a LightModel runs entirely in the host (model and
// explorer are both student code); only the invariants stay here, and every state
// that comes back, in a question or in the report, is checked field by field. (The
// checks hold the light to their own copy of the properties light_model.h lists.)
#pragma once

#include <vector>

#include "raftlab/host/remote_explorer.h"
#include "raftlab/host/remote_light.h"

namespace raftlab::modelcheck {

struct LightModel {
    using State = light::State;
    using Event = light::Event;

    std::vector<State> initial_states() const;
    std::vector<Event> events(const State& s) const;
    State next(const State& s, Event e) const;
};

/// The student's explore() on the student's LightModel, both in the lab 3 host; the
/// invariants are evaluated here. (Preferred over the template for a LightModel.)
Report<LightModel> explore(const LightModel& model, const std::vector<Invariant<LightModel>>& invariants,
                           Options options = {});

}  // namespace raftlab::modelcheck
