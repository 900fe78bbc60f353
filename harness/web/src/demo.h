// demo.h: the live cluster behind `./raftlab demo` (harness/web/README.md).
//
// A Demo owns a LocalCluster of real lab 10 servers behind the fault proxy and turns
// what it sees into "frames": one JSON object every frame_ms with each server's status,
// the messages the proxy journal recorded since the last frame, the network's cuts and
// faults, and new entries of the event log. The web server (web_server.h) only moves
// those frames to the page and the page's requests to act().
//
// A frame, as the page reads it:
//   {"type":"state", "seq":N, "now_ms":T,
//    "nodes":[{"id","process":"running|paused|stopped|dead","stale","role","term","leader",
//              "voted_for","commit","applied","last","log_terms":[...],"since_reset_ms"}],
//    "msgs":[{"f":from,"t":to (-1: the clients),"k":"ae|hb|aer|rv|rvr|req|rep|other",
//             "n":entries,"ok":granted/success,"x":fate,"dt":ms before now_ms}],
//    "counts":{kind:N}, "blocked":[[i->j cut]], "client_blocked":[...],
//    "faults":{"all":F|null,"nodes":{"<node>":F},"pairs":[...]} (network_view.h: read from the
//    proxy, so faults set with ./raftlab proxy show too), "busy", "slow", "timing":{...},
//    "scenario":{...}|null, "narration", "events":[new log lines], "client":[answers],
//    "load":{"ops","done","failed"}}
//
// Threads. act() is called from the web server's thread and never blocks: every
// control runs on one control worker (kills, restarts, partitions, scenario steps, in
// the order they were asked for), and the page's client requests on a client worker,
// so a request waiting out a partition never holds up a kill. A monitor thread polls
// statuses and drains the journal; the frame sink is called on it.
#pragma once

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace raftlab::web {

struct DemoOptions {
    std::filesystem::path server_binary;  ///< lab10-server
    int nodes = 3;
    int frame_ms = 100;                   ///< one state frame per this many milliseconds
    int load_ops = 0;                     ///< background client load, operations per second (0: none)
    bool keep_files = false;              ///< keep the cluster's work directory (logs, data)
    std::filesystem::path work_dir;       ///< the cluster's files; "" = a fresh temp dir
};

/// A request from the page that cannot be carried out as asked (unknown action, bad
/// node, drop outside 0..100 %). what() is one sentence for the page.
class BadAction : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class Demo {
public:
    explicit Demo(DemoOptions options);
    ~Demo();  ///< stops the threads and the load, then the cluster (every server killed)
    Demo(const Demo&) = delete;
    Demo& operator=(const Demo&) = delete;

    /// Starts every server and the monitor. Throws proc::ProcessError when a server
    /// does not come up (naming it and the last lines of its log).
    void start();

    /// Called on the monitor thread with every frame (JSON text). Set before start().
    void set_frame_sink(std::function<void(const std::string&)> sink);

    /// What a page needs once: cluster size, timing, scenarios, the event log so far.
    std::string hello() const;
    /// The newest frame ("" before the first).
    std::string latest_frame() const;

    /// One request from the page, e.g. {"action":"kill","node":1}. Queues the work and
    /// returns at once with {"ok":true}. Throws BadAction for a request it cannot take.
    boost::json::object act(const boost::json::object& request);

    /// Serves the fault proxy's HTTP control (harness/proxy/README.md) on 127.0.0.1:port
    /// (0: any free port), so `./raftlab proxy --control PORT ...` acts on this cluster.
    /// Returns the port. Throws proxy::ProxyError when the port cannot be bound.
    int serve_proxy_control(int port);

    /// The cluster's work directory (logs/n<i>.log, data/).
    std::filesystem::path work_dir() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace raftlab::web
