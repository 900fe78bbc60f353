// raft/compaction.cpp: snapshots and InstallSnapshot (lab 11).
//
// Every function here is yours. None of them is reached in labs 6-10, which never
// take a snapshot. handouts/11-compaction.md states the rules and the order to write
// them in; raft/log.h states what Log::compact() must do.
#include "raft/server.h"

#include <algorithm>

#include "raftlab/todo.h"

namespace raftlab {

void Server::snapshot(Index index, std::string data) {
    // Lab 11: ignore an index at or below the current snapshot or above last_applied_.
    // Otherwise save the snapshot (Env::persist_snapshot, with the term of the entry
    // at `index`) before the log drops the entries it covers (Log::compact), and keep
    // `data` to send to followers.
    todo("Server::snapshot");
}

void Server::start_from_snapshot(const Snapshot& saved) {
    // Lab 11, called by the constructor on a restart from a saved snapshot: the log
    // starts after it, everything it covers counts as committed and applied, and the
    // state machine gets it (Env::restore_snapshot) before any apply().
    todo("Server::start_from_snapshot");
}

void Server::send_snapshot(NodeId peer) {
    // Lab 11, leader: the whole snapshot to `peer`, whose next_index is at or below
    // the snapshot. Called by send_append_entries() in place of an AppendEntries.
    todo("Server::send_snapshot");
}

void Server::handle_install_snapshot(NodeId from, const InstallSnapshot& request) {
    // Lab 11, follower: refuse a stale term as for AppendEntries. Otherwise it is the
    // leader of our term speaking (reset the election timer). A snapshot that covers
    // only what we have committed already changes nothing; a newer one is saved, may
    // drop the whole log (when our log disagrees with it), and replaces the state
    // machine. Either way answer with its last_included_index.
    todo("Server::handle_install_snapshot");
}

void Server::handle_install_snapshot_reply(NodeId from, const InstallSnapshotReply& reply) {
    // Lab 11, leader: ignore a stale reply; otherwise the follower holds everything
    // up to reply.match_index: update its progress, the commit index, and send what
    // comes after.
    todo("Server::handle_install_snapshot_reply");
}

}  // namespace raftlab
