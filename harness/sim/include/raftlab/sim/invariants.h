// raftlab/sim/invariants.h: Raft's safety properties, checked as a run goes.
//
// The simulator feeds this class every change it sees: each log change a server
// persists, each entry it applies, and its role, term and commit index after each
// event. Every method returns an empty string when all is well, or one sentence
// naming the broken property and the servers involved. Checking is incremental (work
// proportional to the change, not to the length of the logs), which is what lets it
// run after every single event. The properties, in the Raft paper's words:
//
//   election safety      at most one leader per term;
//   log matching         two logs with an entry of the same index and term are
//                        identical up to that index (checked on durable logs);
//   leader completeness  a leader's log holds every entry committed before it won,
//                        and no server ever removes or changes a committed entry;
//   state machine safety no two servers apply different entries at one index; each
//                        server applies indexes 1, 2, 3, ... once each, in order.
//
// Plus sanity rules every server obeys: its term never decreases, its commit index
// never decreases within one run of the server, and last_applied <= commit_index
// <= last log index.
//
// Lab 11, snapshots: the simulated state machine's state after index i is a text that
// names i and a hash of the committed entries 1 .. i (state_text()). A snapshot a
// server saves or restores must be exactly that state for its index, cover only
// committed entries, carry that entry's term, and never move back: state machine
// safety, for servers that skip entries.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "raftlab/raft/node.h"
#include "raftlab/raft/types.h"

namespace raftlab::sim {

class Invariants {
public:
    explicit Invariants(int servers);

    /// `node` is about to replace its durable log's suffix from `first` with
    /// `entries` (Env::persist_log); `durable` is its durable log before the change.
    std::string on_persist_log(NodeId node, const std::vector<LogEntry>& durable, Index first,
                               const std::vector<LogEntry>& entries);
    /// Env::persist_log on a simulated disk: on_persist_log(), then the log from
    /// `first` on replaced by `entries`. Returns the broken rule, or ""; a call whose
    /// `first` is 0 or leaves a gap changes nothing.
    std::string write_log(NodeId node, std::vector<LogEntry>& durable, Index first,
                          const std::vector<LogEntry>& entries);
    /// The same for a durable state with a snapshot (lab 11): its log starts after
    /// disk.snapshot.last_index.
    std::string write_log(NodeId node, PersistentState& disk, Index first, const std::vector<LogEntry>& entries);

    /// Lab 11, Env::persist_snapshot on a simulated disk: checks `snapshot`, then
    /// replaces disk.snapshot with it and drops the log entries it covers.
    std::string write_snapshot(NodeId node, PersistentState& disk, const Snapshot& snapshot);
    /// Lab 11, Env::restore_snapshot: `node`, having applied `applied` entries in its
    /// current life, replaces its state machine with `snapshot`.
    std::string on_restore_snapshot(NodeId node, Index applied, const Snapshot& snapshot) const;
    /// The simulated state machine's state after the committed entries 1 .. index
    /// (index <= committed().size()).
    std::string state_text(Index index) const;
    /// The same for any applied prefix: `digest` after `index` entries.
    static std::string state_text(Index index, std::uint64_t digest);
    /// The digest of the committed entries 1 .. index.
    std::uint64_t digest(Index index) const { return digests_.at(index); }
    /// The digest after one more entry.
    static std::uint64_t digest_after(std::uint64_t digest, const LogEntry& entry);

    /// `node` applies `entry` at `index`, having applied `applied_before` entries in its
    /// current life.
    std::string on_apply(NodeId node, Index applied_before, Index index, const LogEntry& entry);

    /// After an event at `node`: role, term and commit index rules.
    std::string on_state(NodeId node, const RaftNode& server);

    /// `node` restarted: its volatile history (commit index) starts over.
    void on_restart(NodeId node);

    /// Every entry known to be committed (applied by some server), by index - 1.
    const std::vector<LogEntry>& committed() const { return committed_; }

    /// The leader of `term`, if one was seen.
    NodeId leader_of(Term term) const;

private:
    struct Seen {
        Term term;
        std::size_t command_hash;
        Term prev_term;
        NodeId first_holder;
    };
    struct Observed {
        Role role = Role::follower;
        Term term = 0;
        Index commit = 0;
    };

    std::string check_leader_log(NodeId node, const RaftNode& server) const;
    std::string check_snapshot(NodeId node, const char* what, const Snapshot& snapshot) const;
    std::string persist_log(NodeId node, Index base, Term base_term, const std::vector<LogEntry>& durable,
                            Index first, const std::vector<LogEntry>& entries);

    std::vector<std::vector<Seen>> seen_;  // seen_[index]: the distinct terms at index
    std::vector<LogEntry> committed_;
    std::vector<NodeId> committed_by_;     // who applied each committed entry first
    std::vector<std::uint64_t> digests_{0};  // digests_[i]: the state after entries 1 .. i
    std::unordered_map<Term, NodeId> leaders_;
    std::vector<Observed> observed_;
};

}  // namespace raftlab::sim
