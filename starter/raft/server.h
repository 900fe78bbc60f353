// raft/server.h: one Raft server (labs 6-9), driven by events.
//
// The server implements raftlab::RaftNode (raftlab/raft/node.h): the simulator, and in
// lab 10 the real runtime, call receive(), tick(), submit() and read(); the server
// answers only through its Env (raftlab/raft/env.h). It never blocks, sleeps, or
// touches sockets, threads or the wall clock, which is why a failing run replays
// exactly from its seed.
//
// The work is split by topic, one file each, in the order the labs build it:
//
//   server.cpp       construction, event dispatch, timers, the role changes every
//                    lab needs (step down on a higher term, take the lead)
//   replication.cpp  lab 6: AppendEntries on both sides; next/match index per
//                    follower; backtracking after a rejection
//   commit.cpp       lab 7: the commit index from a majority (Figure 8 rule) and
//                    applying committed entries in order, exactly once
//   election.cpp     lab 8: RequestVote, one vote per term, the up-to-date check
//   reads.cpp        lab 9: reads that cannot be stale
//   compaction.cpp   lab 11: snapshots; InstallSnapshot to a follower that needs
//                    entries the leader's log no longer holds
//   membership.cpp   lab 12: adding and removing servers one at a time, with the
//                    configuration kept in the log
//   stability.cpp    lab 13: PreVote and CheckQuorum, so that a server cut off
//                    from the leader cannot depose it
//   quorum.h/.cpp    majority arithmetic
//
// Rules that hold across all of them (the paper's "rules for all servers"):
//   * Any message with a term above current_term makes this server adopt that term,
//     forget its vote and become a follower, before the message is handled (lab 13
//     names the exceptions: pre-votes, and vote requests during a leader's lease).
//   * A request with a term below current_term is refused with the current term; a
//     reply with a stale term is ignored.
//   * current_term, voted_for and the log are persisted through the Env before any
//     message that depends on them is sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "raft/log.h"
#include "raftlab/raft/env.h"
#include "raftlab/raft/messages.h"
#include "raftlab/raft/node.h"

namespace raftlab {

class Server final : public RaftNode {
public:
    /// A server with the given configuration, acting through `env` (which must outlive
    /// it), starting from `restored`: empty on the first start, and what it persisted
    /// before a crash on a restart. It starts as a follower with commit index and
    /// last applied 0: volatile state is not restored, it is learned again.
    Server(ServerConfig config, Env& env, const PersistentState& restored);

    // ---- events (contracts in raftlab/raft/node.h) -------------------------------
    void receive(NodeId from, const Message& message) override;
    void tick() override;
    std::optional<Index> submit(std::string command) override;
    bool read(ReadId id) override;
    void become_leader() override;
    void snapshot(Index index, std::string data) override;  // lab 11
    std::optional<Index> add_server(NodeId id) override;     // lab 12
    std::optional<Index> remove_server(NodeId id) override;  // lab 12

    // ---- read-only inspection -----------------------------------------------------
    Role role() const override { return role_; }
    Term current_term() const override { return current_term_; }
    NodeId voted_for() const override { return voted_for_; }
    NodeId leader_id() const override { return leader_id_; }
    Index commit_index() const override { return commit_index_; }
    Index last_applied() const override { return last_applied_; }
    Index last_log_index() const override { return log_.last_index(); }
    Index snapshot_index() const override { return log_.snapshot_index(); }
    Term snapshot_term() const override { return log_.snapshot_term(); }
    Configuration configuration() const override { return configuration_; }
    const LogEntry& log_entry(Index index) const override { return log_.at(index); }
    Index next_index(NodeId peer) const override;
    Index match_index(NodeId peer) const override;

private:
    /// What a leader knows about one follower. Reset every time it takes the lead.
    struct Progress {
        Index next_index = 1;            ///< the next entry to send; always >= 1
        Index match_index = 0;           ///< highest entry known to be replicated there
        Index sent_up_to = 0;            ///< last index covered by the requests sent so far
        std::uint64_t acked_round = 0;   ///< highest broadcast round it answered
        /// Lab 9, pipelining: the last index of each request of the stream that is not
        /// answered yet, oldest first (at most config_.max_inflight_appends).
        std::vector<Index> in_flight;
    };
    /// A read waiting until it cannot be stale (reads.cpp).
    struct PendingRead {
        ReadId id;
        Index read_index;         ///< commit index when the read arrived
        std::uint64_t round;      ///< the first broadcast round started after it arrived
    };

    // server.cpp: roles and timers.
    void step_down(Term term);          // adopt a higher term as a follower
    void take_the_lead();               // become leader of current_term_
    void reset_election_timer();
    void arm_timer();                   // ask the Env for the next tick; report role changes

    // replication.cpp (lab 6).
    void send_append_entries(NodeId peer);
    void stream_entries(NodeId peer);   // lab 9: new entries, up to the pipeline's depth
    void broadcast_append_entries();    // starts a new round; also the heartbeat
    void handle_append_entries(NodeId from, const AppendEntries& request);
    void handle_append_entries_reply(NodeId from, const AppendEntriesReply& reply);

    // commit.cpp (lab 7).
    void advance_commit_index();        // leader: from the followers' match indexes
    void apply_committed();             // every server: last_applied up to commit_index

    // election.cpp (lab 8).
    void start_election();
    void handle_request_vote(NodeId from, const RequestVote& request);
    void handle_request_vote_reply(NodeId from, const RequestVoteReply& reply);
    bool candidate_is_up_to_date(const RequestVote& request) const;

    // reads.cpp (lab 9).
    void confirm_reads();               // answer reads that are now safe
    void abandon_reads();               // no longer leader: answer "not ok"

    // compaction.cpp (lab 11). Labs 6-10 never take a snapshot, so none of these is
    // reached there.
    void start_from_snapshot(const Snapshot& saved);  // the constructor, after a restart
    void send_snapshot(NodeId peer);    // leader: the peer needs entries we compacted
    void handle_install_snapshot(NodeId from, const InstallSnapshot& request);
    void handle_install_snapshot_reply(NodeId from, const InstallSnapshotReply& reply);

    // membership.cpp (lab 12). With config_.voters empty (every other lab) the
    // configuration is all of 0 .. cluster_size-1 and never changes.
    bool membership_changes() const { return !config_.voters.empty(); }
    void track_configuration(Index first);  // the log changed from `first` on
    bool has_quorum(const std::vector<bool>& agree) const;  // a majority of the voters?
    Index quorum_match() const;         // leader: the highest index a majority of voters hold
    bool may_change() const;            // leader: no change under way, own term committed
    std::optional<Index> append_configuration(Configuration next);
    void advance_membership();          // leader: promote a learner, or leave once removed

    // stability.cpp (lab 13). With config_.pre_vote and config_.check_quorum off (labs
    // 6-10) none of these may change anything.
    bool adopts_term(const Message& message) const;  // may its higher term depose us?
    void heard_from(NodeId from, const Message& message);  // every message of our term
    bool hears_leader() const;          // within the lease of a live leader
    void start_pre_vote();              // the election timeout passed, pre_vote on
    void handle_pre_vote(NodeId from, const RequestVote& request);
    void handle_pre_vote_reply(NodeId from, const RequestVoteReply& reply);
    void check_quorum();                // leader: step down without a majority

    ServerConfig config_;
    Env& env_;
    Log log_;

    // Persistent state (mirrored to the Env before it is relied upon).
    Term current_term_ = 0;
    NodeId voted_for_ = kNoNode;

    // Volatile state.
    Role role_ = Role::follower;
    NodeId leader_id_ = kNoNode;
    Index commit_index_ = 0;
    Index last_applied_ = 0;
    Time election_deadline_ = 0;
    Time heartbeat_due_ = 0;
    std::vector<bool> votes_;           // candidate: who granted a vote this term
    std::vector<Progress> progress_;    // leader: one per server (own entry unused)
    std::uint64_t round_ = 0;           // leader: the last broadcast round started
    std::vector<PendingRead> reads_;    // leader: reads not answered yet
    Time leader_heard_at_ = -1;         // lab 13: last AppendEntries of our term's leader
    std::vector<Time> peer_heard_at_;   // lab 13, leader: last message of our term, per peer
    std::vector<bool> pre_votes_;       // lab 13: who said yes to our pre-vote
    Term pre_vote_term_ = 0;            // lab 13: the term our pre-vote proposes, or 0
    std::string snapshot_data_;         // lab 11: the data of our latest snapshot
    Configuration configuration_;       // lab 12: the one in use (the last in the log)
    Index configuration_index_ = 0;     // lab 12: the entry it came from; 0: the first one

    // What arm_timer() last told Env::role_changed (written for you).
    Role reported_role_ = Role::follower;
    Term reported_term_ = 0;
    NodeId reported_leader_ = kNoNode;
    bool reported_ = false;
};

}  // namespace raftlab
