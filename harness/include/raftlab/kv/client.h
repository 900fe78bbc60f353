// raftlab/kv/client.h: a lab 10 client, used by the checks, the command line
// (`./raftlab kv`), the benchmark and the demo.
//
// A Client is one logical client: it numbers its requests, sends one at a time, and
// drives each to an answer. It starts at its guess of the leader; a "not_leader"
// reply moves it to the leader named (or the next server when none is named); a
// timeout or a broken connection moves it to the next server and resends the same
// (client, seq), so a server that executes requests exactly once never applies a
// retry twice. Not thread-safe: one thread per Client.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "raftlab/history/workload.h"
#include "raftlab/kv/protocol.h"
#include "raftlab/kv/system.h"

namespace raftlab::kv {

struct ClientOptions {
    std::chrono::milliseconds attempt_timeout{1000};  ///< one try at one server
    std::chrono::milliseconds deadline{10000};        ///< the whole request, across retries
    std::chrono::milliseconds backoff{25};            ///< pause before trying another server
};

struct Result {
    history::Outcome outcome = history::Outcome::indeterminate;  ///< ok or indeterminate
    std::optional<std::string> value;   ///< get: the value (nullopt: absent)
    NodeId served_by = kNoNode;         ///< the server that answered ok
    int attempts = 0;                   ///< sends, including the first
    std::string error;                  ///< when not ok: the last thing that went wrong
};

class Client {
public:
    /// servers[i]: where this client reaches server i (through the proxy, in tests).
    Client(std::vector<Endpoint> servers, std::string client_id, ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// The next request of this client (seq = previous + 1), driven to an answer or to
    /// the deadline.
    Result execute(Op op, const std::string& key, const std::string& value = {});
    /// A request with the caller's own seq (a test resending a request on purpose).
    Result execute(const ClientRequest& request);
    /// Sends to `server` only, once, without following redirects: what that server
    /// answers, or nullopt with `error` set on timeout or a broken connection.
    std::optional<ClientReply> send_once(NodeId server, const ClientRequest& request,
                                         std::chrono::milliseconds timeout, std::string* error = nullptr);

    const std::string& id() const { return id_; }
    std::uint64_t last_seq() const { return seq_; }
    NodeId leader_guess() const { return leader_; }

private:
    struct Connection;
    std::optional<std::string> round_trip(NodeId server, const std::string& payload,
                                          std::chrono::milliseconds timeout, std::string& error);

    std::vector<Endpoint> servers_;
    std::string id_;
    ClientOptions options_;
    std::uint64_t seq_ = 0;
    NodeId leader_ = 0;
    std::vector<std::unique_ptr<Connection>> connections_;
};

/// Lab 12: asks the cluster of `servers` to add or remove a server. Finds the leader
/// (by status, then by each not_leader's hint), sends the request, and retries a
/// refusal (another change under way) until `timeout`. Returns the last answer: ok
/// once the configuration entry is committed ("value" is its index), or the refusal or
/// error; std::nullopt with `error` set when no leader answered at all.
std::optional<ClientReply> change_membership(const std::vector<Endpoint>& servers, const MembershipRequest& request,
                                             std::chrono::milliseconds timeout, std::string* error = nullptr);

/// Asks one server for its status over a fresh connection. nullopt when it does not
/// answer within `timeout` (dead, paused, partitioned away or not a raftlab server).
std::optional<StatusReply> query_status(const Endpoint& server,
                                        std::chrono::milliseconds timeout = std::chrono::milliseconds(500),
                                        std::string* error = nullptr);

/// Adapts Client to the history workload (raftlab/history/workload.h): every logical
/// client of the workload gets its own Client. The workload's (client, seq) become the
/// request's, so the recorded history and the server agree on identities.
history::KvClientFactory client_factory(std::vector<Endpoint> servers, ClientOptions options = {});

}  // namespace raftlab::kv
