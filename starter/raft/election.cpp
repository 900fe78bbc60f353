// raft/election.cpp: RequestVote, candidate and voter sides (lab 8).
#include "raft/server.h"

#include "raft/quorum.h"
#include "raftlab/todo.h"

namespace raftlab {

void Server::start_election() { todo("Server::start_election"); }

bool Server::candidate_is_up_to_date(const RequestVote& request) const {
    todo("Server::candidate_is_up_to_date");
}

void Server::handle_request_vote(NodeId from, const RequestVote& request) {
    todo("Server::handle_request_vote");
}

void Server::handle_request_vote_reply(NodeId from, const RequestVoteReply& reply) {
    todo("Server::handle_request_vote_reply");
}

}  // namespace raftlab
