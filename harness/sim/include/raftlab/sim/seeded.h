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

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
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

/// Runs one seed: "" when it passed, otherwise what broke. Prints or writes the
/// timeline when a person asked for it.
inline std::string run_one_seed(std::uint64_t seed, SimOptions options, const ServerFactory& factory,
                                const Scenario& scenario, bool show,
                                const std::optional<std::filesystem::path>& html) {
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
    return why;
}

/// How many seeds run at once. Each simulated server is a process of its own, so a
/// seed spends most of its time waiting for one; several seeds side by side keep the
/// cores busy. RAFTLAB_SEED_WORKERS overrides it; a replay and the fast variant
/// (student code in this process) always run one seed at a time.
inline unsigned seed_workers() {
    if (check::replaying() || check::timeline_wanted() || check::html_path()) return 1;
#ifdef RAFTLAB_IN_PROCESS
    // The fast variant runs the student's servers in this process: one seed at a time,
    // so the student's code never runs on two threads at once.
    return 1;
#endif
    if (check::code_under_test_in_process()) return 1;
    if (std::string v = check::variable("RAFTLAB_SEED_WORKERS"); !v.empty()) {
        long n = std::strtol(v.c_str(), nullptr, 10);
        if (n >= 1 && n <= 64) return static_cast<unsigned>(n);
    }
    return 4;
}

/// Runs `scenario` once per seed (default_count seeds unless the grader says
/// otherwise). `options` is copied for each seed with options.seed set to it. Seeds
/// may run in parallel (seed_workers()), each on a Simulation of its own, so a
/// scenario must keep its state in the simulation or on its own stack. The verdict
/// does not depend on that: every seed is a deterministic run, and the failure
/// reported is always the one of the lowest failing seed.
inline void run_seeds(int default_count, SimOptions options, const ServerFactory& factory,
                      const Scenario& scenario) {
    const bool show = check::timeline_wanted();
    const auto html = check::html_path();
    const std::vector<std::uint64_t> seeds = check::seeds(default_count);
    const unsigned workers = std::min<std::size_t>(seed_workers(), std::max<std::size_t>(seeds.size(), 1));
    std::mutex mutex;
    std::uint64_t failed_seed = std::numeric_limits<std::uint64_t>::max();
    std::string failure;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (;;) {
            const std::size_t i = next++;
            if (i >= seeds.size()) return;
            {
                std::lock_guard lock(mutex);
                if (seeds[i] > failed_seed) return;  // seeds are in increasing order
            }
            std::string why = run_one_seed(seeds[i], options, factory, scenario, show, html);
            if (why.empty()) continue;
            std::lock_guard lock(mutex);
            if (seeds[i] < failed_seed) {
                failed_seed = seeds[i];
                failure = std::move(why);
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < workers; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (!failure.empty())
        ADD_FAILURE() << "seed " << failed_seed << ": " << failure
                      << ". Replay: " << check::replay_command(failed_seed);
}

}  // namespace raftlab::sim
