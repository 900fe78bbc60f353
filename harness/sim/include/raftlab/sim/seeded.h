// raftlab/sim/seeded.h: running one simulated check over many seeds.
//
// Header-only and used only by the lab check binaries (it reports through
// GoogleTest). run_seeds() builds one Simulation per seed from check::seeds(), runs
// the scenario on it, and at the first seed that fails reports, in one message:
//
//   seed 17: at 812.000ms: election safety: servers 1 and 3 were both leader in
//   term 4. Replay: ./raftlab replay 8 initial_election --seed 17
//
// When a person replays a seed (RAFTLAB_TIMELINE) the timeline is printed to stdout.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

#include "raftlab/check/check.h"
#include "raftlab/sim/simulation.h"

namespace raftlab::sim {

/// A scenario drives one simulation and returns "" when the property it checks held,
/// or one sentence saying what broke. Safety violations found by the simulator itself
/// are picked up automatically: the scenario need not look at sim.failed().
using Scenario = std::function<std::string(Simulation& sim)>;

/// Optional hook that writes the HTML timeline for RAFTLAB_HTML (installed by the
/// timeline renderer when it is linked in); when unset nothing is written.
inline std::function<void(const Timeline&, const std::string& failure,
                          const std::filesystem::path&)>& html_writer() {
    static std::function<void(const Timeline&, const std::string&, const std::filesystem::path&)> w;
    return w;
}

/// Runs `scenario` once per seed (default_count seeds unless the grader says
/// otherwise). `options` is copied for each seed with options.seed set to it.
inline void run_seeds(int default_count, SimOptions options, const ServerFactory& factory,
                      const Scenario& scenario) {
    const bool show = check::timeline_wanted();
    const auto html = check::html_path();
    for (std::uint64_t seed : check::seeds(default_count)) {
        options.seed = seed;
        options.record_timeline = show || html.has_value();
        std::string why;
        std::unique_ptr<Simulation> sim;
        try {
            sim = std::make_unique<Simulation>(options, factory);
            why = scenario(*sim);
        } catch (const std::exception& e) {
            why = std::string("the check stopped on an exception: ") + e.what();
        }
        if (sim && sim->failed()) why = sim->failure();  // the first broken property wins
        if (sim && !why.empty() && !sim->failed()) sim->fail(why);
        if (sim && show) {
            std::cout << "timeline of seed " << seed << " (" << sim->timeline().events().size()
                      << " events):\n";
            sim->timeline().print(std::cout);
            std::cout << (why.empty() ? "result: passed\n" : "result: FAILED: " + why + "\n");
        }
        if (sim && html && html_writer()) html_writer()(sim->timeline(), why, *html);
        if (!why.empty()) {
            ADD_FAILURE() << "seed " << seed << ": " << why
                          << ". Replay: " << check::replay_command(seed);
            return;
        }
    }
}

}  // namespace raftlab::sim
