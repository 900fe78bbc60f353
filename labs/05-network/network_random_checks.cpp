// network_random_checks.cpp: lab 5, the network under long random workloads, each
// drawn from a seed. A failure names the seed and the command that replays it.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <set>

#include "raft/network.h"
#include "raftlab/check/check.h"
#include "raftlab/sim/rng.h"

namespace raftlab {
namespace {

/// Runs `body(seed)` for each seed; stops at the first failure and reports it.
void for_seeds(int default_count, const std::function<std::string(std::uint64_t)>& body) {
    for (std::uint64_t seed : check::seeds(default_count)) {
        std::string why;
        try {
            why = body(seed);
        } catch (const std::exception& e) {
            why = std::string("the network threw: ") + e.what();
        }
        if (!why.empty()) {
            ADD_FAILURE() << "seed " << seed << ": " << why << ". Replay: " << check::replay_command(seed);
            return;
        }
    }
}

TEST(NetworkRandom, reliableExactlyOnceWithinDelay) {
    for_seeds(100, [](std::uint64_t seed) -> std::string {
        sim::Rng rng(seed);
        Network net(5, seed);
        const Time lo = rng.uniform(0, 5), hi = lo + rng.uniform(0, 20);
        net.set_delay(lo, hi);
        std::map<std::string, std::pair<NodeId, Time>> expected;  // payload -> (to, sent)
        std::set<std::string> seen;
        auto collect = [&]() -> std::string {
            for (NodeId n = 0; n < 5; ++n)
                while (auto e = net.receive(n)) {
                    auto it = expected.find(e->payload);
                    if (it == expected.end() || it->second.first != n)
                        return "node " + std::to_string(n) + " received a message that was not sent to it";
                    if (!seen.insert(e->payload).second) return "a message was received twice";
                    const Time delay = e->arrived_at - it->second.second;
                    if (e->arrived_at > net.now())
                        return "a message was receivable at tick " + std::to_string(net.now()) +
                               ", before its arrival time " + std::to_string(e->arrived_at);
                    if (delay < lo || delay > hi)
                        return "a message arrived after " + std::to_string(delay) +
                               " ticks, outside the delay range " + std::to_string(lo) + ".." + std::to_string(hi);
                }
            return {};
        };
        for (int i = 0; i < 300; ++i) {
            const NodeId from = static_cast<NodeId>(rng.uniform(0, 4)), to = static_cast<NodeId>(rng.uniform(0, 4));
            const std::string p = std::to_string(i);
            expected[p] = {to, net.now()};
            net.send(from, to, p);
            if (rng.chance(0.3)) net.advance(rng.uniform(0, 4));
            if (rng.chance(0.2))
                if (std::string e = collect(); !e.empty()) return e;
        }
        net.advance(hi + 1);
        if (std::string e = collect(); !e.empty()) return e;
        if (seen.size() != expected.size())
            return std::to_string(expected.size() - seen.size()) + " messages never arrived on a network without faults";
        if (net.delivered() != expected.size() || net.dropped() != 0 || net.sent() != expected.size())
            return "the sent/delivered/dropped counters do not match what happened";
        return {};
    });
}

TEST(NetworkRandom, variableDelayReorders) {
    for_seeds(20, [](std::uint64_t seed) -> std::string {
        Network net(2, seed);
        net.set_delay(1, 100);
        for (int i = 0; i < 200; ++i) net.send(0, 1, std::to_string(i));
        net.advance(100);
        int last = -1, inversions = 0, count = 0;
        Time last_arrival = 0;
        while (auto e = net.receive(1)) {
            const int i = std::stoi(e->payload);
            if (i < last) ++inversions;
            if (e->arrived_at < last_arrival) return "messages were received out of arrival order";
            last = i;
            last_arrival = e->arrived_at;
            ++count;
        }
        if (count != 200) return "only " + std::to_string(count) + " of 200 messages arrived";
        if (inversions == 0) return "with delays drawn from 1..100, 200 messages all arrived in sending order: the delay is not random per message";
        return {};
    });
}

TEST(NetworkRandom, lossRateIsHonoured) {
    for_seeds(20, [](std::uint64_t seed) -> std::string {
        for (double loss : {0.0, 0.3, 1.0}) {
            Network net(3, seed);
            net.set_loss(loss);
            const int n = 4000;
            for (int i = 0; i < n; ++i) net.send(i % 3, (i + 1) % 3, "m");
            net.advance(2);
            const double got = static_cast<double>(net.delivered()) / n;
            if (got < 1 - loss - 0.05 || got > 1 - loss + 0.05)
                return "with loss " + std::to_string(loss) + ", " + std::to_string(got * 100) +
                       "% of messages arrived";
            if (net.delivered() + net.dropped() != net.sent())
                return "delivered + dropped does not add up to sent once nothing is in flight";
        }
        return {};
    });
}

TEST(NetworkRandom, sameSeedSameOutcome) {
    for_seeds(20, [](std::uint64_t seed) -> std::string {
        auto run = [seed] {
            Network net(4, seed);
            net.set_delay(1, 30);
            net.set_loss(0.25);
            std::vector<Envelope> got;
            for (int i = 0; i < 400; ++i) {
                net.send(i % 4, (i * 7 + 1) % 4, std::to_string(i));
                net.advance(i % 3);
                for (NodeId n = 0; n < 4; ++n)
                    while (auto e = net.receive(n)) got.push_back(*e);
            }
            return got;
        };
        if (run() != run()) return "two networks with the same seed and the same calls behaved differently";
        return {};
    });
}

/// The rules of raft/network.h for a fixed delay and no loss, written the plainest way.
class Model {
public:
    Model(int n, Time delay) : n_(n), delay_(delay), up_(n, true), killed_(n * n, false), side_(n, 0), inbox_(n) {}
    void send(NodeId f, NodeId t, const std::string& p) {
        if (pass(f, t)) flight_.push_back({f, t, p, now_, now_ + delay_});
    }
    void advance(Time d) {
        now_ += d;
        std::deque<Envelope> later;
        for (auto& e : flight_) {
            if (e.arrived_at > now_) later.push_back(e);
            else if (pass(e.from, e.to)) inbox_[e.to].push_back(e);
        }
        flight_ = later;
    }
    std::optional<Envelope> receive(NodeId n) {
        if (!up_[n] || inbox_[n].empty()) return std::nullopt;
        Envelope e = inbox_[n].front();
        inbox_[n].pop_front();
        return e;
    }
    void set_up(NodeId n, bool u) { up_[n] = u; if (!u) inbox_[n].clear(); }
    void kill(NodeId f, NodeId t, bool k) { killed_[f * n_ + t] = k; }
    void partition(const std::vector<std::vector<NodeId>>& g) {
        std::fill(side_.begin(), side_.end(), -1);
        for (std::size_t i = 0; i < g.size(); ++i) for (NodeId x : g[i]) side_[x] = static_cast<int>(i);
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
                    return "step " + std::to_string(step) + ": receive(" + std::to_string(x) + ") gave " +
                           (got ? "\"" + got->payload + "\"" : "nothing") + " but the rules say " +
                           (want ? "\"" + want->payload + "\"" : "nothing");
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
                for (NodeId x = 0; x < n; ++x) if (rng.chance(0.8)) groups[rng.uniform(0, 1)].push_back(x);
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
