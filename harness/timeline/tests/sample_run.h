// sample_run.h: the failing run the timeline tests draw (see hasty_node.h).
#pragma once

#include <memory>
#include <stdexcept>

#include "hasty_node.h"
#include "raftlab/sim/simulation.h"

namespace raftlab::timeline_test {

/// Runs seed after seed (from 1) of HastyNode servers on a lossy network with one
/// partition, a crash and a heal, and returns the first simulation in which a
/// property broke after all of those.
/// Deterministic: always the same seed. Throws when none of `max_seeds` fails.
inline std::unique_ptr<sim::Simulation> first_failing_run(int max_seeds = 500) {
    for (int seed = 1; seed <= max_seeds; ++seed) {
        sim::SimOptions options;
        options.servers = 5;
        options.seed = static_cast<std::uint64_t>(seed);
        options.record_timeline = true;
        options.server.election_timeout_min = 300 * kMillisecond;
        options.server.election_timeout_max = 330 * kMillisecond;
        options.link = sim::LinkParams{1 * kMillisecond, 12 * kMillisecond, 0.08, 0.02};
        auto sim = std::make_unique<sim::Simulation>(
            options, [](const ServerConfig& c, Env& env, const PersistentState& p) {
                return std::make_unique<HastyNode>(c, env, p);
            });
        // Only a run that breaks after all of this is kept, so that its page shows
        // every kind of mark before the violation.
        sim->run_for(500 * kMillisecond);
        if (sim->failed()) continue;
        sim->note("split the cluster");
        sim->partition({{0, 1}, {2, 3, 4}});
        sim->run_for(400 * kMillisecond);
        if (sim->failed()) continue;
        sim->crash(4);
        sim->run_for(200 * kMillisecond);
        if (sim->failed()) continue;
        sim->restart(4);
        sim->heal();
        sim->run_for(2000 * kMillisecond);
        if (sim->failed()) return sim;
    }
    throw std::runtime_error("no seed of the hasty cluster broke election safety");
}

}  // namespace raftlab::timeline_test
