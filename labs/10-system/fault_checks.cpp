// fault_checks.cpp: the service under faults: crashes, a leader cut off in a
// minority, lossy links and paused processes. (The random mix of all of these is a
// hidden check, in hidden/nemesis_checks.cpp.)
//
// Each check runs a workload of concurrent clients while the faults happen, heals
// everything, reads every key back with a fresh client, and then judges the whole
// history: linearizable, every append applied at most once, every acknowledged write
// still there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "lab10.h"
#include "raftlab/check/check.h"
#include "raftlab/nemesis/nemesis.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

std::string name(NodeId id) { return kv::LocalCluster::name(id); }

/// Kills one server during a workload and starts it again later.
void kill_during_workload(bool kill_leader) {
    run_check([kill_leader](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        run_workload_during(run, workload(8, 5, 9000ms), [&] {
            for (int round = 0; round < 2; ++round) {
                std::this_thread::sleep_for(1500ms);
                NodeId leader = wait_for_leader(cluster);
                NodeId victim = kill_leader ? leader : (leader + 1 + round) % cluster.size();
                run.note("kill -9 " + name(victim) + (kill_leader ? " (the leader)" : " (a follower)"));
                cluster.kill(victim);
                std::this_thread::sleep_for(2000ms);
                run.note("start " + name(victim));
                cluster.start(victim);
            }
        });
        verify_history(run, read_back(run, workload_keys(5)));
    });
}

TEST(Faults, leaderKill) { kill_during_workload(true); }

TEST(Faults, followerKill) { kill_during_workload(false); }

TEST(Faults, isolatedLeaderServesNoStaleRead) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        NodeId old_leader = wait_for_leader(cluster);
        kv::Client writer(cluster.client_endpoints(), "writer", workload_client_options());
        must_execute(cluster, writer, kv::Op::put, "iso", "v1");
        Term old_term = cluster.status(old_leader, 1000ms).value_or(kv::StatusReply{}).term;

        run_workload_during(run, workload(6, 4, 8000ms), [&] {
            std::this_thread::sleep_for(1000ms);
            // The leader alone on one side; clients still reach everyone.
            std::vector<std::string> rest;
            for (NodeId i = 0; i < cluster.size(); ++i)
                if (i != old_leader) rest.push_back(name(i));
            cluster.proxy().partition({{name(old_leader)}, rest});
            run.note("partition: " + name(old_leader) + " (the leader) alone");

            // A new leader among the others, in a later term.
            NodeId fresh = kNoNode;
            auto deadline = Clock::now() + 20s;
            while (fresh == kNoNode && Clock::now() < deadline) {
                for (NodeId i = 0; i < cluster.size(); ++i) {
                    if (i == old_leader) continue;
                    auto s = cluster.status(i);
                    if (s && s->role == Role::leader && s->term > old_term) fresh = i;
                }
                if (fresh == kNoNode) std::this_thread::sleep_for(50ms);
            }
            if (fresh == kNoNode)
                throw Problem("no new leader was elected among the majority within 20 s of cutting off the leader " +
                              name(old_leader) + "; statuses: " + describe_statuses(cluster));
            run.note("new leader " + name(fresh));

            // k = v2 through the new leader, retried with the same request until ok.
            kv::ClientRequest put{"writer", writer.last_seq() + 1, kv::Op::put, "iso", "v2"};
            bool written = false;
            deadline = Clock::now() + 20s;
            while (!written && Clock::now() < deadline) {
                auto reply = writer.send_once(fresh, put, 1000ms);
                written = reply && reply->status == kv::ReplyStatus::ok;
                if (written) break;
                // Leadership may move within the majority on a slow machine: follow it.
                if (reply && reply->leader != kNoNode && reply->leader != old_leader && reply->leader < cluster.size())
                    fresh = reply->leader;
                std::this_thread::sleep_for(50ms);
            }
            if (!written)
                throw Problem("the new leader " + name(fresh) + " did not complete a put within 20 s; statuses: " +
                              describe_statuses(cluster));

            // The old leader must not answer a get with the old value (or any value).
            kv::Client pinned(cluster.client_endpoints(), "pinned", workload_client_options());
            auto until = Clock::now() + 2s;
            for (std::uint64_t seq = 1; Clock::now() < until; ++seq) {
                kv::ClientRequest get{"pinned", seq, kv::Op::get, "iso", ""};
                auto reply = pinned.send_once(old_leader, get, 300ms);
                if (reply && reply->status == kv::ReplyStatus::ok)
                    throw Problem("the old leader " + name(old_leader) + ", cut off from the others, answered get "
                                  "\"iso\" with " + show(reply->value) + " after the new leader " + name(fresh) +
                                  " had acknowledged put iso=v2: a stale read. A leader must confirm with a majority "
                                  "that it still leads before it answers a read.");
            }
            std::this_thread::sleep_for(1000ms);
            cluster.proxy().heal();
            run.note("healed");
        });
        verify_history(run, read_back(run, workload_keys(4)));
    });
}

TEST(Faults, lossyLinks) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        proxy::DirectionFaults lossy;
        lossy.frames.drop = 0.10;
        lossy.frames.duplicate = 0.05;
        lossy.frames.reorder = 0.05;
        lossy.frames.reorder_window = std::chrono::microseconds(20000);
        for (NodeId i = 0; i < cluster.size(); ++i)
            for (NodeId j = 0; j < cluster.size(); ++j)
                if (i != j) cluster.proxy().set_faults(name(i) + "->" + name(j), lossy);
        run.note("proxy: every peer link drops 10%, duplicates 5% and reorders 5% of the frames, both ways");
        run_workload_during(run, contended_workload(12, 2, 5000ms));
        cluster.proxy().clear_faults();
        verify_history(run, read_back(run, workload_keys(2)));
    });
}

TEST(Faults, pauses) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        run_workload_during(run, workload(6, 5, 8000ms), [&] {
            std::this_thread::sleep_for(1500ms);
            NodeId leader = wait_for_leader(cluster);
            run.note("SIGSTOP " + name(leader) + " (the leader) for 2.5 s");
            cluster.pause(leader);
            std::this_thread::sleep_for(2500ms);
            cluster.resume(leader);
            std::this_thread::sleep_for(1000ms);
            NodeId follower = (wait_for_leader(cluster) + 1) % cluster.size();
            run.note("SIGSTOP " + name(follower) + " (a follower) for 1.5 s");
            cluster.pause(follower);
            std::this_thread::sleep_for(1500ms);
            cluster.resume(follower);
        });
        verify_history(run, read_back(run, workload_keys(5)));
    });
}

}  // namespace
}  // namespace raftlab::lab10
