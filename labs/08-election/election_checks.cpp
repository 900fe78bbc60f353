// election_checks.cpp: lab 8, servers choose a leader on their own.
#include "lab08.h"

namespace lab08 {
namespace {

TEST(Election, initialElection) {
    // Clusters of 1, 3, 5 and 7 servers: one leader, and every server learns its term.
    for (int servers : {1, 3, 7}) {
        run_probed(30, cluster(servers), [](Simulation& sim, Probe&) -> std::string {
            std::string why;
            const NodeId leader = await_leader(sim, why);
            if (leader == kNoNode) return why;
            return {};
        });
        if (HasFailure()) return;
    }
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId leader = await_leader(sim, why);
        if (leader == kNoNode) return why;
        const Term term = sim.server(leader).current_term();
        sim.run_for(300 * kMillisecond);  // a few heartbeats
        if (sim.failed()) return sim.failure();
        for (NodeId n = 0; n < sim.size(); ++n) {
            const RaftNode& s = sim.server(n);
            if (s.current_term() != term || (n != leader && s.role() != Role::follower))
                return fmt::format("{} ms after server {} won term {}, server {} is {} in term {}: "
                                   "a healthy leader's heartbeats keep every server its follower",
                                   300, leader, term, n, role_name(s.role()), s.current_term());
            if (s.leader_id() != leader)
                return fmt::format("server {} reports leader {} but server {} leads term {}", n,
                                   s.leader_id(), leader, term);
        }
        return {};
    });
}

TEST(Election, reelectionAfterLeaderCutOff) {
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        for (int round = 0; round < 3; ++round) {
            const NodeId old = settle(sim, why, round);
            if (old == kNoNode) return why;
            const Term old_term = sim.server(old).current_term();
            sim.note(fmt::format("round {}: cut off leader {}", round, old));
            sim.isolate(old);
            const NodeId next = await_leader(sim, why, others(sim, {old}));
            if (next == kNoNode)
                return fmt::format("after leader {} of term {} was cut off, the other servers did "
                                   "not elect a new one: {}",
                                   old, old_term, why);
            if (sim.server(next).current_term() <= old_term)
                return fmt::format("the new leader {} is in term {}, not above the old term {}",
                                   next, sim.server(next).current_term(), old_term);
            sim.heal();
        }
        return {};
    });
}

TEST(Election, noLeaderWithoutQuorum) {
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const Term term = sim.server(leader).current_term();
        // Split the five servers into groups of at most two: nobody has a majority.
        std::vector<NodeId> order = others(sim, {});
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[static_cast<std::size_t>(sim.rng().uniform(0, static_cast<std::int64_t>(i) - 1))]);
        sim.partition({{order[0], order[1]}, {order[2], order[3]}, {order[4]}});
        if (std::string e = no_leader_after(sim, term, 3 * kSecond,
                                            "no group of this partition holds a majority of the "
                                            "five servers");
            !e.empty())
            return e;
        sim.heal();
        return await_leader(sim, why) == kNoNode ? "after the partition healed: " + why : "";
    });
}

TEST(Election, oldLeaderRejoins) {
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId old = settle(sim, why);
        if (old == kNoNode) return why;
        sim.isolate(old);
        // The cut-off leader still accepts commands; none of them may commit.
        if (std::string e = submit_many(sim, old, 3, 10); !e.empty()) return e;
        const NodeId next = await_leader(sim, why, others(sim, {old}));
        if (next == kNoNode) return why;
        if (std::string e = submit_many(sim, next, 2, 20); !e.empty()) return e;
        sim.run_for(sim.rng().uniform(0, 500) * kMillisecond);
        sim.note(fmt::format("old leader {} rejoins", old));
        sim.heal();
        const Term term = sim.server(next).current_term();
        sim.run_until([&] { return sim.server(old).role() == Role::follower &&
                                   sim.server(old).current_term() >= term; },
                      1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(old).role() != Role::follower)
            return fmt::format("the old leader {} rejoined but is still {} in term {}, while "
                               "server {} leads term {}",
                               old, role_name(sim.server(old).role()),
                               sim.server(old).current_term(), next, term);
        const NodeId leader = commit_one(sim, numbered_command(30), why);
        if (leader == kNoNode) return "after the old leader rejoined: " + why;
        for (const LogEntry& entry : sim.committed())
            for (int i = 10; i < 13; ++i)
                if (entry.command == numbered_command(i))
                    return fmt::format("\"{}\" was offered only to the cut-off old leader, yet it "
                                       "committed",
                                       entry.command);
        return logs_differ_from(sim, leader);
    });
}

TEST(Election, splitVoteLeadsToNewElection) {
    // Four servers split two and two: every election fails for want of a majority, and
    // candidates must keep trying in new terms. Timeouts are drawn from a narrow range
    // so that once healed, candidates often collide and split the vote again.
    SimOptions o = cluster(4);
    o.server.election_timeout_min = 300 * kMillisecond;
    o.server.election_timeout_max = 330 * kMillisecond;
    run_probed(200, o, [](Simulation& sim, Probe& probe) -> std::string {
        sim.partition({{0, 1}, {2, 3}});
        if (std::string e = no_leader_after(sim, 0, 2 * kSecond, "two of four servers are not a majority");
            !e.empty())
            return e;
        for (NodeId a : {0, 2}) {
            const std::size_t tries = probe.candidacies(a).size() + probe.candidacies(a + 1).size();
            if (tries < 3)
                return fmt::format("servers {} and {} started {} elections in 2 s without a "
                                   "leader, with timeouts of at most 330 ms: a candidate whose "
                                   "election fails must time out and try again in a new term",
                                   a, a + 1, tries);
        }
        sim.heal();
        std::string why;
        return await_leader(sim, why) == kNoNode ? "after the split healed: " + why : "";
    });
}

}  // namespace
}  // namespace lab08
