// raftlab/sim/network_model.h: which messages the simulated network lets through,
// and how late.
//
// Every ordered pair of servers (from, to) is a link with its own LinkParams: a delay
// drawn uniformly from [min_delay, max_delay] for each message (a wide range reorders
// messages), a chance to lose it and a chance to deliver it twice. On top of that a
// link can be cut, which drops every message on it, including messages already in
// flight when they would arrive. Cuts are one-way; partition() and isolate() cut in
// both directions.
#pragma once

#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/types.h"

namespace raftlab::sim {

struct LinkParams {
    Time min_delay = 1 * kMillisecond;
    Time max_delay = 5 * kMillisecond;
    double loss = 0.0;       ///< probability that a message is lost, 0..1
    double duplicate = 0.0;  ///< probability that a message arrives twice, 0..1

    friend bool operator==(const LinkParams&, const LinkParams&) = default;
};

class NetworkModel {
public:
    /// `servers` fully connected servers, every link with `params`.
    NetworkModel(int servers, const LinkParams& params);

    int size() const { return n_; }
    const LinkParams& link(NodeId from, NodeId to) const { return params_[index(from, to)]; }
    void set_link(NodeId from, NodeId to, const LinkParams& params);
    void set_all_links(const LinkParams& params);

    /// True when messages from `from` can reach `to` (the link is not cut).
    bool connected(NodeId from, NodeId to) const { return !cut_[index(from, to)]; }
    /// Cuts the one-way link from -> to.
    void cut(NodeId from, NodeId to);
    /// Cuts every link into and out of `node`.
    void isolate(NodeId node);
    /// Servers in different groups cannot talk; servers in one group can. A server
    /// named in no group is isolated. Replaces any earlier cuts.
    void partition(const std::vector<std::vector<NodeId>>& groups);
    /// Restores every cut link. Link parameters are left as they are.
    void heal();
    /// True when no link is cut.
    bool whole() const;

    /// "{0 1} {2 3 4}"-style description of who can reach whom, for the timeline.
    static std::string describe(const std::vector<std::vector<NodeId>>& groups);

private:
    std::size_t index(NodeId from, NodeId to) const {
        return static_cast<std::size_t>(from) * static_cast<std::size_t>(n_) +
               static_cast<std::size_t>(to);
    }

    int n_;
    std::vector<LinkParams> params_;
    std::vector<char> cut_;
};

}  // namespace raftlab::sim
