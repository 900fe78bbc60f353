// raftlab/host/remote_explorer.h: the student's lab 3 explorer, seen from the judge.
//
// The same names as the student's modelcheck/explorer.h (StateMachine, Invariant,
// Trace, Violation, Options, Report and explore), owned by the framework, so the
// checks read as they would against the student's header. explore() runs the
// student's explorer in the lab 3 host, a process of its own, on a stand-in model:
// the host sees states and events only as byte strings the judge made up, and asks
// the judge for initial_states(), events(s), next(s, e) and each invariant's
// holds(s) while it explores (harness/host/explorer_protocol.h). The judge keeps the
// real model and every value it produced, so the models (hidden ones too) never
// reach the host, and the report that comes back is made of the model's own states
// and events again, ready for the checks to verify on the model itself.
//
// Each distinct state gets one name (equal states, by the model's ==, share it), so
// the explorer's notion of "seen before" is the model's. Events get a new name each
// time the model lists them; an explorer only copies them into its traces.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace raftlab::modelcheck {

/// What a model M offers (the contract of modelcheck/explorer.h).
template <class M>
concept StateMachine =
    std::equality_comparable<typename M::State> && std::copy_constructible<typename M::Event> &&
    requires(const M& m, const typename M::State& s, const typename M::Event& e) {
        { std::hash<typename M::State>{}(s) } -> std::convertible_to<std::size_t>;
        { m.initial_states() } -> std::convertible_to<std::vector<typename M::State>>;
        { m.events(s) } -> std::convertible_to<std::vector<typename M::Event>>;
        { m.next(s, e) } -> std::convertible_to<typename M::State>;
    };

template <class M>
struct Invariant {
    std::string name;
    std::function<bool(const typename M::State&)> holds;
};

template <class M>
struct Trace {
    std::vector<typename M::State> states;
    std::vector<typename M::Event> events;
    std::size_t length() const { return events.size(); }
};

template <class M>
struct Violation {
    std::string invariant;
    Trace<M> trace;
};

struct Options {
    std::size_t max_states = 1'000'000;
};

template <class M>
struct Report {
    std::size_t state_count = 0;
    std::size_t depth = 0;
    bool complete = true;
    std::vector<Violation<M>> violations;
    std::vector<Trace<M>> deadlocks;
};

/// The student's explore(), run in the lab 3 host on `model`, which stays here.
/// Throws what the student's explorer threw, and host::HostError when the host
/// crashed, hung or broke the protocol.
template <StateMachine M>
Report<M> explore(const M& model, const std::vector<Invariant<M>>& invariants, Options options = {});

// ---- how it is done -------------------------------------------------------------

namespace detail {

/// A report as the host sent it: states and events as byte strings.
struct WireTrace {
    std::vector<std::string> states;
    std::vector<std::string> events;
};
struct WireReport {
    std::size_t state_count = 0;
    std::size_t depth = 0;
    bool complete = true;
    std::vector<std::pair<std::string, WireTrace>> violations;
    std::vector<WireTrace> deadlocks;
};

/// The judge's answers to the host's questions about a model, in byte strings.
class Answers {
public:
    virtual ~Answers() = default;
    virtual std::vector<std::string> initial_states() = 0;
    /// Each event possible in `state`, with the state it leads to.
    virtual std::vector<std::pair<std::string, std::string>> events(std::string_view state) = 0;
    virtual std::string next(std::string_view state, std::string_view event) = 0;
    /// Each invariant's verdict on `state`, in order.
    virtual std::vector<bool> holds(std::string_view state) = 0;
};

/// Runs the student's explore() in the lab 3 host on the opaque model `answers`
/// stands for (explorer_remote.cpp).
WireReport explore_opaque(Answers& answers, const std::vector<std::string>& invariant_names,
                          std::size_t max_states);

/// A state's or event's name on the wire: its number, four bytes.
std::string id_name(std::uint32_t id);
/// The number a name stands for, or -1 when it is not a name of one of `count`.
std::int64_t id_of(std::string_view name, std::size_t count);

/// Every state and event of one exploration, by name.
template <class M>
class NamedModel final : public Answers {
public:
    using State = typename M::State;
    using Event = typename M::Event;

    NamedModel(const M& model, const std::vector<Invariant<M>>& invariants)
        : model_(model), invariants_(invariants) {}

    std::vector<std::string> initial_states() override {
        std::vector<std::string> out;
        for (const auto& s : model_.initial_states()) out.push_back(name(s));
        return out;
    }
    std::vector<std::pair<std::string, std::string>> events(std::string_view state) override {
        const State s = state_named(state);  // a copy: naming a new state may move states_
        std::vector<Event> offered = model_.events(s);
        std::vector<std::pair<std::string, std::string>> out;
        for (auto& e : offered) {
            std::string next_state = name(model_.next(s, e));
            out.emplace_back(id_name(static_cast<std::uint32_t>(events_.size())), std::move(next_state));
            events_.push_back(std::move(e));
        }
        return out;
    }
    std::string next(std::string_view state, std::string_view event) override {
        return name(model_.next(state_named(state), event_named(event)));
    }
    std::vector<bool> holds(std::string_view state) override {
        const State& s = state_named(state);
        std::vector<bool> out;
        for (const auto& inv : invariants_) out.push_back(inv.holds(s));
        return out;
    }

    /// The report in the model's own values. Throws when the explorer reported a
    /// state or event the model never produced.
    Report<M> typed(const WireReport& w) const {
        Report<M> r;
        r.state_count = w.state_count;
        r.depth = w.depth;
        r.complete = w.complete;
        for (const auto& [invariant, trace] : w.violations) r.violations.push_back({invariant, typed(trace)});
        for (const auto& trace : w.deadlocks) r.deadlocks.push_back(typed(trace));
        return r;
    }

private:
    std::string name(const State& s) {
        auto [it, added] = ids_.try_emplace(s, static_cast<std::uint32_t>(states_.size()));
        if (added) states_.push_back(s);
        return id_name(it->second);
    }
    const State& state_named(std::string_view name) const {
        std::int64_t id = id_of(name, states_.size());
        if (id < 0)
            throw std::invalid_argument("the explorer passed the model a state that the model never produced "
                                        "(use only states from initial_states() and next())");
        return states_[static_cast<std::size_t>(id)];
    }
    const Event& event_named(std::string_view name) const {
        std::int64_t id = id_of(name, events_.size());
        if (id < 0)
            throw std::invalid_argument("the explorer passed the model an event that the model never produced "
                                        "(use only events from events())");
        return events_[static_cast<std::size_t>(id)];
    }
    Trace<M> typed(const WireTrace& w) const {
        Trace<M> t;
        for (const auto& s : w.states) {
            std::int64_t id = id_of(s, states_.size());
            if (id < 0)
                throw std::runtime_error("the explorer's report holds a state that the model never produced: "
                                         "a trace must be made of the states the model returned");
            t.states.push_back(states_[static_cast<std::size_t>(id)]);
        }
        for (const auto& e : w.events) {
            std::int64_t id = id_of(e, events_.size());
            if (id < 0)
                throw std::runtime_error("the explorer's report holds an event that the model never produced: "
                                         "a trace must be made of the events the model returned");
            t.events.push_back(events_[static_cast<std::size_t>(id)]);
        }
        return t;
    }

    const M& model_;
    const std::vector<Invariant<M>>& invariants_;
    std::vector<State> states_;
    std::unordered_map<State, std::uint32_t> ids_;
    std::vector<Event> events_;
};

}  // namespace detail

template <StateMachine M>
Report<M> explore(const M& model, const std::vector<Invariant<M>>& invariants, Options options) {
    detail::NamedModel<M> named(model, invariants);
    std::vector<std::string> names;
    for (const auto& inv : invariants) names.push_back(inv.name);
    return named.typed(detail::explore_opaque(named, names, options.max_states));
}

}  // namespace raftlab::modelcheck
