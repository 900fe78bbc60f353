// network_model.cpp: link parameters and cuts of the simulated network.
#include "raftlab/sim/network_model.h"

#include <algorithm>

namespace raftlab::sim {

NetworkModel::NetworkModel(int servers, const LinkParams& params)
    : n_(servers),
      params_(static_cast<std::size_t>(servers) * static_cast<std::size_t>(servers), params),
      cut_(params_.size(), 0) {}

void NetworkModel::set_link(NodeId from, NodeId to, const LinkParams& params) {
    params_[index(from, to)] = params;
}

void NetworkModel::set_all_links(const LinkParams& params) {
    std::fill(params_.begin(), params_.end(), params);
}

void NetworkModel::cut(NodeId from, NodeId to) { cut_[index(from, to)] = 1; }

void NetworkModel::isolate(NodeId node) {
    for (NodeId other = 0; other < n_; ++other) {
        if (other == node) continue;
        cut(node, other);
        cut(other, node);
    }
}

void NetworkModel::partition(const std::vector<std::vector<NodeId>>& groups) {
    std::vector<int> group_of(static_cast<std::size_t>(n_), -1);
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (NodeId node : groups[g])
            if (node >= 0 && node < n_) group_of[static_cast<std::size_t>(node)] = static_cast<int>(g);
    for (NodeId a = 0; a < n_; ++a) {
        for (NodeId b = 0; b < n_; ++b) {
            const int ga = group_of[static_cast<std::size_t>(a)];
            const int gb = group_of[static_cast<std::size_t>(b)];
            cut_[index(a, b)] = (a != b && (ga < 0 || ga != gb)) ? 1 : 0;
        }
    }
}

void NetworkModel::heal() { std::fill(cut_.begin(), cut_.end(), 0); }

bool NetworkModel::whole() const {
    return std::none_of(cut_.begin(), cut_.end(), [](char c) { return c != 0; });
}

std::string NetworkModel::describe(const std::vector<std::vector<NodeId>>& groups) {
    std::string out;
    for (const auto& group : groups) {
        if (!out.empty()) out += ' ';
        out += '{';
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (i) out += ' ';
            out += std::to_string(group[i]);
        }
        out += '}';
    }
    return out;
}

}  // namespace raftlab::sim
