// system_checks.cpp: lab 11 on the real system. The student's lab 10 server runs as
// three processes behind the fault proxy with --snapshot-every 1000, and clients
// write 100,000 puts. The check samples every server's data directory as the load
// runs (it must stay small: a snapshot and the entries since, not the history), then
// kills a follower and restarts it (it must recover from what is on disk and catch
// up), and finally reads every key back: each must hold its client's last
// acknowledged value, or a later one whose outcome the client never learned.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "../10-system/lab10.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPuts = 100'000;
constexpr int kClients = 16;
constexpr int kKeysPerClient = 16;
constexpr Index kSnapshotEvery = 1000;
/// Far above a snapshot (about 10 KB here) plus two snapshot intervals of entries
/// (about 250 KB), far below the history (12.4 MiB without snapshots, measured).
constexpr std::uintmax_t kDiskBound = 2u << 20;

std::uintmax_t directory_bytes(const std::filesystem::path& dir) {
    std::uintmax_t total = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            const std::uintmax_t size = it->file_size(size_ec);
            if (!size_ec) total += size;
        }
    }
    return total;
}

std::string mib(std::uintmax_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

/// What one key should hold: its last acknowledged value, and the values written
/// after it whose outcome the client never learned (any of them may have landed).
struct KeyState {
    std::string acked;
    std::vector<std::string> unknown;
};

TEST(System, longRunKeepsDiskAndRestartShort) {
    run_check([](CheckRun& run) {
        kv::ClusterOptions options = cluster_options(3);
        options.server_flags = {"--snapshot-every", std::to_string(kSnapshotEvery)};
        kv::LocalCluster& cluster = run.start_cluster(options);
        wait_for_leader(cluster);

        std::atomic<int> acked{0};
        std::atomic<bool> writing{true};
        std::atomic<bool> too_big{false};  // a directory passed the bound: stop early, the check has failed
        std::vector<std::uintmax_t> disk_max(3, 0);
        std::mutex keys_mutex;
        std::map<std::string, KeyState> keys;
        std::uintmax_t payload_bytes = 0;
        std::thread sampler([&] {
            while (writing) {
                for (NodeId n = 0; n < 3; ++n) {
                    disk_max[n] = std::max(disk_max[n], directory_bytes(cluster.data_dir(n)));
                    if (disk_max[n] > kDiskBound) too_big = true;
                }
                std::this_thread::sleep_for(200ms);
            }
        });
        const auto began = Clock::now();
        std::vector<std::thread> writers;
        for (int c = 0; c < kClients; ++c) {
            writers.emplace_back([&, c] {
                kv::ClientOptions client_options;
                client_options.attempt_timeout = 1000ms;
                client_options.deadline = 5000ms;
                const std::string id = "bulk" + std::to_string(c);
                kv::Client client(cluster.client_endpoints(), id, client_options);
                std::map<std::string, KeyState> mine;
                std::uintmax_t bytes = 0;
                for (int i = 0; acked.load() < kPuts && !too_big; ++i) {
                    const std::string key = "c" + std::to_string(c) + "-k" + std::to_string(i % kKeysPerClient);
                    const std::string value = "[" + id + ":" + std::to_string(i) + "]";
                    const kv::Result result = client.execute(kv::Op::put, key, value);
                    bytes += key.size() + value.size();
                    KeyState& state = mine[key];
                    if (result.outcome == history::Outcome::ok) {
                        state.acked = value;
                        state.unknown.clear();
                        ++acked;
                    } else {
                        state.unknown.push_back(value);
                    }
                }
                std::lock_guard lock(keys_mutex);
                payload_bytes += bytes;
                for (auto& [key, state] : mine) keys[key] = std::move(state);
            });
        }
        for (auto& t : writers) t.join();
        const double load_seconds = std::chrono::duration<double>(Clock::now() - began).count();
        writing = false;
        sampler.join();
        const std::uintmax_t disk = *std::max_element(disk_max.begin(), disk_max.end());
        const std::string load_line = std::to_string(acked.load()) + " puts acknowledged in " +
                                      std::to_string(static_cast<int>(load_seconds + 0.5)) + " s; largest data " +
                                      "directory during the run " + mib(disk) + " (keys and values written: " +
                                      mib(payload_bytes) + ")";
        run.note(load_line);
        std::printf("raftlab-measure: %s\n", load_line.c_str());
        if (disk > kDiskBound)
            throw Problem("after " + load_line + ": a server's data directory grew past " + mib(kDiskBound) +
                          "; with --snapshot-every " + std::to_string(kSnapshotEvery) +
                          " it must hold one snapshot and the entries since, not the whole history");

        // A follower restarts: it recovers from its (small) directory and catches up.
        const NodeId leader = wait_for_leader(cluster);
        wait_until_caught_up(cluster);
        const NodeId follower = (leader + 1) % 3;
        const std::uintmax_t on_disk = directory_bytes(cluster.data_dir(follower));
        Index target = 0;
        if (auto s = cluster.status(leader)) target = s->commit_index;
        cluster.kill(follower);
        const auto restarted = Clock::now();
        cluster.start(follower);
        bool caught_up = false;
        while (Clock::now() - restarted < 60s && !caught_up) {
            if (auto s = cluster.status(follower, 200ms); s && s->last_applied >= target) caught_up = true;
            else std::this_thread::sleep_for(20ms);
        }
        const double restart_ms = std::chrono::duration<double, std::milli>(Clock::now() - restarted).count();
        const std::string restart_line = "follower " + kv::LocalCluster::name(follower) + " restarted from " +
                                         mib(on_disk) + " on disk and applied up to index " +
                                         std::to_string(target) + " in " +
                                         std::to_string(static_cast<int>(restart_ms + 0.5)) + " ms";
        run.note(restart_line);
        std::printf("raftlab-measure: %s\n", restart_line.c_str());
        if (!caught_up)
            throw Problem("after " + load_line + ", follower " + kv::LocalCluster::name(follower) +
                          " was killed and restarted and did not apply up to index " + std::to_string(target) +
                          " within 60 s: " + describe_statuses(cluster));

        // Every key holds its client's last acknowledged value (or a later unknown one).
        kv::Client reader(cluster.client_endpoints(), "reader");
        int checked = 0;
        for (const auto& [key, state] : keys) {
            const kv::Result got = must_execute(cluster, reader, kv::Op::get, key, "");
            const bool fine =
                got.value ? (*got.value == state.acked ||
                             std::find(state.unknown.begin(), state.unknown.end(), *got.value) != state.unknown.end())
                          : state.acked.empty();
            if (!fine)
                throw Problem("after " + load_line + " and a restart of " + kv::LocalCluster::name(follower) +
                              ", key \"" + key + "\" holds " + show(got.value) + ", but its last acknowledged " +
                              "put wrote \"" + state.acked + "\": an acknowledged write was lost");
            ++checked;
        }
        run.note("read back " + std::to_string(checked) + " keys: each holds its last acknowledged value");
    });
}

}  // namespace
}  // namespace raftlab::lab10
