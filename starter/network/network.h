// network/network.h: a simulated network for N nodes (lab 5).
//
// Raft is specified over a network that can lose, delay, duplicate and reorder
// messages. Before building Raft on top of one, you build one: a model of that
// network, entirely in memory, driven by a clock you advance by hand. No sockets, no
// threads, no sleeping: a test says "send", "advance 10 ticks", "receive", and the
// outcome depends only on those calls and the seed. (The framework's own simulator,
// used from lab 6 on, works on the same principles at a larger scale.)
//
// The rules of this network:
//
//   * send() is asynchronous: it only schedules the message. The message becomes
//     receivable at send time + a delay drawn from [min_delay, max_delay] (1..1 unless
//     changed), and only once advance() has moved the clock that far. A delay range
//     wider than one tick can reorder messages.
//   * Delivery is unreliable. A message is dropped, never queued for later, when: its
//     sender or receiver is down when it is sent; the link is killed or crosses a
//     partition when it is sent or when it would arrive; the receiver is down when it
//     would arrive; or the loss draw says so.
//   * A node that goes down loses the messages waiting in its inbox.
//   * Messages that arrive at one node are received in order of arrival time; equal
//     arrival times keep the order in which they were sent.
//   * Everything random comes from the seed: one seed, one sequence of outcomes.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/types.h"
#include "raftlab/sim/rng.h"

namespace raftlab {

/// One message as the receiver sees it.
struct Envelope {
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    std::string payload;
    Time sent_at = 0;      ///< the clock when send() was called
    Time arrived_at = 0;   ///< the clock at which it became receivable

    friend bool operator==(const Envelope&, const Envelope&) = default;
};

class Network {
public:
    /// `nodes` nodes (ids 0 .. nodes-1), all up, every link working, delay 1, no
    /// loss, clock at 0. Throws std::invalid_argument when nodes < 1.
    Network(int nodes, std::uint64_t seed);

    int size() const;
    Time now() const;

    /// Schedules `payload` from `from` to `to` (see the rules above). Never blocks and
    /// never delivers anything itself. Throws std::out_of_range for an id outside
    /// 0 .. size()-1; sending to oneself is allowed.
    void send(NodeId from, NodeId to, std::string payload);

    /// Moves the clock forward by `ticks` (>= 0), making every message whose arrival
    /// time is now reached receivable (or dropping it, by the rules above).
    void advance(Time ticks);

    /// The next message waiting at `node`, removed from its inbox; nullopt when there
    /// is none or the node is down.
    std::optional<Envelope> receive(NodeId node);

    /// Messages waiting in `node`'s inbox (receivable now).
    std::size_t waiting(NodeId node) const;

    // ---- faults --------------------------------------------------------------------

    /// Takes `node` down (its inbox is emptied) or brings it back up.
    void set_up(NodeId node, bool up);
    bool is_up(NodeId node) const;
    /// Kills or restores the one-way link from -> to.
    void kill_link(NodeId from, NodeId to);
    void restore_link(NodeId from, NodeId to);
    /// Every later message gets a delay drawn uniformly from [min_delay, max_delay].
    /// Throws std::invalid_argument unless 0 <= min_delay <= max_delay.
    void set_delay(Time min_delay, Time max_delay);
    /// Every later message is lost with probability `loss` (0..1; else throws
    /// std::invalid_argument).
    void set_loss(double loss);
    /// Nodes in different groups cannot exchange messages; a node in no group can talk
    /// to nobody. Replaces any earlier partition (killed links stay killed).
    void partition(const std::vector<std::vector<NodeId>>& groups);
    /// Ends the partition (killed links stay killed).
    void heal();

    // ---- counters ------------------------------------------------------------------
    std::uint64_t sent() const;       ///< send() calls
    std::uint64_t delivered() const;  ///< messages that reached an inbox
    std::uint64_t dropped() const;    ///< messages dropped, for any reason

private:
    struct InFlight {
        Envelope envelope;
        std::uint64_t order;  // send order, to break ties
    };

    void check_id(NodeId node, const char* what) const;
    bool can_pass(NodeId from, NodeId to) const;  // link alive, same side, both up

    int nodes_;
    sim::Rng rng_;
    Time now_ = 0;
    Time min_delay_ = 1;
    Time max_delay_ = 1;
    double loss_ = 0.0;
    std::vector<bool> up_;
    std::vector<bool> killed_;       // killed_[from * n + to]
    std::vector<int> side_;          // partition group per node; -1 = alone; all 0 = whole
    std::vector<InFlight> in_flight_;
    std::vector<std::deque<Envelope>> inbox_;
    std::uint64_t next_order_ = 0;
    std::uint64_t sent_ = 0, delivered_ = 0, dropped_ = 0;
};

}  // namespace raftlab
