// system/runtime.h: the lab 10 server process around the Raft server (stages 2 and 3).
//
// The Raft server (raft/server.h) is a deterministic object that never does I/O. The
// Runtime is everything around it: one Boost.Asio event loop on one thread, the links
// to the other servers, the client port, the timer that drives tick(), and the disk
// (system/storage.h). All concurrency stays out here; the server only ever sees one
// event at a time, in the loop's thread.
//
// The runtime only carries what the server produces. It learns everything it needs
// from the Env calls: the term and vote from persist_term_and_vote(), the log from
// persist_log(), results from apply(), the role and leader from role_changed(). It
// never reads the server's state (the inspection members of RaftNode are for the
// checks). Batching and pipelining of AppendEntries are the server's business
// (ServerConfig::max_entries_per_message and max_inflight_appends).
//
// The work is split by stage of the lab:
//
//   runtime.cpp   stage 2: recovery, the Env, the peers, and group commit (flush())
//   clients.cpp   stage 3: the client port: requests, redirects, reads, answers
//
// The class below is a suggested shape: add members and helpers as you need them.
// Only run_system() (raftlab/kv/system.h) is a contract.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raft/server.h"
#include "raftlab/kv/protocol.h"
#include "raftlab/kv/system.h"
#include "system/kv_service.h"
#include "system/links.h"
#include "system/storage.h"

namespace raftlab::kv {

/// A client request waiting for its answer, and where the answer goes.
struct Waiter {
    std::weak_ptr<ClientSession> session;
    std::uint64_t slot = 0;
    ClientRequest request;
};

class Runtime final : public Env {
public:
    explicit Runtime(const SystemOptions& options);
    int run();

    // ---- Env (raftlab/raft/env.h), runtime.cpp ----
    void send(NodeId to, Message message) override;
    void persist_term_and_vote(Term current_term, NodeId voted_for) override;
    void persist_log(Index first, const std::vector<LogEntry>& entries) override;
    void persist_snapshot(const Snapshot& snapshot) override;  // lab 11
    void restore_snapshot(const Snapshot& snapshot) override;  // lab 11
    void apply(Index index, const LogEntry& entry) override;
    void read_done(ReadId id, bool ok) override;
    void role_changed(Role role, Term term, NodeId leader) override;
    Time now() const override;
    void set_timer(Time when) override;
    std::int64_t random(std::int64_t low, std::int64_t high) override;

private:
    /// A committed entry the state machine has applied, waiting to be answered.
    struct Applied {
        Index index;
        std::optional<ClientReply> result;  ///< what the state machine answered
        std::string command;                ///< what was committed at `index`
    };
    struct OutgoingReply {
        std::weak_ptr<ClientSession> session;
        std::uint64_t slot;
        std::string payload;
        bool after_sync;
    };

    // runtime.cpp (stage 2).
    tcp::acceptor listen(int port, const char* what);
    asio::awaitable<void> accept_peers();
    asio::awaitable<void> serve_peer(tcp::socket socket);
    void after_event();
    void maybe_snapshot();  // lab 11: between events, never inside one
    void schedule_flush();
    void flush();

    // clients.cpp (stage 3).
    asio::awaitable<void> accept_clients();
    asio::awaitable<void> serve_client(std::shared_ptr<ClientSession> session);
    void on_client_frame(const std::shared_ptr<ClientSession>& session, std::string_view payload);
    void handle_request(Waiter waiter);
    void start_reads();
    void answer_applied(const Applied& applied);
    // Lab 12 (clients.cpp): membership requests, answered when their entry is applied.
    void handle_membership(const std::shared_ptr<ClientSession>& session, std::uint64_t slot,
                           const MembershipRequest& request);
    void answer_change(const Applied& applied);
    void abandon_writes();
    StatusReply status() const;
    void answer(const Waiter& waiter, ClientReply reply);
    /// Queues an answer. `after_sync`: it must wait for this batch's fsync even where
    /// answers may go early (a status shows the term and vote, which may not be durable).
    void reply(const std::weak_ptr<ClientSession>& session, std::uint64_t slot, std::string payload,
               bool after_sync = false);
    ClientReply not_leader(const ClientRequest& request) const;

    const SystemOptions options_;
    const NodeId id_;
    EventLog log_;
    asio::io_context io_;
    Storage storage_;
    KvService kv_;
    std::mt19937_64 random_;
    asio::steady_timer timer_;
    Time timer_when_ = -1;
    std::unique_ptr<Server> server_;
    std::vector<std::unique_ptr<PeerLink>> links_;
    tcp::acceptor peer_acceptor_;
    tcp::acceptor client_acceptor_;
    asio::signal_set signals_;

    // What the server told us through the Env: the durable term and vote, the terms of
    // its log, and its role and leader. Status answers are made from these.
    Term term_ = 0;
    NodeId voted_for_ = kNoNode;
    Index log_base_ = 0;          ///< lab 11: the snapshot's index; log_terms_ follow it
    std::vector<Term> log_terms_;
    Index snapshotted_ = 0;       ///< lab 11: the index of the last snapshot taken or installed
    Role role_ = Role::follower;
    Term role_term_ = 0;  ///< the term role_ was reported in
    NodeId leader_ = kNoNode;

    // apply() hands results over here; after_event() answers them once the event that
    // produced them has returned (apply() may run inside submit()).
    std::deque<Applied> applied_;

    // The outbox, released by flush(): answers after the batch's fsync, and what may go
    // earlier before it (see runtime.cpp).
    std::vector<std::pair<NodeId, Message>> outbox_messages_;
    std::vector<OutgoingReply> outbox_replies_;
    bool flush_scheduled_ = false;

    std::map<Index, Waiter> pending_writes_;
    std::vector<Waiter> gets_to_start_;
    std::unordered_map<ReadId, std::vector<Waiter>> pending_reads_;
    /// Lab 12: membership requests waiting for their configuration entry, by index.
    std::map<Index, std::pair<std::weak_ptr<ClientSession>, std::uint64_t>> pending_changes_;
    Configuration committed_configuration_;  ///< lab 12: for status; empty until used
    ReadId next_read_ = 1;
};

}  // namespace raftlab::kv
