// diverge.h: how lab 6's divergence checks make followers whose logs disagree with
// the leader's (shared by divergence_checks.cpp and a hidden check).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "lab06.h"

namespace lab06 {

/// Builds a divergence: server 0 leads term 1 and replicates `common` entries, then
/// takes `stale` more while cut off from everyone except `accomplices` (followers
/// that receive them too; at most one, so the old side stays a minority and cannot
/// commit them). Server 1 is then designated leader of term 2 and takes
/// `fresh` entries, and is designated once more (term 3); finally the network heals.
/// Returns "" or what went wrong.
inline std::string diverge(Simulation& sim, int common, int stale, int fresh,
                           const std::vector<NodeId>& accomplices) {
    sim.become_leader(0);
    if (std::string e = submit_many(sim, 0, common); !e.empty()) return e;
    if (std::string e = converge(sim, 0, 1 * kSecond, "replication stalled"); !e.empty()) return e;
    sim.run_for(100 * kMillisecond);  // every follower hears term 1 (a heartbeat at least)
    std::vector<NodeId> old_side{0};
    old_side.insert(old_side.end(), accomplices.begin(), accomplices.end());
    std::vector<NodeId> new_side;
    for (NodeId n = 1; n < sim.size(); ++n)
        if (std::find(accomplices.begin(), accomplices.end(), n) == accomplices.end())
            new_side.push_back(n);
    sim.partition({old_side, new_side});
    sim.note("old leader 0 takes commands nobody else will keep");
    if (std::string e = submit_many(sim, 0, stale, 1000); !e.empty()) return e;
    sim.run_for(300 * kMillisecond);
    sim.note("server 1 becomes leader of term 2");
    sim.become_leader(1);
    if (std::string e = submit_many(sim, 1, fresh, 2000); !e.empty()) return e;
    sim.run_for(sim.rng().uniform(50, 300) * kMillisecond);
    // Designated again (term 3), server 1 starts every follower just past its own log,
    // which runs past the point where the old side's logs diverge: once the network
    // heals, those followers refuse and the leader must walk back to where they agree.
    // (Designated once only, it would still be at the divergence point for them, and
    // a leader that ignores refusals would pass.)
    sim.note("server 1 is designated again, for term 3");
    sim.become_leader(1);
    sim.run_for(10 * kMillisecond);
    sim.heal();
    return {};
}

}  // namespace lab06
