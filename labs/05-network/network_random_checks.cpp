// network_random_checks.cpp: lab 5, the network under long random workloads, each
// drawn from a seed. A failure names the seed and the command that replays it.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "for_seeds.h"
#include "network_under_test.h"
#include "raftlab/check/check.h"
#include "raftlab/sim/rng.h"

namespace raftlab {
namespace {

using checks::for_seeds;

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

}  // namespace
}  // namespace raftlab
