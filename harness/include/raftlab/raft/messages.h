// raftlab/raft/messages.h: the Raft messages servers exchange (four in labs 6-10,
// six with lab 11's InstallSnapshot and its reply).
//
// Framework-owned. The simulator carries these as typed C++ values (nothing is
// encoded on its hot path); the real runtime of lab 10 and the fault proxy carry them
// as JSON frames through raftlab/raft/codec.h. Every message carries the sender's
// term, which is how servers discover that they are out of date:
//
//   * a message with a higher term than the receiver's makes the receiver adopt that
//     term and become a follower before it does anything else;
//   * a request with a lower term is answered with a rejection carrying the
//     receiver's (newer) term, and a reply with a lower term is ignored.
//
// Field names follow Figure 2 of the Raft paper, written in snake_case.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "raftlab/raft/types.h"

namespace raftlab {

/// Leader -> follower: "here are entries after prev_log_index; I have committed up to
/// leader_commit". With no entries it is a heartbeat.
struct AppendEntries {
    Term term = 0;                 ///< the leader's current term
    NodeId leader_id = kNoNode;    ///< so followers know where to redirect clients
    Index prev_log_index = 0;      ///< the index just before `entries`
    Term prev_log_term = 0;        ///< the term of the entry at prev_log_index
    std::vector<LogEntry> entries; ///< may be empty (heartbeat)
    Index leader_commit = 0;       ///< the leader's commit index
    /// A number the leader chooses for this broadcast round, echoed unchanged in the
    /// reply. Lets a leader tell which round a reply answers, which a read that must
    /// not be stale needs (lab 9). Servers that do not care may leave it 0.
    std::uint64_t round = 0;

    friend bool operator==(const AppendEntries&, const AppendEntries&) = default;
};

/// Follower -> leader: the answer to one AppendEntries.
struct AppendEntriesReply {
    Term term = 0;           ///< the follower's current term (after any update)
    bool success = false;    ///< true when prev_log_index/prev_log_term matched
    /// When success: the index of the last entry the follower now shares with the
    /// leader (prev_log_index + the number of entries sent). When not: 0.
    Index match_index = 0;
    /// When !success: the prev_log_index of the request being rejected, so the leader
    /// can ignore a stale or duplicated rejection. When success: 0.
    Index rejected_index = 0;
    /// The follower's last log index: a hint that lets the leader skip straight back
    /// past a follower whose log is short, instead of one entry per round trip.
    Index last_log_index = 0;
    std::uint64_t round = 0; ///< copied from the request

    friend bool operator==(const AppendEntriesReply&, const AppendEntriesReply&) = default;
};

/// Candidate -> every other server: "vote for me in `term`".
///
/// Lab 13, PreVote: with pre_vote set it asks instead "would you vote for me in
/// `term`, if I started an election?". `term` is then the term the sender would
/// enter (its current term + 1), which neither side adopts: a pre-vote changes no
/// term and no vote, so a server that cannot win never raises anyone's term.
struct RequestVote {
    Term term = 0;                  ///< the candidate's term (pre-vote: the term it would enter)
    NodeId candidate_id = kNoNode;
    Index last_log_index = 0;       ///< the candidate's last log index ...
    Term last_log_term = 0;         ///< ... and its term (the up-to-date check)
    bool pre_vote = false;          ///< lab 13: a question, not an election

    friend bool operator==(const RequestVote&, const RequestVote&) = default;
};

/// Voter -> candidate: the answer to one RequestVote.
struct RequestVoteReply {
    Term term = 0;             ///< the voter's current term (after any update); for a
                               ///< granted pre-vote, the term of the request instead
    bool vote_granted = false;
    bool pre_vote = false;     ///< lab 13: answers a pre-vote (copied from the request)

    friend bool operator==(const RequestVoteReply&, const RequestVoteReply&) = default;
};

/// Lab 11, leader -> follower: "my log starts after a snapshot, and you need entries
/// it covers: here is the whole snapshot". Sent, whole, instead of an AppendEntries
/// when the follower's next_index is at or below the leader's snapshot.
struct InstallSnapshot {
    Term term = 0;                   ///< the leader's current term
    NodeId leader_id = kNoNode;
    Index last_included_index = 0;   ///< the snapshot covers entries 1 .. this index
    Term last_included_term = 0;     ///< the term of the entry at last_included_index
    std::string data;                ///< the state machine's state after that entry (text)
    Index leader_commit = 0;         ///< the leader's commit index

    friend bool operator==(const InstallSnapshot&, const InstallSnapshot&) = default;
};

/// Lab 11, follower -> leader: the answer to one InstallSnapshot.
struct InstallSnapshotReply {
    Term term = 0;            ///< the follower's current term (after any update)
    /// The index the follower now holds up to, as far as the snapshot tells: the
    /// request's last_included_index when it installed the snapshot or already had
    /// everything it covers. 0 when the request was refused (stale term).
    Index match_index = 0;

    friend bool operator==(const InstallSnapshotReply&, const InstallSnapshotReply&) = default;
};

/// Any Raft message. Dispatch with std::visit or std::get_if.
using Message = std::variant<AppendEntries, AppendEntriesReply, RequestVote, RequestVoteReply,
                             InstallSnapshot, InstallSnapshotReply>;

/// The term a message carries, whatever its kind.
inline Term term_of(const Message& m) {
    return std::visit([](const auto& msg) { return msg.term; }, m);
}

/// A short lowercase name for the message kind: "append_entries",
/// "append_entries_reply", "request_vote", "request_vote_reply", "install_snapshot"
/// or "install_snapshot_reply". Also the "type" field of the JSON encoding.
inline const char* kind_name(const Message& m) {
    static constexpr const char* names[] = {"append_entries",   "append_entries_reply",
                                            "request_vote",     "request_vote_reply",
                                            "install_snapshot", "install_snapshot_reply"};
    return names[m.index()];
}

}  // namespace raftlab
