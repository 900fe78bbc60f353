// raftlab/sim/timeline.h: what happened in a simulated run, in order.
//
// The simulator records one TimelineEvent per interesting step (a message sent,
// delivered or dropped, a timer, a client command, an apply, a role change, a crash,
// a network change, a broken property). It is kept as data so that it can be printed
// as text for `./raftlab replay` and drawn as a space-time diagram (one lane per
// server, messages as arrows joined by message_id). Same seed, same timeline.
//
// Beside the events it keeps what each server's state was after them (StateChange):
// the simulator reads a server through its inspection API after every event it
// handled and keeps only what changed, so a page can step through the run and show
// every server's term, vote, log and commit index at any event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/node.h"

namespace raftlab::sim {

enum class EventKind {
    send,        ///< node sent a message to peer (message_id set)
    deliver,     ///< a message from peer arrived at node (message_id set)
    drop,        ///< a message from node to peer was lost (detail says why)
    duplicate,   ///< the network made a second copy of a message
    timer,       ///< node's timer fired (tick)
    submit,      ///< a client command was offered to node
    read,        ///< a client read was offered to node, or answered
    apply,       ///< node applied a committed entry
    role,        ///< node changed role or term
    crash,       ///< node crashed: its volatile state is gone
    restart,     ///< node restarted from its persisted state
    network,     ///< the network changed (partition, heal, link settings); node = -1
    violation,   ///< a safety or liveness property broke here
    note,        ///< a check's own remark (scenario phases)
};

const char* kind_name(EventKind kind);

struct TimelineEvent {
    Time time = 0;
    NodeId node = kNoNode;        ///< the server it happened at, or -1 for the network
    Role role = Role::follower;   ///< that server's role just after the event
    Term term = 0;                ///< and its term
    EventKind kind = EventKind::note;
    NodeId peer = kNoNode;        ///< the other end of a message, if any
    std::uint64_t message_id = 0; ///< joins a send with its deliver/drop; 0 if none
    std::string detail;           ///< human-readable content
};

/// A log entry as the timeline keeps it: its term and its command, shortened to at
/// most kCommandShown bytes (longer commands end in "...").
struct EntrySummary {
    Term term = 0;
    std::string command;
    bool operator==(const EntrySummary&) const = default;
};
inline constexpr std::size_t kCommandShown = 24;
EntrySummary summarize(const LogEntry& entry);
/// summarize(entry) == summary, without building the summary.
bool summarizes_to(const LogEntry& entry, const EntrySummary& summary);

/// One server's state as its read-only inspection API (raftlab/raft/node.h) showed it.
struct ServerState {
    bool up = true;  ///< false: crashed; every other field is then left at its default
    Role role = Role::follower;
    Term term = 0;
    NodeId voted_for = kNoNode;
    NodeId leader_id = kNoNode;
    Index commit_index = 0;
    Index last_applied = 0;
    std::vector<EntrySummary> log;    ///< entry i is log[i-1]
    std::vector<Index> next_index;    ///< per server id, on a leader; empty on any other
    std::vector<Index> match_index;   ///< per server id, on a leader; empty on any other
    bool operator==(const ServerState&) const = default;
};

/// A server's state from one event on. For a server that is up it is kept as a
/// difference from the last state recorded for it while it was up (before a crash, if
/// it just restarted): the first log_kept entries of that state's log stay, and
/// state.log holds only the entries after them. A down state has an empty log and
/// log_kept 0, and is no base for the next difference.
struct StateChange {
    std::size_t event = 0;  ///< index into Timeline::events(): the state holds from here on
    NodeId node = kNoNode;
    Index log_kept = 0;
    ServerState state;
    bool operator==(const StateChange&) const = default;
};

class Timeline {
public:
    /// Nothing is recorded unless enabled: recording costs time on the hot path.
    void enable(bool on) { enabled_ = on; }
    bool enabled() const { return enabled_; }

    void add(TimelineEvent event) {
        if (enabled_) events_.push_back(std::move(event));
    }
    const std::vector<TimelineEvent>& events() const { return events_; }

    /// Records that `node` is in `state` from event index `event` on (its state after
    /// handling that event). Kept only when enabled and when it differs from the last
    /// state recorded for `node`. `event` never decreases from one call to the next.
    void add_state(NodeId node, std::size_t event, ServerState state);
    /// The last state recorded for `node` (whole, log included); null when none.
    const ServerState* last_state(NodeId node) const;
    /// Every recorded change, in order of event.
    const std::vector<StateChange>& state_changes() const { return states_; }
    /// `node`'s state at event index `event`: the latest change at or before it, with
    /// its whole log. nullopt when none was recorded by then.
    std::optional<ServerState> state_at(NodeId node, std::size_t event) const;

    /// One line per event:
    ///   "  12.345ms  s2 leader   t3  deliver  <- s0 append_entries ..."
    void print(std::ostream& out) const;

private:
    bool enabled_ = false;
    std::vector<TimelineEvent> events_;
    std::vector<StateChange> states_;
    std::vector<std::optional<ServerState>> last_state_;  // per server: the last one recorded
    std::vector<std::vector<EntrySummary>> last_log_;     // per server: its last log while up
};

/// An event at `node` (kNoNode: the network) at time `now`, with the role and term
/// its server shows, or, while it is down (`server` null), the term it persisted.
inline TimelineEvent event_at(Time now, NodeId node, const RaftNode* server, Term persisted_term, EventKind kind,
                              NodeId peer, std::uint64_t message_id, std::string detail) {
    TimelineEvent e{now, node, Role::follower, 0, kind, peer, message_id, std::move(detail)};
    if (node != kNoNode) {
        e.role = server ? server->role() : Role::follower;
        e.term = server ? server->current_term() : persisted_term;
    }
    return e;
}

/// A one-line summary of a message for the timeline, e.g.
/// "append_entries t3 prev=(5,2) entries=2 commit=4".
std::string describe(const Message& message);

}  // namespace raftlab::sim
