// transport_checks.cpp: stage 2 of lab 10, the server without its client service.
//
// These checks start real servers and only ever ask them for their status (the status
// answer is written for the student, so a runtime whose client service is still a stub
// passes them). They hold the runtime to what stage 2 asks: the servers reach each other
// over their links, elect a leader and apply its no-op; the status tells what the Raft
// server reported through the Env; a link that broke when its peer died is dialled
// again, so a restarted server rejoins.
#include <gtest/gtest.h>

#include <thread>

#include "lab10.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

/// Every server answers a status, in the leader's term, naming the leader, with the
/// leader's last and commit index, and at least its no-op committed. "" or what differs.
std::string agreement(kv::LocalCluster& cluster, NodeId leader) {
    const auto statuses = cluster.statuses();
    const auto& lead = statuses[static_cast<std::size_t>(leader)];
    if (!lead || lead->role != Role::leader) return "n" + std::to_string(leader) + " no longer reports itself leader";
    if (lead->commit_index < 1) return "the leader has not committed its no-op";
    for (NodeId n = 0; n < cluster.size(); ++n) {
        const auto& s = statuses[static_cast<std::size_t>(n)];
        const std::string who = "n" + std::to_string(n);
        if (!s) return who + " does not answer its status";
        if (s->term != lead->term) return who + " is in term " + std::to_string(s->term) + ", the leader in " + std::to_string(lead->term);
        if (s->leader != leader) return who + " does not name n" + std::to_string(leader) + " as its leader";
        if (s->last_index != lead->last_index || s->commit_index != lead->commit_index)
            return who + " has last index " + std::to_string(s->last_index) + " and commit index " +
                   std::to_string(s->commit_index) + ", the leader " + std::to_string(lead->last_index) + " and " +
                   std::to_string(lead->commit_index);
    }
    return {};
}

/// Waits up to `bound` for agreement() on `leader`; throws Problem with `what` and the
/// statuses otherwise.
void await_agreement(kv::LocalCluster& cluster, NodeId leader, std::chrono::milliseconds bound,
                     const std::string& what) {
    const auto deadline = Clock::now() + bound;
    std::string differs;
    while (Clock::now() < deadline) {
        differs = agreement(cluster, leader);
        if (differs.empty()) return;
        std::this_thread::sleep_for(100ms);
    }
    throw Problem(what + " within " + std::to_string(bound.count() / 1000) + " s (" + differs +
                  "); statuses: " + describe_statuses(cluster));
}

TEST(Transport, clusterElectsAndAgrees) {
    run_check([](CheckRun& run) {
        kv::LocalCluster& cluster = run.start_cluster(3);
        const NodeId leader = wait_for_leader(cluster);
        await_agreement(cluster, leader, 20s,
                        "the three servers did not all follow leader n" + std::to_string(leader) +
                            " and apply its no-op (status: the term, the leader and the indexes the Raft "
                            "server reported through the Env)");
    });
}

TEST(Transport, restartedLeaderRejoins) {
    run_check([](CheckRun& run) {
        kv::LocalCluster& cluster = run.start_cluster(3);
        const NodeId old = wait_for_leader(cluster);
        await_agreement(cluster, old, 20s, "the servers did not agree on the first leader");
        const Term old_term = cluster.status(old)->term;
        run.note("killing the leader n" + std::to_string(old) + " of term " + std::to_string(old_term));
        cluster.kill(old);
        // The other two elect a leader of a later term.
        NodeId next = kNoNode;
        const auto deadline = Clock::now() + 20s;
        while (next == kNoNode && Clock::now() < deadline) {
            for (NodeId n = 0; n < cluster.size(); ++n)
                if (n != old)
                    if (auto s = cluster.status(n); s && s->role == Role::leader && s->term > old_term) next = n;
            if (next == kNoNode) std::this_thread::sleep_for(100ms);
        }
        if (next == kNoNode)
            throw Problem("after the leader n" + std::to_string(old) +
                          " was killed, the other two servers elected no leader within 20 s; statuses: " +
                          describe_statuses(cluster));
        run.note("n" + std::to_string(next) + " leads; restarting n" + std::to_string(old));
        cluster.start(old);
        // The new leader's link to the old one broke when it died: it must dial again,
        // or the restarted server never hears from it.
        await_agreement(cluster, next, 20s,
                        "n" + std::to_string(old) + ", restarted on its data, did not follow the new leader n" +
                            std::to_string(next) +
                            " and catch up (a link that broke when its peer died must be dialled again, with "
                            "backoff)");
    });
}

}  // namespace
}  // namespace raftlab::lab10
