// faults.cpp: random fault schedules drawn from the simulation's seed.
#include "raftlab/sim/faults.h"

#include <algorithm>

namespace raftlab::sim {
namespace {

bool is_protected(const FaultOptions& o, NodeId n) {
    return std::find(o.protect.begin(), o.protect.end(), n) != o.protect.end();
}

/// A random server that is not protected, or kNoNode when all are.
NodeId pick(Simulation& sim, const FaultOptions& o) {
    std::vector<NodeId> choices;
    for (NodeId n = 0; n < sim.size(); ++n)
        if (!is_protected(o, n)) choices.push_back(n);
    if (choices.empty()) return kNoNode;
    return choices[static_cast<std::size_t>(sim.rng().uniform(0, static_cast<std::int64_t>(choices.size()) - 1))];
}

void inject_one(Simulation& sim, const FaultOptions& o) {
    Rng& rng = sim.rng();
    switch (rng.uniform(0, 5)) {
        case 0:
            if (o.partitions) {
                std::vector<NodeId> a, b;
                for (NodeId n = 0; n < sim.size(); ++n) (rng.chance(0.5) ? a : b).push_back(n);
                sim.partition({a, b});
            }
            break;
        case 1:
            if (NodeId n = pick(sim, o); o.partitions && n != kNoNode) sim.isolate(n);
            break;
        case 2:
            if (NodeId n = pick(sim, o); o.crashes && n != kNoNode) sim.crash(n);
            break;
        case 3:
            if (o.crashes) sim.restart(static_cast<NodeId>(rng.uniform(0, sim.size() - 1)));
            break;
        case 4:
            if (o.bad_links)
                sim.set_all_links(LinkParams{1 * kMillisecond, rng.uniform(2, 50) * kMillisecond,
                                             static_cast<double>(rng.uniform(0, 30)) / 100.0,
                                             static_cast<double>(rng.uniform(0, 30)) / 100.0});
            break;
        default: sim.heal(); break;
    }
}

}  // namespace

int run_with_faults(Simulation& sim, Time duration, const FaultOptions& options,
                    const std::function<void()>& between) {
    const Time end = sim.now() + duration;
    int faults = 0;
    while (sim.now() < end && !sim.failed()) {
        if (between) between();
        inject_one(sim, options);
        ++faults;
        const Time gap = sim.rng().uniform(options.min_gap, std::max(options.min_gap, options.max_gap));
        sim.run_for(std::min(gap, end - sim.now()));
    }
    return faults;
}

void heal_everything(Simulation& sim) {
    sim.note("every fault ends: heal, reliable links, restart crashed servers");
    sim.heal();
    sim.set_all_links(LinkParams{});
    for (NodeId n = 0; n < sim.size(); ++n) sim.restart(n);
}

}  // namespace raftlab::sim
