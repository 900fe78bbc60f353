// modelcheck/explorer.h: a breadth-first explorer for any state machine (lab 3).
//
// A state machine here is anything that can say where it may start, which events
// can happen in a state, and which state an event leads to. The explorer visits
// every state reachable from the start, checks each one against a list of
// invariants, notices deadlocks, and for every problem it finds returns a shortest
// path from a start state to it, which is what a person needs to understand a bug.
// This is the idea behind TLA+'s model checker TLC, in a few dozen lines of C++.
//
// Breadth-first order is what makes the paths shortest: states are visited in
// order of their distance from the start, so the first time a state is seen, the
// path that reached it is as short as any path can be.
//
// Your job: write explore() at the bottom of this file. Everything above it is the
// contract the checks rely on; keep it as it is. (A template's body has to live in
// its header, which is why there is no explorer.cpp.)
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raftlab/todo.h"

namespace raftlab::modelcheck {

/// What the explorer needs from a model M:
///   M::State   a value type, compared with == and hashed with std::hash<M::State>;
///   M::Event   a value type naming one thing that can happen;
///   m.initial_states()  the states the system may start in (duplicates allowed);
///   m.events(s)         the events that can happen in s (possibly none);
///   m.next(s, e)        the state e leads to from s. Must be pure: the same
///                       arguments always give the same result.
template <class M>
concept StateMachine =
    std::equality_comparable<typename M::State> && std::copy_constructible<typename M::Event> &&
    requires(const M& m, const typename M::State& s, const typename M::Event& e) {
        { std::hash<typename M::State>{}(s) } -> std::convertible_to<std::size_t>;
        { m.initial_states() } -> std::convertible_to<std::vector<typename M::State>>;
        { m.events(s) } -> std::convertible_to<std::vector<typename M::Event>>;
        { m.next(s, e) } -> std::convertible_to<typename M::State>;
    };

/// A property every reachable state must have, with a name for reports.
template <class M>
struct Invariant {
    std::string name;
    std::function<bool(const typename M::State&)> holds;
};

/// A path through the state machine. states[0] is an initial state and
/// events[i] leads from states[i] to states[i + 1], so there is always exactly one
/// more state than events. length() is the number of events (0: a start state).
template <class M>
struct Trace {
    std::vector<typename M::State> states;
    std::vector<typename M::Event> events;
    std::size_t length() const { return events.size(); }
};

/// An invariant that fails in some reachable state, and a shortest trace to such a
/// state (its last state breaks the invariant).
template <class M>
struct Violation {
    std::string invariant;
    Trace<M> trace;
};

struct Options {
    /// The explorer never records more than this many distinct states. When more
    /// are reachable it stops early and says so (Report::complete is false).
    std::size_t max_states = 1'000'000;
};

template <class M>
struct Report {
    /// Distinct reachable states found (each counted once, however often reached).
    std::size_t state_count = 0;
    /// The greatest distance, in events, from the initial states to a reachable
    /// state: the number of breadth-first levels below the start.
    std::size_t depth = 0;
    /// False when Options::max_states stopped the exploration; the other fields
    /// then describe only the part that was explored.
    bool complete = true;
    /// At most one per invariant, in the order the invariants were given: the first
    /// violating state in breadth-first order, so its trace is a shortest one.
    std::vector<Violation<M>> violations;
    /// One shortest trace per deadlocked state, in breadth-first order. A state is
    /// deadlocked when no event changes it: it has no events, or every event leads
    /// back to the state itself.
    std::vector<Trace<M>> deadlocks;
};

/// Explores every state reachable from model.initial_states() in breadth-first
/// order. Exploration continues past violations and deadlocks: state_count and
/// depth always describe the whole reachable graph (unless max_states is hit).
template <StateMachine M>
Report<M> explore(const M& model, const std::vector<Invariant<M>>& invariants,
                  Options options = {});

// ---- your implementation ------------------------------------------------------
//
// A queue of states to visit, a table of the states already seen (with, for each,
// the state and event it was first reached from), and a loop. Work it out on paper
// for a three-state model first.

template <StateMachine M>
Report<M> explore(const M& model, const std::vector<Invariant<M>>& invariants, Options options) {
    todo("modelcheck::explore");
}

}  // namespace raftlab::modelcheck
