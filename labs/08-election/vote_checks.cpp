// vote_checks.cpp: lab 8, the rules of voting and of terms.
//
// The probe (probe.h) checks every vote and every message as it is handled; these
// scenarios are built to put those rules under pressure: candidates that collide,
// voters that crash right after voting, logs that diverge, messages that arrive from
// a term that is already over.
#include "lab08.h"

namespace lab08 {
namespace {

/// Tight timeouts make candidates collide often: several ask for votes in one term.
SimOptions crowded(int servers = 5) {
    SimOptions o = cluster(servers);
    o.server.election_timeout_min = 300 * kMillisecond;
    o.server.election_timeout_max = 320 * kMillisecond;
    o.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.05, 0.2};
    return o;
}

/// "" when the probe saw at least one vote granted, so a check cannot pass vacuously.
std::string some_votes(const Probe& probe) {
    return probe.votes_granted() > 0 ? "" : "no server ever granted a vote";
}

/// "" when some message of an old term was delivered, so the check tested something.
std::string stale_ones_seen(const Probe& probe) {
    return probe.stale_deliveries() > 0
               ? ""
               : "no message of an old term was ever delivered: the scenario tested nothing";
}

TEST(Votes, oneVotePerTerm) {
    run_probed(200, crowded(), [](Simulation& sim, Probe& probe) -> std::string {
        const Time end = sim.now() + 4 * kSecond;
        while (sim.now() < end && !sim.failed()) {
            sim.run_for(sim.rng().uniform(200, 700) * kMillisecond);
            if (const auto leader = sim.leader(); leader && sim.rng().chance(0.7)) {
                sim.isolate(*leader);  // forces another election
                sim.run_for(sim.rng().uniform(300, 600) * kMillisecond);
                sim.heal();
            }
        }
        if (sim.failed()) return sim.failure();
        return some_votes(probe);
    });
}

TEST(Votes, neverTwiceInATermAcrossRestarts) {
    run_probed(200, crowded(), [](Simulation& sim, Probe& probe) -> std::string {
        const Time end = sim.now() + 4 * kSecond;
        Rng& rng = sim.rng();
        while (sim.now() < end && !sim.failed()) {
            // A voter that crashes and comes straight back must remember its vote while
            // RequestVotes of that term from other candidates are still arriving.
            const std::size_t before = probe.votes_granted();
            sim.run_until([&] { return probe.votes_granted() > before; },
                          rng.uniform(50, 400) * kMillisecond);
            const NodeId victim = static_cast<NodeId>(rng.uniform(0, sim.size() - 1));
            sim.crash(victim);
            sim.run_for(rng.uniform(0, 15) * kMillisecond);
            sim.restart(victim);
            if (const auto leader = sim.leader(); leader && rng.chance(0.3)) sim.crash(*leader);
            for (NodeId n = 0; n < sim.size(); ++n)
                if (!sim.up(n) && rng.chance(0.5)) sim.restart(n);
        }
        if (sim.failed()) return sim.failure();
        return some_votes(probe);
    });
}

TEST(Votes, upToDateCheck) {
    run_probed(200, cluster(), [](Simulation& sim, Probe& probe) -> std::string {
        std::string why;
        NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        Rng& rng = sim.rng();
        for (int round = 0; round < 3; ++round) {
            // A follower misses some commits, comes back, and the leader is cut off: the
            // stale follower may time out first, and nobody with a longer log may vote
            // for it.
            const NodeId behind = static_cast<NodeId>((leader + rng.uniform(1, sim.size() - 1)) % sim.size());
            sim.crash(behind);
            if (std::string e = submit_many(sim, leader, static_cast<int>(rng.uniform(1, 4)), 10 * round);
                !e.empty())
                return e;
            sim.run_for(100 * kMillisecond);
            sim.restart(behind);
            sim.isolate(leader);
            const NodeId next = await_leader(sim, why, others(sim, {leader}));
            if (next == kNoNode) return why;
            if (next == behind)
                return fmt::format("server {} missed committed entries while down, yet won the "
                                   "election of term {}",
                                   behind, sim.server(next).current_term());
            sim.heal();
            leader = commit_one(sim, numbered_command(10 * round + 5), why);
            if (leader == kNoNode) return why;
        }
        return some_votes(probe);
    });
}

TEST(Terms, stepDownOnHigherTerm) {
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        // A follower cut off on its own keeps starting elections, and its term climbs.
        // When it comes back, its RequestVote carries a term above the leader's.
        const NodeId loner = static_cast<NodeId>((leader + sim.rng().uniform(1, sim.size() - 1)) % sim.size());
        sim.isolate(loner);
        sim.run_for(sim.rng().uniform(700, 2000) * kMillisecond);
        const Term high = sim.server(loner).current_term();
        if (high <= sim.server(leader).current_term())
            return fmt::format("server {} was cut off for over 700 ms and never started an "
                               "election (still term {})",
                               loner, high);
        sim.heal();
        sim.run_until([&] { return sim.server(leader).current_term() >= high; }, 1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(leader).current_term() < high)
            return fmt::format("leader {} is still in term {} one second after server {} "
                                   "came back in term {}",
                                   leader, sim.server(leader).current_term(), loner, high);
        return await_leader(sim, why) == kNoNode ? why : "";
    });
}

TEST(Terms, staleTermMessagesIgnored) {
    SimOptions o = cluster();
    o.link.duplicate = 0.2;
    const LinkParams normal = o.link;
    run_probed(200, o, [normal](Simulation& sim, Probe& probe) -> std::string {
        std::string why;
        for (int round = 0; round < 3; ++round) {
            const NodeId old = settle(sim, why, round);
            if (old == kNoNode) return why;
            sim.isolate(old);
            if (await_leader(sim, why, others(sim, {old})) == kNoNode) return why;
            // The old leader comes back over slow links: it keeps sending heartbeats of
            // its old term for a while, and they arrive after the new term began.
            sim.heal();
            const LinkParams slow{100 * kMillisecond, 200 * kMillisecond, 0.0, 0.2};
            for (NodeId n : others(sim, {old})) {
                sim.set_link(old, n, slow);
                sim.set_link(n, old, slow);
            }
            sim.run_for(1 * kSecond);
            sim.set_all_links(normal);
        }
        if (sim.failed()) return sim.failure();
        return stale_ones_seen(probe);
    });
    if (HasFailure()) return;
    // Links so slow that vote replies often arrive after their election is over: a
    // candidate must not count them in its next election.
    SimOptions slow = cluster();
    slow.link = LinkParams{1 * kMillisecond, 450 * kMillisecond, 0.0, 0.2};
    run_probed(200, slow, [](Simulation& sim, Probe& probe) -> std::string {
        for (int round = 0; round < 5 && !sim.failed(); ++round) {
            sim.run_for(sim.rng().uniform(300, 900) * kMillisecond);
            if (const auto leader = sim.leader()) sim.isolate(*leader);  // new terms begin
            sim.run_for(700 * kMillisecond);
            sim.heal();
        }
        if (sim.failed()) return sim.failure();
        return stale_ones_seen(probe);
    });
}

}  // namespace
}  // namespace lab08
