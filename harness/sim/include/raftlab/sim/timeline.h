// raftlab/sim/timeline.h: what happened in a simulated run, in order.
//
// The simulator records one TimelineEvent per interesting step (a message sent,
// delivered or dropped, a timer, a client command, an apply, a role change, a crash,
// a network change, a broken property). It is kept as data so that it can be printed
// as text for `./raftlab replay` and drawn as a space-time diagram (one lane per
// server, messages as arrows joined by message_id). Same seed, same timeline.
#pragma once

#include <cstdint>
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

class Timeline {
public:
    /// Nothing is recorded unless enabled: recording costs time on the hot path.
    void enable(bool on) { enabled_ = on; }
    bool enabled() const { return enabled_; }

    void add(TimelineEvent event) {
        if (enabled_) events_.push_back(std::move(event));
    }
    const std::vector<TimelineEvent>& events() const { return events_; }

    /// One line per event:
    ///   "  12.345ms  s2 leader   t3  deliver  <- s0 append_entries ..."
    void print(std::ostream& out) const;

private:
    bool enabled_ = false;
    std::vector<TimelineEvent> events_;
};

/// A one-line summary of a message for the timeline, e.g.
/// "append_entries t3 prev=(5,2) entries=2 commit=4".
std::string describe(const Message& message);

}  // namespace raftlab::sim
