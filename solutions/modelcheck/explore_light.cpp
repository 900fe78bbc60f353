// modelcheck/explore_light.cpp: runs your explorer on your lab 2 light and prints
// what it found. Build and run it with
//
//   ./raftlab grade 3            (builds it as a side effect), then
//   build/impl-starter/labs/03-modelcheck/explore_light
//
// Try breaking light/light.cpp on purpose and watch the counterexample appear.
#include <iostream>

#include "modelcheck/light_model.h"

namespace {

using raftlab::modelcheck::LightModel;
using raftlab::modelcheck::Trace;

void print_trace(const Trace<LightModel>& t) {
    std::cout << "    start:  " << raftlab::light::to_string(t.states[0]) << "\n";
    for (std::size_t i = 0; i < t.events.size(); ++i)
        std::cout << "    " << raftlab::light::to_string(t.events[i])
                  << (t.events[i] == raftlab::light::Event::tick ? ":   " : ": ")
                  << raftlab::light::to_string(t.states[i + 1]) << "\n";
}

}  // namespace

int main() {
    try {
        auto report =
            raftlab::modelcheck::explore(LightModel{}, raftlab::modelcheck::light_invariants());
        std::cout << report.state_count << " reachable states, depth " << report.depth
                  << (report.complete ? "" : " (stopped early: too many states)") << "\n";
        for (const auto& v : report.violations) {
            std::cout << "invariant violated: " << v.invariant << " (shortest trace, "
                      << v.trace.length() << " events)\n";
            print_trace(v.trace);
        }
        for (const auto& d : report.deadlocks) {
            std::cout << "deadlock after " << d.length() << " events\n";
            print_trace(d);
        }
        if (report.violations.empty() && report.deadlocks.empty())
            std::cout << "no problems found\n";
        return report.violations.empty() && report.deadlocks.empty() ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "explore_light: " << e.what() << "\n";
        return 2;
    }
}

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
