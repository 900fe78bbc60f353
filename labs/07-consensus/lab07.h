// lab07.h: what the lab 7 checks share.
#pragma once

#include <memory>
#include <string>

#ifdef RAFTLAB_IN_PROCESS
#include "raft/quorum.h"
#include "raft/server.h"
#else
#include "raftlab/host/remote_node.h"
#endif
#include "raftlab/sim/faults.h"
#include "raftlab/sim/designated_leader.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/seeded.h"

namespace lab07 {

using namespace raftlab;
using namespace raftlab::sim;

/// The student's server: in a process of its own (the Raft host) when graded, in
/// this process in the fast variant for a student's own runs.
inline std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env,
                                             const PersistentState& restored) {
#ifdef RAFTLAB_IN_PROCESS
    return std::make_unique<Server>(config, env, restored);
#else
    return std::make_unique<host::RemoteNode>(RAFTLAB_RAFT_HOST, config, env, restored);
#endif
}

/// The student's quorum arithmetic (raft/quorum.h), answered by the Raft host.
inline bool is_majority(int count, int cluster_size) {
#ifdef RAFTLAB_IN_PROCESS
    return raftlab::is_majority(count, cluster_size);
#else
    return host::is_majority(RAFTLAB_RAFT_HOST, count, cluster_size);
#endif
}
inline Index majority_match(const std::vector<Index>& match_indexes) {
#ifdef RAFTLAB_IN_PROCESS
    return raftlab::majority_match(match_indexes);
#else
    return host::majority_match(RAFTLAB_RAFT_HOST, match_indexes);
#endif
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
