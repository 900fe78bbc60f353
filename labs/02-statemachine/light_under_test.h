// light_under_test.h: the traffic light the lab 2 checks use. Graded, it is the
// student's light in a process of its own (raftlab/host/remote_light.h: the same
// types and functions, owned by the framework); in the fast variant for a student's
// own runs, the student's light/light.h itself, with the Steps helper below.
#pragma once

#ifdef RAFTLAB_IN_PROCESS
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "light/light.h"

namespace raftlab::light {

/// In process, light::Steps (see raftlab/host/remote_light.h) is a plain loop: each
/// answer is one call of next(), made when the check reads it, in the same order as
/// the host makes them.
class Steps {
public:
    Steps(const State& from, const std::vector<Event>& events, int calls_per_event = 1)
        : state_(from), after_(from), events_(events), calls_(static_cast<std::size_t>(calls_per_event)) {}

    Step next(std::size_t i, int call = 0) {
        const std::size_t want = i * calls_ + static_cast<std::size_t>(call);
        if (call < 0 || static_cast<std::size_t>(call) >= calls_ || want >= events_.size() * calls_ || want < made_)
            throw std::logic_error("light::Steps::next(" + std::to_string(i) + ", " + std::to_string(call) +
                                   "): answers are read once each, in order, within the sequence");
        for (;;) {
            const std::size_t at = made_++;
            Step step = raftlab::light::next(state_, events_[at / calls_]);
            if (at % calls_ == 0) after_ = step.state;
            if (at % calls_ == calls_ - 1) state_ = after_;
            if (at == want) return step;
        }
    }
    void abandon() {}

private:
    State state_, after_;
    std::vector<Event> events_;
    std::size_t calls_;
    std::size_t made_ = 0;
};

}  // namespace raftlab::light
#else
#include "raftlab/host/remote_light.h"
#endif
