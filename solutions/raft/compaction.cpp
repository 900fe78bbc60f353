// raft/compaction.cpp: snapshots and InstallSnapshot (lab 11).
//
// The state machine decides when to snapshot (RaftNode::snapshot); the server saves
// the snapshot and drops the entries it covers. A leader whose follower needs one of
// those entries sends the whole snapshot instead (InstallSnapshot), and the follower
// replaces its state machine with it.
#include "raft/server.h"

#include <algorithm>

namespace raftlab {

void Server::snapshot(Index index, std::string data) {
    // Only what was applied can be in the state machine's snapshot, and a snapshot
    // never moves back.
    if (index <= log_.snapshot_index() || index > last_applied_) return;
    Snapshot saved{index, log_.term_at(index), std::move(data)};
    env_.persist_snapshot(saved);  // durable first: then the entries may go
    log_.compact(saved.last_index, saved.last_term);
    snapshot_data_ = std::move(saved.data);
}

void Server::start_from_snapshot(const Snapshot& saved) {
    log_.compact(saved.last_index, saved.last_term);
    snapshot_data_ = saved.data;
    // A snapshot holds only applied, so committed, entries.
    commit_index_ = saved.last_index;
    last_applied_ = saved.last_index;
    env_.restore_snapshot(saved);
}

void Server::send_snapshot(NodeId peer) {
    Progress& p = progress_[static_cast<std::size_t>(peer)];
    InstallSnapshot request;
    request.term = current_term_;
    request.leader_id = config_.id;
    request.last_included_index = log_.snapshot_index();
    request.last_included_term = log_.snapshot_term();
    request.data = snapshot_data_;
    request.leader_commit = commit_index_;
    p.in_flight.clear();
    p.sent_up_to = std::max(p.sent_up_to, log_.snapshot_index());
    env_.send(peer, std::move(request));
}

void Server::handle_install_snapshot(NodeId from, const InstallSnapshot& request) {
    InstallSnapshotReply reply;
    reply.term = current_term_;
    if (request.term < current_term_ || role_ == Role::leader) {
        env_.send(from, reply);  // stale: our newer term tells it to step down
        return;
    }
    role_ = Role::follower;
    leader_id_ = request.leader_id;
    reset_election_timer();

    const Index index = request.last_included_index;
    if (index > commit_index_) {
        // Keep the entries after the snapshot only if our log agrees with it there;
        // otherwise they go, on disk too.
        const bool agrees = index <= log_.last_index() && log_.term_at(index) == request.last_included_term;
        const bool longer = log_.last_index() > index;
        Snapshot installed{index, request.last_included_term, request.data};
        env_.persist_snapshot(installed);
        if (!agrees && longer) env_.persist_log(index + 1, {});
        log_.compact(index, request.last_included_term);
        snapshot_data_ = request.data;
        commit_index_ = index;
        last_applied_ = index;
        env_.restore_snapshot(installed);
    }
    // Otherwise we hold everything it covers already (a late or duplicated request):
    // installing it would move the state machine back.
    reply.match_index = index;
    env_.send(from, reply);
}

void Server::handle_install_snapshot_reply(NodeId from, const InstallSnapshotReply& reply) {
    if (role_ != Role::leader || reply.term != current_term_) return;  // stale
    Progress& p = progress_[static_cast<std::size_t>(from)];
    p.match_index = std::max(p.match_index, reply.match_index);
    p.next_index = std::max(p.next_index, p.match_index + 1);
    advance_commit_index();
    stream_entries(from);  // in step now: what came after the snapshot
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
