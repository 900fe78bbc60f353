// sample_run.h: the failing run the timeline tests draw (see hasty_node.h).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>

#include "hasty_node.h"
#include "raftlab/sim/simulation.h"

namespace raftlab::timeline_test {

/// Called after every step of the sample run, and after each fault and command the
/// scenario itself brings in: the moments at which the recorded state can be compared
/// with the servers themselves.
using Observer = std::function<void(const sim::Simulation&)>;

/// Runs `sim` for `duration`, offering a command to the leader (when there is one)
/// every 40 ms.
inline void run_with_commands(sim::Simulation& sim, Time duration, int& commands, const Observer& observe) {
    const Time end = sim.now() + duration;
    while (!sim.failed() && sim.now() < end) {
        const Time slice = std::min<Time>(end - sim.now(), 40 * kMillisecond);
        sim.run_until([&] {
            if (observe) observe(sim);
            return false;
        }, slice);
        if (sim.failed()) return;
        if (auto leader = sim.leader()) {
            sim.submit(*leader, fmt::format("set x{} = {}", commands, commands * 7));
            ++commands;
            if (observe) observe(sim);
        }
    }
}

/// Runs seed after seed (from 1) of HastyNode servers on a lossy network, with client
/// commands, one partition, a crash and a heal, and returns the first simulation in
/// which a property broke after all of those. `observe` (optional) sees every step
/// of every seed tried; a seed that is given up starts with a new Simulation.
/// Deterministic: always the same seed. Throws when none of `max_seeds` fails.
inline std::unique_ptr<sim::Simulation> first_failing_run(const Observer& observe = {}, int max_seeds = 500) {
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
        int commands = 1;
        auto after = [&] {
            if (observe) observe(*sim);
            return !sim->failed();
        };
        // Only a run that breaks after all of this is kept, so that its page shows
        // every kind of mark before the violation.
        run_with_commands(*sim, 500 * kMillisecond, commands, observe);
        if (sim->failed()) continue;
        sim->note("split the cluster");
        sim->partition({{0, 1}, {2, 3, 4}});
        run_with_commands(*sim, 400 * kMillisecond, commands, observe);
        if (sim->failed()) continue;
        sim->crash(4);
        if (!after()) continue;
        run_with_commands(*sim, 200 * kMillisecond, commands, observe);
        if (sim->failed()) continue;
        sim->restart(4);
        if (!after()) continue;
        sim->heal();
        run_with_commands(*sim, 2000 * kMillisecond, commands, observe);
        if (sim->failed()) return sim;
    }
    throw std::runtime_error("no seed of the hasty cluster broke a property after the heal");
}

}  // namespace raftlab::timeline_test
