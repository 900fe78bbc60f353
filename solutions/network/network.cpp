// network/network.cpp: the reference simulated network (lab 5).
#include "network/network.h"

#include <algorithm>
#include <stdexcept>

namespace raftlab {

Network::Network(int nodes, std::uint64_t seed)
    : nodes_(nodes), rng_(seed) {
    if (nodes < 1) throw std::invalid_argument("a network needs at least one node");
    const auto n = static_cast<std::size_t>(nodes);
    up_.assign(n, true);
    killed_.assign(n * n, false);
    side_.assign(n, 0);
    inbox_.resize(n);
}

int Network::size() const { return nodes_; }
Time Network::now() const { return now_; }

void Network::check_id(NodeId node, const char* what) const {
    if (node < 0 || node >= nodes_)
        throw std::out_of_range(std::string(what) + ": node " + std::to_string(node) +
                                " is not in 0.." + std::to_string(nodes_ - 1));
}

bool Network::can_pass(NodeId from, NodeId to) const {
    const auto f = static_cast<std::size_t>(from), t = static_cast<std::size_t>(to);
    if (!up_[f] || !up_[t]) return false;
    if (killed_[f * static_cast<std::size_t>(nodes_) + t]) return false;
    if (from == to) return true;
    return side_[f] >= 0 && side_[f] == side_[t];
}

void Network::send(NodeId from, NodeId to, std::string payload) {
    check_id(from, "Network::send");
    check_id(to, "Network::send");
    ++sent_;
    // Draw both numbers whatever happens, so one dropped message does not shift the
    // random outcomes of every later one.
    const bool lost = rng_.chance(loss_);
    const Time delay = rng_.uniform(min_delay_, max_delay_);
    if (lost || !can_pass(from, to)) {
        ++dropped_;
        return;
    }
    Envelope e{from, to, std::move(payload), now_, now_ + delay};
    in_flight_.push_back(InFlight{std::move(e), next_order_++});
}

void Network::advance(Time ticks) {
    if (ticks < 0) throw std::invalid_argument("Network::advance: ticks must be >= 0");
    now_ += ticks;
    // Arrivals in order of arrival time, then of sending.
    std::vector<InFlight> due, later;
    for (InFlight& f : in_flight_) (f.envelope.arrived_at <= now_ ? due : later).push_back(std::move(f));
    in_flight_ = std::move(later);
    std::sort(due.begin(), due.end(), [](const InFlight& a, const InFlight& b) {
        if (a.envelope.arrived_at != b.envelope.arrived_at) return a.envelope.arrived_at < b.envelope.arrived_at;
        return a.order < b.order;
    });
    for (InFlight& f : due) {
        if (!can_pass(f.envelope.from, f.envelope.to)) {
            ++dropped_;
            continue;
        }
        ++delivered_;
        inbox_[static_cast<std::size_t>(f.envelope.to)].push_back(std::move(f.envelope));
    }
}

std::optional<Envelope> Network::receive(NodeId node) {
    check_id(node, "Network::receive");
    auto& box = inbox_[static_cast<std::size_t>(node)];
    if (!up_[static_cast<std::size_t>(node)] || box.empty()) return std::nullopt;
    Envelope e = std::move(box.front());
    box.pop_front();
    return e;
}

std::size_t Network::waiting(NodeId node) const {
    check_id(node, "Network::waiting");
    return inbox_[static_cast<std::size_t>(node)].size();
}

void Network::set_up(NodeId node, bool up) {
    check_id(node, "Network::set_up");
    up_[static_cast<std::size_t>(node)] = up;
    if (!up) {
        auto& box = inbox_[static_cast<std::size_t>(node)];
        dropped_ += box.size();
        box.clear();
    }
}

bool Network::is_up(NodeId node) const {
    check_id(node, "Network::is_up");
    return up_[static_cast<std::size_t>(node)];
}

void Network::kill_link(NodeId from, NodeId to) {
    check_id(from, "Network::kill_link");
    check_id(to, "Network::kill_link");
    killed_[static_cast<std::size_t>(from) * static_cast<std::size_t>(nodes_) + static_cast<std::size_t>(to)] = true;
}

void Network::restore_link(NodeId from, NodeId to) {
    check_id(from, "Network::restore_link");
    check_id(to, "Network::restore_link");
    killed_[static_cast<std::size_t>(from) * static_cast<std::size_t>(nodes_) + static_cast<std::size_t>(to)] = false;
}

void Network::set_delay(Time min_delay, Time max_delay) {
    if (min_delay < 0 || min_delay > max_delay)
        throw std::invalid_argument("Network::set_delay: need 0 <= min_delay <= max_delay");
    min_delay_ = min_delay;
    max_delay_ = max_delay;
}

void Network::set_loss(double loss) {
    if (!(loss >= 0.0 && loss <= 1.0)) throw std::invalid_argument("Network::set_loss: loss must be in 0..1");
    loss_ = loss;
}

void Network::partition(const std::vector<std::vector<NodeId>>& groups) {
    std::fill(side_.begin(), side_.end(), -1);
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (NodeId node : groups[g]) {
            check_id(node, "Network::partition");
            side_[static_cast<std::size_t>(node)] = static_cast<int>(g);
        }
}

void Network::heal() { std::fill(side_.begin(), side_.end(), 0); }

std::uint64_t Network::sent() const { return sent_; }
std::uint64_t Network::delivered() const { return delivered_; }
std::uint64_t Network::dropped() const { return dropped_; }

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
