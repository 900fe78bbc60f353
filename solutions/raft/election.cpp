// raft/election.cpp: RequestVote, candidate and voter sides (lab 8).
#include "raft/server.h"

#include "raft/quorum.h"

namespace raftlab {

void Server::start_election() {
    ++current_term_;
    voted_for_ = config_.id;
    env_.persist_term_and_vote(current_term_, voted_for_);  // before asking anyone
    role_ = Role::candidate;
    leader_id_ = kNoNode;
    votes_.assign(votes_.size(), false);
    votes_[static_cast<std::size_t>(config_.id)] = true;
    reset_election_timer();  // a split vote times out and tries again, in a new term
    if (has_quorum(votes_)) {
        take_the_lead();
        submit("");  // the no-op of a new leader
        return;
    }
    const RequestVote request{current_term_, config_.id, log_.last_index(), log_.last_term()};
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
        if (peer != config_.id) env_.send(peer, request);
}

bool Server::candidate_is_up_to_date(const RequestVote& request) const {
    // Section 5.4.1: compare last terms first; only with equal last terms does the
    // longer log win. Ties go to the candidate.
    if (request.last_log_term != log_.last_term()) return request.last_log_term > log_.last_term();
    return request.last_log_index >= log_.last_index();
}

void Server::handle_request_vote(NodeId from, const RequestVote& request) {
    RequestVoteReply reply{current_term_, false};
    const bool free_to_vote = voted_for_ == kNoNode || voted_for_ == request.candidate_id;
    if (request.term == current_term_ && role_ == Role::follower && free_to_vote &&
        request.candidate_id == from && candidate_is_up_to_date(request)) {
        voted_for_ = from;
        env_.persist_term_and_vote(current_term_, voted_for_);  // durable before the reply
        reply.vote_granted = true;
        reset_election_timer();
    }
    env_.send(from, reply);
}

void Server::handle_request_vote_reply(NodeId from, const RequestVoteReply& reply) {
    if (role_ != Role::candidate || reply.term != current_term_ || !reply.vote_granted) return;
    votes_[static_cast<std::size_t>(from)] = true;
    if (!has_quorum(votes_)) return;  // lab 12: only the voters of the configuration count
    take_the_lead();
    // A no-op in the new term: committing it commits every older entry before it
    // (which the Figure 8 rule forbids committing by counting), and lets reads proceed.
    submit("");
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
