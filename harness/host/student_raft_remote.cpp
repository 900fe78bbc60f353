// student_raft_remote.cpp: the student's Raft server in the Raft host, one process per
// server (raftlab/host/student_raft.h). Linked into the graded (isolated) check binary
// of labs 6-9 and 13, which defines RAFTLAB_RAFT_HOST, the host's path.
#include "raftlab/host/student_raft.h"

#include "raftlab/check/check.h"
#include "raftlab/host/remote_node.h"

namespace raftlab::student {

std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env, const PersistentState& restored) {
    return std::make_unique<host::RemoteNode>(check::built_file(RAFTLAB_RAFT_HOST), config, env, restored);
}

bool is_majority(int count, int cluster_size) {
    return host::is_majority(check::built_file(RAFTLAB_RAFT_HOST), count, cluster_size);
}

Index majority_match(const std::vector<Index>& match_indexes) {
    return host::majority_match(check::built_file(RAFTLAB_RAFT_HOST), match_indexes);
}

bool in_process() { return false; }

}  // namespace raftlab::student
