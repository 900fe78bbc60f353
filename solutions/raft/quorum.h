// raft/quorum.h: majority arithmetic, kept apart so it can be tested on its own.
//
// Raft decides everything by majority: a candidate wins with votes from a majority,
// an entry is committed once a majority stores it, and a read is safe once a majority
// confirmed the leader. Any two majorities of one cluster share at least one server,
// and that shared server is what carries decisions from one term to the next.
#pragma once

#include <vector>

#include "raftlab/raft/types.h"

namespace raftlab {

/// True when `count` servers are a majority of a cluster of `cluster_size`:
/// count > cluster_size / 2. For 5 servers that is 3 or more; for 4 servers, 3.
bool is_majority(int count, int cluster_size);

/// Given one match index per server (the leader's own last index included), the
/// largest index that at least a majority of servers have reached. For
/// {7, 5, 5, 2, 0} that is 5. Returns 0 for an empty list. Does not look at terms:
/// whether that index may be committed is the caller's decision (the Figure 8 rule).
Index majority_match(std::vector<Index> match_indexes);

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
