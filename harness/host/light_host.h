// light_host.h: the host's side of light_protocol.h, compiled with the student's
// light/light.h into the lab 2 and lab 3 hosts. It writes the student's values field
// by field and answers the light requests. Framework code, but it shares a process
// with student code: the judge trusts none of what it writes.
#pragma once

#include <cstdint>
#include <vector>

#include "light/light.h"
#include "light_protocol.h"
#include "raftlab/host/serve.h"

namespace raftlab::host::light_host {
namespace p = raftlab::host::light;
using raftlab::light::Color;
using raftlab::light::Direction;
using raftlab::light::Event;
using raftlab::light::Show;
using raftlab::light::State;
using raftlab::light::Step;

inline std::uint8_t code(Color c) {
    switch (c) {
        case Color::red: return p::kRed;
        case Color::yellow: return p::kYellow;
        case Color::green: return p::kGreen;
    }
    return p::kBadCode;
}

inline std::uint8_t code(Direction d) {
    switch (d) {
        case Direction::east_west: return p::kEastWest;
        case Direction::north_south: return p::kNorthSouth;
    }
    return p::kBadCode;
}

inline std::uint8_t code(Event e) {
    switch (e) {
        case Event::tick: return p::kTick;
        case Event::button: return p::kButton;
    }
    return p::kBadCode;
}

inline Color read_color(Reader& r) {
    switch (r.u8()) {
        case p::kRed: return Color::red;
        case p::kYellow: return Color::yellow;
        case p::kGreen: return Color::green;
    }
    throw ProtocolError("unknown colour code");
}

inline Event read_event(Reader& r) {
    switch (r.u8()) {
        case p::kTick: return Event::tick;
        case p::kButton: return Event::button;
    }
    throw ProtocolError("unknown event code");
}

inline void write_state(Writer& w, const State& s) {
    w.u8(code(s.east_west));
    w.u8(code(s.north_south));
    w.i32(static_cast<std::int32_t>(s.clock));
    w.boolean(s.button);
}

/// A state from the judge: the student's State with the four contract fields set.
inline State read_state(Reader& r) {
    State s;
    s.east_west = read_color(r);
    s.north_south = read_color(r);
    s.clock = r.i32();
    s.button = r.boolean();
    return s;
}

inline void write_step(Writer& w, const Step& step) {
    write_state(w, step.state);
    w.u32(static_cast<std::uint32_t>(step.actions.size()));
    for (const Show& a : step.actions) {
        w.u8(code(a.direction));
        w.u8(code(a.color));
    }
}

/// Calls `f` (student code) and writes its result with `write`, or the exception it
/// threw. Returns false when it threw.
template <class F, class Write>
bool answer(Writer& w, F f, Write write) {
    try {
        auto v = f();
        w.u8(0);
        write(w, v);
        return true;
    } catch (const ProtocolError&) {
        throw;
    } catch (...) {
        w.clear();
        write_current_exception(w);
        return false;
    }
}

/// kRun: one frame per next() call (see light_protocol.h).
inline void run(Reader& r, HostChannel& channel) {
    const bool flush_each = (r.u8() & p::kFlushEachAnswer) != 0;
    const std::uint8_t calls = r.u8();
    State s = read_state(r);
    const std::uint32_t n = r.u32();
    if (n > p::kMaxRun || n > r.left()) throw ProtocolError("a run longer than its frame");
    std::vector<Event> events;
    events.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) events.push_back(read_event(r));
    r.finish();
    for (const Event e : events) {
        State after = s;
        for (std::uint8_t k = 0; k < calls; ++k) {
            Writer w;
            Step step;
            bool ok = answer(w, [&] { return raftlab::light::next(s, e); },
                             [&](Writer& out, const Step& got) {
                                 write_step(out, got);
                                 step = got;
                             });
            channel.send(w);
            if (flush_each) channel.flush();
            if (!ok) return;
            if (k == 0) after = step.state;
        }
        s = after;
    }
}

/// Answers one light request. Returns false when `op` is not one.
inline bool handle(std::uint8_t op, Reader& r, HostChannel& channel) {
    Writer w;
    switch (op) {
        case p::kInitialState:
            r.finish();
            answer(w, [] { return raftlab::light::initial_state(); }, write_state);
            break;
        case p::kNext: {
            State s = read_state(r);
            Event e = read_event(r);
            r.finish();
            answer(w, [&] { return raftlab::light::next(s, e); }, write_step);
            break;
        }
        case p::kRun: run(r, channel); return true;
        default: return false;
    }
    channel.send(w);
    return true;
}

}  // namespace raftlab::host::light_host
