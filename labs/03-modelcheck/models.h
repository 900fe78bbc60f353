// models.h: the models lab 3's checks explore. They ship with the checks, not with
// the starter, so an explorer cannot be tuned to them.
//
// Each model is small enough that its numbers were worked out independently of any
// explorer (by hand and by a separate script): the number of reachable states, the
// depth of the breadth-first search, the deadlocked states and the distance of the
// planted violations. Those numbers are the expectations in the checks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace raftlab::modelcheck::models {

/// The water jugs puzzle: a 3-litre and a 5-litre jug, a tap and a drain. Events
/// are strings ("fill small", ...). 16 reachable states, depth 7; the first time
/// the big jug holds exactly 4 litres is after 6 events.
struct Jugs {
    struct State {
        int small = 0;
        int big = 0;
        bool operator==(const State&) const = default;
    };
    using Event = std::string;

    std::vector<State> initial_states() const { return {State{}}; }
    std::vector<Event> events(const State&) const {
        return {"fill small",          "fill big",           "empty small", "empty big",
                "pour small into big", "pour big into small"};
    }
    State next(State s, const Event& e) const {
        if (e == "fill small") s.small = 3;
        if (e == "fill big") s.big = 5;
        if (e == "empty small") s.small = 0;
        if (e == "empty big") s.big = 0;
        if (e == "pour small into big") pour(s.small, s.big, 5);
        if (e == "pour big into small") pour(s.big, s.small, 3);
        return s;
    }
    static void pour(int& from, int& to, int capacity) {
        int amount = std::min(from, capacity - to);
        from -= amount;
        to += amount;
    }
};

/// A walker on a 6 x 4 grid, starting in corner (0, 0). Moving off the grid
/// changes nothing. 24 states, depth 8; (x, y) is first reached after x + y moves.
struct Grid {
    struct State {
        int x = 0;
        int y = 0;
        bool operator==(const State&) const = default;
    };
    enum class Event { right, left, up, down };

    std::vector<State> initial_states() const { return {State{}}; }
    std::vector<Event> events(const State&) const {
        return {Event::right, Event::left, Event::up, Event::down};
    }
    State next(State s, Event e) const {
        State t = s;
        if (e == Event::right) ++t.x;
        if (e == Event::left) --t.x;
        if (e == Event::up) ++t.y;
        if (e == Event::down) --t.y;
        bool inside = t.x >= 0 && t.x < 6 && t.y >= 0 && t.y < 4;
        return inside ? t : s;
    }
};

/// Seven positions in a circle, one step either way: 7 states, depth 3. Every
/// state is reached again and again, so an explorer that does not remember what it
/// has seen never finishes.
struct Ring {
    using State = int;
    using Event = int;  // +1 or -1
    std::vector<State> initial_states() const { return {0}; }
    std::vector<Event> events(const State&) const { return {+1, -1}; }
    State next(State s, Event e) const { return (s + e + 7) % 7; }
};

/// Dining philosophers who pick up the left fork, then the right one, then put both
/// down. The state is one letter per philosopher: T thinking, L holding the left
/// fork, E eating. Event i moves philosopher i on if the fork they need is free.
/// For 3 philosophers: 14 states, depth 3, one deadlock ("LLL", after 3 events);
/// for 4: 34 states, depth 4, one deadlock ("LLLL", after 4 events).
struct Philosophers {
    int count = 3;
    using State = std::string;
    using Event = int;

    std::vector<State> initial_states() const { return {std::string(count, 'T')}; }
    std::vector<Event> events(const State&) const {
        std::vector<Event> all;
        for (int i = 0; i < count; ++i) all.push_back(i);
        return all;
    }
    State next(State s, Event i) const {
        if (s[i] == 'T' && fork_free(s, i))
            s[i] = 'L';
        else if (s[i] == 'L' && fork_free(s, (i + 1) % count))
            s[i] = 'E';
        else if (s[i] == 'E')
            s[i] = 'T';
        return s;
    }
    // Fork f lies between philosopher f - 1 (their right) and f (their left).
    bool fork_free(const State& s, int f) const {
        return s[f] == 'T' && s[(f + count - 1) % count] != 'E';
    }
};

/// Counts down to zero from either of two starts, 9 and 5 (5 listed twice). At 0
/// there are no events at all. 10 states, depth 5, one deadlock: state 0, first
/// reached after 5 events from start 5.
struct Countdown {
    using State = int;
    enum class Event { decrement };
    std::vector<State> initial_states() const { return {5, 9, 5}; }
    std::vector<Event> events(const State& s) const {
        return s > 0 ? std::vector<Event>{Event::decrement} : std::vector<Event>{};
    }
    State next(State s, Event) const { return s - 1; }
};

/// A counter that never stops: more states than any explorer can hold.
struct Unbounded {
    using State = std::uint64_t;
    using Event = int;
    std::vector<State> initial_states() const { return {0}; }
    std::vector<Event> events(const State&) const { return {1, 2}; }
    State next(State s, Event e) const { return s + static_cast<State>(e); }
};

/// A random directed graph: state i may move along edge k to edges[i][k]. Built
/// from a seed by the checks, which compute the expected answers themselves.
struct RandomGraph {
    std::vector<std::vector<int>> edges;
    std::vector<int> starts;
    using State = int;
    using Event = int;  // which outgoing edge
    std::vector<State> initial_states() const { return starts; }
    std::vector<Event> events(const State& s) const {
        std::vector<Event> out;
        for (int k = 0; k < static_cast<int>(edges[s].size()); ++k) out.push_back(k);
        return out;
    }
    State next(State s, Event k) const { return edges[s][k]; }
};

}  // namespace raftlab::modelcheck::models

template <>
struct std::hash<raftlab::modelcheck::models::Jugs::State> {
    std::size_t operator()(const raftlab::modelcheck::models::Jugs::State& s) const noexcept {
        return static_cast<std::size_t>(s.small * 31 + s.big);
    }
};

template <>
struct std::hash<raftlab::modelcheck::models::Grid::State> {
    std::size_t operator()(const raftlab::modelcheck::models::Grid::State& s) const noexcept {
        return static_cast<std::size_t>(s.x * 1000 + s.y);
    }
};
