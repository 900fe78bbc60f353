// fault_checks.cpp: lab 7, consensus on a network and servers that fail.
//
// The simulator checks state machine safety after every event: no two servers
// apply different entries at one index, and each applies 1, 2, 3, ... exactly once.
// These checks add the faults and then ask that everything commits once they heal.
#include "lab07.h"

namespace lab07 {
namespace {

TEST(Faults, lossyDuplicatingReorderingLinks) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 40 * kMillisecond, 0.2, 0.3};
    run_probed(200, o, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_spread(sim, 0, 30, 20 * kMillisecond); !e.empty()) return e;
        return all_apply(sim, 30, 5 * kSecond,
                         "over links that lose, duplicate and reorder messages not every entry "
                         "committed");
    });
}

TEST(Faults, appliesOnceAcrossDuplicates) {
    SimOptions o = cluster(3);
    o.link = LinkParams{1 * kMillisecond, 10 * kMillisecond, 0.0, 0.9};
    o.codec_roundtrip = true;
    run_probed(100, o, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_many(sim, 0, 15); !e.empty()) return e;
        if (std::string e = all_apply(sim, 15, 2 * kSecond, "entries did not commit"); !e.empty()) return e;
        sim.run_for(500 * kMillisecond);  // duplicated heartbeats keep arriving
        for (NodeId n = 0; n < sim.size(); ++n)
            if (sim.applied(n) != 15 || sim.server(n).last_applied() != 15)
                return fmt::format("server {} applied {} entries (last_applied {}) for 15 committed "
                                   "ones: each entry is applied exactly once",
                                   n, sim.applied(n), sim.server(n).last_applied());
        return {};
    });
}

TEST(Faults, laggingFollowerCommitsOnlyWhatItHas) {
    // A follower far behind catches up in small batches while the leader's commit index
    // is far ahead of it: each batch may commit only up to the entries it carried.
    SimOptions o = cluster();
    o.server.max_entries_per_message = 4;
    run_probed(200, o, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const NodeId lagging = static_cast<NodeId>(sim.rng().uniform(1, 4));
        sim.isolate(lagging);
        const int count = static_cast<int>(sim.rng().uniform(20, 60));
        if (std::string e = submit_many(sim, 0, count); !e.empty()) return e;
        sim.run_until([&] { return sim.server(0).commit_index() == static_cast<Index>(count); }, 2 * kSecond);
        sim.heal();
        return all_apply(sim, count, 3 * kSecond,
                         "a follower that fell far behind did not catch up and apply everything");
    });
}

TEST(Faults, restartFromPersistedState) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const int first = static_cast<int>(sim.rng().uniform(1, 10));
        if (std::string e = submit_many(sim, 0, first); !e.empty()) return e;
        if (std::string e = all_apply(sim, first, 1 * kSecond, "entries did not commit"); !e.empty()) return e;
        // A follower crashes in the middle of more traffic and comes back.
        const NodeId follower = static_cast<NodeId>(sim.rng().uniform(1, 4));
        if (std::string e = submit_many(sim, 0, 5, first); !e.empty()) return e;
        sim.run_for(sim.rng().uniform(0, 10) * kMillisecond);
        sim.crash(follower);
        sim.run_for(sim.rng().uniform(10, 300) * kMillisecond);
        sim.restart(follower);
        sim.run_for(200 * kMillisecond);
        // Then the whole cluster goes down at once and restarts from disk.
        sim.note("every server crashes and restarts");
        for (NodeId n = 0; n < sim.size(); ++n) sim.crash(n);
        for (NodeId n = 0; n < sim.size(); ++n) sim.restart(n);
        if (sim.failed()) return sim.failure();
        for (NodeId n = 0; n < sim.size(); ++n)
            if (sim.server(n).commit_index() != 0 || sim.server(n).last_applied() != 0)
                return fmt::format("server {} restarted with commit index {}: commit index and "
                                   "last applied are volatile and start again at 0",
                                   n, sim.server(n).commit_index());
        const NodeId leader = designate(sim);
        if (std::string e = submit_many(sim, leader, 1, 100); !e.empty()) return e;
        const Index total = sim.server(leader).last_log_index();
        return all_apply(sim, total, 2 * kSecond,
                         "after every server restarted from its persisted state, the cluster did "
                         "not commit its whole log again");
    });
}

TEST(Faults, leaderCrashKeepsCommittedEntries) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        sim.run_for(100 * kMillisecond);
        const int count = static_cast<int>(sim.rng().uniform(1, 20));
        for (int i = 0; i < count; ++i) {
            if (std::string e = submit_many(sim, 0, 1, i); !e.empty()) return e;
            sim.run_for(sim.rng().uniform(0, 5 * kMillisecond));
        }
        sim.crash(0);
        sim.run_for(100 * kMillisecond);
        const NodeId leader = designate(sim);
        if (std::string e = submit_many(sim, leader, 3, 100); !e.empty()) return e;
        sim.restart(0);
        const Index total = sim.server(leader).last_log_index();
        return all_apply(sim, total, 2 * kSecond,
                         "after the leader crashed and another took over, the cluster did not "
                         "commit the new leader's log");
    });
}

}  // namespace
}  // namespace lab07
