// replication_checks.cpp: lab 6, a designated leader replicates its log.
//
// Elections are off in every check: the check designates the leader with
// become_leader(), offers it commands, and looks at the followers' logs through the
// read-only inspection API. The simulator checks log matching on every change.
#include "lab06.h"

namespace lab06 {
namespace {

TEST(Replication, designatedLeaderTakesNewTerm) {
    run_seeds(20, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const RaftNode& leader = sim.server(0);
        if (leader.role() != Role::leader || leader.current_term() != 1 || leader.voted_for() != 0)
            return fmt::format("after become_leader() server 0 should be leader of term 1 having "
                               "voted for itself, but it is {} of term {} having voted for {}",
                               role_name(leader.role()), leader.current_term(), leader.voted_for());
        if (sim.persisted(0).current_term != 1 || sim.persisted(0).voted_for != 0)
            return "become_leader() did not persist the new term and the vote for itself";
        sim.run_for(200 * kMillisecond);
        for (NodeId n = 1; n < sim.size(); ++n) {
            const RaftNode& f = sim.server(n);
            if (f.role() != Role::follower || f.current_term() != 1 || f.leader_id() != 0)
                return fmt::format("server {} should have learned from AppendEntries that server 0 "
                                   "leads term 1, but it is {} of term {} with leader {}",
                                   n, role_name(f.role()), f.current_term(), f.leader_id());
        }
        return {};
    });
}

TEST(Replication, onlyLeaderAcceptsCommands) {
    run_seeds(20, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        for (int i = 1; i <= 3; ++i) {
            auto index = sim.submit(0, numbered_command(i));
            if (!index || *index != static_cast<Index>(i))
                return fmt::format("the leader's command number {} should get log index {}", i, i);
            const LogEntry& e = sim.server(0).log_entry(*index);
            if (e.term != 1 || e.command != numbered_command(i))
                return fmt::format("log index {} of the leader should hold the command in term 1", i);
        }
        sim.run_for(100 * kMillisecond);
        if (auto index = sim.submit(2, "nope"); index)
            return "a follower accepted a client command; only the leader may";
        if (sim.server(2).last_log_index() != 3)
            return fmt::format("follower 2 should hold the leader's 3 entries but has {}",
                               sim.server(2).last_log_index());
        return {};
    });
}

TEST(Replication, entriesReachEveryFollower) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const int count = static_cast<int>(sim.rng().uniform(1, 40));
        for (int i = 0; i < count; ++i) {
            if (std::string e = submit_many(sim, 0, 1, i); !e.empty()) return e;
            sim.run_for(sim.rng().uniform(0, 5 * kMillisecond));
        }
        return converge(sim, 0, 1 * kSecond, "the followers did not receive every entry");
    });
}

TEST(Replication, nextAndMatchIndexTracked) {
    run_seeds(100, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const RaftNode& leader = sim.server(0);
        for (NodeId p = 1; p < sim.size(); ++p)
            if (leader.next_index(p) != 1 || leader.match_index(p) != 0)
                return fmt::format("a new leader with an empty log should start follower {} at "
                                   "next_index 1 and match_index 0, not {} and {}",
                                   p, leader.next_index(p), leader.match_index(p));
        const int count = static_cast<int>(sim.rng().uniform(1, 30));
        if (std::string e = submit_many(sim, 0, count); !e.empty()) return e;
        if (std::string e = converge(sim, 0, 1 * kSecond, "replication stalled"); !e.empty()) return e;
        sim.run_for(200 * kMillisecond);  // let the last replies arrive
        for (NodeId p = 1; p < sim.size(); ++p)
            if (leader.match_index(p) != static_cast<Index>(count) ||
                leader.next_index(p) != static_cast<Index>(count) + 1)
                return fmt::format("after follower {} stored all {} entries the leader should have "
                                   "match_index {} and next_index {} for it, not {} and {}",
                                   p, count, count, count + 1, leader.match_index(p),
                                   leader.next_index(p));
        return {};
    });
}

TEST(Replication, followerCatchesUp) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_many(sim, 0, 3); !e.empty()) return e;
        sim.run_for(100 * kMillisecond);
        const NodeId lagging = static_cast<NodeId>(sim.rng().uniform(1, sim.size() - 1));
        sim.isolate(lagging);
        const int more = static_cast<int>(sim.rng().uniform(5, 60));
        if (std::string e = submit_many(sim, 0, more, 3); !e.empty()) return e;
        sim.run_for(sim.rng().uniform(100, 800) * kMillisecond);
        sim.heal();
        return converge(sim, 0, 2 * kSecond, "a follower that was cut off did not catch up after the heal");
    });
}

TEST(Replication, laggingFollowerDoesNotBlock) {
    run_seeds(200, cluster(), make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const NodeId lagging = static_cast<NodeId>(sim.rng().uniform(1, sim.size() - 1));
        sim.isolate(lagging);
        if (std::string e = submit_many(sim, 0, 20); !e.empty()) return e;
        auto others_done = [&] {
            for (NodeId n = 1; n < sim.size(); ++n)
                if (n != lagging && !logs_differ(sim, 0, n).empty()) return false;
            return true;
        };
        if (!sim.run_until(others_done, 1 * kSecond) && !sim.failed())
            return fmt::format("with follower {} cut off, the other followers did not get the "
                               "leader's entries within 1000 ms: one slow follower must not "
                               "hold up the rest",
                               lagging);
        return {};
    });
}

TEST(Replication, lostMessagesRetransmitted) {
    SimOptions o = cluster();
    o.link.loss = 0.4;
    run_seeds(200, o, make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_many(sim, 0, 10); !e.empty()) return e;
        return converge(sim, 0, 5 * kSecond,
                        "with 40% of messages lost, the leader did not get its entries to every "
                        "follower (it must resend, for example with every heartbeat)");
    });
}

TEST(Replication, lossyDuplicatingReorderingLinks) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 40 * kMillisecond, 0.2, 0.3};
    run_seeds(200, o, make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_spread(sim, 0, 30, 20 * kMillisecond); !e.empty()) return e;
        return converge(sim, 0, 5 * kSecond,
                        "over links that lose, duplicate and reorder messages the logs did not "
                        "converge");
    });
}

TEST(Replication, survivesCodecRoundTrip) {
    SimOptions o = cluster(3);
    o.codec_roundtrip = true;
    run_seeds(50, o, make_server, [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_many(sim, 0, 10); !e.empty()) return e;
        if (!sim.submit(0, "quote \" backslash \\ newline \n tab \t done"))
            return "the leader refused a command with special characters";
        return converge(sim, 0, 1 * kSecond, "with every message sent through the JSON codec the logs did not converge");
    });
}

TEST(Replication, followerPersistsBeforeReplying) {
    // Watched at every success reply (PersistWatchEnv), and by a crash and restart.
    run_seeds(100, cluster(), make_watched_server, [](Simulation& sim) -> std::string {
        t_watched = &sim;
        struct Unwatch {
            ~Unwatch() { t_watched = nullptr; }
        } unwatch;
        sim.become_leader(0);
        const int count = static_cast<int>(sim.rng().uniform(1, 30));
        if (std::string e = submit_many(sim, 0, count); !e.empty()) return e;
        if (std::string e = converge(sim, 0, 1 * kSecond, "replication stalled"); !e.empty()) return e;
        for (NodeId n = 0; n < sim.size(); ++n)
            if (std::string d = durable_state_differs(sim, n); !d.empty())
                return d + ": persist every log change before replying";
        const NodeId victim = static_cast<NodeId>(sim.rng().uniform(1, sim.size() - 1));
        sim.crash(victim);
        sim.restart(victim);
        if (sim.failed()) return sim.failure();
        if (sim.server(victim).last_log_index() != static_cast<Index>(count) ||
            sim.server(victim).current_term() != 1)
            return fmt::format("after a restart follower {} should come back with its {} entries "
                               "and term 1 from disk, but has {} entries and term {}",
                               victim, count, sim.server(victim).last_log_index(),
                               sim.server(victim).current_term());
        return {};
    });
}

}  // namespace
}  // namespace lab06
