// demo_impl.h: the inside of a Demo, shared by demo.cpp (monitor and frames),
// controls.cpp (the page's controls) and scenarios.cpp (the presenter's scenarios).
#pragma once

#include "demo.h"
#include "worker.h"

#include "raftlab/kv/client.h"
#include "raftlab/kv/local_cluster.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace raftlab::web {

/// Lab 11: how often the demo's servers snapshot when snapshots are on; small, so a
/// follower that misses a few dozen writes needs an InstallSnapshot.
inline constexpr int kDemoSnapshotEvery = 20;

namespace json = boost::json;

constexpr std::size_t kMaxEvents = 300;  ///< event log kept for pages that connect later

/// What the monitor last saw of one server.
struct NodeView {
    std::string process = "stopped";         ///< running, paused, stopped, dead
    std::optional<kv::StatusReply> status;   ///< newest answer (kept while paused)
    std::int64_t timer_reset_us = 0;         ///< last append_entries received or vote granted
    std::int64_t leader_since_us = 0;        ///< when the monitor first saw it lead its current term
};

/// A scenario in progress: which one, the next step, and what earlier steps found out.
struct ScenarioRun {
    std::string name;
    std::size_t next_step = 0;
    std::map<std::string, std::int64_t> vars;  ///< e.g. "old_leader", "index"
};

/// One step of a scenario: runs on the control worker and returns the narration
/// shown to the audience (what just happened and what to watch for).
struct ScenarioStep {
    std::string button;  ///< what the presenter's button says before the click
    std::function<std::string(Demo::Impl&, ScenarioRun&)> run;
};

struct Scenario {
    std::string name;   ///< id used by the page, e.g. "leader_crash"
    std::string title;
    std::string intro;  ///< shown when the scenario is picked
    std::vector<ScenarioStep> steps;
};

/// Every scenario, in the order the page lists them (scenarios.cpp).
const std::vector<Scenario>& scenarios();

struct Demo::Impl {
    DemoOptions options;
    std::unique_ptr<kv::LocalCluster> cluster;

    // Journal entries since the last frame, filled on the proxy's I/O thread.
    std::mutex journal_mutex;
    std::vector<proxy::JournalEntry> journal;

    // The monitor's view, read by scenarios and controls.
    mutable std::mutex view_mutex;
    std::vector<NodeView> nodes;
    std::string faults_said = "no faults on the links between servers";  ///< the last faults in the event log
    std::string busy;                        ///< what the control worker is doing ("" idle)
    bool slow = false;
    bool stability = false;  ///< PreVote and CheckQuorum on (control worker only)
    bool snapshots = false;  ///< lab 11: a snapshot every kDemoSnapshotEvery entries (control worker only)
    bool membership = false; ///< lab 12: servers started with --voters, so they change membership
    int heartbeat_ms = 0, election_min_ms = 0, election_max_ms = 0;
    std::optional<ScenarioRun> scenario;
    std::string narration;
    json::array client_results;              ///< since the last frame
    json::array new_events;                  ///< since the last frame
    json::array all_events;                  ///< the newest 300, for a page that connects later
    std::string latest_frame;

    // Background load.
    std::atomic<int> load_ops{0};
    std::atomic<std::uint64_t> load_done{0}, load_failed{0};
    std::vector<std::thread> load_threads;

    std::function<void(const std::string&)> sink;
    std::atomic<bool> stopping{false};
    std::thread monitor;
    Worker control{"control"};
    Worker client_worker{"client"};
    std::unique_ptr<kv::Client> page_client;      ///< the page's client box (client worker only)
    std::unique_ptr<kv::Client> scenario_client;  ///< scenario writes (control worker only)

    // ---- events and views (demo.cpp)
    /// Adds a line to the event log: kind is role, process, network, client, scenario or error.
    void add_event(const std::string& kind, const std::string& text);
    std::vector<NodeView> view() const;
    /// The node that reports itself leader in the highest term (running nodes only), or -1.
    int leader() const;
    /// Polls (every 50 ms, for at most `bound`) until a running server other than
    /// `not_this` is leader in a term above `above_term`. Returns it, or -1.
    int wait_for_leader(std::chrono::milliseconds bound, int not_this = -1, std::uint64_t above_term = 0);
    /// Waits until every node in `who` reports commit_index >= index (or `bound` passes).
    bool wait_for_commit(const std::vector<int>& who, std::uint64_t index, std::chrono::milliseconds bound);
    void monitor_loop();
    void publish_frame(std::vector<proxy::JournalEntry> entries, std::int64_t now_us);
    json::value scenario_json() const;  ///< the scenario in progress for the page, or null (view_mutex held)

    // ---- controls (controls.cpp)
    void set_busy(const std::string& what);
    void kill(int node);
    void partition(const std::vector<std::vector<int>>& groups);
    void heal();
    /// Drop (0..1) and latency on both directions of every link of `node` between servers
    /// (-1: of every server), replacing the faults they had; client links stay clean.
    void set_link_faults(int node, double drop, int latency_ms);
    void set_slow(bool on);
    /// Lab 13: restarts every server, one at a time, with PreVote and CheckQuorum on or off.
    void set_stability(bool on);
    /// Lab 11: restarts every server, one at a time, taking a snapshot every
    /// kDemoSnapshotEvery entries applied, or never.
    void set_snapshots(bool on);
    /// Lab 12: restarts every server, one at a time, with --voters naming all of them
    /// (so membership changes are on, lease included), or without; snapshots go off.
    void set_membership(bool on);
    /// Lab 12: asks the leader to add or remove `node` and waits (at most `bound`) for
    /// the change to commit; "" on success, else what went wrong.
    std::string change_membership(bool add, int node, std::chrono::milliseconds bound);
    /// The server flags that stability and snapshots call for.
    std::vector<std::string> server_flags() const;
    /// Restarts every running server, followers first and the leader last, one at a
    /// time, so a majority stays up; then waits for a leader.
    void rolling_restart(const std::string& why, std::chrono::milliseconds pause, std::chrono::milliseconds bound);
    /// A write from a scenario, sent to one server only (no redirects), waiting at most `timeout`.
    std::string scenario_write(int server, const std::string& key, const std::string& value,
                               std::chrono::milliseconds timeout, bool* ok = nullptr);
    void start_load(int ops);
    void stop_load();
};

std::string node_name(int id);
std::int64_t now_us();

}  // namespace raftlab::web
