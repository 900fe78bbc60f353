// light_judge_codec.h: the judge's side of light_protocol.h. Every code a host sends
// is checked here: a value that is none of the enum's is a ProtocolError that says
// which field held what.
#pragma once

#include <cstdint>
#include <string>

#include "light_protocol.h"
#include "raftlab/host/remote_light.h"
#include "raftlab/host/wire.h"

namespace raftlab::host::light_judge {
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

inline std::uint8_t code(Event e) { return e == Event::tick ? p::kTick : p::kButton; }

inline Color read_color(Reader& r, const char* what) {
    const std::uint8_t c = r.u8();
    switch (c) {
        case p::kRed: return Color::red;
        case p::kYellow: return Color::yellow;
        case p::kGreen: return Color::green;
    }
    throw ProtocolError(std::string(what) + " is none of red, yellow and green (wire code " +
                        std::to_string(c) + ")");
}

inline Direction read_direction(Reader& r) {
    const std::uint8_t d = r.u8();
    if (d == p::kEastWest) return Direction::east_west;
    if (d == p::kNorthSouth) return Direction::north_south;
    throw ProtocolError("an action's direction is neither east_west nor north_south (wire code " +
                        std::to_string(d) + ")");
}

inline Event read_event(Reader& r) {
    const std::uint8_t e = r.u8();
    if (e == p::kTick) return Event::tick;
    if (e == p::kButton) return Event::button;
    throw ProtocolError("an event is neither tick nor button (wire code " + std::to_string(e) + ")");
}

inline void write_state(Writer& w, const State& s) {
    w.u8(code(s.east_west));
    w.u8(code(s.north_south));
    w.i32(s.clock);
    w.boolean(s.button);
}

inline State read_state(Reader& r) {
    State s;
    s.east_west = read_color(r, "a state's east-west colour");
    s.north_south = read_color(r, "a state's north-south colour");
    s.clock = r.i32();
    s.button = r.boolean();
    return s;
}

inline Step read_step(Reader& r) {
    Step step;
    step.state = read_state(r);
    const std::uint32_t n = r.u32();
    if (n > p::kMaxActions || n > r.left() / 2)
        throw ProtocolError("a step claims " + std::to_string(n) + " actions");
    step.actions.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        Show a{};
        a.direction = read_direction(r);
        a.color = read_color(r, "an action's colour");
        step.actions.push_back(a);
    }
    return step;
}

}  // namespace raftlab::host::light_judge
