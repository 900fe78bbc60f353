// raftlab/sim/designated_leader.h: the setup labs 6 and 7 share. Elections are off
// and the checks choose the leader (RaftNode::become_leader), so replication and
// commitment can be tested before the student has written elections.
#pragma once

#include <memory>

#include "raftlab/raft/node.h"
#include "raftlab/sim/simulation.h"

namespace raftlab::sim {

/// `servers` servers, elections off, a reliable network to start with.
inline SimOptions designated_leader_cluster(int servers = 5) {
    SimOptions o;
    o.servers = servers;
    o.server.elections = false;
    return o;
}

}  // namespace raftlab::sim
