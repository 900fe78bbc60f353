// raftlab/light/wire.h: the datagrams between the lab 1 traffic light controller,
// the light display and the pedestrian button.
//
// Everything is UDP on 127.0.0.1, one short ASCII command per datagram:
//
//   controller -> display   "<direction> <colour>"   direction: ew | ns
//                                                    colour:    G | Y | R
//   button -> controller    "press"
//
// The display starts dark and shows a direction once told its colour; the
// controller therefore announces both colours when it starts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace raftlab::lightwire {

inline constexpr std::string_view press = "press";

enum class Direction { east_west, north_south };
enum class Colour { red, yellow, green };

struct Command {
    Direction direction;
    Colour colour;
    bool operator==(const Command&) const = default;
};

/// Parses "ew G" and the like; nullopt for anything else (extra spaces included).
inline std::optional<Command> parse(std::string_view text) {
    if (text.size() != 4 || text[2] != ' ') return std::nullopt;
    Command c{};
    std::string_view dir = text.substr(0, 2);
    if (dir == "ew") c.direction = Direction::east_west;
    else if (dir == "ns") c.direction = Direction::north_south;
    else return std::nullopt;
    switch (text[3]) {
        case 'G': c.colour = Colour::green; break;
        case 'Y': c.colour = Colour::yellow; break;
        case 'R': c.colour = Colour::red; break;
        default: return std::nullopt;
    }
    return c;
}

inline std::string format(const Command& c) {
    std::string out = c.direction == Direction::east_west ? "ew " : "ns ";
    out += c.colour == Colour::green ? 'G' : c.colour == Colour::yellow ? 'Y' : 'R';
    return out;
}

}  // namespace raftlab::lightwire
