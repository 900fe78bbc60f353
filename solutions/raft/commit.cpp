// raft/commit.cpp: deciding what is committed, and applying it (lab 7).
#include "raft/server.h"

#include <algorithm>

#include "raft/quorum.h"

namespace raftlab {

void Server::advance_commit_index() {
    if (role_ != Role::leader) return;
    std::vector<Index> match;
    match.reserve(progress_.size());
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
        match.push_back(peer == config_.id ? log_.last_index()
                                           : progress_[static_cast<std::size_t>(peer)].match_index);
    const Index candidate = majority_match(std::move(match));
    // The Figure 8 rule: a majority holding an entry of an older term does not make it
    // committed, because a later leader may still overwrite it. Only an entry of the
    // leader's own term is committed by counting; the older entries before it then
    // commit with it.
    if (candidate > commit_index_ && log_.term_at(candidate) == current_term_) {
        commit_index_ = candidate;
        apply_committed();
    }
}

void Server::apply_committed() {
    while (last_applied_ < commit_index_) {
        ++last_applied_;
        env_.apply(last_applied_, log_.at(last_applied_));
    }
    if (role_ == Role::leader) confirm_reads();
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
