// system_checks.cpp: lab 12 on the real system. The student's lab 10 server runs as
// five processes behind the fault proxy, started with --voters 0,1,2 (n3 and n4 wait
// outside the configuration). While clients write and read, the check adds n3 and
// n4 (each a learner first, then a voter), removes the leader, and removes one more
// voter, each through a membership request to the leader, as `./raftlab cluster add`
// and `remove` send it. It asserts each change happened (committed, the learner
// promoted, the removed leader no longer leading, a new leader among the voters) and
// judges the whole history: linearizable, nothing acknowledged lost.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "../10-system/lab10.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

std::string name(NodeId id) { return kv::LocalCluster::name(id); }

/// The server that says it leads in the highest term, and its status.
std::optional<kv::StatusReply> leader_status(kv::LocalCluster& cluster) {
    std::optional<kv::StatusReply> best;
    for (const auto& s : cluster.statuses(300ms))
        if (s && s->role == Role::leader && (!best || s->term > best->term)) best = s;
    return best;
}

/// Waits until a leader's committed configuration has exactly `voters` voting and no
/// learner; throws Problem after `bound`.
kv::StatusReply await_voters(kv::LocalCluster& cluster, std::vector<NodeId> voters, std::chrono::milliseconds bound,
                             const std::string& after) {
    const auto end = Clock::now() + bound;
    std::optional<kv::StatusReply> last;
    while (Clock::now() < end) {
        last = leader_status(cluster);
        if (last && last->voters == voters && last->learners.empty()) return *last;
        std::this_thread::sleep_for(100ms);
    }
    std::string want;
    for (NodeId v : voters) want += (want.empty() ? "" : ",") + name(v);
    throw Problem(fmt::format("{}: no leader reported the voters {} (and no learner) within {} s; statuses: {}", after,
                              want, std::chrono::duration_cast<std::chrono::seconds>(bound).count(),
                              describe_statuses(cluster)));
}

kv::ClientReply change(CheckRun& run, kv::LocalCluster& cluster, bool add, NodeId id) {
    const std::string what = std::string(add ? "add " : "remove ") + name(id);
    const auto began = Clock::now();
    std::string why;
    auto reply = kv::change_membership(cluster.client_endpoints(), kv::MembershipRequest{add, id}, 20s, &why);
    if (!reply) throw Problem(what + ": no leader answered the membership request within 20 s (" + why + ")");
    if (reply->status != kv::ReplyStatus::ok)
        throw Problem(fmt::format("{}: the leader answered {} {}", what, kv::to_string(reply->status), reply->error));
    const std::chrono::duration<double, std::milli> took = Clock::now() - began;
    run.note(fmt::format("{}: entry {} committed after {:.0f} ms", what, reply->value.value_or("?"), took.count()));
    return *reply;
}

TEST(System, addAndRemoveUnderLoad) {
    run_check([](CheckRun& run) {
        kv::ClusterOptions options = cluster_options(5);
        options.server_flags = {"--voters", "0,1,2"};
        kv::LocalCluster& cluster = run.start_cluster(options);
        wait_for_leader(cluster);
        await_voters(cluster, {0, 1, 2}, 20s, "at the start");
        std::vector<std::string> steps;
        run_workload_during(run, workload(4, 8, 24s), [&] {
            std::this_thread::sleep_for(2s);
            auto timed = [&](const std::string& what, const std::function<void()>& step) {
                const auto began = Clock::now();
                step();
                const std::chrono::duration<double> took = Clock::now() - began;
                steps.push_back(fmt::format("{} in {:.2f} s", what, took.count()));
            };
            timed("add n3 (learner, then voter)", [&] {
                change(run, cluster, true, 3);
                await_voters(cluster, {0, 1, 2, 3}, 20s, "after add n3");
            });
            timed("add n4", [&] {
                change(run, cluster, true, 4);
                await_voters(cluster, {0, 1, 2, 3, 4}, 20s, "after add n4");
            });
            const auto before = leader_status(cluster);
            if (!before) throw Problem("no leader after adding n3 and n4; statuses: " + describe_statuses(cluster));
            const NodeId old = before->id;
            timed("remove the leader " + name(old), [&] {
                change(run, cluster, false, old);
                std::vector<NodeId> rest;
                for (NodeId n = 0; n < 5; ++n)
                    if (n != old) rest.push_back(n);
                const kv::StatusReply now = await_voters(cluster, rest, 20s, "after removing the leader " + name(old));
                if (now.id == old) throw Problem("removed server " + name(old) + " still leads");
            });
            std::this_thread::sleep_for(1s);
            const auto leader = leader_status(cluster);
            if (!leader) throw Problem("no leader after the removal; statuses: " + describe_statuses(cluster));
            NodeId gone = kNoNode;
            for (NodeId n = 0; n < 5 && gone == kNoNode; ++n)
                if (n != old && n != leader->id) gone = n;
            timed("remove the follower " + name(gone), [&] {
                change(run, cluster, false, gone);
                std::vector<NodeId> rest;
                for (NodeId n = 0; n < 5; ++n)
                    if (n != old && n != gone) rest.push_back(n);
                await_voters(cluster, rest, 20s, "after removing " + name(gone));
            });
        });
        std::string summary;
        for (const auto& s : steps) summary += (summary.empty() ? "" : ", ") + s;
        run.note("membership changes under load: " + summary);
        std::printf("raftlab-measure: membership changes under load: %s\n", summary.c_str());
        verify_history(run, read_back(run, workload_keys(8)));
    });
}

}  // namespace
}  // namespace raftlab::lab10
