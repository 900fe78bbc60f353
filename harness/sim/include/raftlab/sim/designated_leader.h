// raftlab/sim/designated_leader.h: the setup labs 6 and 7 share. Elections are off
// and the checks choose the leader (RaftNode::become_leader), so replication and
// commitment can be tested before the student has written elections.
#pragma once

#include <memory>

#include "raftlab/raft/node.h"
#include "raftlab/sim/simulation.h"

namespace raftlab::sim {

/// A factory for the simulator that builds the student's server type.
template <class ServerT>
std::unique_ptr<RaftNode> make_server_of(const ServerConfig& config, Env& env, const PersistentState& restored) {
    return std::make_unique<ServerT>(config, env, restored);
}

/// `servers` servers, elections off, a reliable network to start with.
inline SimOptions designated_leader_cluster(int servers = 5) {
    SimOptions o;
    o.servers = servers;
    o.server.elections = false;
    return o;
}

}  // namespace raftlab::sim
