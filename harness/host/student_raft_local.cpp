// student_raft_local.cpp: the student's Raft server compiled into the checks (the fast
// variant for a student's own runs; raftlab/host/student_raft.h). The only check file
// that includes the student's headers.
#include "raftlab/host/student_raft.h"

#include "raft/quorum.h"
#include "raft/server.h"
#include "raftlab/check/check.h"

namespace raftlab::student {
namespace {
// Seeds and search states run one at a time in this binary (raftlab/check/check.h).
const bool registered = (check::code_under_test_in_process() = true);
}  // namespace

std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env, const PersistentState& restored) {
    return std::make_unique<Server>(config, env, restored);
}

bool is_majority(int count, int cluster_size) { return raftlab::is_majority(count, cluster_size); }

Index majority_match(const std::vector<Index>& match_indexes) { return raftlab::majority_match(match_indexes); }

bool in_process() { return true; }

}  // namespace raftlab::student
