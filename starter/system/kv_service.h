// system/kv_service.h: the key/value state machine (lab 10).
//
// Raft agrees on a log of commands; this class gives them their meaning. Every server
// applies the same committed commands in the same order, so every server's map ends up
// the same. It knows nothing of sockets, leaders or clients waiting for answers: the
// runtime feeds it committed entries and reads from it, and does the talking.
//
// Exactly-once. A client numbers its requests 1, 2, 3 ... and retries a request with
// the same (client, seq), possibly at another server, possibly after the first try was
// already committed. So the same command can appear in the log more than once. The
// state machine remembers, per client, the highest seq it applied and the reply it
// gave; a command whose seq is not above that is a duplicate: it changes nothing and
// gets the remembered reply. Because the table is itself built by applying the log, it
// is the same on every server and survives a leader change.
//
// After a restart the map is empty and the server applies the log from index 1 again
// (raftlab/raft/env.h, Env::apply), which rebuilds both the map and the table.
//
// Lab 11: with snapshots, the state (the map and the table together: a snapshot
// without the table would let a retried request apply twice) is written out by
// snapshot() and put back by restore(), and a restarted server applies only the
// entries after its snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "raftlab/kv/protocol.h"
#include "raftlab/raft/types.h"

namespace raftlab::kv {

class KvService {
public:
    /// Applies the committed entry at `index` (call it for every index, in order).
    /// Returns the reply its request earns: status ok (value null) for a put, append or
    /// delete applied now; the remembered reply for a duplicate of the client's latest
    /// request; status error for an older duplicate (its reply is no longer kept) or a
    /// command that is not a client request. Returns nullopt for a no-op (an empty
    /// command). The reply's `leader` is left kNoNode: the runtime fills it in.
    std::optional<ClientReply> apply(Index index, const LogEntry& entry);

    /// For a put, append or delete arriving from a client: the reply it got if
    /// (client, seq) was already applied, so the leader can answer a retry without
    /// adding it to the log again. nullopt when it has not been applied.
    std::optional<ClientReply> reply_if_applied(const ClientRequest& request) const;

    /// The value of `key` now (nullopt when absent). Linearizable only when the caller
    /// waited for Env::read_done(id, true) after the read arrived.
    std::optional<std::string> get(const std::string& key) const;

    /// The index of the last entry applied (0 before the first).
    Index last_applied() const { return last_applied_; }

    /// Keys currently stored.
    std::size_t size() const { return data_.size(); }

    /// Lab 11: the whole state after last_applied(), the map and the exactly-once
    /// table, as text (JSON) that restore() reads back.
    std::string snapshot() const;

    /// Lab 11: replaces the whole state with `data`, a snapshot() taken after entry
    /// `index`; the next apply() is index + 1. Throws std::runtime_error with one line
    /// when `data` is not such a snapshot, and then changes nothing.
    void restore(Index index, std::string_view data);

private:
    /// The latest request applied for one client, and the reply it got.
    struct ClientRecord {
        std::uint64_t seq = 0;
        ClientReply reply;
    };

    ClientReply execute(const ClientRequest& request);

    std::unordered_map<std::string, std::string> data_;
    std::unordered_map<std::string, ClientRecord> clients_;
    Index last_applied_ = 0;
};

}  // namespace raftlab::kv
