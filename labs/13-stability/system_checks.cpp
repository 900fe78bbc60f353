// system_checks.cpp: lab 13 on the real system. The student's lab 10 server runs as
// three processes behind the fault proxy with --pre-vote on --check-quorum on, and
// the proxy makes two partial partitions, one after the other, while clients write.
// The check counts elections (terms started, from every server's status, polled) and
// how many writes succeed within a second, and judges the whole history
// (linearizable, nothing acknowledged lost).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "../10-system/lab10.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

std::string name(NodeId id) { return kv::LocalCluster::name(id); }

/// What the clients saw while a stretch of time passed.
struct Service {
    int attempted = 0;
    int succeeded = 0;
    std::vector<double> latencies_ms;  ///< of every write, sorted
    double success_rate() const { return attempted == 0 ? 0 : static_cast<double>(succeeded) / attempted; }
    /// The latency below which `fraction` of the writes finished.
    double percentile(double fraction) const {
        if (latencies_ms.empty()) return 0;
        const auto at = static_cast<std::size_t>(fraction * static_cast<double>(latencies_ms.size() - 1));
        return latencies_ms[at];
    }
};

/// `clients` clients, with ids "<prefix><n>" never used before, write unique values
/// for `duration`, 5 ms apart, each write given up (and recorded as indeterminate)
/// after one second.
Service write_for(CheckRun& run, kv::LocalCluster& cluster, const std::string& prefix, int clients,
                  std::chrono::milliseconds duration) {
    std::atomic<int> attempted{0};
    std::atomic<int> succeeded{0};
    std::mutex latencies_mutex;
    std::vector<double> latencies;
    const auto end = Clock::now() + duration;
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            kv::ClientOptions options;
            options.attempt_timeout = 500ms;
            options.deadline = 1000ms;
            options.backoff = 25ms;
            const std::string id = prefix + std::to_string(c);
            kv::Client client(cluster.client_endpoints(), id, options);
            for (int i = 0; Clock::now() < end; ++i) {
                const std::string key = "k" + std::to_string(i % 4);
                const std::string value = "[" + id + ":" + std::to_string(i) + "]";
                const std::size_t token =
                    run.recorder().invoke(id, client.last_seq() + 1, kv::Op::put, key, value);
                const auto began = Clock::now();
                const kv::Result result = client.execute(kv::Op::put, key, value);
                run.recorder().complete(token, result.outcome);
                {
                    const std::chrono::duration<double, std::milli> took = Clock::now() - began;
                    std::lock_guard lock(latencies_mutex);
                    latencies.push_back(took.count());
                }
                ++attempted;
                if (result.outcome == history::Outcome::ok) ++succeeded;
                std::this_thread::sleep_for(5ms);  // a steady load, not a flood
            }
        });
    }
    for (auto& t : threads) t.join();
    std::sort(latencies.begin(), latencies.end());
    return {attempted.load(), succeeded.load(), std::move(latencies)};
}

/// The highest term any server reports, and who leads in it (kNoNode if nobody).
std::pair<Term, NodeId> highest(kv::LocalCluster& cluster) {
    Term term = 0;
    NodeId leader = kNoNode;
    for (const auto& s : cluster.statuses(200ms)) {
        if (!s) continue;
        if (s->term > term) {
            term = s->term;
            leader = kNoNode;
        }
        if (s->term == term && s->role == Role::leader) leader = s->id;
    }
    return {term, leader};
}

/// Elections (terms started) and leader changes seen while clients wrote for
/// `duration`, and what the clients got.
struct Phase {
    Term elections = 0;
    int leader_changes = 0;
    Service service;
    std::string describe(std::chrono::seconds duration) const {
        const double per_minute = static_cast<double>(elections) * 60.0 / static_cast<double>(duration.count());
        return std::to_string(elections) + " elections in " + std::to_string(duration.count()) + " s (" +
               std::to_string(static_cast<int>(per_minute + 0.5)) + " per minute), " +
               std::to_string(leader_changes) + " leader changes, " + std::to_string(service.succeeded) + " of " +
               std::to_string(service.attempted) + " writes succeeded (" +
               std::to_string(static_cast<int>(100 * service.success_rate() + 0.5)) + "%), p99 " +
               std::to_string(static_cast<int>(service.percentile(0.99) + 0.5)) + " ms, slowest " +
               std::to_string(static_cast<int>(service.percentile(1.0) + 0.5)) + " ms";
    }
};

Phase measure(CheckRun& run, kv::LocalCluster& cluster, const std::string& prefix, std::chrono::seconds duration) {
    const auto [start_term, start_leader] = highest(cluster);
    std::atomic<bool> writing{true};
    Phase phase;
    Term last_term = start_term;
    std::thread watcher([&, first = start_leader] {
        NodeId last_leader = first;
        while (writing) {
            const auto [term, now_leader] = highest(cluster);
            if (now_leader != kNoNode && (now_leader != last_leader || term != last_term)) ++phase.leader_changes;
            if (now_leader != kNoNode) last_leader = now_leader;
            last_term = std::max(last_term, term);
            std::this_thread::sleep_for(100ms);
        }
    });
    phase.service = write_for(run, cluster, prefix, 4, duration);
    writing = false;
    watcher.join();
    phase.elections = last_term - start_term;
    return phase;
}

// Two partial partitions, 15 s each, one after the other, healed in between:
//   1. the leader and one follower cannot reach each other; both reach the third
//      server (Cloudflare's shape);
//   2. one follower can send to everyone but hears nobody (every link into it cut).
// Plain Raft loses its leader in both: in the first until the third server happens to
// win an election, in the second for as long as it lasts.
TEST(System, partialPartitionKeepsServing) {
    run_check([](CheckRun& run) {
        kv::ClusterOptions options = cluster_options(3);
        options.server_flags = {"--pre-vote", "on", "--check-quorum", "on"};
        kv::LocalCluster& cluster = run.start_cluster(options);
        constexpr auto kDuration = 15s;
        std::string failures;
        for (int shape = 0; shape < 2; ++shape) {
            const NodeId leader = wait_for_leader(cluster);
            wait_until_caught_up(cluster);
            const NodeId victim = (leader + 1) % 3;
            const NodeId bridge = (leader + 2) % 3;
            std::string partition;
            if (shape == 0) {
                partition = name(leader) + " -x- " + name(victim) + ", both still reaching " + name(bridge);
                cluster.proxy().cut_one_way({name(leader)}, {name(victim)});
                cluster.proxy().cut_one_way({name(victim)}, {name(leader)});
            } else {
                partition = name(victim) + " sends to everyone and hears nobody";
                cluster.proxy().cut_one_way({name(leader), name(bridge)}, {name(victim)});
            }
            run.note("partial partition: " + partition + " (leader " + name(leader) + ")");
            const Phase phase = measure(run, cluster, "w" + std::to_string(shape) + "-", kDuration);
            cluster.proxy().heal();
            const std::string measured = phase.describe(kDuration);
            run.note("under " + partition + ": " + measured);
            std::printf("raftlab-measure: %s: %s\n", partition.c_str(), measured.c_str());
            // Liveness is judged generously (real processes on a shared machine): a
            // stable cluster starts at most two elections and serves most writes.
            if (phase.elections > 2 || phase.service.success_rate() < 0.5)
                failures += (failures.empty() ? "" : "; ") + std::string("under ") + partition + ": " + measured;
        }
        if (!failures.empty())
            throw Problem(failures + "; a server cut off from the leader must not depose it (PreVote, CheckQuorum)");
        verify_history(run, read_back(run, {"k0", "k1", "k2", "k3"}));
    });
}

}  // namespace
}  // namespace raftlab::lab10
