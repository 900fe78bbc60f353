// raftlab/host/remote_light.h: the student's lab 2 traffic light, seen from the judge.
//
// The same names as the student's light/light.h (the types, the constants, the
// to_string helpers and the two functions), owned by the framework, so the checks
// read exactly as they would against the student's header. The types are the
// contract: they reach the student's code only through the wire, one field at a
// time (harness/host/light_protocol.h), and every value that comes back is checked
// (a colour that is none of red, yellow and green fails the check with a sentence).
//
// initial_state() and next() are answered by the lab 2 host, a process that runs
// the student's light.cpp; the check binary holds no student code. One host serves
// every call of a check, so a next() that is not pure (it keeps something between
// calls) behaves just as it would in one process.
//
// A round trip to the host takes some microseconds, so checks that call next() along
// a long event sequence use Steps: one request for the whole sequence, whose
// answers the check reads one by one, in order, as they come.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace raftlab::light {

/// How long each colour lasts, in ticks (the rules of light/light.h).
inline constexpr int green_units = 30;
inline constexpr int yellow_units = 5;
/// The shortest a green may be once the pedestrian button was pressed.
inline constexpr int short_green_units = 15;

enum class Color { red, yellow, green };
enum class Direction { east_west, north_south };
enum class Event { tick, button };

struct State {
    Color east_west = Color::green;
    Color north_south = Color::red;
    int clock = 0;
    bool button = false;
    bool operator==(const State&) const = default;
};

struct Show {
    Direction direction;
    Color color;
    bool operator==(const Show&) const = default;
};

struct Step {
    State state;
    std::vector<Show> actions;
    bool operator==(const Step&) const = default;
};

/// The student's initial_state(), computed in the lab 2 host. Throws what it threw.
State initial_state();

/// The student's next(state, event), computed in the lab 2 host. Throws what it threw.
Step next(const State& state, Event event);

/// next() along a whole event sequence in one request (not part of light/light.h).
///
/// For each event in turn the student's next() is called `calls_per_event` times on
/// the same state, and the sequence goes on from the state of that event's first
/// answer: the calls a check makes when it loops over the events with
/// s = next(s, e).state, in the same order, in the same host.
///
/// The host sends its answers together, which is what makes a long sequence cheap.
/// When it crashes or hangs part way, the answers from before that point never
/// arrive, so a new host runs the same sequence again and sends each answer as soon
/// as it has it: the check reads every answer from before the failure, and finds a
/// wrong step there just as it would have one call at a time, and then gets the
/// first host's failure (HostError) where the answers stop.
///
/// A check that stops reading early (it found a problem) abandons the rest: a host
/// still answering is replaced by a new one for the check's next call, as is a host
/// that failed only after the point where the check stopped.
class Steps {
public:
    Steps(const State& from, const std::vector<Event>& events, int calls_per_event = 1);
    ~Steps();
    Steps(const Steps&) = delete;
    Steps& operator=(const Steps&) = delete;

    /// The answer of call number `call` (0-based) for events[i]. Answers must be read
    /// in order (i, then call); skipping is allowed, going back is not. Throws what
    /// the student's next() threw, at the call that threw it.
    Step next(std::size_t i, int call = 0);

    /// Stops reading answers (the destructor does this too).
    void abandon();

private:
    struct Retry;
    std::string receive();
    void start_retry(const std::string& error);
    [[noreturn]] void fail_as_first_host();

    std::string request_;    // kept for the second run
    std::size_t calls_;
    std::size_t total_;      // frames the host sends, unless one carries an exception
    std::size_t read_ = 0;   // frames read so far
    bool ended_ = false;     // every frame of this sequence is read, or it was abandoned
    std::uint64_t host_generation_ = 0;
    std::unique_ptr<Retry> retry_;
};

// ---- small helpers, the same as in light/light.h --------------------------------

inline const char* to_string(Color c) {
    switch (c) {
        case Color::red: return "R";
        case Color::yellow: return "Y";
        case Color::green: return "G";
    }
    return "?";
}

inline const char* to_string(Direction d) { return d == Direction::east_west ? "ew" : "ns"; }

inline const char* to_string(Event e) { return e == Event::tick ? "tick" : "button"; }

/// "ew=G ns=R clock=3 button=no".
inline std::string to_string(const State& s) {
    return std::string("ew=") + to_string(s.east_west) + " ns=" + to_string(s.north_south) +
           " clock=" + std::to_string(s.clock) + " button=" + (s.button ? "yes" : "no");
}

/// "ew R, ns G" ("none" when empty).
inline std::string to_string(const std::vector<Show>& actions) {
    if (actions.empty()) return "none";
    std::string out;
    for (const Show& a : actions) {
        if (!out.empty()) out += ", ";
        out += std::string(to_string(a.direction)) + " " + to_string(a.color);
    }
    return out;
}

}  // namespace raftlab::light

template <>
struct std::hash<raftlab::light::State> {
    std::size_t operator()(const raftlab::light::State& s) const noexcept {
        std::size_t h = static_cast<std::size_t>(s.east_west);
        h = h * 3 + static_cast<std::size_t>(s.north_south);
        h = h * 2 + (s.button ? 1 : 0);
        return h * 1009 + static_cast<std::size_t>(s.clock);
    }
};
