// raft/replication.cpp: AppendEntries, leader and follower sides (lab 6).
#include "raft/server.h"

#include <algorithm>

namespace raftlab {

void Server::send_append_entries(NodeId peer) {
    Progress& p = progress_[static_cast<std::size_t>(peer)];
    if (p.next_index <= log_.snapshot_index()) {
        send_snapshot(peer);  // lab 11: the entries it needs are gone from our log
        return;
    }
    const Index prev = p.next_index - 1;
    AppendEntries request;
    request.term = current_term_;
    request.leader_id = config_.id;
    request.prev_log_index = prev;
    request.prev_log_term = log_.term_at(prev);
    request.entries = log_.entries_from(p.next_index, config_.max_entries_per_message);
    request.leader_commit = commit_index_;
    request.round = round_;
    // A heartbeat to a follower in step must not pull the stream back (stream_entries
    // continues after the furthest entry sent); after a rejection the caller has set
    // sent_up_to back itself.
    p.sent_up_to = std::max(p.sent_up_to, prev + request.entries.size());
    env_.send(peer, std::move(request));
}

void Server::stream_entries(NodeId peer) {
    Progress& p = progress_[static_cast<std::size_t>(peer)];
    // A follower that is not in step is being probed: one request at a time, each sent
    // in answer to the reply to the last one (or by the heartbeat).
    if (role_ != Role::leader || p.next_index != p.match_index + 1 || p.next_index <= log_.snapshot_index())
        return;  // (lab 12: a leader that just removed itself sends no more)
    std::erase_if(p.in_flight, [&](Index end) { return end <= p.match_index; });
    const std::size_t depth = std::max<std::size_t>(1, config_.max_inflight_appends);
    while (p.in_flight.size() < depth && std::max(p.sent_up_to, p.match_index) < log_.last_index()) {
        const Index prev = std::max(p.sent_up_to, p.match_index);
        AppendEntries request;
        request.term = current_term_;
        request.leader_id = config_.id;
        request.prev_log_index = prev;
        request.prev_log_term = log_.term_at(prev);
        request.entries = log_.entries_from(prev + 1, config_.max_entries_per_message);
        request.leader_commit = commit_index_;
        request.round = round_;
        p.sent_up_to = prev + request.entries.size();
        p.in_flight.push_back(p.sent_up_to);
        env_.send(peer, std::move(request));
    }
}

void Server::broadcast_append_entries() {
    ++round_;
    heartbeat_due_ = env_.now() + config_.heartbeat_interval;
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
        if (peer != config_.id && configuration_.is_member(peer)) send_append_entries(peer);
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
    // reach the disk again. (Lab 11: entries our snapshot covers are skipped; they
    // are committed, so they are ours already.)
    Index first_changed = 0;
    const Index prev = request.prev_log_index;
    const Index base = log_.snapshot_index();
    const std::size_t skip = prev < base ? std::min<std::size_t>(base - prev, request.entries.size()) : 0;
    const Term prev_term = skip > 0 ? request.entries[skip - 1].term : request.prev_log_term;
    if (prev + skip >= base && prev + skip <= log_.last_index() && log_.term_at(prev + skip) == prev_term) {
        for (std::size_t k = skip; k < request.entries.size(); ++k) {
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
    if (first_changed != 0) {
        env_.persist_log(first_changed, log_.entries_from(first_changed));
        track_configuration(first_changed);  // lab 12
    }

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
    if (!configuration_.is_member(from)) return;  // lab 12: removed since it was asked
    Progress& p = progress_[static_cast<std::size_t>(from)];
    p.acked_round = std::max(p.acked_round, reply.round);
    if (reply.success) {
        p.match_index = std::max(p.match_index, reply.match_index);
        p.next_index = std::max(p.next_index, p.match_index + 1);
        advance_commit_index();
        // Send what is new, but only as far as the pipeline has room: a reply to an
        // older or duplicated request frees no slot, so it cannot start a second stream
        // (under load the streams would otherwise multiply with every heartbeat).
        stream_entries(from);
    } else if (reply.rejected_index + 1 == p.next_index) {
        // Walk back one entry, or straight to the end of a short follower log, but
        // never below 1 and never below what is known to match.
        const Index back = std::min(reply.rejected_index, reply.last_log_index + 1);
        p.next_index = std::max({back, p.match_index + 1, Index{1}});
        p.in_flight.clear();
        p.sent_up_to = p.next_index - 1;
        send_append_entries(from);
    } else if (p.next_index == p.match_index + 1 && reply.rejected_index > p.match_index &&
               reply.rejected_index <= p.sent_up_to) {
        // Lab 9: a request of the stream found a gap before it, because an earlier one
        // was lost or overtaken. Everything after match_index is in doubt: stream again
        // from there.
        p.in_flight.clear();
        p.sent_up_to = p.match_index;
        stream_entries(from);
    }
    // Any other rejection answers a request sent before next_index moved: ignore it.
    confirm_reads();
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
