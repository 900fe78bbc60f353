// reference_light.h: the checks' own model of the traffic light rules (lab 2).
//
// Written independently of any solution and on purpose in a different shape: the
// light walks a fixed cycle of four phases, and a phase ends when its time is up.
// The checks feed the same events to this model and to the student's next() and
// compare states and actions after every step.
#pragma once

#include <vector>

#include "light_under_test.h"

namespace raftlab::light::reference {

class ReferenceLight {
public:
    /// Applies one event and returns the display changes it causes.
    std::vector<Show> on(Event event) {
        if (event == Event::button) return press();
        ++elapsed_;
        return elapsed_ >= limit() ? advance() : std::vector<Show>{};
    }

    /// The same situation, written as the student-facing State.
    State state() const {
        State s;
        s.east_west = colour_of(Direction::east_west);
        s.north_south = colour_of(Direction::north_south);
        s.clock = elapsed_;
        s.button = pending_;
        return s;
    }

private:
    // Phase 0: ew green, 1: ew yellow, 2: ns green, 3: ns yellow.
    int phase_ = 0;
    int elapsed_ = 0;
    bool pending_ = false;

    bool green_phase() const { return phase_ % 2 == 0; }
    Direction active() const { return phase_ < 2 ? Direction::east_west : Direction::north_south; }

    Color colour_of(Direction d) const {
        if (d != active()) return Color::red;
        return green_phase() ? Color::green : Color::yellow;
    }

    int limit() const {
        if (!green_phase()) return yellow_units;
        return pending_ ? short_green_units : green_units;
    }

    std::vector<Show> press() {
        if (!green_phase()) return {};
        pending_ = true;
        return elapsed_ >= short_green_units ? advance() : std::vector<Show>{};
    }

    std::vector<Show> advance() {
        Direction was = active();
        phase_ = (phase_ + 1) % 4;
        elapsed_ = 0;
        pending_ = false;
        if (!green_phase()) return {Show{was, Color::yellow}};
        return {Show{was, Color::red}, Show{active(), Color::green}};
    }
};

}  // namespace raftlab::light::reference
