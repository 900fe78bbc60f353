// raftlab/sim/searched.h: a lab check that searches (search.h), reported like a
// seeded one.
//
// Header-only and used only by the lab check binaries (it reports through
// GoogleTest). run_search() explores the configuration breadth first and, at the
// first broken property, fails with one message: the property, the shortest event
// path that breaks it, and the command that replays it:
//
//   the search found a broken rule after 6 events (412 states explored): election
//   safety: servers 0 and 1 were both leader in term 1. Path: 1. timer of s0; ...
//   Replay: ./raftlab replay 8 search_election --seed 1
//
// The seed chooses the servers' random streams (their election timeouts); the rest
// of the configuration is fixed by the check, so the replay runs the same search, finds
// the same path and replays it once more, recording a timeline (printed with
// RAFTLAB_TIMELINE, drawn with --html). Running out of the state budget or the time
// limit without a broken property is a pass: the search is a bounded bug finder.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "raftlab/check/check.h"
#include "raftlab/sim/search.h"
#include "raftlab/sim/seeded.h"

namespace raftlab::sim {

/// One line on how the search ended, for the log and for a replay.
inline std::string search_summary(const SearchResult& r) {
    const char* end = !r.failure.empty() ? "stopped at a broken property"
                      : r.exhausted      ? "every state within the bounds visited"
                      : r.out_of_time    ? "time limit reached"
                                         : "state budget reached";
    return fmt::format("search: {} distinct states, {} replays, {} events in {:.2f} s: {}", r.states,
                       r.replays, r.events, r.seconds, end);
}

/// How many states are expanded at once: as many as seeds run side by side in a graded
/// run, also when replaying (the workers do not change what the search finds); one for
/// the fast variant, whose student code runs in this process.
inline unsigned search_workers() {
#ifdef RAFTLAB_IN_PROCESS
    return 1;
#else
    if (check::code_under_test_in_process()) return 1;
    if (std::string v = check::variable("RAFTLAB_SEED_WORKERS"); !v.empty()) {
        long n = std::strtol(v.c_str(), nullptr, 10);
        if (n >= 1 && n <= 64) return static_cast<unsigned>(n);
    }
    return 4;
#endif
}

inline void run_search(SearchOptions options, const ServerFactory& factory, const SearchHooks& hooks = {}) {
    const bool show = check::timeline_wanted();
    const auto html = check::html_path();
    const std::uint64_t seed = check::seeds(1).front();
    options.seed = seed;
    options.workers = static_cast<int>(search_workers());
    const SearchResult r = search(options, factory, hooks, show || html.has_value());
    std::cout << search_summary(r) << "\n";
    if (r.timeline && show) {
        std::cout << "timeline of the counterexample (" << r.timeline->events().size() << " events):\n";
        r.timeline->print(std::cout);
        std::cout << "result: FAILED: " << r.failure << "\n";
    } else if (show) {
        std::cout << "result: passed (the search found no broken property)\n";
    }
    if (r.timeline && html && html_writer()) html_writer()(*r.timeline, r.failure, *html);
    if (!r.failure.empty())
        ADD_FAILURE() << "the search found a broken rule after " << r.path.size() << " events (" << r.states
                      << " states explored): " << r.failure << ". Path: " << describe_path(r.path_text)
                      << ". Replay: " << check::replay_command(seed);
}

}  // namespace raftlab::sim
