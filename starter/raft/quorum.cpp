// raft/quorum.cpp: majority arithmetic (lab 7). Contracts in raft/quorum.h.
#include "raft/quorum.h"

#include "raftlab/todo.h"

namespace raftlab {

bool is_majority(int count, int cluster_size) { todo("is_majority"); }

Index majority_match(std::vector<Index> match_indexes) {
    // Hint: sort, then think about which position a majority has reached.
    todo("majority_match");
}

}  // namespace raftlab
