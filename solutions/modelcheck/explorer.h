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
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

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

// ---- implementation -----------------------------------------------------------

namespace detail {

/// The explorer's memory: every state seen, how it was first reached, and how far
/// it is from the start.
template <class M>
class Graph {
public:
    using State = typename M::State;
    using Event = typename M::Event;

    bool contains(const State& s) const { return index_.contains(s); }

    /// Records a new state `s`, first reached from node `parent` by event `via`
    /// (both empty for an initial state). Returns false when `s` was already known.
    bool add(const State& s, std::optional<std::size_t> parent, std::optional<Event> via) {
        if (index_.contains(s)) return false;
        std::size_t depth = parent ? nodes_[*parent].depth + 1 : 0;
        index_.emplace(s, nodes_.size());
        nodes_.push_back(Node{s, parent, std::move(via), depth});
        return true;
    }

    std::size_t size() const { return nodes_.size(); }
    const State& state(std::size_t i) const { return nodes_[i].state; }
    std::size_t depth(std::size_t i) const { return nodes_[i].depth; }

    /// The path that first reached node i, walked back through the parents.
    Trace<M> trace_to(std::size_t i) const {
        Trace<M> t;
        for (std::optional<std::size_t> at = i; at; at = nodes_[*at].parent) {
            t.states.push_back(nodes_[*at].state);
            if (nodes_[*at].via) t.events.push_back(*nodes_[*at].via);
        }
        std::reverse(t.states.begin(), t.states.end());
        std::reverse(t.events.begin(), t.events.end());
        return t;
    }

private:
    struct Node {
        State state;
        std::optional<std::size_t> parent;
        std::optional<Event> via;
        std::size_t depth;
    };
    std::vector<Node> nodes_;
    std::unordered_map<State, std::size_t> index_;
};

/// Records, for every invariant not yet known to fail, whether node i breaks it.
/// The first node that does is the nearest one, so its trace is a shortest one.
template <class M>
void check_invariants(const Graph<M>& g, std::size_t i, const std::vector<Invariant<M>>& invariants,
                      std::vector<std::optional<Violation<M>>>& found) {
    for (std::size_t k = 0; k < invariants.size(); ++k) {
        if (found[k] || invariants[k].holds(g.state(i))) continue;
        found[k] = Violation<M>{invariants[k].name, g.trace_to(i)};
    }
}

}  // namespace detail

template <StateMachine M>
Report<M> explore(const M& model, const std::vector<Invariant<M>>& invariants, Options options) {
    detail::Graph<M> g;
    Report<M> report;
    std::vector<std::optional<Violation<M>>> found(invariants.size());
    for (const auto& s : model.initial_states()) {
        if (g.contains(s)) continue;
        if (g.size() >= options.max_states) { report.complete = false; break; }
        g.add(s, std::nullopt, std::nullopt);
    }
    // Nodes are appended in breadth-first order, so the node list is the queue.
    for (std::size_t i = 0; i < g.size(); ++i) {
        detail::check_invariants(g, i, invariants, found);
        report.depth = std::max(report.depth, g.depth(i));
        bool changes = false;
        for (const auto& e : model.events(g.state(i))) {
            typename M::State s = model.next(g.state(i), e);
            if (s == g.state(i)) continue;
            changes = true;
            if (g.contains(s)) continue;  // seen before, by a path at least as short
            if (g.size() >= options.max_states) { report.complete = false; continue; }
            g.add(s, i, e);
        }
        if (!changes) report.deadlocks.push_back(g.trace_to(i));
    }
    report.state_count = g.size();
    for (auto& v : found)
        if (v) report.violations.push_back(std::move(*v));
    return report;
}

}  // namespace raftlab::modelcheck

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
