// raft/quorum.cpp: majority arithmetic.
#include "raft/quorum.h"

#include <algorithm>
#include <functional>

namespace raftlab {

bool is_majority(int count, int cluster_size) { return count > cluster_size / 2; }

Index majority_match(std::vector<Index> match_indexes) {
    if (match_indexes.empty()) return 0;
    // Sorted from high to low, the entry at position n/2 is reached by positions
    // 0 .. n/2, which is n/2 + 1 servers: a majority.
    std::sort(match_indexes.begin(), match_indexes.end(), std::greater<>{});
    return match_indexes[match_indexes.size() / 2];
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
