// raft/commit.cpp: deciding what is committed, and applying it (lab 7).
#include "raft/server.h"

#include <algorithm>

#include "raft/quorum.h"

namespace raftlab {

void Server::advance_commit_index() {
    if (role_ != Role::leader) return;
    const Index candidate = quorum_match();  // lab 12: the voters of the configuration in use
    // The Figure 8 rule: a majority holding an entry of an older term does not make it
    // committed, because a later leader may still overwrite it. Only an entry of the
    // leader's own term is committed by counting; the older entries before it then
    // commit with it.
    if (candidate > commit_index_ && log_.term_at(candidate) == current_term_) {
        commit_index_ = candidate;
        apply_committed();
    }
    advance_membership();  // lab 12
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
