// reference_model_checks.cpp: lab 5's hidden check, the network against a plain
// model of network/network.h's rules under long random operation sequences.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "for_seeds.h"
#include "network_under_test.h"
#include "raftlab/check/check.h"
#include "raftlab/sim/rng.h"

namespace raftlab {
namespace {

using checks::for_seeds;

/// The rules of network/network.h for a fixed delay and no loss, written the plainest way.
class Model {
  public:
    Model(int n, Time delay)
        : n_(n), delay_(delay), up_(n, true), killed_(n * n, false), side_(n, 0), inbox_(n) {}
    void send(NodeId f, NodeId t, const std::string& p) {
        if (pass(f, t)) flight_.push_back({f, t, p, now_, now_ + delay_});
    }
    void advance(Time d) {
        now_ += d;
        std::deque<Envelope> later;
        for (auto& e : flight_) {
            if (e.arrived_at > now_)
                later.push_back(e);
            else if (pass(e.from, e.to))
                inbox_[e.to].push_back(e);
        }
        flight_ = later;
    }
    std::optional<Envelope> receive(NodeId n) {
        if (!up_[n] || inbox_[n].empty()) return std::nullopt;
        Envelope e = inbox_[n].front();
        inbox_[n].pop_front();
        return e;
    }
    void set_up(NodeId n, bool u) {
        up_[n] = u;
        if (!u) inbox_[n].clear();
    }
    void kill(NodeId f, NodeId t, bool k) { killed_[f * n_ + t] = k; }
    void partition(const std::vector<std::vector<NodeId>>& g) {
        std::fill(side_.begin(), side_.end(), -1);
        for (std::size_t i = 0; i < g.size(); ++i)
            for (NodeId x : g[i]) side_[x] = static_cast<int>(i);
    }
    void heal() { std::fill(side_.begin(), side_.end(), 0); }

  private:
    bool pass(NodeId f, NodeId t) const {
        if (!up_[f] || !up_[t] || killed_[f * n_ + t]) return false;
        return f == t || (side_[f] >= 0 && side_[f] == side_[t]);
    }
    int n_;
    Time delay_, now_ = 0;
    std::vector<bool> up_, killed_;
    std::vector<int> side_;
    std::deque<Envelope> flight_;
    std::vector<std::deque<Envelope>> inbox_;
};

TEST(NetworkRandom, matchesReferenceModel) {
    for_seeds(200, [](std::uint64_t seed) -> std::string {
        sim::Rng rng(seed);
        const int n = 4;
        const Time delay = rng.uniform(1, 5);
        Network net(n, seed);
        net.set_delay(delay, delay);
        Model model(n, delay);
        auto node = [&] { return static_cast<NodeId>(rng.uniform(0, n - 1)); };
        for (int step = 0; step < 400; ++step) {
            const auto op = rng.uniform(0, 99);
            if (op < 45) {
                const NodeId f = node(), t = node();
                const std::string p = std::to_string(step);
                net.send(f, t, p);
                model.send(f, t, p);
            } else if (op < 65) {
                const Time d = rng.uniform(0, 3);
                net.advance(d);
                model.advance(d);
            } else if (op < 85) {
                const NodeId x = node();
                auto got = net.receive(x);
                auto want = model.receive(x);
                if (got != want)
                    return "step " + std::to_string(step) + ": receive(" + std::to_string(x) +
                           ") gave " + (got ? "\"" + got->payload + "\"" : "nothing") +
                           " but the rules say " + (want ? "\"" + want->payload + "\"" : "nothing");
            } else if (op < 90) {
                const NodeId x = node();
                const bool u = rng.chance(0.6);
                net.set_up(x, u);
                model.set_up(x, u);
            } else if (op < 94) {
                const NodeId f = node(), t = node();
                const bool k = rng.chance(0.5);
                k ? net.kill_link(f, t) : net.restore_link(f, t);
                model.kill(f, t, k);
            } else if (op < 97) {
                std::vector<std::vector<NodeId>> groups(2);
                for (NodeId x = 0; x < n; ++x)
                    if (rng.chance(0.8)) groups[rng.uniform(0, 1)].push_back(x);
                net.partition(groups);
                model.partition(groups);
            } else {
                net.heal();
                model.heal();
            }
        }
        return {};
    });
}

}  // namespace
}  // namespace raftlab
