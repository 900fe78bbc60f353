// timing_checks.cpp: lab 9, heartbeats and election timeouts on the virtual clock.
//
// Every number here is virtual time, so a bound is exact and a seed replays the same
// run: the checks measure the student's timers, never the speed of the machine.
#include "lab09.h"

namespace lab09 {
namespace {

/// How long a cluster may go without a leader: a few election timeouts, enough for a
/// split vote or two. Solutions need about one timeout.
constexpr Time kLeaderBound = 2 * kSecond;

TEST(Timing, leaderElectedWithinBound) {
    run_probed(300, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        if (await_leader(sim, why, {}, kLeaderBound) == kNoNode)
            return "at start-up: " + why;
        // Crash the leader five times: the others must replace it within the bound.
        for (int round = 0; round < 5; ++round) {
            const NodeId old = *sim.leader();
            sim.crash(old);
            const NodeId next = await_leader(sim, why, {}, kLeaderBound);
            if (next == kNoNode)
                return fmt::format("after leader {} crashed (round {}): {}", old, round + 1, why);
            sim.restart(old);
            sim.run_for(sim.rng().uniform(0, 300) * kMillisecond);
        }
        return {};
    });
}

TEST(Timing, noNeedlessElections) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.0, 0.1};
    run_probed(200, o, [](Simulation& sim, Probe& probe) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const Term term = sim.server(leader).current_term();
        std::vector<std::size_t> elections;
        for (NodeId n = 0; n < sim.size(); ++n) elections.push_back(probe.candidacies(n).size());
        sim.run_for(10 * kSecond);  // a healthy leader, a healthy network, no clients
        if (sim.failed()) return sim.failure();
        for (NodeId n = 0; n < sim.size(); ++n)
            if (probe.candidacies(n).size() != elections[static_cast<std::size_t>(n)]) {
                const probe::Candidacy& c = probe.candidacies(n)[elections[static_cast<std::size_t>(n)]];
                return fmt::format("server {} started an election for term {} at {:.3f} ms while "
                                   "leader {} of term {} was healthy and sending heartbeats: a "
                                   "heartbeat must reset the election timer",
                                   n, c.term, static_cast<double>(c.time) / kMillisecond, leader, term);
            }
        if (sim.server(leader).role() != Role::leader || sim.server(leader).current_term() != term)
            return fmt::format("leader {} of term {} lost its leadership with nothing going wrong",
                               leader, term);
        return {};
    });
}

// A leader that steps down needs a fresh election timeout: it ran no election timer
// while it led, so the deadline it had before is long past. Kept, it makes the
// deposed leader stand again at its next tick and depose the healthy new leader.
TEST(Timing, deposedLeaderWaitsAFullTimeout) {
    run_probed(200, cluster(), [](Simulation& sim, Probe& probe) -> std::string {
        std::string why;
        const NodeId old = settle(sim, why);
        if (old == kNoNode) return why;
        const Term old_term = sim.server(old).current_term();
        sim.note(fmt::format("leader {} is cut off for 2 s", old));
        sim.isolate(old);
        const NodeId next = await_leader(sim, why, others(sim, {old}));
        if (next == kNoNode) return why;
        sim.run_for(2 * kSecond);
        if (sim.failed()) return sim.failure();
        // What the check exists for: a leader that still leads its old term when it
        // hears of the new one.
        if (sim.server(old).role() != Role::leader || sim.server(old).current_term() != old_term)
            return fmt::format("the scene was not set: server {} should still lead term {} while cut off "
                               "(a fault of the check, not of your server)",
                               old, old_term);
        const Term new_term = sim.server(next).current_term();
        const std::size_t stood = probe.candidacies(old).size();
        sim.note(fmt::format("the network heals: leader {} of term {} hears of term {}", old, old_term, new_term));
        sim.heal();
        sim.run_for(3 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(old).role() == Role::leader)
            return fmt::format("server {} still leads term {} 3 s after it heard of term {}", old,
                               sim.server(old).current_term(), new_term);
        if (probe.candidacies(old).size() != stood) {
            const probe::Candidacy& c = probe.candidacies(old)[stood];
            return fmt::format("server {}, deposed leader of term {}, started an election for term {} at {:.3f} ms, "
                               "right after the network healed, while leader {} of term {} was sending heartbeats: "
                               "a leader that steps down needs a fresh election timeout, since the deadline it had "
                               "before it led is long past",
                               old, old_term, c.term, static_cast<double>(c.time) / kMillisecond, next, new_term);
        }
        return {};
    });
}

TEST(Timing, idleMessageRate) {
    run_probed(100, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        if (settle(sim, why) == kNoNode) return why;
        sim.run_for(500 * kMillisecond);  // let the commit point reach everyone
        // One AppendEntries per follower per heartbeat period and one reply each, with
        // a quarter of slack: 200 messages a second for five servers and 50 ms.
        const ServerConfig defaults;
        const double bound = 1.25 * 2 * (sim.size() - 1) * (1.0 * kSecond / defaults.heartbeat_interval);
        const double rate = message_rate(sim, 10 * kSecond);
        if (sim.failed()) return sim.failure();
        if (rate > bound)
            return fmt::format("an idle five-server cluster sent {:.0f} messages per second; at "
                               "most {:.0f} are needed (a heartbeat to each follower per {} ms, "
                               "and its reply)",
                               rate, bound, defaults.heartbeat_interval / kMillisecond);
        return {};
    });
}

TEST(Timing, heartbeatsOnTheirPeriod) {
    run_probed(100, cluster(), [](Simulation& sim, Probe& probe) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const Time start = sim.now();
        const Time span = 5 * kSecond;
        sim.run_for(span);
        if (sim.failed()) return sim.failure();
        const Time period = ServerConfig{}.heartbeat_interval;
        for (NodeId peer : others(sim, {leader})) {
            Time last = start;
            for (Time t : probe.append_sends(leader, peer)) {
                if (t < start) continue;
                if (t - last > period + 1 * kMillisecond)
                    return fmt::format("leader {} sent nothing to follower {} from {:.3f} ms to "
                                       "{:.3f} ms: heartbeats go out at least every {} ms",
                                       leader, peer, static_cast<double>(last) / kMillisecond,
                                       static_cast<double>(t) / kMillisecond, period / kMillisecond);
                last = t;
            }
            if (start + span - last > period + 1 * kMillisecond)
                return fmt::format("leader {} stopped sending to follower {} at {:.3f} ms", leader,
                                   peer, static_cast<double>(last) / kMillisecond);
        }
        return {};
    });
}

TEST(Timing, electionTimeoutsRandomized) {
    // Every server alone: nobody can win, so each keeps timing out. The gaps between
    // its elections are exactly the election timeouts it drew.
    run_probed(100, cluster(), [](Simulation& sim, Probe& probe) -> std::string {
        sim.partition({{0}, {1}, {2}, {3}, {4}});
        sim.run_for(6 * kSecond);
        if (sim.failed()) return sim.failure();
        const ServerConfig c;
        std::vector<Time> gaps;
        for (NodeId n = 0; n < sim.size(); ++n) {
            Time last = 0;
            for (const probe::Candidacy& e : probe.candidacies(n)) {
                const Time gap = e.time - last;
                if (gap < c.election_timeout_min || gap > c.election_timeout_max + 1 * kMillisecond)
                    return fmt::format("server {} waited {:.3f} ms before its election for term {}; "
                                       "timeouts are drawn from [{}, {}] ms",
                                       n, static_cast<double>(gap) / kMillisecond, e.term,
                                       c.election_timeout_min / kMillisecond,
                                       c.election_timeout_max / kMillisecond);
                gaps.push_back(gap);
                last = e.time;
            }
        }
        if (gaps.size() < 25)
            return fmt::format("five lone servers started only {} elections in 6 s", gaps.size());
        std::sort(gaps.begin(), gaps.end());
        const auto distinct = std::unique(gaps.begin(), gaps.end()) - gaps.begin();
        const Time spread = gaps[static_cast<std::size_t>(distinct) - 1] - gaps[0];
        if (distinct < static_cast<long>(gaps.size() / 2) ||
            spread < (c.election_timeout_max - c.election_timeout_min) / 3)
            return fmt::format("{} election timeouts took only {} distinct values spread over "
                               "{:.3f} ms: draw each one afresh with Env::random()",
                               gaps.size(), distinct, static_cast<double>(spread) / kMillisecond);
        return {};
    });
}

TEST(Timing, newLeaderNoopCommits) {
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId old = settle(sim, why);
        if (old == kNoNode) return why;
        // The old leader replicates a command to one follower and is cut off: nobody
        // knows whether it is committed until a new leader commits an entry of its own.
        sim.partition({{old, (old + 1) % sim.size()}, others(sim, {old, (old + 1) % sim.size()})});
        sim.submit(old, "set pending 1");
        sim.run_for(50 * kMillisecond);
        sim.partition({{old}, others(sim, {old})});
        const NodeId next = await_leader(sim, why, others(sim, {old}));
        if (next == kNoNode) return why;
        // No client sends anything: the no-op alone must commit. (Another election may
        // still replace this leader; then its successor's no-op must commit.)
        auto own_entry_committed = [&] {
            const auto leader = sim.leader();
            if (!leader || *leader == old) return false;
            const RaftNode& s = sim.server(*leader);
            const Index c = s.commit_index();
            return c > 0 && s.log_entry(c).term == s.current_term();
        };
        sim.run_until(own_entry_committed, 1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (!own_entry_committed())
            return fmt::format("leader {} of term {} committed no entry of its own term within 1 "
                               "s: a new leader appends a no-op, which commits everything before it",
                               next, sim.server(next).current_term());
        return {};
    });
}

}  // namespace
}  // namespace lab09
