// divergence_checks.cpp: lab 6, followers whose logs disagree with the leader's.
//
// The divergent logs are made the way real clusters make them: a leader takes
// commands while cut off, then a new leader is designated in a higher term. When the
// network heals, the new leader's AppendEntries must walk next_index back to the
// point where the logs agree, remove the conflicting suffix and send its own entries.
#include <map>

#include "diverge.h"
#include "lab06.h"

namespace lab06 {
namespace {

TEST(Divergence, divergentFollowerRolledBack) {
    run_seeds(200, cluster(), make_watched_server, [](Simulation& sim) -> std::string {
        const int common = static_cast<int>(sim.rng().uniform(0, 10));
        const int stale = static_cast<int>(sim.rng().uniform(1, 10));
        const int fresh = static_cast<int>(sim.rng().uniform(1, 10));
        const std::vector<NodeId> accomplices{static_cast<NodeId>(sim.rng().uniform(2, 4))};
        if (std::string e = diverge(sim, common, stale, fresh, accomplices); !e.empty()) return e;
        if (std::string e = converge_by_backtracking(sim, 1, 2 * kSecond,
                                                     "followers holding entries of the deposed leader were not "
                                                     "rolled back to the new leader's log");
            !e.empty())
            return e;
        if (sim.server(0).role() != Role::follower || sim.server(0).current_term() != 3)
            return "the old leader should have become a follower of term 3 after hearing the new "
                   "leader";
        return {};
    });
}

TEST(Divergence, longDivergenceBacktracks) {
    SimOptions o = cluster();
    o.server.max_entries_per_message = 16;
    run_seeds(100, o, make_watched_server, [](Simulation& sim) -> std::string {
        const int stale = static_cast<int>(sim.rng().uniform(40, 120));
        if (std::string e = diverge(sim, 5, stale, 3, {4}); !e.empty()) return e;
        return converge_by_backtracking(sim, 1, 5 * kSecond,
                        "followers with a long run of conflicting entries were not brought back "
                        "into agreement");
    });
}

// A leader's match_index for a follower only grows while it leads, and never passes
// the leader's own last entry, however late, duplicated or reordered the replies are
// (a success reply to an older request carries a smaller match), and however many
// stale entries past that point the follower still holds. Watched after every event
// once server 1 leads over duplicating links.
TEST(Divergence, matchIndexOnlyGrows) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 30 * kMillisecond, 0.0, 0.5};
    run_seeds(200, o, make_server, [](Simulation& sim) -> std::string {
        std::string broken;
        std::map<NodeId, Index> highest;  // server 1's match_index per follower so far
        auto watch = [&] {
            if (!sim.up(1) || sim.server(1).role() != Role::leader) return false;
            const RaftNode& l = sim.server(1);
            for (NodeId p = 0; p < sim.size() && broken.empty(); ++p) {
                if (p == 1) continue;
                const Index m = l.match_index(p);
                if (m > l.last_log_index())
                    broken = fmt::format("leader 1 has match_index {} for follower {} but only {} entries in its "
                                         "own log: match_index counts only entries the leader sent (prev index "
                                         "plus the entries of the request that succeeded)",
                                         m, p, l.last_log_index());
                else if (m < highest[p])
                    broken = fmt::format("leader 1's match_index for follower {} went back from {} to {}: it only "
                                         "grows, and a late or duplicated success reply must not lower it",
                                         p, highest[p], m);
                highest[p] = std::max(highest[p], m);
            }
            return !broken.empty();
        };
        // Server 1 leads term 3 with the 2 common entries only; follower 2 also holds
        // the old leader's 3 stale ones, so a heartbeat that matches at index 2 leaves
        // it 5 entries, of which only 2 are known to match.
        if (std::string e = diverge(sim, 2, 3, 0, {2}); !e.empty()) return e;
        if (sim.server(2).last_log_index() <= sim.server(1).last_log_index())
            return "follower 2 holds no entries past leader 1's log (a fault of the check, not of your server)";
        const SimStats before = sim.stats();
        sim.run_until(watch, 300 * kMillisecond);  // heartbeats reach every follower
        for (int i = 0; i < 12 && broken.empty(); ++i) {
            if (std::string e = submit_many(sim, 1, 1, 100 + i); !e.empty()) return e;
            sim.run_until(watch, sim.rng().uniform(1, 20) * kMillisecond);
        }
        sim.run_until(watch, 2 * kSecond);
        if (!broken.empty()) return broken;
        if (std::string e = converge(sim, 1, 3 * kSecond, "the logs did not converge over duplicating links");
            !e.empty())
            return e;
        // What the check exists for happened: replies arrived twice.
        const SimStats& after = sim.stats();
        if (after.messages_delivered - before.messages_delivered + after.messages_dropped - before.messages_dropped <=
            after.messages_sent - before.messages_sent)
            return "the check's links duplicated no message in this seed (a fault of the check, not of your server)";
        return {};
    });
}

TEST(Divergence, staleLeaderStepsDown) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        if (std::string e = diverge(sim, 2, 4, 1, {}); !e.empty()) return e;
        // The deposed leader keeps sending term-1 AppendEntries until it hears a newer term.
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

// A follower answers a request from an older term with its newer term: that reply is
// how a deposed leader learns it was deposed. Here it is the only way: the old leader
// of term 1 can reach nobody but follower 3, which already serves term 2.
TEST(Divergence, staleRequestGetsTheNewerTerm) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_many(sim, 0, 2); !e.empty()) return e;
        if (std::string e = converge(sim, 0, 1 * kSecond, "replication stalled"); !e.empty()) return e;
        sim.partition({{0}, {1, 2, 3, 4}});
        sim.note("server 1 becomes leader of term 2 while server 0 is cut off");
        sim.become_leader(1);
        if (std::string e = submit_many(sim, 1, 1, 2000); !e.empty()) return e;
        sim.run_for(300 * kMillisecond);
        if (sim.failed()) return sim.failure();
        // What the check exists for: a leader of term 1 that has heard of no newer term,
        // and a follower of term 2 that is the only server it can reach.
        if (sim.server(0).role() != Role::leader || sim.server(0).current_term() != 1 ||
            sim.server(3).current_term() != 2)
            return "the scene was not set: server 0 should still lead term 1 and server 3 follow term 2 "
                   "(a fault of the check, not of your server)";
        sim.partition({{0, 3}, {1, 2, 4}});
        sim.note("server 0 can now reach only server 3");
        sim.run_until([&] { return sim.server(0).role() != Role::leader; }, 1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(0).role() == Role::leader)
            return "follower 3 (term 2) received AppendEntries of term 1 from the deposed leader 0 for 1 s of "
                   "virtual time, and 0 still leads term 1: a request from an older term must be refused "
                   "with a reply that carries the follower's newer term, so its sender steps down";
        if (sim.server(0).current_term() != 2)
            return fmt::format("server 0 stepped down into term {}, not term 2, the term follower 3 told it",
                               sim.server(0).current_term());
        return {};
    });
}

}  // namespace
}  // namespace lab06
