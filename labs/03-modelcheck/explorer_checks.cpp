// explorer_checks.cpp: lab 3 checks of the generic explorer on the hidden models.
//
// Every expected number below comes from models.h, where each model documents it.
// Failures say which model, what was expected and what the explorer reported.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "explorer_under_test.h"
#include "models.h"
#include "trace_check.h"

namespace raftlab::modelcheck {
namespace {

using checks::trace_problem;
using checks::violation_problem;

template <class M>
std::string summary(const Report<M>& r) {
    return std::to_string(r.state_count) + " states, depth " + std::to_string(r.depth) + ", " +
           std::to_string(r.violations.size()) + " violations, " +
           std::to_string(r.deadlocks.size()) + " deadlocks" +
           (r.complete ? "" : ", stopped early");
}

/// "" when `r` is a complete report of a problem-free model with the given numbers.
template <class M>
std::string clean_model_problem(const std::string& name, const Report<M>& r, std::size_t states,
                                std::size_t depth) {
    bool right = r.complete && r.state_count == states && r.depth == depth &&
                 r.violations.empty() && r.deadlocks.empty();
    if (right) return "";
    return "on the " + name + " model the explorer should report " + std::to_string(states) +
           " states, depth " + std::to_string(depth) + " and no problems, but it reported " +
           summary(r) + ".";
}

template <class M>
Invariant<M> always_true() {
    return {"always true", [](const typename M::State&) { return true; }};
}

TEST(Explorer, countsStatesOfCorrectModels) {
    std::string problem = clean_model_problem(
        "water jugs", explore(models::Jugs{}, {always_true<models::Jugs>()}), 16, 7);
    if (!problem.empty()) FAIL() << problem;
    problem = clean_model_problem("6x4 grid", explore(models::Grid{}, {}), 24, 8);
    if (!problem.empty()) FAIL() << problem;
    problem = clean_model_problem("ring of 7",
                                  explore(models::Ring{}, {always_true<models::Ring>()}), 7, 3);
    if (!problem.empty()) FAIL() << problem;
}

TEST(Explorer, stopsOnRevisitedStates) {
    Options small;
    small.max_states = 10'000;
    auto r = explore(models::Ring{}, {}, small);
    if (!(r.complete && r.state_count == 7))
        FAIL() << "on a ring of 7 states, each reachable again and again, the explorer should stop "
                  "after "
               << "7 states, but it reported " << summary(r)
               << "; remember which states you have seen.";
    auto g = explore(models::Grid{}, {}, small);
    if (!(g.complete && g.state_count == 24))
        FAIL() << "on the 6x4 grid, where many paths lead to the same square, the explorer should "
                  "count "
               << "24 states, but it reported " << summary(g) << ".";
}

TEST(Explorer, findsViolationWithShortestTrace) {
    models::Jugs jugs;
    Invariant<models::Jugs> four{"big jug never holds 4",
                                 [](const models::Jugs::State& s) { return s.big != 4; }};
    auto r = explore(jugs, {always_true<models::Jugs>(), four});
    if (r.violations.size() != 1)
        FAIL() << "on the water jugs model exactly one of two invariants fails, but the explorer "
                  "reported "
               << summary(r) << ".";
    std::string problem = violation_problem(jugs, four, r.violations[0], 6);
    if (!problem.empty()) FAIL() << "water jugs: " << problem << ".";
    if (r.state_count != 16)
        FAIL() << "water jugs: a violation must not stop the exploration, but the "
               << "explorer reported " << summary(r) << " instead of 16 states.";

    models::Grid grid;
    Invariant<models::Grid> corner{
        "never at (5, 3)", [](const models::Grid::State& s) { return !(s.x == 5 && s.y == 3); }};
    auto g = explore(grid, {corner});
    if (g.violations.size() != 1)
        FAIL()
            << "on the 6x4 grid the invariant 'never at (5, 3)' fails, but the explorer reported "
            << summary(g) << ".";
    problem = violation_problem(grid, corner, g.violations[0], 8);
    if (!problem.empty()) FAIL() << "6x4 grid: " << problem << ".";
}

TEST(Explorer, reportsEachInvariantOnceInOrder) {
    models::Grid grid;
    std::vector<Invariant<models::Grid>> invariants{
        {"x stays below 3", [](const models::Grid::State& s) { return s.x < 3; }},
        always_true<models::Grid>(),
        {"y stays below 2", [](const models::Grid::State& s) { return s.y < 2; }},
    };
    auto r = explore(grid, invariants);
    if (r.violations.size() != 2)
        FAIL() << "on the 6x4 grid two of three invariants fail, each in many states, so the "
                  "explorer should "
               << "report exactly 2 violations (one per broken invariant), but it reported "
               << summary(r) << ".";
    std::string problem = violation_problem(grid, invariants[0], r.violations[0], 3);
    if (problem.empty()) problem = violation_problem(grid, invariants[2], r.violations[1], 2);
    if (!problem.empty())
        FAIL() << "6x4 grid: " << problem
               << " (violations come in the order the invariants were given).";
}

TEST(Explorer, reportsViolationInInitialState) {
    models::Countdown countdown;
    Invariant<models::Countdown> not_nine{"never 9", [](const int& s) { return s != 9; }};
    auto r = explore(countdown, {not_nine});
    if (r.violations.size() != 1)
        FAIL() << "on the countdown model the start state 9 breaks 'never 9', but the explorer "
                  "reported "
               << summary(r) << ".";
    std::string problem = violation_problem(countdown, not_nine, r.violations[0], 0);
    if (!problem.empty())
        FAIL() << "countdown: " << problem
               << " (a broken initial state needs a trace of just that state).";
}

TEST(Explorer, findsDeadlocks) {
    for (int count : {3, 4}) {
        models::Philosophers table{count};
        auto r = explore(table, {});
        std::size_t states = count == 3 ? 14 : 34;
        std::string name = std::to_string(count) + " dining philosophers";
        if (!(r.complete && r.state_count == states && r.deadlocks.size() == 1))
            FAIL() << "with " << name << " the explorer should find " << states
                   << " states and exactly one deadlock, but it reported " << summary(r) << ".";
        const Trace<models::Philosophers>& d = r.deadlocks[0];
        std::string problem = trace_problem(table, d);
        if (!problem.empty())
            FAIL() << name << ": the deadlock trace is not valid: " << problem << ".";
        if (!(d.states.back() == std::string(count, 'L') &&
              d.length() == static_cast<std::size_t>(count)))
            FAIL() << name << ": the deadlock is everyone holding their left fork, reached in "
                   << count << " events, but the trace ends in '" << d.states.back() << "' after "
                   << d.length() << " events.";
    }
    models::Countdown countdown;
    auto r = explore(countdown, {});
    if (!(r.complete && r.state_count == 10 && r.depth == 5 && r.deadlocks.size() == 1))
        FAIL() << "on the countdown model (starts 9 and 5, no events at 0) the explorer should "
                  "report 10 states, depth 5 "
               << "and one deadlock, but it reported " << summary(r) << ".";
    std::string problem = trace_problem(countdown, r.deadlocks[0]);
    if (problem.empty() && !(r.deadlocks[0].states.back() == 0 && r.deadlocks[0].length() == 5))
        problem = "the shortest trace to the deadlock at 0 starts at 5 and has 5 events";
    if (!problem.empty()) FAIL() << "countdown: " << problem << ".";
}

TEST(Explorer, stopsAtMaxStates) {
    Options options;
    options.max_states = 500;
    auto r = explore(models::Unbounded{}, {}, options);
    if (r.complete || r.state_count == 0 || r.state_count > 500)
        FAIL() << "on a model with endlessly many states and max_states 500 the explorer should "
                  "stop with "
               << "complete == false and at most 500 states, but it reported " << summary(r) << ".";
}

}  // namespace
}  // namespace raftlab::modelcheck
