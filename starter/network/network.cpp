// network/network.cpp: your simulated network (lab 5). The rules are in network/network.h.
#include "network/network.h"

#include "raftlab/todo.h"

namespace raftlab {

Network::Network(int nodes, std::uint64_t seed) : nodes_(nodes), rng_(seed) {
    todo("Network::Network");
}

int Network::size() const { return nodes_; }
Time Network::now() const { return now_; }

void Network::check_id(NodeId node, const char* what) const { todo("Network::check_id"); }

bool Network::can_pass(NodeId from, NodeId to) const { todo("Network::can_pass"); }

void Network::send(NodeId from, NodeId to, std::string payload) { todo("Network::send"); }

void Network::advance(Time ticks) { todo("Network::advance"); }

std::optional<Envelope> Network::receive(NodeId node) { todo("Network::receive"); }

std::size_t Network::waiting(NodeId node) const { todo("Network::waiting"); }

void Network::set_up(NodeId node, bool up) { todo("Network::set_up"); }

bool Network::is_up(NodeId node) const { todo("Network::is_up"); }

void Network::kill_link(NodeId from, NodeId to) { todo("Network::kill_link"); }

void Network::restore_link(NodeId from, NodeId to) { todo("Network::restore_link"); }

void Network::set_delay(Time min_delay, Time max_delay) { todo("Network::set_delay"); }

void Network::set_loss(double loss) { todo("Network::set_loss"); }

void Network::partition(const std::vector<std::vector<NodeId>>& groups) { todo("Network::partition"); }

void Network::heal() { todo("Network::heal"); }

std::uint64_t Network::sent() const { return sent_; }
std::uint64_t Network::delivered() const { return delivered_; }
std::uint64_t Network::dropped() const { return dropped_; }

}  // namespace raftlab
