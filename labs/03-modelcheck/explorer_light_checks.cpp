// explorer_light_checks.cpp: lab 3 checks of the explorer on the student's own lab 2
// traffic light. (Instructors grade one more check, hidden.)
#include <gtest/gtest.h>

#include <string>

#include "light_model_under_test.h"
#include "raftlab/check/check.h"
#include "trace_check.h"

namespace raftlab::modelcheck {
namespace {

TEST(LightExplore, neverGreenBothWays) {
    auto r = explore(LightModel{}, checks::light_invariants());
    if (!r.violations.empty()) {
        const auto& v = r.violations[0];
        FAIL() << "your lab 2 light breaks '" << v.invariant << "' after " << v.trace.length()
               << " events, ending in {" << light::to_string(v.trace.states.back())
               << "}; run explore_light to see the whole trace.";
    }
    if (!(r.complete && r.state_count == 100 && r.depth == 50 && r.deadlocks.empty()))
        FAIL() << "the traffic light has 100 reachable states, depth 50 and no deadlock, but your "
               << "explorer on your light reported " << r.state_count << " states, depth "
               << r.depth << " and " << r.deadlocks.size() << " deadlocks.";
}

TEST(LightExplore, shortestWayToYellowUsesTheButton) {
    LightModel light_model;
    Invariant<LightModel> no_yellow{"east-west never yellow", [](const light::State& s) {
                                        return s.east_west != light::Color::yellow;
                                    }};
    auto r = explore(light_model, {no_yellow});
    if (r.violations.size() != 1)
        FAIL()
            << "east-west does turn yellow, so exploring the light should report one violation of '"
            << no_yellow.name << "', but " << r.violations.size() << " were reported.";
    std::string problem = checks::violation_problem(light_model, no_yellow, r.violations[0], 16);
    if (!problem.empty())
        FAIL() << problem << " (15 ticks and one button press reach yellow sooner than 30 ticks).";
}

}  // namespace
}  // namespace raftlab::modelcheck
