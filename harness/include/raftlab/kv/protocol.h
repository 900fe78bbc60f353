// raftlab/kv/protocol.h: what clients, servers and tools say to each other in lab 10.
//
// Framework-owned. Every message is one frame (raftlab/wire/frame.h) holding one JSON
// object with a "type". A server listens on two ports:
//
//   the peer port    Raft messages from the other servers. Each frame is a Raft
//                    message in the codec's JSON (raftlab/raft/codec.h) plus a "from"
//                    field naming the sender: {"type":"request_vote",...,"from":2}.
//                    A server sends to server j over a connection it opens itself to
//                    j's address, and reads from the connections others open to it.
//   the client port  requests from clients and tools, each answered on the same
//                    connection, in order:
//
//     {"type":"kv_request","client":"c3","seq":17,"op":"append","key":"k","value":"x"}
//       -> {"type":"kv_reply","client":"c3","seq":17,"status":"ok","value":null,"leader":1}
//     {"type":"status_request"}
//       -> {"type":"status","id":1,"role":"leader","term":4,...}
//     {"type":"membership_request","change":"add","id":3}          (lab 12)
//       -> {"type":"kv_reply","client":"","seq":0,"status":"ok","value":"57","leader":1}
//
// A membership request asks the leader to add or remove one server (RaftNode::
// add_server / remove_server). It is answered "ok" once the configuration entry it
// appended is committed ("value" is its index; an added server then catches up and the
// leader makes it a voter by itself), "not_leader" like any request, and "error" with a
// reason when the server refused the change (another one is under way: retry later).
//
// Reply statuses: "ok" (done; for get, "value" is the value or null when absent),
// "not_leader" (this server cannot serve it; "leader" names the leader it knows, or
// -1: try another server), "error" ("error" says why; the request was malformed and
// retrying it will not help).
//
// Exactly-once. A client numbers its requests 1, 2, 3 ... and sends one at a time; a
// retry of a request reuses its (client, seq). A server must apply each (client, seq)
// at most once, however often it arrives, and answer a repeat with the first answer.
// Encoding the whole ClientRequest as the Raft log entry's command (encode()) keeps
// client and seq with the operation through replication.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "raftlab/kv/op.h"
#include "raftlab/raft/membership.h"
#include "raftlab/raft/codec.h"
#include "raftlab/raft/messages.h"
#include "raftlab/raft/types.h"

namespace raftlab::kv {

struct ClientRequest {
    std::string client;   ///< unique per client, non-empty
    std::uint64_t seq = 0;///< 1, 2, 3 ... per client; a retry reuses it
    Op op = Op::get;
    std::string key;
    std::string value;    ///< put and append only
    friend bool operator==(const ClientRequest&, const ClientRequest&) = default;
};

enum class ReplyStatus { ok, not_leader, error };

std::string_view to_string(ReplyStatus status);

struct ClientReply {
    std::string client;
    std::uint64_t seq = 0;
    ReplyStatus status = ReplyStatus::ok;
    std::optional<std::string> value;   ///< get: the value, nullopt when absent
    NodeId leader = kNoNode;            ///< the leader this server knows of, or kNoNode
    std::string error;                  ///< status == error: why
    friend bool operator==(const ClientReply&, const ClientReply&) = default;
};

struct StatusRequest {
    friend bool operator==(const StatusRequest&, const StatusRequest&) = default;
};

/// Lab 12: add or remove server `id`.
struct MembershipRequest {
    bool add = true;      ///< "change": "add" or "remove"
    NodeId id = 0;
    friend bool operator==(const MembershipRequest&, const MembershipRequest&) = default;
};

/// A server's view of itself, for the harness, `./raftlab cluster status` and the demo.
struct StatusReply {
    NodeId id = 0;
    Role role = Role::follower;
    Term term = 0;
    NodeId voted_for = kNoNode;
    NodeId leader = kNoNode;
    Index commit_index = 0;
    Index last_applied = 0;
    Index last_index = 0;
    /// Terms of the last entries of the log (at most 32), oldest first: entry
    /// last_index - log_terms.size() + 1 onwards. For pictures of the log.
    std::vector<Term> log_terms;
    /// Lab 12: the last committed configuration, when the server changes membership
    /// (both empty otherwise: every server votes).
    std::vector<NodeId> voters;
    std::vector<NodeId> learners;
    friend bool operator==(const StatusReply&, const StatusReply&) = default;
};

/// What arrives on a client port.
using ClientMessage = std::variant<ClientRequest, StatusRequest, MembershipRequest>;
/// What a client port answers.
using ServerReply = std::variant<ClientReply, StatusReply>;

// ---- JSON, one object per frame payload. Encoding never fails; decoding never throws
// and never crashes, whatever the input: it returns the value or a one-sentence error.

std::string encode(const ClientRequest& request);
std::string encode(const ClientReply& reply);
std::string encode(const StatusRequest& request);
std::string encode(const MembershipRequest& request);
std::string encode(const StatusReply& reply);

template <class T>
struct Decoded {
    std::optional<T> value;
    std::string error;  ///< e.g. "field \"seq\" must be an unsigned integer"; empty on success
    explicit operator bool() const { return value.has_value(); }
};

Decoded<ClientMessage> decode_client_message(std::string_view text);
Decoded<ServerReply> decode_server_reply(std::string_view text);
/// A log entry's command written by encode(ClientRequest). Empty commands (no-ops)
/// are an error here; skip them before decoding.
Decoded<ClientRequest> decode_command(std::string_view text);

/// A Raft message on a peer connection: the codec's JSON plus "from".
std::string encode_peer(NodeId from, const Message& message);

struct PeerMessage {
    NodeId from = kNoNode;
    Message message;
};
Decoded<PeerMessage> decode_peer(std::string_view text);

}  // namespace raftlab::kv
