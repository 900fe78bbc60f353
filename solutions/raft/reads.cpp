// raft/reads.cpp: reads that cannot return stale data (lab 9).
//
// A leader that was cut off may not know a newer leader exists, so answering a read
// from its own state machine could return old data. Instead it notes the commit index
// when the read arrives, starts a new round of AppendEntries, and answers only when
// (1) a majority answered that round or a later one, which proves it was still leader
// after the read arrived, (2) it has committed an entry of its own term, so its commit
// index covers everything committed by earlier leaders, and (3) it has applied up to
// the noted index.
#include "raft/server.h"

#include <algorithm>

#include "raft/quorum.h"

namespace raftlab {

bool Server::read(ReadId id) {
    if (role_ != Role::leader) return false;
    reads_.push_back(PendingRead{id, commit_index_, round_ + 1});
    broadcast_append_entries();  // starts round round_ + 1
    confirm_reads();             // a one-server cluster needs nobody's answer
    arm_timer();
    return true;
}

void Server::confirm_reads() {
    if (role_ != Role::leader || reads_.empty()) return;
    if (log_.term_at(commit_index_) != current_term_) return;  // condition (2)
    auto answered = [&](const PendingRead& r) {
        std::vector<bool> confirmed(progress_.size(), false);
        for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
            confirmed[static_cast<std::size_t>(peer)] =
                peer == config_.id || progress_[static_cast<std::size_t>(peer)].acked_round >= r.round;
        return has_quorum(confirmed) && last_applied_ >= r.read_index;
    };
    std::vector<PendingRead> waiting;
    std::vector<ReadId> done;
    for (const PendingRead& r : reads_) (answered(r) ? done.push_back(r.id) : waiting.push_back(r));
    reads_ = std::move(waiting);
    for (ReadId id : done) env_.read_done(id, true);
}

void Server::abandon_reads() {
    std::vector<PendingRead> dropped = std::move(reads_);
    reads_.clear();
    for (const PendingRead& r : dropped) env_.read_done(r.id, false);
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
