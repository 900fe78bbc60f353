// raft/server.cpp: construction, event dispatch, timers and role changes.
#include "raft/server.h"

#include <stdexcept>
#include <type_traits>

namespace raftlab {

Server::Server(ServerConfig config, Env& env, const PersistentState& restored)
    : config_(config),
      env_(env),
      current_term_(restored.current_term),
      voted_for_(restored.voted_for),
      votes_(static_cast<std::size_t>(config.cluster_size), false),
      progress_(static_cast<std::size_t>(config.cluster_size)),
      peer_heard_at_(static_cast<std::size_t>(config.cluster_size), -1),
      pre_votes_(static_cast<std::size_t>(config.cluster_size), false) {
    configuration_ = first_configuration(config_);  // lab 12: the voters named, or everyone
    if (restored.snapshot.last_index > 0) start_from_snapshot(restored.snapshot);  // lab 11
    for (const LogEntry& entry : restored.log) log_.append(entry);
    track_configuration(log_.snapshot_index() + 1);  // lab 12: the last one in the log
    reset_election_timer();
}

void Server::receive(NodeId from, const Message& message) {
    if (from < 0 || from >= config_.cluster_size || from == config_.id) return;
    // The rule for all servers: a higher term makes us a follower of that term first
    // (lab 13: unless adopts_term() names the message as an exception).
    if (term_of(message) > current_term_ && adopts_term(message)) step_down(term_of(message));
    heard_from(from, message);
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, AppendEntries>) handle_append_entries(from, m);
            if constexpr (std::is_same_v<T, AppendEntriesReply>) handle_append_entries_reply(from, m);
            if constexpr (std::is_same_v<T, RequestVote>) {
                if (m.pre_vote)
                    handle_pre_vote(from, m);
                else
                    handle_request_vote(from, m);
            }
            if constexpr (std::is_same_v<T, RequestVoteReply>) {
                if (m.pre_vote)
                    handle_pre_vote_reply(from, m);
                else
                    handle_request_vote_reply(from, m);
            }
            if constexpr (std::is_same_v<T, InstallSnapshot>) handle_install_snapshot(from, m);
            if constexpr (std::is_same_v<T, InstallSnapshotReply>) handle_install_snapshot_reply(from, m);
        },
        message);
    arm_timer();
}

void Server::tick() {
    const Time now = env_.now();
    if (role_ == Role::leader && config_.check_quorum) check_quorum();  // may step down
    if (role_ == Role::leader) {
        if (now >= heartbeat_due_) broadcast_append_entries();
    } else if (config_.elections && now >= election_deadline_) {
        if (!configuration_.is_voter(config_.id))
            reset_election_timer();  // lab 12: only a voter stands; look again later
        else if (config_.pre_vote)
            start_pre_vote();  // lab 13: ask first, raise the term only if we could win
        else
            start_election();
    }
    arm_timer();
}

std::optional<Index> Server::submit(std::string command) {
    if (role_ != Role::leader) return std::nullopt;
    const Index index = log_.append(LogEntry{current_term_, std::move(command)});
    env_.persist_log(index, {log_.at(index)});
    track_configuration(index);  // lab 12: a configuration counts from the moment it is in the log
    // A follower in step gets the new entry at once if its pipeline has room (else it
    // goes with the next batch, when a reply frees a slot). One being probed gets it
    // only if it was fully caught up; the others are fed by their replies or the
    // next heartbeat, one request at a time.
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer) {
        if (peer == config_.id || !configuration_.is_member(peer)) continue;
        const Progress& p = progress_[static_cast<std::size_t>(peer)];
        if (p.next_index == p.match_index + 1)
            stream_entries(peer);
        else if (p.next_index == index)
            send_append_entries(peer);
    }
    advance_commit_index();  // a one-server cluster commits on its own
    arm_timer();
    return index;
}

void Server::become_leader() {
    ++current_term_;
    voted_for_ = config_.id;
    env_.persist_term_and_vote(current_term_, voted_for_);
    take_the_lead();
    arm_timer();
}

void Server::step_down(Term term) {
    const bool was_leader = role_ == Role::leader;
    current_term_ = term;
    voted_for_ = kNoNode;
    env_.persist_term_and_vote(current_term_, voted_for_);
    role_ = Role::follower;
    leader_id_ = kNoNode;
    if (was_leader) {
        abandon_reads();
        reset_election_timer();  // give the new leader time to make itself heard
    }
}

void Server::take_the_lead() {
    role_ = Role::leader;
    leader_id_ = config_.id;
    // Optimistic start: assume every follower has the whole log; a rejection walks
    // next_index back until the logs agree.
    for (Progress& p : progress_) {
        p = Progress{};
        p.next_index = log_.last_index() + 1;
    }
    broadcast_append_entries();
    advance_commit_index();
}

void Server::reset_election_timer() {
    election_deadline_ =
        env_.now() + env_.random(config_.election_timeout_min, config_.election_timeout_max);
}

void Server::arm_timer() {
    if (role_ == Role::leader)
        env_.set_timer(heartbeat_due_);
    else if (config_.elections)
        env_.set_timer(election_deadline_);
    // Every event ends here, so this is where a change of role, term or leader is
    // reported (raftlab/raft/env.h), once per change.
    if (!reported_ || role_ != reported_role_ || current_term_ != reported_term_ ||
        leader_id_ != reported_leader_) {
        reported_ = true;
        reported_role_ = role_;
        reported_term_ = current_term_;
        reported_leader_ = leader_id_;
        env_.role_changed(role_, current_term_, leader_id_);
    }
}

Index Server::next_index(NodeId peer) const {
    if (role_ != Role::leader || peer == config_.id || peer < 0 || peer >= config_.cluster_size)
        return 0;
    return progress_[static_cast<std::size_t>(peer)].next_index;
}

Index Server::match_index(NodeId peer) const {
    if (role_ != Role::leader || peer == config_.id || peer < 0 || peer >= config_.cluster_size)
        return 0;
    return progress_[static_cast<std::size_t>(peer)].match_index;
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
