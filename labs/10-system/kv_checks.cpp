// kv_checks.cpp: the key/value service on a healthy cluster: exact answers,
// redirects, concurrent clients and exactly-once execution.
#include <gtest/gtest.h>

#include <thread>

#include "lab10.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

/// One request that must succeed with the given value (gets) or any value (writes).
void expect_result(kv::LocalCluster& cluster, kv::Client& client, kv::Op op, const std::string& key,
                   const std::string& value, const std::optional<std::string>& expected_get = std::nullopt) {
    kv::Result r = must_execute(cluster, client, op, key, value);
    if (op == kv::Op::get && r.value != expected_get)
        throw Problem("get \"" + key + "\" returned " + show(r.value) + "; expected " + show(expected_get) + ".");
}

TEST(Kv, basicOperations) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        kv::Client client(cluster.client_endpoints(), "basic", workload_client_options());
        using kv::Op;
        expect_result(cluster, client, Op::get, "fruit", "", std::nullopt);
        expect_result(cluster, client, Op::put, "fruit", "apple");
        expect_result(cluster, client, Op::get, "fruit", "", "apple");
        expect_result(cluster, client, Op::put, "fruit", "pear");
        expect_result(cluster, client, Op::get, "fruit", "", "pear");
        expect_result(cluster, client, Op::append, "fruit", "+fig");
        expect_result(cluster, client, Op::get, "fruit", "", "pear+fig");
        expect_result(cluster, client, Op::append, "veg", "leek");
        expect_result(cluster, client, Op::get, "veg", "", "leek");
        expect_result(cluster, client, Op::del, "fruit", "");
        expect_result(cluster, client, Op::get, "fruit", "", std::nullopt);
        expect_result(cluster, client, Op::put, "empty", "");
        expect_result(cluster, client, Op::get, "empty", "", "");
        expect_result(cluster, client, Op::put, "spaced key", "a value with spaces, \"quotes\" and ünïcode");
        expect_result(cluster, client, Op::get, "spaced key", "", "a value with spaces, \"quotes\" and ünïcode");

        // Status: every server answers, exactly one leads, all in its term and naming it.
        auto deadline = Clock::now() + 10s;
        std::string problem;
        do {
            problem.clear();
            auto statuses = cluster.statuses(1000ms);
            NodeId leader = kNoNode;
            Term term = 0;
            for (std::size_t i = 0; i < statuses.size(); ++i) {
                const auto& s = statuses[i];
                std::string name = kv::LocalCluster::name(static_cast<NodeId>(i));
                if (!s) {
                    problem = name + " did not answer a status request";
                    break;
                }
                if (s->id != static_cast<NodeId>(i)) problem = name + " reports id " + std::to_string(s->id);
                if (s->role == Role::leader) {
                    if (leader != kNoNode) problem = "two servers report themselves leader";
                    leader = static_cast<NodeId>(i);
                    term = s->term;
                }
                if (!(s->last_applied <= s->commit_index && s->commit_index <= s->last_index))
                    problem = name + " reports last_applied " + std::to_string(s->last_applied) + ", commit_index " +
                              std::to_string(s->commit_index) + ", last_index " + std::to_string(s->last_index) +
                              " (expected last_applied <= commit_index <= last_index)";
            }
            if (problem.empty() && leader == kNoNode) problem = "no server reports itself leader";
            if (problem.empty()) {
                if (statuses[leader]->commit_index < 7)
                    problem = "the leader reports commit_index " + std::to_string(statuses[leader]->commit_index) +
                              " after 7 acknowledged writes";
                for (std::size_t i = 0; i < statuses.size() && problem.empty(); ++i)
                    if (statuses[i]->term != term || statuses[i]->leader != leader)
                        problem = kv::LocalCluster::name(static_cast<NodeId>(i)) +
                                  " does not report the leader's term and id";
            }
            if (problem.empty()) return;
            std::this_thread::sleep_for(100ms);
        } while (Clock::now() < deadline);
        throw Problem("status after the operations, on a healthy cluster for 10 s: " + problem + "; statuses: " +
                      describe_statuses(cluster));
    });
}

/// Waits until `follower`'s status names `leader`; false after 10 s.
bool follower_knows(kv::LocalCluster& cluster, NodeId follower, NodeId leader) {
    auto deadline = Clock::now() + 10s;
    for (;;) {
        auto s = cluster.status(follower);
        if (s && s->leader == leader && s->role == Role::follower) return true;
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
}

TEST(Kv, followerRedirects) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        kv::Client client(cluster.client_endpoints(), "redirected", workload_client_options());
        std::uint64_t seq = 0;
        NodeId leader = kNoNode;
        for (kv::Op op : {kv::Op::put, kv::Op::get}) {
            // Judged only while the leadership is stable around the request: an election
            // in between (a slow machine) changes the right answer, so that try is redone.
            bool judged = false;
            for (int attempt = 0; attempt < 5 && !judged; ++attempt) {
                leader = wait_for_leader(cluster);
                NodeId follower = (leader + 1) % cluster.size();
                std::string fname = kv::LocalCluster::name(follower);
                if (!follower_knows(cluster, follower, leader)) {
                    if (cluster.leader() != leader) continue;  // the leadership moved meanwhile: try again
                    throw Problem("10 s after " + kv::LocalCluster::name(leader) + " became leader, follower " + fname +
                                  "'s status does not name it as leader; statuses: " + describe_statuses(cluster));
                }
                kv::ClientRequest request{"redirected", ++seq, op, "where", "here"};
                std::string error;
                auto reply = client.send_once(follower, request, 3000ms, &error);
                if (cluster.leader() != leader) continue;
                std::string what = "a " + std::string(kv::to_string(op)) + " sent to follower " + fname;
                if (!reply)
                    throw Problem(what + " got no reply within 3 s (" + error + "); it must answer not_leader at once.");
                if (reply->status != kv::ReplyStatus::not_leader || reply->leader != leader)
                    throw Problem(what + " got " + std::string(kv::to_string(reply->status)) + " naming leader " +
                                  std::to_string(reply->leader) + "; expected not_leader naming " +
                                  std::to_string(leader) + ".");
                judged = true;
            }
            if (!judged)
                throw Problem("the leader changed during each of 5 tries to send a request to a follower; statuses: " +
                              describe_statuses(cluster));
        }
        // The redirected put was not executed by the follower.
        kv::Client reader(cluster.client_endpoints(), "reader", workload_client_options());
        kv::Result r = must_execute(cluster, reader, kv::Op::get, "where");
        if (r.value)
            throw Problem("a put sent only to a follower (which answered not_leader) took effect: get \"where\" "
                          "returned " + show(r.value) + ".");
        // Following the hint reaches the leader.
        kv::Client follower_first(cluster.client_endpoints(), "follows", workload_client_options());
        kv::Result w = must_execute(cluster, follower_first, kv::Op::put, "where", "leader");
        NodeId now = cluster.leader();
        if (w.served_by != now && now == leader)
            throw Problem("a client's put was answered ok by " + kv::LocalCluster::name(w.served_by) +
                          ", not by the leader " + kv::LocalCluster::name(leader) + ".");
    });
}

TEST(Kv, concurrentClients) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        run_workload_during(run, workload(12, 6, 4000ms));
        verify_history(run, read_back(run, workload_keys(6)));
    });
}

TEST(Kv, duplicateRequests) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        NodeId leader = wait_for_leader(cluster);
        // The same append, resent by its client with the same (client, seq): once on
        // the normal path, once straight to the leader, and once more after a later
        // request of the same client.
        kv::Client client(cluster.client_endpoints(), "dup", workload_client_options());
        kv::ClientRequest first{"dup", 1, kv::Op::append, "d", "[once]"};
        kv::Result r = client.execute(first);
        if (r.outcome != history::Outcome::ok) r = client.execute(first);
        if (r.outcome != history::Outcome::ok)
            throw Problem("an append got no answer within 20 s (" + r.error + "); statuses: " + describe_statuses(cluster));
        client.execute(first);
        client.send_once(r.served_by == kNoNode ? leader : r.served_by, first, 3000ms);
        must_execute(cluster, client, kv::Op::append, "d", "[two]");
        client.execute(first);
        kv::Client reader(cluster.client_endpoints(), "dup-reader", workload_client_options());
        kv::Result got = must_execute(cluster, reader, kv::Op::get, "d");
        if (got.value != "[once][two]")
            throw Problem("client dup appended \"[once]\" as request #1 (then resent #1 three times, the last "
                          "after request #2 appended \"[two]\"); get \"d\" returned " + show(got.value) +
                          ", expected \"[once][two]\". A server must apply each (client, seq) at most once.");

        // Frames on every client link duplicated: every request may arrive twice.
        proxy::DirectionFaults dup;
        dup.frames.duplicate = 0.25;
        for (NodeId i = 0; i < cluster.size(); ++i)
            cluster.proxy().set_faults("client->" + kv::LocalCluster::name(i), proxy::Direction::forward, dup);
        run.note("proxy: every client->n<i> link duplicates 25% of the request frames");
        run_workload_during(run, workload(6, 4, 3000ms));
        cluster.proxy().clear_faults();
        verify_history(run, read_back(run, workload_keys(4)));
    });
}

}  // namespace
}  // namespace raftlab::lab10
