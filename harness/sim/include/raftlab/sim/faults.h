// raftlab/sim/faults.h: fault schedules drawn from the seed.
//
// run_with_faults() runs a simulation for a stretch of virtual time while injecting
// random faults: partitions into two sides, isolated servers, crashes and restarts,
// and links that turn slow, lossy or duplicating. Every choice comes from the
// simulation's own generator, so the schedule is part of the seed. heal_everything()
// then undoes all of it, which is where a check starts its liveness bound.
#pragma once

#include <functional>
#include <vector>

#include "raftlab/sim/simulation.h"

namespace raftlab::sim {

struct FaultOptions {
    bool partitions = true;   ///< random two-sided splits and isolated servers
    bool crashes = true;      ///< crash and restart servers
    bool bad_links = true;    ///< slow, lossy and duplicating links
    /// Servers never crashed or isolated on purpose (labs 6-7 keep their designated
    /// leader up, because without elections nobody could replace it). They can still
    /// end up on the small side of a partition.
    std::vector<NodeId> protect;
    Time min_gap = 20 * kMillisecond;   ///< time between two faults, drawn uniformly
    Time max_gap = 400 * kMillisecond;
};

/// Runs `sim` for `duration` of virtual time with random faults. Before each fault
/// `between` is called (a check offers client commands there). Stops early if the
/// simulation fails. Returns the number of faults injected.
int run_with_faults(Simulation& sim, Time duration, const FaultOptions& options,
                    const std::function<void()>& between = {});

/// Ends every fault: heals the network, restores reliable default links and restarts
/// every crashed server.
void heal_everything(Simulation& sim);

}  // namespace raftlab::sim
