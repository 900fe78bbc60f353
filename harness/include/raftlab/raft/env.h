// raftlab/raft/env.h: the environment a Raft server acts through.
//
// A raftlab server is a deterministic, event-driven object: it never opens a socket,
// starts a thread, sleeps or reads the wall clock. Everything it does to the outside
// world goes through this interface, and everything the world does to it arrives as a
// call on raftlab::RaftNode (raftlab/raft/node.h). Two environments implement it:
//
//   * the deterministic simulator of labs 5-9 (harness/sim): virtual time, a seeded
//     random generator, a faulty virtual network, crash and restart;
//   * the real runtime of lab 10: TCP links, files on disk with fsync, a steady clock.
//
// Because the server only sees this interface, the same server code runs in both, and
// a bug found in the simulator replays bit for bit from its seed.
//
// Re-entrancy: none of these calls ever calls back into the server. A message passed
// to send() is delivered later, from the environment's event loop, never from inside
// send(). The other way round, a server may call its Env from inside any event: even
// submit() may call apply() before it returns (a one-server cluster commits at once),
// and read() may call read_done() before it returns. An environment must be ready for
// that (register what waits for an answer before calling in).
//
// "Durable before the call returns" (the persist calls below) is what the server may
// rely on. An environment may keep the promise more cheaply, as lab 10's group commit
// does: write at once, fsync once per batch of events, and hold back everything that
// depends on the batch's writes (replies, answers to clients) until that fsync is
// done. From outside the process the difference cannot be seen.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "raftlab/raft/messages.h"
#include "raftlab/raft/types.h"

namespace raftlab {

/// A point in time, in microseconds. In the simulator it is virtual time starting at
/// 0; in the runtime it is a monotonic clock. Only differences are meaningful.
using Time = std::int64_t;

/// Microseconds in one millisecond, for readable constants: 50 * kMillisecond.
inline constexpr Time kMillisecond = 1000;
inline constexpr Time kSecond = 1000 * kMillisecond;

/// Identifies one read request (see RaftNode::read()).
using ReadId = std::uint64_t;

/// What a server keeps across a crash: restored into a new server object on restart.
struct PersistentState {
    Term current_term = 0;
    NodeId voted_for = kNoNode;   ///< the vote cast in current_term, or kNoNode
    std::vector<LogEntry> log;    ///< log[0] is the entry with index snapshot.last_index + 1
    Snapshot snapshot;            ///< lab 11: the latest snapshot saved, if any
};

class Env {
public:
    virtual ~Env() = default;

    /// Sends `message` to server `to` (0 <= to < cluster size, to != this server).
    /// Asynchronous and unreliable: the message may arrive later, never, twice, or
    /// after messages sent after it. The call itself always returns at once and
    /// never fails; an out-of-range `to` is dropped (and reported by the simulator
    /// as a bug).
    virtual void send(NodeId to, Message message) = 0;

    /// Records the server's current term and vote. Durable before the call returns:
    /// once it returns, a crash can no longer lose them. Call it before sending any
    /// message that depends on the new values (a vote reply, a RequestVote).
    virtual void persist_term_and_vote(Term current_term, NodeId voted_for) = 0;

    /// Records a change to the log: afterwards the durable log is its old entries
    /// 1 .. first-1 followed by `entries` (which hold indexes first, first+1, ...).
    /// So appending one entry at index i is persist_log(i, {entry}); truncating after
    /// a conflict at i and appending is persist_log(i, {new entries}); passing an
    /// empty `entries` truncates the durable log to first-1 entries.
    /// Precondition: 1 <= first <= (durable last index) + 1, and after a snapshot
    /// (lab 11) first > the snapshot's last_index: what a snapshot covers is gone.
    /// Durable before the call returns: call it before replying success to an
    /// AppendEntries and before counting the leader's own entry towards a majority.
    virtual void persist_log(Index first, const std::vector<LogEntry>& entries) = 0;

    /// Hands the committed entry at `index` to the state machine. Called exactly
    /// once per index per server lifetime, in increasing order with no gaps, and only
    /// for entries that are committed. (After a restart the state machine is empty
    /// again, so a server applies from index 1 once more; in lab 11, from just after
    /// the snapshot it restored.)
    virtual void apply(Index index, const LogEntry& entry) = 0;

    /// Lab 11: saves `snapshot` in place of the one saved before, atomically with its
    /// last_index and last_term, and drops the durable log's entries up to
    /// snapshot.last_index; entries after it stay. Durable before the call returns.
    /// (To drop the rest too, as a follower that installs a snapshot its log disagrees
    /// with must, follow it with persist_log(last_index + 1, {}).) A restarted server
    /// finds it in PersistentState::snapshot.
    virtual void persist_snapshot(const Snapshot& snapshot) {
        (void)snapshot;
        throw std::logic_error("persist_snapshot(): this environment takes no snapshots (lab 11 only)");
    }

    /// Lab 11: hands `snapshot` to the state machine, which replaces its state with it,
    /// as if it had applied the entries 1 .. snapshot.last_index. The next apply() is
    /// then snapshot.last_index + 1. Call it on a follower that installs a snapshot
    /// from its leader, and on a restart from a saved snapshot, before any apply().
    /// Never with a last_index at or below what the state machine already applied: a
    /// state machine does not go back.
    virtual void restore_snapshot(const Snapshot& snapshot) {
        (void)snapshot;
        throw std::logic_error("restore_snapshot(): this environment takes no snapshots (lab 11 only)");
    }

    /// Tells the client that read `id` (RaftNode::read()) may now be answered from
    /// the state machine: `ok` is true only when every entry committed before the
    /// read arrived has been applied and this server was still leader after the read
    /// arrived. `ok` false means "not leader any more, retry elsewhere". Called at
    /// most once per read.
    virtual void read_done(ReadId id, bool ok) = 0;

    /// The server's role, term or known leader changed: it is now `role` in `term`,
    /// and `leader` is the leader of that term as far as it knows (itself when it
    /// leads; kNoNode when unknown). Reported at the end of the event that made the
    /// change, once per change (the framework-written arm_timer() of raft/server.cpp
    /// does it). The lab 10 runtime relies on it to redirect clients and to answer the
    /// writes a deposed leader was waiting on; the simulator reads the same facts
    /// through RaftNode's inspection members and ignores it.
    virtual void role_changed(Role role, Term term, NodeId leader) {
        (void)role, (void)term, (void)leader;
    }

    /// The current time (virtual in the simulator).
    virtual Time now() const = 0;

    /// Asks for RaftNode::tick() to be called at time `when` or soon after. A later
    /// call replaces an earlier request. The environment may also call tick() at other
    /// moments, so tick() must check its own deadlines against now().
    virtual void set_timer(Time when) = 0;

    /// A uniformly random integer in [low, high] (low <= high). In the simulator it
    /// comes from the run's seed, which keeps randomized election timeouts
    /// reproducible. Never use std::random_device or rand() in a server.
    virtual std::int64_t random(std::int64_t low, std::int64_t high) = 0;
};

}  // namespace raftlab
