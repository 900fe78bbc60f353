// raftlab/host/student_raft.h: the student's Raft server as the checks of labs 6-9 and
// 13 reach it.
//
// Graded runs start it in a process of its own (the Raft host, through RemoteNode);
// the fast variant for a student's own runs compiles it into the checks. The checks
// themselves are compiled once for both: which of the two they get is decided when
// the check binary is linked, with student_raft_remote.cpp (the host) or
// student_raft_local.cpp (the student's files in this process). So every check file
// compiles the same in the isolated and the fast binary, and in every implementation's
// build, and the compiler cache serves it to all of them.
#pragma once

#include <memory>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/node.h"
#include "raftlab/raft/types.h"

namespace raftlab::student {

/// The student's raftlab::Server, acting through `env`.
std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env, const PersistentState& restored);

/// The student's quorum arithmetic (raft/quorum.h).
bool is_majority(int count, int cluster_size);
Index majority_match(const std::vector<Index>& match_indexes);

/// True in the fast variant: the student's code runs in this process, so seeds and
/// search states must run one at a time (the student's code may not be thread-safe).
bool in_process();

}  // namespace raftlab::student
