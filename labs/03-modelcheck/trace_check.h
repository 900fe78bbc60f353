// trace_check.h: how lab 3's checks judge an explorer's answers.
//
// A counterexample is only useful if it is real. trace_problem() replays a trace on
// the model itself: it must start in an initial state, use only events the model
// offers, and every step must be exactly what next() returns. The checks then
// compare its length with the known shortest distance.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "explorer_under_test.h"

namespace raftlab::modelcheck::checks {

/// "" when `t` is a genuine path through `model`, otherwise what is wrong with it.
template <class M>
std::string trace_problem(const M& model, const Trace<M>& t) {
    if (t.states.empty()) return "the trace has no states at all";
    if (t.states.size() != t.events.size() + 1)
        return "the trace has " + std::to_string(t.states.size()) + " states and " +
               std::to_string(t.events.size()) +
               " events, but it needs exactly one more state than events";
    auto starts = model.initial_states();
    if (std::find(starts.begin(), starts.end(), t.states.front()) == starts.end())
        return "the trace does not begin in an initial state";
    for (std::size_t i = 0; i < t.events.size(); ++i) {
        auto offered = model.events(t.states[i]);
        if (std::find(offered.begin(), offered.end(), t.events[i]) == offered.end())
            return "event #" + std::to_string(i + 1) +
                   " of the trace is not possible in the state before it";
        if (!(model.next(t.states[i], t.events[i]) == t.states[i + 1]))
            return "state #" + std::to_string(i + 2) + " of the trace is not where event #" +
                   std::to_string(i + 1) + " leads";
    }
    return "";
}

/// "" when `v` is a valid shortest counterexample of `length` events for the
/// invariant `inv`, otherwise a sentence saying what is wrong.
template <class M>
std::string violation_problem(const M& model, const Invariant<M>& inv, const Violation<M>& v,
                              std::size_t length) {
    if (v.invariant != inv.name)
        return "the violation is reported for invariant '" + v.invariant + "' instead of '" +
               inv.name + "'";
    std::string problem = trace_problem(model, v.trace);
    if (!problem.empty())
        return "the counterexample for '" + inv.name + "' is not valid: " + problem;
    if (inv.holds(v.trace.states.back()))
        return "the counterexample for '" + inv.name +
               "' ends in a state where the invariant holds";
    if (v.trace.length() != length)
        return "the counterexample for '" + inv.name + "' has " + std::to_string(v.trace.length()) +
               " events, but the shortest one has " + std::to_string(length);
    return "";
}

}  // namespace raftlab::modelcheck::checks
