// raft/stability.cpp: PreVote and CheckQuorum (lab 13).
//
// Every function here is yours, except the first lines of adopts_term() and
// heard_from(): with config_.pre_vote and config_.check_quorum both off and no
// membership changes (labs 6-11) they keep plain Raft's rules, so your server of the
// earlier labs runs unchanged. Lab 12 needs the lease (hears_leader()) too.
// handouts/13-stability.md states the rules and the order to write them in.
#include "raft/server.h"

#include "raft/quorum.h"
#include "raftlab/todo.h"

namespace raftlab {

bool Server::adopts_term(const Message& message) const {
    if (!config_.pre_vote && !config_.check_quorum && !membership_changes())
        return true;  // plain Raft (written for you)
    // Lab 13: false for a pre-vote request, for a yes to our own pre-vote, and (with
    // check_quorum, or in lab 12) for a RequestVote that arrives while hears_leader().
    todo("Server::adopts_term");
}

void Server::heard_from(NodeId from, const Message& message) {
    if (!config_.pre_vote && !config_.check_quorum && !membership_changes())
        return;  // plain Raft (written for you)
    // Lab 13: for a message of our current term, note when we heard `from`
    // (peer_heard_at_), and when it is an AppendEntries, when we heard our leader
    // (leader_heard_at_).
    todo("Server::heard_from");
}

bool Server::hears_leader() const {
    // Lab 13: a leader hears itself; any other server hears a live leader when it
    // knows one and accepted its AppendEntries less than election_timeout_min ago.
    todo("Server::hears_leader");
}

void Server::start_pre_vote() {
    // Lab 13: restart the election timer, then ask every peer whether it would vote
    // for you in current_term_ + 1 (RequestVote with pre_vote set). Change no term and
    // no vote. A one-server cluster goes straight to start_election().
    todo("Server::start_pre_vote");
}

void Server::handle_pre_vote(NodeId from, const RequestVote& request) {
    // Lab 13: answer yes (with the request's term) only to a newer term, from a
    // candidate whose log is at least as up to date as yours, while you hear no live
    // leader; otherwise no, with your own term. Change nothing.
    todo("Server::handle_pre_vote");
}

void Server::handle_pre_vote_reply(NodeId from, const RequestVoteReply& reply) {
    // Lab 13: count the yes answers to your current pre-vote; at a majority (yourself
    // included) start the real election.
    todo("Server::handle_pre_vote_reply");
}

void Server::check_quorum() {
    // Lab 13, leader: if fewer than a majority (yourself included) were heard within
    // the last election_timeout_min, stop leading, in the same term and keeping your
    // vote.
    todo("Server::check_quorum");
}

}  // namespace raftlab
