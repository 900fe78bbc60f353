// raftlab/kv/local_cluster.h: a lab 10 cluster of real server processes on
// localhost, with the fault proxy on every link.
//
// Node i is called "n<i>" (n0, n1, ...), the name the proxy's partitions and the
// nemesis use. Each node gets a peer port and a client port; with the proxy on, node
// i reaches node j through the link "n<i>->n<j>" and clients reach node i through
// "client->n<i>", all framed, so every message can be dropped, delayed, duplicated or
// reordered, and appears in the proxy's journal.
//
// Files, under options.work_dir: data/n<i>/ (the server's data directory, kept across
// restarts), logs/n<i>.log (its stdout and stderr, appended across restarts) and
// sync/n<i>.journal (what the fsync shim saw, see power_loss()).
//
// Everything is torn down in the destructor: processes killed (also when the harness
// dies, see raftlab/proc/supervisor.h), proxy links closed, and the work directory
// removed unless options.keep_files.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raftlab/kv/client.h"
#include "raftlab/kv/protocol.h"
#include "raftlab/kv/system.h"
#include "raftlab/nemesis/nemesis.h"
#include "raftlab/proc/supervisor.h"
#include "raftlab/proxy/fault_proxy.h"

namespace raftlab::kv {

struct ClusterOptions {
    std::filesystem::path server_binary;          ///< the lab 10 server (lab10-server)
    int nodes = 3;
    std::filesystem::path work_dir;               ///< created if missing; "" = a fresh temp dir
    bool keep_files = false;                      ///< keep work_dir after the destructor
    bool proxy = true;                            ///< false: servers and clients talk directly
    std::uint64_t proxy_seed = 1;
    bool journal_payloads = false;                ///< keep each frame's JSON in the proxy journal
    int heartbeat_ms = 50;
    int election_min_ms = 300;
    int election_max_ms = 600;
    std::filesystem::path sync_shim;              ///< LD_PRELOAD library recording fsyncs ("" = none)
    std::map<std::string, std::string> env;       ///< extra environment for every server
    /// Extra options for every server's command line, e.g. {"--pre-vote", "on"} (lab 13).
    std::vector<std::string> server_flags;
    std::chrono::milliseconds ready_timeout{15000};
};

class LocalCluster {
public:
    explicit LocalCluster(ClusterOptions options);
    ~LocalCluster();
    LocalCluster(const LocalCluster&) = delete;
    LocalCluster& operator=(const LocalCluster&) = delete;

    /// Starts every node and waits until each client port accepts. Throws
    /// proc::ProcessError naming the node and the last lines of its log.
    void start_all();

    int size() const;
    static std::string name(NodeId id);           ///< "n<id>"
    std::vector<std::string> names() const;
    const ClusterOptions& options() const;

    proc::Supervisor& supervisor();
    proxy::FaultProxy& proxy();                   ///< throws std::logic_error when options.proxy is off

    /// Where clients reach each server (through the proxy when it is on).
    std::vector<Endpoint> client_endpoints() const;
    /// The server's own client port, bypassing the proxy.
    Endpoint direct_client_endpoint(NodeId id) const;
    /// The server's own peer port, bypassing the proxy (for tests that play a peer).
    Endpoint direct_peer_endpoint(NodeId id) const;

    /// Status straight from the server (not through the proxy), or nullopt.
    std::optional<StatusReply> status(NodeId id, std::chrono::milliseconds timeout = std::chrono::milliseconds(300));
    std::vector<std::optional<StatusReply>> statuses(std::chrono::milliseconds timeout = std::chrono::milliseconds(300));
    /// The server that reports itself leader in the highest term, or kNoNode.
    NodeId leader();
    /// Polls until some server reports itself leader, for at most `bound`.
    NodeId wait_for_leader(std::chrono::milliseconds bound);

    /// New timing for every server, from its next start or restart on (the demo's slow
    /// motion restarts them one at a time).
    void set_timing(int heartbeat_ms, int election_min_ms, int election_max_ms);
    /// New extra options for every server (ClusterOptions::server_flags), from its next
    /// start or restart on.
    void set_server_flags(std::vector<std::string> flags);

    void start(NodeId id);      ///< after a kill: same data directory
    void kill(NodeId id);       ///< kill -9
    void restart(NodeId id);    ///< kill -9, then start
    void pause(NodeId id);      ///< SIGSTOP
    void resume(NodeId id);     ///< SIGCONT
    /// kill -9, then discard every byte of its data directory that was not made durable
    /// with fsync/fdatasync (or written to a file opened O_SYNC/O_DSYNC): what a power
    /// cut would lose. Needs options.sync_shim. The node stays down; start() it.
    void power_loss(NodeId id);

    std::filesystem::path data_dir(NodeId id) const;
    std::filesystem::path log_path(NodeId id) const;
    const std::filesystem::path& work_dir() const;
    /// Copies every node's log into `dir` (created).
    void save_logs(const std::filesystem::path& dir) const;
    /// Nemesis targets: partitions and link faults on the proxy, kill/restart/pause on
    /// the supervisor, `leader` from status queries.
    nemesis::Targets nemesis_targets();

    struct Impl;  ///< internal

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace raftlab::kv
