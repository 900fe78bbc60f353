// raft/replication.cpp: AppendEntries, leader and follower sides (lab 6).
#include "raft/server.h"

#include "raftlab/todo.h"

namespace raftlab {

void Server::send_append_entries(NodeId peer) {
    // The entries from the follower's next_index on (at most
    // config_.max_entries_per_message), with the index and term just before them.
    todo("Server::send_append_entries");
}

void Server::stream_entries(NodeId peer) {
    // Lab 9, pipelining. Only for a follower in step (next_index == match_index + 1):
    // forget the in_flight requests that match_index now covers, then, while fewer than
    // config_.max_inflight_appends are unanswered and there are entries after
    // max(sent_up_to, match_index), send the next batch from there and remember where
    // it ends. Labs 6-8 never need it (their depth is 1); call it from submit() and
    // from a successful reply once you write it.
    todo("Server::stream_entries");
}

void Server::broadcast_append_entries() {
    // A new round to every follower; the next heartbeat is due one interval from now.
    todo("Server::broadcast_append_entries");
}

void Server::handle_append_entries(NodeId from, const AppendEntries& request) {
    // Refuse a stale term. Otherwise: follow this leader, push the election deadline
    // back, try the entries on your log (raft/log.h), persist what changed, learn the
    // commit index (lab 7), and reply.
    todo("Server::handle_append_entries");
}

void Server::handle_append_entries_reply(NodeId from, const AppendEntriesReply& reply) {
    // Leader only, current term only. Success: move match_index/next_index forward.
    // Rejection: move next_index back (never below 1) and try again. Beware of
    // replies that arrive late or twice. Lab 9: a rejection of a request of the stream
    // (a gap after a lost message) starts the stream again from match_index.
    todo("Server::handle_append_entries_reply");
}

}  // namespace raftlab
