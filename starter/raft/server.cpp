// raft/server.cpp: construction, event dispatch, timers and role changes.
//
// The construction, the dispatch of messages to their handlers, arm_timer() (which
// also reports role changes to the Env) and the inspection members are written for
// you. The role changes and the timer deadlines are yours (the handout of each lab
// says which). Every event you write ends with arm_timer().
#include "raft/server.h"

#include <type_traits>

#include "raftlab/todo.h"

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
    // Lab 6: a leader whose heartbeat is due sends AppendEntries to every follower
    // (that also resends whatever was lost). Lab 8: a follower or candidate whose
    // election deadline passed starts an election (only if config_.elections).
    // Lab 13: with config_.pre_vote it starts a pre-vote instead, and with
    // config_.check_quorum a leader first calls check_quorum(), which may end its
    // leadership. Lab 12: a server that is not a voter of configuration_ starts no
    // election; it only restarts its election timer. Finish with arm_timer().
    todo("Server::tick");
}

std::optional<Index> Server::submit(std::string command) {
    // Lab 6: only a leader accepts; append in the current term, persist, start
    // replicating, return the index. Lab 9: a follower in step gets the entry through
    // stream_entries(). Finish with arm_timer().
    todo("Server::submit");
}

void Server::become_leader() {
    // Lab 6: the next term, a vote for yourself (persisted), then take the lead.
    // Finish with arm_timer().
    todo("Server::become_leader");
}

void Server::step_down(Term term) {
    // Adopt `term`, forget the vote (persist both), become a follower with no known
    // leader. A leader that steps down also starts a fresh election timeout: its old
    // deadline went stale while it led (lab 9). From lab 9 on it also calls
    // abandon_reads(); before lab 9 that is a stub that throws, so leave the call out.
    todo("Server::step_down");
}

void Server::take_the_lead() {
    // Lab 6: become leader, reset every follower's progress (next_index just past
    // your last entry, match_index 0), and send AppendEntries to everyone.
    todo("Server::take_the_lead");
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
