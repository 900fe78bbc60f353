// raft/replication.cpp: AppendEntries, leader and follower sides (lab 6).
#include "raft/server.h"

#include <algorithm>

namespace raftlab {

void Server::send_append_entries(NodeId peer) {
    Progress& p = progress_[static_cast<std::size_t>(peer)];
    const Index prev = p.next_index - 1;
    AppendEntries request;
    request.term = current_term_;
    request.leader_id = config_.id;
    request.prev_log_index = prev;
    request.prev_log_term = log_.term_at(prev);
    request.entries = log_.entries_from(p.next_index, config_.max_entries_per_message);
    request.leader_commit = commit_index_;
    request.round = round_;
    p.sent_up_to = prev + request.entries.size();
    env_.send(peer, std::move(request));
}

void Server::broadcast_append_entries() {
    ++round_;
    heartbeat_due_ = env_.now() + config_.heartbeat_interval;
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
        if (peer != config_.id) send_append_entries(peer);
}

void Server::handle_append_entries(NodeId from, const AppendEntries& request) {
    AppendEntriesReply reply;
    reply.term = current_term_;
    reply.round = request.round;
    if (request.term < current_term_ || role_ == Role::leader) {
        // A deposed leader's request: the reply's newer term tells it to step down.
        // (Another leader of this very term cannot exist, so the second test is only a
        // guard.)
        reply.rejected_index = request.prev_log_index;
        reply.last_log_index = log_.last_index();
        env_.send(from, reply);
        return;
    }
    role_ = Role::follower;  // a candidate of this term yields to its leader
    leader_id_ = request.leader_id;
    reset_election_timer();

    // The first index this request really changes, if any: only that suffix needs to
    // reach the disk again.
    Index first_changed = 0;
    const Index prev = request.prev_log_index;
    if (prev <= log_.last_index() && log_.term_at(prev) == request.prev_log_term) {
        for (std::size_t k = 0; k < request.entries.size(); ++k) {
            const Index index = prev + 1 + k;
            if (index > log_.last_index() || log_.term_at(index) != request.entries[k].term) {
                first_changed = index;
                break;
            }
        }
    }
    if (log_.append_entries(prev, request.prev_log_term, request.entries) !=
        AppendResult::accepted) {
        reply.rejected_index = prev;
        reply.last_log_index = log_.last_index();
        env_.send(from, reply);
        return;
    }
    if (first_changed != 0) env_.persist_log(first_changed, log_.entries_from(first_changed));

    const Index match = prev + request.entries.size();
    // Only entries known to match the leader's log may be committed here: anything past
    // `match` may be a stale leftover of an older term.
    const Index commit = std::min(request.leader_commit, match);
    if (commit > commit_index_) {
        commit_index_ = commit;
        apply_committed();
    }
    reply.success = true;
    reply.match_index = match;
    reply.last_log_index = log_.last_index();
    env_.send(from, reply);
}

void Server::handle_append_entries_reply(NodeId from, const AppendEntriesReply& reply) {
    if (role_ != Role::leader || reply.term != current_term_) return;  // stale
    Progress& p = progress_[static_cast<std::size_t>(from)];
    p.acked_round = std::max(p.acked_round, reply.round);
    if (reply.success) {
        const bool advanced = reply.match_index > p.match_index;
        p.match_index = std::max(p.match_index, reply.match_index);
        p.next_index = std::max(p.next_index, p.match_index + 1);
        advance_commit_index();
        // Send the next batch at once, but only in answer to the latest request: replies
        // to older or duplicated requests would otherwise each start another stream of
        // requests, and under load the streams would multiply with every heartbeat.
        if (advanced && reply.match_index >= p.sent_up_to && p.next_index <= log_.last_index())
            send_append_entries(from);
    } else if (reply.rejected_index + 1 == p.next_index) {
        // Walk back one entry, or straight to the end of a short follower log, but
        // never below 1 and never below what is known to match.
        const Index back = std::min(reply.rejected_index, reply.last_log_index + 1);
        p.next_index = std::max({back, p.match_index + 1, Index{1}});
        send_append_entries(from);
    }
    // Any other rejection answers a request sent before next_index moved: ignore it.
    confirm_reads();
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
