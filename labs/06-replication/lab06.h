// lab06.h: what the lab 6 checks share: the server factory and the cluster setup.
#pragma once

#include <memory>
#include <string>

#ifdef RAFTLAB_IN_PROCESS
#include "raft/quorum.h"
#include "raft/server.h"
#else
#include "raftlab/host/remote_node.h"
#endif
#include "raftlab/sim/designated_leader.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/seeded.h"

namespace lab06 {

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

/// Five servers, elections off (the checks choose the leader), a reliable network.
inline SimOptions cluster(int servers = 5) { return designated_leader_cluster(servers); }

/// Runs until every up server's log equals `leader`'s, or `bound` of virtual time.
inline std::string converge(Simulation& sim, NodeId leader, Time bound, const char* what) {
    sim.run_until([&] { return logs_differ_from(sim, leader).empty(); }, bound);
    if (sim.failed()) return sim.failure();
    if (std::string d = logs_differ_from(sim, leader); !d.empty())
        return fmt::format("{} within {} ms of virtual time: {}", what, bound / kMillisecond, d);
    return {};
}

}  // namespace lab06
