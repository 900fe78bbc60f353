// divergence_checks.cpp: lab 6, followers whose logs disagree with the leader's.
//
// The divergent logs are made the way real clusters make them: a leader takes
// commands while cut off, then a new leader is designated in a higher term. When the
// network heals, the new leader's AppendEntries must walk next_index back to the
// point where the logs agree, remove the conflicting suffix and send its own entries.
#include "diverge.h"
#include "lab06.h"

namespace lab06 {
namespace {

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
