// reference_model_checks.cpp: lab 2's hidden check, the student's light compared
// with the reference model step by step on long random event sequences.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "light_under_test.h"
#include "raftlab/check/check.h"
#include "random_events.h"
#include "reference_light.h"

namespace raftlab::light {
namespace {

using checks::random_events;
using checks::replay;
using checks::where;

TEST(Light, matchesReferenceModel) {
    for (std::uint64_t seed : check::seeds(200)) {
        std::vector<Event> events = random_events(seed);
        reference::ReferenceLight model;
        State s = initial_state();
        Steps steps(s, events);
        for (std::size_t i = 0; i < events.size(); ++i) {
            State before = s;
            Step got = steps.next(i);  // next(s, events[i])
            std::vector<Show> want = model.on(events[i]);
            if (!(got.state == model.state() && got.actions == want))
                FAIL() << where(seed, i) << ": " << to_string(events[i]) << " in {"
                       << to_string(before) << "} should give {" << to_string(model.state())
                       << "} with actions '" << to_string(want) << "', but next() gave {"
                       << to_string(got.state) << "} with actions '" << to_string(got.actions)
                       << "'." << replay(seed);
            s = got.state;
        }
    }
}

}  // namespace
}  // namespace raftlab::light
