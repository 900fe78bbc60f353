// compaction_checks.cpp: lab 11 in the simulator. Servers snapshot as their state
// machines ask, a follower that needs entries its leader compacted gets the
// snapshot, and everything still holds through crashes, restarts, late and
// duplicated messages, and elections between servers whose logs are empty after a
// snapshot. Every run is probed (lab 8's rules) and watched (lab 11's, lab11.h), and
// every check asserts that what it is about happened: snapshots taken, installed,
// found stale, logs dropped, servers restarted from a snapshot.
#include "lab11.h"

namespace lab11 {
namespace {

/// "" when every up server keeps a short log and a durable state equal to it.
std::string logs_are_short(const Simulation& sim, Index every) {
    for (NodeId n = 0; n < sim.size(); ++n) {
        if (!sim.up(n)) continue;
        const RaftNode& s = sim.server(n);
        if (s.snapshot_index() + 2 * every < s.last_applied())
            return fmt::format("server {} applied {} entries but its snapshot covers only {}, although its "
                               "state machine asked for one every {} entries",
                               n, s.last_applied(), s.snapshot_index(), every);
        if (s.last_log_index() - s.snapshot_index() > 3 * every)
            return fmt::format("server {} still holds {} log entries after its snapshot through index {}",
                               n, s.last_log_index() - s.snapshot_index(), s.snapshot_index());
        if (sim.persisted(n).log.size() > 3 * every)
            return fmt::format("server {} still has {} log entries on disk after its snapshot through index {}: "
                               "the durable log must shrink too (persist_snapshot drops what it covers)",
                               n, sim.persisted(n).log.size(), sim.persisted(n).snapshot.last_index);
        if (std::string differs = durable_state_differs(sim, n); !differs.empty()) return differs;
    }
    return {};
}

// Rules: snapshot() saves, then keeps exactly the entries after it; it ignores an
// index that is not applied or not above the snapshot; the durable log shrinks.
TEST(Compaction, logStaysShortUnderLoad) {
    run_watched(20, cluster11(5, 20), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        if (settle(sim, why) == kNoNode) return why;
        int label = 0;
        if (std::string w = load(sim, label, 300, 10 * kMillisecond); !w.empty()) return w;
        if (std::string w = logs_are_short(sim, 20); !w.empty()) return "after 300 commands, " + w;
        if (watch.counts().snapshots_taken < 5 * 10)
            return fmt::format("after 300 commands on 5 servers that each asked for a snapshot every 20 entries, "
                               "only {} snapshots were taken",
                               watch.counts().snapshots_taken);
        // Indexes a server must refuse: one below its snapshot, and one it holds in its
        // log but has not applied (the leader, cut off, with three new commands).
        for (NodeId n = 0; n < sim.size() && !sim.failed(); ++n) {
            const RaftNode& s = sim.server(n);
            if (s.snapshot_index() > 1) sim.ask_snapshot(n, s.snapshot_index() - 1);
        }
        const NodeId leader = current_leader(sim);
        if (leader == kNoNode) return "no leader after the load";
        sim.note(fmt::format("isolate leader {} and give it three commands it cannot commit", leader));
        sim.isolate(leader);
        for (int i = 0; i < 3; ++i) sim.submit(leader, numbered_command(++label));
        sim.run_for(100 * kMillisecond);
        const Index applied = sim.server(leader).last_applied();
        if (sim.server(leader).last_log_index() <= applied)
            return fmt::format("leader {} holds no entry past the {} it applied after three new commands", leader,
                               applied);
        sim.ask_snapshot(leader, applied + 1);
        if (sim.failed()) return sim.failure();
        sim.heal();
        return load(sim, label, 20, 10 * kMillisecond);
    });
}

// Rules: a leader sends its snapshot to a follower that needs compacted entries; the
// follower saves it, hands it to its state machine, and answers; the leader then goes
// on with AppendEntries. The follower restarts from the snapshot it installed.
TEST(InstallSnapshot, crashedFollowerCatchesUp) {
    run_watched(30, cluster11(5, 10), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const NodeId victim = (leader + 1) % sim.size();
        sim.note(fmt::format("crash follower {} while 150 commands commit", victim));
        sim.crash(victim);
        int label = 0;
        if (std::string w = load(sim, label, 150, 10 * kMillisecond); !w.empty()) return w;
        sim.note(fmt::format("restart follower {}: its log ends where the others' snapshots begin", victim));
        sim.restart(victim);
        const Index target = sim.committed().size();
        if (!sim.run_until([&] { return sim.applied(victim) >= target; }, 10 * kSecond))
            return sim.failed() ? sim.failure()
                                : fmt::format("follower {}, restarted after 150 commands, applied {} of the {} "
                                              "committed entries within 10 s: the leader must send its snapshot "
                                              "to a follower that needs entries it compacted",
                                              victim, sim.applied(victim), target);
        if (watch.counts().installs == 0)
            return fmt::format("follower {} caught up without installing a snapshot, so this seed tested nothing",
                               victim);
        const Index installed = sim.persisted(victim).snapshot.last_index;
        sim.note(fmt::format("crash and restart follower {} again: it starts from its snapshot", victim));
        sim.crash(victim);
        sim.restart(victim);
        if (sim.failed()) return sim.failure();
        if (installed == 0 || watch.counts().restarts_from_snapshot == 0)
            return fmt::format("follower {} installed a snapshot but had none on disk when it restarted", victim);
        return load(sim, label, 20, 10 * kMillisecond);
    });
}

// Rules: a restarted server starts from its saved snapshot (the state machine gets it
// first) and its log after it.
TEST(Restart, wholeClusterFromSnapshots) {
    run_watched(30, cluster11(3, 15), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        if (settle(sim, why) == kNoNode) return why;
        int label = 0;
        if (std::string w = load(sim, label, 100, 10 * kMillisecond); !w.empty()) return w;
        sim.note("crash every server, then restart them all");
        for (NodeId n = 0; n < sim.size(); ++n) sim.crash(n);
        sim.run_for(100 * kMillisecond);
        for (NodeId n = 0; n < sim.size(); ++n) sim.restart(n);
        if (sim.failed()) return sim.failure();
        if (watch.counts().restarts_from_snapshot != sim.size())
            return fmt::format("{} of the {} servers restarted from a snapshot after 100 commands with a snapshot "
                               "every 15 entries",
                               watch.counts().restarts_from_snapshot, sim.size());
        return load(sim, label, 40, 10 * kMillisecond);
    });
}

// Rules: an InstallSnapshot covering only what a follower committed changes nothing.
// The leader resends its snapshot every heartbeat until answered, and the links
// duplicate and reorder, so late copies arrive.
TEST(InstallSnapshot, lateCopiesChangeNothing) {
    SimOptions o = cluster11(3, 5);
    o.link = LinkParams{1 * kMillisecond, 60 * kMillisecond, 0.0, 0.3};
    run_watched(40, o, [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const NodeId victim = (leader + 1) % sim.size();
        int label = 0;
        for (int round = 0; round < 3 && !sim.failed(); ++round) {
            sim.note(fmt::format("crash follower {} while 40 commands commit", victim));
            sim.crash(victim);
            if (std::string w = load(sim, label, 40, 10 * kMillisecond); !w.empty()) return w;
            sim.restart(victim);
            if (std::string w = load(sim, label, 20, 10 * kMillisecond); !w.empty()) return w;
        }
        if (sim.failed()) return sim.failure();
        if (watch.counts().installs == 0 || watch.counts().stale_installs == 0)
            return fmt::format("in three rounds of a follower falling behind on links that duplicate and delay, "
                               "{} snapshots were installed and {} arrived late: this seed tested nothing",
                               watch.counts().installs, watch.counts().stale_installs);
        return {};
    });
}

// Rules: a leader that walks a follower's next_index back past its snapshot sends the
// snapshot; a follower whose log disagrees with a snapshot drops the whole log.
TEST(InstallSnapshot, oldLeaderDropsItsLog) {
    run_watched(30, cluster11(5, 10), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId old_leader = settle(sim, why);
        if (old_leader == kNoNode) return why;
        sim.note(fmt::format("isolate leader {} and offer it 100 commands it cannot commit", old_leader));
        sim.isolate(old_leader);
        for (int i = 0; i < 100; ++i) sim.submit(old_leader, fmt::format("stale-{}", i));
        const NodeId leader = await_leader(sim, why, others(sim, {old_leader}));
        if (leader == kNoNode) return why;
        int label = 0;
        for (int i = 0; i < 60 && !sim.failed(); ++i) {
            if (const std::optional<NodeId> now = sim.leader(); now && *now != old_leader)
                sim.submit(*now, numbered_command(++label));
            sim.run_for(10 * kMillisecond);
        }
        sim.run_for(500 * kMillisecond);
        if (sim.failed()) return sim.failure();
        // A second new leader starts with every next_index past its snapshot, so it
        // reaches the old leader's disagreeing log by backtracking, one rejection at
        // a time, down to (and past) its snapshot.
        const NodeId first_new = current_leader(sim);
        if (first_new == kNoNode || first_new == old_leader) return "no new leader took over";
        sim.note(fmt::format("crash leader {}: the next leader's next_index for server {} is past its snapshot",
                             first_new, old_leader));
        sim.crash(first_new);
        const NodeId leader2 = await_leader(sim, why, others(sim, {old_leader, first_new}));
        if (leader2 == kNoNode) return why;
        sim.run_for(200 * kMillisecond);
        sim.note(fmt::format("heal: server {} holds 100 entries the others never had", old_leader));
        sim.heal();
        if (std::string w = load(sim, label, 10, 10 * kMillisecond); !w.empty()) return w;
        sim.restart(first_new);
        if (std::string w = load(sim, label, 10, 10 * kMillisecond); !w.empty()) return w;
        if (!sim.up(old_leader)) return {};
        const NodeId now = current_leader(sim);
        if (now != kNoNode)
            if (std::string d = logs_differ(sim, now, old_leader); !d.empty()) return d;
        if (watch.counts().logs_dropped == 0)
            return fmt::format("server {} rejoined with 100 entries of an old term and no snapshot it received "
                               "disagreed with them: this seed tested nothing",
                               old_leader);
        return {};
    });
}

// Rule: after a snapshot, the up-to-date check of an election uses the snapshot's
// last term and index when the log holds nothing after it.
TEST(Election, emptyLogsStillVoteRight) {
    run_watched(40, cluster11(3, 1), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const NodeId behind = (leader + 1) % 3, third = (leader + 2) % 3;
        sim.note(fmt::format("isolate server {} while 20 commands commit and every log is compacted", behind));
        sim.isolate(behind);
        int label = 0;
        for (int i = 0; i < 20 && !sim.failed(); ++i) {
            sim.submit(leader, numbered_command(++label));
            sim.run_for(20 * kMillisecond);
        }
        sim.run_for(300 * kMillisecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(third).last_applied() < 21 || watch.counts().snapshots_taken == 0)
            return fmt::format("server {} applied {} entries and {} snapshots were taken: the setup did not happen",
                               third, sim.server(third).last_applied(), watch.counts().snapshots_taken);
        sim.note(fmt::format("crash leader {} and heal: server {} is behind, server {}'s log is empty after its "
                             "snapshot",
                             leader, behind, third));
        sim.crash(leader);
        sim.heal();
        const NodeId next = await_leader(sim, why, {}, 10 * kSecond);
        if (next == kNoNode) return why;
        if (next != third)
            return fmt::format("server {}, whose log is behind, became leader of term {}", next,
                               sim.server(next).current_term());
        std::string w = load(sim, label, 10, 10 * kMillisecond);
        return w;
    });
}

// Everything at once on a lossy, duplicating network, with a leader crash.
TEST(Compaction, lossyNetworkWithLeaderCrash) {
    SimOptions o = cluster11(5, 8);
    o.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.05, 0.05};
    run_watched(20, o, [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        if (settle(sim, why) == kNoNode) return why;
        int label = 0;
        if (std::string w = load(sim, label, 80, 10 * kMillisecond); !w.empty()) return w;
        const NodeId leader = current_leader(sim);
        if (leader != kNoNode) {
            sim.note(fmt::format("crash leader {}", leader));
            sim.crash(leader);
            if (std::string w = load(sim, label, 80, 10 * kMillisecond); !w.empty()) return w;
            sim.restart(leader);
        }
        if (std::string w = load(sim, label, 40, 10 * kMillisecond); !w.empty()) return w;
        if (std::string w = logs_are_short(sim, 8); !w.empty()) return w;
        if (watch.counts().snapshots_taken == 0) return "no snapshot was taken: this seed tested nothing";
        return {};
    });
}

}  // namespace
}  // namespace lab11
