// raftlab/proxy/fault_proxy.h: a fault-injecting TCP proxy for every link of a
// cluster, controlled from C++ (this class), over HTTP/JSON (serve_control) and
// from the command line (`./raftlab proxy`, see harness/proxy/README.md).
//
// Model. A link is a listening port on 127.0.0.1 that forwards every accepted
// connection to one target (host:port). A link has a `from` node (the side that
// connects) and a `to` node (the server); partitions are expressed with these node
// names. For a cluster of N servers, create one link per ordered pair (i -> j) and
// tell server i to reach server j through that link's port; add a link
// "client -> j" per server for client traffic.
//
// What a cut (partition or one-way cut) does to one direction of a link:
//   framed links: frames in that direction are dropped whole (the connection stays
//                 open, so traffic resumes cleanly after heal);
//   raw links:    bytes in that direction are swallowed, and because the stream is
//                 then corrupt, heal() resets those connections.
// In both cases new connections are still accepted and forwarded (their traffic is
// subject to the cut), so a client sees what a real partition shows it: silence.
//
// Threading. The proxy runs one I/O thread of its own; every connection lives on
// it (one implicit strand). Public calls are posted to that thread and return
// within a bounded time (they throw ProxyError if the proxy does not answer within
// 5 s, which only happens if it is broken). Calls are safe from any thread.
#pragma once

#include "raftlab/proxy/faults.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace raftlab::proxy {

/// How to create a link.
struct LinkSpec {
    std::string name;                       ///< unique; empty = "<from>-><to>"
    std::string from;                       ///< connecting node's name (for partitions)
    std::string to;                         ///< server node's name (for partitions)
    int listen_port = 0;                    ///< 127.0.0.1 port to listen on; 0 = pick a free one
    std::string target_host = "127.0.0.1";
    int target_port = 0;                    ///< where accepted connections are forwarded
    bool framed = false;                    ///< parse frames: message faults and the journal
    bool keep_payloads = false;             ///< keep each frame's JSON text in the journal
};

/// Counters and settings of one link, as reported by links().
struct LinkStatus {
    LinkSpec spec;                          ///< listen_port is the actual port
    bool down = false;
    bool cut_forward = false;               ///< a partition or one-way cut blocks from -> to
    bool cut_backward = false;              ///< ... blocks to -> from
    DirectionFaults forward, backward;
    std::size_t connections = 0;            ///< open right now
    std::uint64_t accepted = 0;             ///< since the link was created
    std::uint64_t bytes_forward = 0, bytes_backward = 0;  ///< delivered
    std::uint64_t frames_forward = 0, frames_backward = 0;
    std::uint64_t frames_dropped = 0, frames_duplicated = 0;
};

/// One frame seen on a framed link.
struct JournalEntry {
    std::uint64_t seq = 0;                  ///< 1, 2, 3 ... in order of arrival at the proxy
    std::int64_t time_us = 0;               ///< microseconds since the Unix epoch
    std::string link;
    Direction direction = Direction::forward;
    std::string from, to;                   ///< the sending and the receiving node
    std::size_t size = 0;                   ///< payload bytes
    std::string type;                       ///< the payload's "type" string, or ""
    std::string fate;                       ///< delivered, dropped, duplicated, delayed, reordered, cut
    std::string payload;                    ///< JSON text, only with keep_payloads
};

class ProxyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class FaultProxy {
public:
    /// seed: every per-frame probability is drawn from generators derived from it
    /// (one per link direction and connection, so a run replays the same drops).
    /// journal_capacity: the journal keeps the newest this many entries.
    explicit FaultProxy(std::uint64_t seed = 1, std::size_t journal_capacity = 100000);
    ~FaultProxy();  ///< closes every link and connection and joins the I/O thread
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    /// Creates a link and starts listening. Returns the listen port. Throws
    /// ProxyError for a duplicate name, a port in use or an invalid target port.
    int add_link(LinkSpec spec);
    /// Closes the link's listener and connections. Unknown name: ProxyError.
    void remove_link(const std::string& link);

    /// Replaces the faults on one direction (or both) of a link. Throws FaultError
    /// for invalid values and ProxyError for an unknown link.
    void set_faults(const std::string& link, Direction direction, const DirectionFaults& faults);
    void set_faults(const std::string& link, const DirectionFaults& faults);
    /// Removes every byte and frame fault on every link (cuts and down stay).
    void clear_faults();

    /// Resets (TCP RST) every open connection of the link; new ones work.
    void reset(const std::string& link);
    /// down = true: refuse new connections and close the open ones. false: accept again.
    void set_down(const std::string& link, bool down);

    /// Two-way partition: traffic between nodes of different groups is cut. Nodes in
    /// no group keep talking to everyone. Adds to cuts already in place.
    void partition(const std::vector<std::vector<std::string>>& groups);
    /// One-way cut: traffic from any node of `from` to any node of `to` is cut; the
    /// other direction still flows.
    void cut_one_way(const std::vector<std::string>& from, const std::vector<std::string>& to);
    /// Removes every partition and cut (faults and down links stay).
    void heal();
    /// heal() + clear_faults() + every link up: a clean network.
    void heal_all();

    std::vector<LinkStatus> links();
    /// Journal entries with seq > since, oldest first, at most `limit`.
    std::vector<JournalEntry> journal(std::uint64_t since = 0, std::size_t limit = 100000);
    /// Called on the proxy's I/O thread for every journal entry; keep it short.
    /// Pass an empty function to remove it.
    void set_journal_listener(std::function<void(const JournalEntry&)> listener);

    /// Serves the HTTP/JSON control API on 127.0.0.1:port (0 = pick). Returns the
    /// port. The API is documented in harness/proxy/README.md.
    int serve_control(int port = 0);

    struct State;  ///< internal; lives on the I/O thread

private:
    std::unique_ptr<State> state_;
};

/// The listen ports of a whole cluster's links (see add_mesh_links).
struct MeshPorts {
    std::map<std::string, std::map<std::string, int>> peer;  ///< peer[from][to]: where `from` reaches `to`
    std::map<std::string, int> client;                       ///< client[server]: where clients reach `server`
};

/// Creates one link per ordered pair of servers, named "<from>-><to>" and forwarded
/// to `peer_ports[to]`, and one link "client-><server>" per entry of
/// `client_ports`. Hand each server its row of `peer` (for example through the
/// supervisor's {var:NAME} placeholders) and the clients `client`.
MeshPorts add_mesh_links(FaultProxy& proxy, const std::map<std::string, int>& peer_ports,
                         const std::map<std::string, int>& client_ports, bool framed);

/// JSON forms used by the HTTP API and the CLI.
boost::json::object to_json(const LinkStatus& status);
boost::json::object to_json(const JournalEntry& entry);

}  // namespace raftlab::proxy
