// divergence_checks.cpp: lab 6, followers whose logs disagree with the leader's.
//
// The divergent logs are made the way real clusters make them: a leader takes
// commands while cut off, then a new leader is designated in a higher term. When the
// network heals, the new leader's AppendEntries must walk next_index back to the
// point where the logs agree, remove the conflicting suffix and send its own entries.
#include "lab06.h"

namespace lab06 {
namespace {

/// Builds a divergence: server 0 leads term 1 and replicates `common` entries, then
/// takes `stale` more while cut off from everyone except `accomplices` (followers
/// that receive them too; at most one, so the old side stays a minority and cannot
/// commit them). Server 1 is then designated leader of term 2 and takes
/// `fresh` entries; finally the network heals. Returns "" or what went wrong.
std::string diverge(Simulation& sim, int common, int stale, int fresh,
                    const std::vector<NodeId>& accomplices) {
    sim.become_leader(0);
    if (std::string e = submit_many(sim, 0, common); !e.empty()) return e;
    if (std::string e = converge(sim, 0, 1 * kSecond, "replication stalled"); !e.empty()) return e;
    sim.run_for(100 * kMillisecond);  // every follower hears term 1 (a heartbeat at least)
    std::vector<NodeId> old_side{0};
    old_side.insert(old_side.end(), accomplices.begin(), accomplices.end());
    std::vector<NodeId> new_side;
    for (NodeId n = 1; n < sim.size(); ++n)
        if (std::find(accomplices.begin(), accomplices.end(), n) == accomplices.end()) new_side.push_back(n);
    sim.partition({old_side, new_side});
    sim.note("old leader 0 takes commands nobody else will keep");
    if (std::string e = submit_many(sim, 0, stale, 1000); !e.empty()) return e;
    sim.run_for(300 * kMillisecond);
    sim.note("server 1 becomes leader of term 2");
    sim.become_leader(1);
    if (std::string e = submit_many(sim, 1, fresh, 2000); !e.empty()) return e;
    sim.run_for(sim.rng().uniform(50, 300) * kMillisecond);
    sim.heal();
    return {};
}

TEST(Divergence, divergentFollowerRolledBack) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        const int common = static_cast<int>(sim.rng().uniform(0, 10));
        const int stale = static_cast<int>(sim.rng().uniform(1, 10));
        const int fresh = static_cast<int>(sim.rng().uniform(1, 10));
        const std::vector<NodeId> accomplices{static_cast<NodeId>(sim.rng().uniform(2, 4))};
        if (std::string e = diverge(sim, common, stale, fresh, accomplices); !e.empty()) return e;
        if (std::string e = converge(sim, 1, 2 * kSecond,
                                     "followers holding entries of the deposed leader were not "
                                     "rolled back to the new leader's log");
            !e.empty())
            return e;
        if (sim.server(0).role() != Role::follower || sim.server(0).current_term() != 2)
            return "the old leader should have become a follower of term 2 after hearing the new "
                   "leader";
        return {};
    });
}

TEST(Divergence, longDivergenceBacktracks) {
    SimOptions o = cluster();
    o.server.max_entries_per_message = 16;
    run_seeds(100, o, make_server, [](Simulation& sim) -> std::string {
        const int stale = static_cast<int>(sim.rng().uniform(40, 120));
        if (std::string e = diverge(sim, 5, stale, 3, {4}); !e.empty()) return e;
        return converge(sim, 1, 5 * kSecond,
                        "followers with a long run of conflicting entries were not brought back "
                        "into agreement");
    });
}

TEST(Divergence, nextIndexStaysAboveZero) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 30 * kMillisecond, 0.1, 0.5};
    run_seeds(200, o, make_server, [](Simulation& sim) -> std::string {
        std::string broken;
        // Watch every leader after every event: next_index must stay in 1..last+1 and
        // above match_index, however many stale or duplicated rejections arrive.
        auto watch = [&] {
            for (NodeId n = 0; n < sim.size() && broken.empty(); ++n) {
                if (!sim.up(n) || sim.server(n).role() != Role::leader) continue;
                const RaftNode& l = sim.server(n);
                for (NodeId p = 0; p < sim.size(); ++p) {
                    if (p == n) continue;
                    if (l.next_index(p) < 1 || l.next_index(p) > l.last_log_index() + 1 ||
                        l.next_index(p) <= l.match_index(p))
                        broken = fmt::format("leader {} has next_index {} and match_index {} for "
                                             "follower {} with {} entries in its own log; "
                                             "next_index must stay within 1..last+1 and above "
                                             "match_index",
                                             n, l.next_index(p), l.match_index(p), p,
                                             l.last_log_index());
                }
            }
            return !broken.empty();
        };
        if (std::string e = diverge(sim, 2, 3, 4, {2}); !e.empty()) return e;
        sim.run_for(300 * kMillisecond);
        // Designated again (term 3), server 1 starts every follower at next_index just
        // past its own log, so the two divergent followers reject, some more than once.
        sim.note("server 1 is designated again, for term 3");
        sim.become_leader(1);
        sim.run_until(watch, 3 * kSecond);
        if (!broken.empty()) return broken;
        return converge(sim, 1, 3 * kSecond, "the logs did not converge over duplicating links");
    });
}

TEST(Divergence, staleLeaderStepsDown) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        if (std::string e = diverge(sim, 2, 4, 1, {}); !e.empty()) return e;
        // The deposed leader keeps sending term-1 AppendEntries until it hears term 2.
        sim.run_until([&] { return sim.server(0).role() == Role::follower; }, 1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(0).role() != Role::follower || sim.server(0).current_term() < 2)
            return "the leader of term 1 kept leading after the network healed; a reply carrying "
                   "a higher term must turn it into a follower";
        for (NodeId n = 2; n < sim.size(); ++n)
            if (sim.server(n).last_log_index() != 3)
                return fmt::format("follower {} accepted entries from the deposed leader of term 1 "
                                   "(it has {} entries, expected 3): requests from a stale term "
                                   "must be refused",
                                   n, sim.server(n).last_log_index());
        return converge(sim, 1, 2 * kSecond, "the logs did not converge on the new leader's");
    });
}

}  // namespace
}  // namespace lab06
