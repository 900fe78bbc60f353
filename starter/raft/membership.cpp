// raft/membership.cpp: adding and removing servers, one at a time (lab 12).
//
// Every function here is yours, except the first line of track_configuration():
// with config_.voters empty (every lab but 12) the configuration is all of 0 ..
// cluster_size-1, set by the constructor, and it never changes. handouts/12-membership.md
// states the rules and the order to write them in. Lab 12 also asks you to change
// code of earlier labs: count votes, commits, reads (and lab 13's quorums) with
// has_quorum() or quorum_match(), replicate only to members, and start elections only
// as a voter.
#include "raft/server.h"

#include <algorithm>

#include "raft/quorum.h"
#include "raftlab/todo.h"

namespace raftlab {

void Server::track_configuration(Index first) {
    if (!membership_changes()) return;  // everyone votes, always (written for you)
    // Lab 12: the log changed from index `first` on (new entries, or entries replaced
    // by a leader's). Make configuration_ the last configuration entry in the log
    // (parse_configuration), and configuration_index_ its index. When the entry it
    // came from was replaced or cut, look again: the first configuration if no entry
    // in the log is one.
    todo("Server::track_configuration");
}

bool Server::has_quorum(const std::vector<bool>& agree) const {
    // Lab 12: agree[id] says whether server `id` agrees; true when a majority of the
    // voters of configuration_ agree. Nobody else counts.
    todo("Server::has_quorum");
}

Index Server::quorum_match() const {
    // Lab 12: the highest index a majority of the voters hold (majority_match over
    // their match indexes, your own last index if you are a voter yourself).
    todo("Server::quorum_match");
}

bool Server::may_change() const {
    // Lab 12: only a leader whose last configuration is committed, and which has
    // committed an entry of its own term, may start a change.
    todo("Server::may_change");
}

std::optional<Index> Server::append_configuration(Configuration next) {
    // Lab 12: append `next` as a configuration entry (encode_configuration) the way
    // submit() appends a command, and return its index.
    todo("Server::append_configuration");
}

std::optional<Index> Server::add_server(NodeId id) {
    // Lab 12: refuse (std::nullopt) unless may_change(), `id` is a server of the
    // cluster and not a member, and no learner is waiting. Otherwise start its
    // progress afresh and append a configuration with `id` as a learner.
    todo("Server::add_server");
}

std::optional<Index> Server::remove_server(NodeId id) {
    // Lab 12: refuse unless may_change() and `id` is a member (never the last voter).
    // Otherwise append the configuration without it. `id` may be you.
    todo("Server::remove_server");
}

void Server::advance_membership() {
    // Lab 12, leader, once its last configuration is committed: if that configuration
    // no longer has you, stop leading (you are done). Otherwise, once an entry of your
    // term is committed, make a learner that holds every committed entry a voter.
    todo("Server::advance_membership");
}

}  // namespace raftlab
