// lab07.h: what the lab 7 checks share.
#pragma once

#include <memory>
#include <string>

#include "raft/quorum.h"
#include "raft/server.h"
#include "raftlab/sim/faults.h"
#include "raftlab/sim/designated_leader.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/seeded.h"

namespace lab07 {

using namespace raftlab;
using namespace raftlab::sim;

inline std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env,
                                             const PersistentState& restored) {
    return make_server_of<Server>(config, env, restored);
}

/// Five servers, elections off (the checks choose the leader), a reliable network.
inline SimOptions cluster(int servers = 5) { return designated_leader_cluster(servers); }

/// Runs until every up server applied `count` entries; "" or why not within `bound`.
inline std::string all_apply(Simulation& sim, Index count, Time bound, const char* what) {
    sim.run_until([&] { return sim.all_applied(count); }, bound);
    if (sim.failed()) return sim.failure();
    for (NodeId n = 0; n < sim.size(); ++n)
        if (sim.up(n) && sim.applied(n) < count)
            return fmt::format("{}: server {} applied {} of {} entries within {} ms of virtual time",
                               what, n, sim.applied(n), count, bound / kMillisecond);
    return {};
}

/// Designates the most up-to-date up server as leader, as an election would, and
/// returns it. Callers let terms spread first (a heartbeat) so the new term is the
/// highest.
inline NodeId designate(Simulation& sim) {
    const NodeId leader = most_up_to_date(sim);
    sim.become_leader(leader);
    return leader;
}

}  // namespace lab07
