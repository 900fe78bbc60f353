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
// time the model lists them; an explorer only copies them into its traces. Name 0 is
// the model's default State{} (and Event{}), which is what the host's State{} is, so
// even an explorer that makes states by default sees what it would in one process.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raftlab/host/wire.h"

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

/// Reads a report as the host sent it (explorer_protocol.h): each state with
/// `read_state(r)` and each event with `read_event(r)`, which take at least
/// `state_bytes` and `event_bytes` of the frame. Throws host::ProtocolError when the
/// bytes are not a report.
template <class M, class ReadState, class ReadEvent>
Report<M> read_report(std::string_view bytes, ReadState read_state, ReadEvent read_event,
                      std::size_t state_bytes, std::size_t event_bytes) {
    host::Reader r(bytes);
    auto count = [&r](std::size_t min_bytes, const char* what) {
        std::uint32_t n = r.u32();
        if (n > r.left() / min_bytes)
            throw host::ProtocolError("a report claims " + std::to_string(n) + " " + what);
        return n;
    };
    auto trace = [&] {
        Trace<M> t;
        std::uint32_t n = count(state_bytes, "states in a trace");
        t.states.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) t.states.push_back(read_state(r));
        std::uint32_t m = count(event_bytes, "events in a trace");
        t.events.reserve(m);
        for (std::uint32_t i = 0; i < m; ++i) t.events.push_back(read_event(r));
        return t;
    };
    Report<M> report;
    report.state_count = r.u64();
    report.depth = r.u64();
    report.complete = r.boolean();
    std::uint32_t v = count(12, "violations");
    for (std::uint32_t i = 0; i < v; ++i) {
        std::string invariant = r.str();
        report.violations.push_back({std::move(invariant), trace()});
    }
    std::uint32_t d = count(8, "deadlocks");
    report.deadlocks.reserve(d);
    for (std::uint32_t i = 0; i < d; ++i) report.deadlocks.push_back(trace());
    r.finish();
    return report;
}

/// Fails the lab 3 host for a report that is not one (HostError).
[[noreturn]] void report_broke_protocol(const host::ProtocolError& e);

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
/// stands for (explorer_remote.cpp), and returns its report as sent.
std::string explore_opaque(Answers& answers, const std::vector<std::string>& invariant_names,
                           std::size_t max_states);

/// A state's or event's name on the wire: four bytes.
inline std::string name_bytes(std::uint32_t name) {
    std::string s(sizeof name, '\0');
    std::memcpy(s.data(), &name, sizeof name);
    return s;
}
inline std::optional<std::uint32_t> name_in(std::string_view bytes) {
    std::uint32_t name;
    if (bytes.size() != sizeof name) return std::nullopt;
    std::memcpy(&name, bytes.data(), sizeof name);
    return name;
}

/// The values of one kind (states, or events) by name. Name 0 is T{} when T has a
/// default: the value the host's T{} stands for, so an explorer that makes a state or
/// event by default makes the model's default, as it would in one process. When T has
/// none, name 0 names nothing.
template <class T>
class Names {
public:
    Names() {
        if constexpr (std::is_default_constructible_v<T>)
            values_.push_back(T{});
        else
            first_ = 1;
    }
    std::uint32_t add(T value) {
        values_.push_back(std::move(value));
        return static_cast<std::uint32_t>(values_.size() - 1 + first_);
    }
    /// The value `name` stands for, or nullptr.
    const T* find(std::uint32_t name) const {
        if (name < first_ || name - first_ >= values_.size()) return nullptr;
        return &values_[name - first_];
    }
    const T* find(std::string_view bytes) const {
        auto name = name_in(bytes);
        return name ? find(*name) : nullptr;
    }

private:
    std::vector<T> values_;
    std::uint32_t first_ = 0;
};

/// Every state and event of one exploration, by name. Equal states (by the model's
/// ==) share one name, so the explorer's "seen before" is the model's; an event gets
/// a new name each time the model lists it.
template <class M>
class NamedModel final : public Answers {
public:
    using State = typename M::State;
    using Event = typename M::Event;

    NamedModel(const M& model, const std::vector<Invariant<M>>& invariants)
        : model_(model), invariants_(invariants) {
        if constexpr (std::is_default_constructible_v<State>) ids_.emplace(State{}, 0);
    }

    std::vector<std::string> initial_states() override {
        std::vector<std::string> out;
        for (const auto& s : model_.initial_states()) out.push_back(name(s));
        return out;
    }
    std::vector<std::pair<std::string, std::string>> events(std::string_view state) override {
        const State s = state_named(state);  // a copy: naming a new state may move the values
        std::vector<Event> offered = model_.events(s);
        std::vector<std::pair<std::string, std::string>> out;
        for (auto& e : offered) {
            std::string next_state = name(model_.next(s, e));
            out.emplace_back(name_bytes(events_.add(std::move(e))), std::move(next_state));
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
    Report<M> typed(std::string_view report) const {
        auto state = [this](host::Reader& r) -> const State& {
            const State* s = states_.find(r.u32());
            if (!s)
                throw std::runtime_error("the explorer's report holds a state that the model never produced: "
                                         "a trace must be made of the states the model returned");
            return *s;
        };
        auto event = [this](host::Reader& r) -> const Event& {
            const Event* e = events_.find(r.u32());
            if (!e)
                throw std::runtime_error("the explorer's report holds an event that the model never produced: "
                                         "a trace must be made of the events the model returned");
            return *e;
        };
        try {
            return read_report<M>(report, state, event, 4, 4);
        } catch (const host::ProtocolError& e) {
            report_broke_protocol(e);
        }
    }

private:
    std::string name(const State& s) {
        auto it = ids_.find(s);
        if (it == ids_.end()) it = ids_.emplace(s, states_.add(s)).first;
        return name_bytes(it->second);
    }
    const State& state_named(std::string_view name) const {
        const State* s = states_.find(name);
        if (!s)
            throw std::invalid_argument("the explorer passed the model a state that the model never produced "
                                        "(use only states from initial_states() and next())");
        return *s;
    }
    const Event& event_named(std::string_view name) const {
        const Event* e = events_.find(name);
        if (!e)
            throw std::invalid_argument("the explorer passed the model an event that the model never produced "
                                        "(use only events from events())");
        return *e;
    }

    const M& model_;
    const std::vector<Invariant<M>>& invariants_;
    Names<State> states_;
    std::unordered_map<State, std::uint32_t> ids_;
    Names<Event> events_;
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
