// raft/stability.cpp: PreVote and CheckQuorum (lab 13).
//
// Plain Raft lets any server that stops hearing the leader start an election, and
// every server that sees its higher term steps down. When a server is cut off from
// the leader but not from the others (a partial partition), that is a livelock: it
// times out again and again, each time in a higher term, and each time it deposes a
// leader that was doing fine. Two additions stop it:
//   * PreVote: before raising its term, a server asks whether it could win. Nobody
//     says yes while they hear a live leader, or if its log is behind, so a server
//     that cannot win never raises anyone's term.
//   * CheckQuorum: a server that heard the leader of its term within the last
//     election_timeout_min ignores vote requests of higher terms (the leader's lease),
//     and a leader that has not heard from a majority for that long steps down, so a
//     leader the majority cannot hear does not keep the lease forever.
#include "raft/server.h"

#include "raft/quorum.h"

namespace raftlab {

bool Server::adopts_term(const Message& message) const {
    if (const auto* request = std::get_if<RequestVote>(&message)) {
        if (request->pre_vote) return false;  // a question changes no term
        // The lease holds (lab 12 keeps it too, so a removed server cannot depose anyone).
        if ((config_.check_quorum || membership_changes()) && hears_leader()) return false;
    }
    // A yes to our pre-vote carries the term we proposed, which is not ours yet.
    if (const auto* reply = std::get_if<RequestVoteReply>(&message))
        return !(reply->pre_vote && reply->vote_granted);
    return true;
}

void Server::heard_from(NodeId from, const Message& message) {
    if (!config_.pre_vote && !config_.check_quorum && !membership_changes()) return;  // plain Raft
    if (term_of(message) != current_term_) return;
    const Time now = env_.now();
    peer_heard_at_[static_cast<std::size_t>(from)] = now;
    if (std::holds_alternative<AppendEntries>(message)) leader_heard_at_ = now;
}

bool Server::hears_leader() const {
    if (role_ == Role::leader) return true;
    return leader_id_ != kNoNode && leader_heard_at_ >= 0 &&
           env_.now() - leader_heard_at_ < config_.election_timeout_min;
}

void Server::start_pre_vote() {
    reset_election_timer();  // no majority in time: ask again later
    pre_vote_term_ = current_term_ + 1;
    pre_votes_.assign(pre_votes_.size(), false);
    pre_votes_[static_cast<std::size_t>(config_.id)] = true;
    if (has_quorum(pre_votes_)) {
        pre_vote_term_ = 0;
        start_election();
        return;
    }
    const RequestVote request{pre_vote_term_, config_.id, log_.last_index(), log_.last_term(),
                              /*pre_vote=*/true};
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
        if (peer != config_.id) env_.send(peer, request);
}

void Server::handle_pre_vote(NodeId from, const RequestVote& request) {
    // Yes only to a term newer than ours, from a candidate whose log is at least as
    // up to date, while we hear no live leader. Nothing changes here: no term, no
    // vote, no timer.
    const bool yes = request.term > current_term_ && request.candidate_id == from &&
                     !hears_leader() && candidate_is_up_to_date(request);
    env_.send(from, RequestVoteReply{yes ? request.term : current_term_, yes, /*pre_vote=*/true});
}

void Server::handle_pre_vote_reply(NodeId from, const RequestVoteReply& reply) {
    if (!reply.vote_granted || role_ == Role::leader || pre_vote_term_ != current_term_ + 1 ||
        reply.term != pre_vote_term_ || hears_leader())
        return;
    pre_votes_[static_cast<std::size_t>(from)] = true;
    if (!has_quorum(pre_votes_)) return;
    pre_vote_term_ = 0;
    start_election();  // the real election, in the term the majority agreed to
}

void Server::check_quorum() {
    const Time now = env_.now();
    std::vector<bool> heard(peer_heard_at_.size(), false);
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer) {
        const Time at = peer_heard_at_[static_cast<std::size_t>(peer)];
        heard[static_cast<std::size_t>(peer)] =
            peer == config_.id || (at >= 0 && now - at < config_.election_timeout_min);
    }
    if (has_quorum(heard)) return;
    // Step down in the same term: keep the term and the vote (the vote for ourselves
    // in this term still counts), only stop leading.
    role_ = Role::follower;
    leader_id_ = kNoNode;
    abandon_reads();
    reset_election_timer();
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
