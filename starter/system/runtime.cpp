// system/runtime.cpp: recovery, the Env, the peers and group commit (lab 10, stage 2).
//
// See system/runtime.h for the whole runtime; the client port is system/clients.cpp.
// Written for you: construction and recovery, listening, run(), the clock, the timer,
// randomness and accepting peers. Yours: every body that calls raftlab::todo().
//
// How a batch of events becomes durable and visible (group commit):
//
//   1. Events arrive (a peer message, a client request, the timer) and each one is
//      handed to the server at once. Whatever the server persists is written to the
//      file straight away (write(), no fsync yet); whatever it sends, and every reply
//      to a client, goes into the outbox instead of onto a socket.
//   2. The first event of a batch posts flush() to the loop. It runs after every event
//      the loop had already received, so one flush covers all of them.
//   3. flush() calls fdatasync() once if anything was written, and only then releases
//      the outbox to the sockets. So no answer leaves the process before the state it
//      depends on is on disk, yet a hundred requests cost one fsync, not a hundred.
//
// Two things may leave before the fsync, because they promise nothing about this
// batch's writes (the leader-side overlap of section 10.2.1 of Ongaro's thesis):
//
//   * Raft requests (AppendEntries, RequestVote), so the followers write and sync the
//     new entries while the leader syncs its own copy. The replies they provoke can
//     only be handled in a later batch, after this batch's fsync has completed (there
//     is one thread), so a leader never counts an entry of its own that is not yet
//     durable, and a candidate that dies before its vote for itself is durable never
//     learns that it won.
//   * Answers to client requests, in a cluster of two or more: they report only
//     committed state, and by the argument above a leader commits an entry only after
//     its own copy is durable and a follower has acknowledged it. (A one-server
//     cluster commits on submit(), so there the answers wait; so do status answers,
//     which show a term and vote that may not be durable yet.)
//
// Raft replies (AppendEntriesReply, RequestVoteReply) do promise: they always wait.
// Set kEarlyRelease to false for the plain rule (about half the throughput).
//
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "raftlab/wire/frame.h"
#include "raftlab/todo.h"
#include "system/runtime.h"

namespace raftlab::kv {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// See "two things may leave before the fsync" above.
[[maybe_unused]] constexpr bool kEarlyRelease = true;

/// AppendEntries and RequestVote, as opposed to their replies.
[[maybe_unused]] bool is_request(const Message& m) {
    return std::holds_alternative<AppendEntries>(m) || std::holds_alternative<RequestVote>(m);
}

/// Rethrows an exception that escaped a coroutine, so that it leaves io_context::run()
/// and run_system() reports it (storage errors must stop the server).
void rethrow(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

}  // namespace

Runtime::Runtime(const SystemOptions& options)
    : options_(options),
      id_(options.raft.id),
      log_(options.raft.id),
      storage_(options.data_dir),
      random_(std::random_device{}()),
      timer_(io_),
      peer_acceptor_(listen(options.peer_port, "peer")),
      client_acceptor_(listen(options.client_port, "client")),
      signals_(io_, SIGINT, SIGTERM) {
    const PersistentState& restored = storage_.recovered();
    term_ = restored.current_term;
    voted_for_ = restored.voted_for;
    log_base_ = restored.snapshot.last_index;
    snapshotted_ = restored.snapshot.last_index;
    for (const LogEntry& entry : restored.log) log_terms_.push_back(entry.term);
    server_ = std::make_unique<Server>(options.raft, *this, restored);
    for (NodeId peer = 0; peer < options.raft.cluster_size; ++peer)
        links_.push_back(peer == id_ ? nullptr
                                     : std::make_unique<PeerLink>(io_, log_, peer, options.peers.at(peer)));
}

tcp::acceptor Runtime::listen(int port, const char* what) {
    tcp::acceptor acceptor(io_);
    const tcp::endpoint where(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port));
    error_code ec;
    acceptor.open(where.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(where, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error(std::string("cannot listen on 127.0.0.1:") + std::to_string(port) + " (" + what +
                                 " port): " + ec.message() + "; is another server still running?");
    return acceptor;
}

int Runtime::run() {
    log_(storage_.recovery_summary());
    log_("listening on 127.0.0.1:" + std::to_string(options_.peer_port) + " (peers) and 127.0.0.1:" +
         std::to_string(options_.client_port) + " (clients), cluster of " +
         std::to_string(options_.raft.cluster_size));
    ::signal(SIGPIPE, SIG_IGN);
    signals_.async_wait([this](error_code ec, int signal) {
        if (ec) return;
        log_(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + " after " +
             std::to_string(storage_.sync_count()) + " fsyncs; applied up to " +
             std::to_string(kv_.last_applied()));
        io_.stop();
    });
    for (auto& link : links_)
        if (link) link->start();
    asio::co_spawn(io_, accept_peers(), rethrow);
    asio::co_spawn(io_, accept_clients(), rethrow);
    server_->tick();  // the first tick sets the first timer (raftlab/raft/node.h)
    after_event();
    io_.run();
    return 0;
}

// ---- Env -----------------------------------------------------------------------------------

void Runtime::send(NodeId to, Message message) {
    // Queue the message for server `to` in the outbox (drop an id out of range or your
    // own), and make sure a flush() is scheduled.
    (void)to;
    (void)message;
    todo("Runtime::send");
}

void Runtime::persist_term_and_vote(Term current_term, NodeId voted_for) {
    // Write through storage_ (durable at the next flush), remember the term and vote for
    // status answers, and schedule a flush.
    (void)current_term;
    (void)voted_for;
    todo("Runtime::persist_term_and_vote");
}

void Runtime::persist_log(Index first, const std::vector<LogEntry>& entries) {
    // Write through storage_, keep log_terms_ in step (cut back to first-1, then the new
    // entries' terms), and schedule a flush. (Lab 11: log_terms_ holds the terms after
    // log_base_, so entry `first` is log_terms_[first - 1 - log_base_].)
    (void)first;
    (void)entries;
    todo("Runtime::persist_log");
}

void Runtime::persist_snapshot(const Snapshot& snapshot) {
    // Lab 11: save it (storage_.save_snapshot), drop the terms it covers from log_terms_
    // and move log_base_ to it, then schedule a flush.
    (void)snapshot;
    todo("Runtime::persist_snapshot");
}

void Runtime::restore_snapshot(const Snapshot& snapshot) {
    // Lab 11: the state machine takes it (kv_.restore), and it counts as the last
    // snapshot (snapshotted_).
    (void)snapshot;
    todo("Runtime::restore_snapshot");
}

void Runtime::maybe_snapshot() {
    // Lab 11, called first thing in flush(): with options_.snapshot_every > 0 and that
    // many entries applied since snapshotted_, ask the server for a snapshot of the state
    // machine now (server_->snapshot), then after_event().
    if (options_.snapshot_every == 0) return;  // labs 10 and 13 (written for you)
    todo("Runtime::maybe_snapshot");
}

void Runtime::apply(Index index, const LogEntry& entry) {
    // Apply the entry to the state machine (kv_) now, and queue the result in applied_:
    // after_event() answers the client once the event has returned.
    (void)index;
    (void)entry;
    todo("Runtime::apply");
}

void Runtime::role_changed(Role role, Term term, NodeId leader) {
    // Remember the role, term and leader (status answers and redirects use them) and log
    // one line. Stage 3: first answer what this event applied (after_event()), then, if
    // this server stopped leading, abandon_writes().
    (void)role;
    (void)term;
    (void)leader;
    todo("Runtime::role_changed");
}

Time Runtime::now() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

void Runtime::set_timer(Time when) {
    if (when == timer_when_) return;  // already waiting for exactly that
    timer_when_ = when;
    timer_.expires_at(Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(when))));
    timer_.async_wait([this](error_code ec) {
        if (ec) return;  // replaced by a later set_timer()
        timer_when_ = -1;
        server_->tick();
        after_event();
    });
}

std::int64_t Runtime::random(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random_);
}

// ---- peers -------------------------------------------------------------------------------

asio::awaitable<void> Runtime::accept_peers() {
    for (;;) {
        auto [ec, socket] = co_await peer_acceptor_.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (!ec) asio::co_spawn(io_, serve_peer(std::move(socket)), rethrow);
    }
}

/// Reads Raft messages from a connection another server opened to us. A malformed
/// frame or message closes it (the sender reconnects); it never stops this server.
asio::awaitable<void> Runtime::serve_peer(tcp::socket socket) {
    // Read frames (wire::FrameDecoder) from a connection another server opened, decode
    // each (decode_peer) and hand it to server_->receive(), then after_event(). A bad
    // frame or message closes this connection with a logged reason; it never stops the
    // server.
    (void)socket;
    todo("Runtime::serve_peer");
    co_return;
}

// ---- batches -----------------------------------------------------------------------------

/// After every event: answer the clients whose entries the event applied.
void Runtime::after_event() {
    // Drain applied_, answering each entry with answer_applied() (stage 3), and with
    // answer_change() too (lab 12: membership requests).
    todo("Runtime::after_event");
}

void Runtime::schedule_flush() {
    // Post one flush() to the loop, unless one is already scheduled.
    todo("Runtime::schedule_flush");
}

void Runtime::flush() {
    // Group commit (see the top of this file): start_reads(); take the outbox; send the
    // Raft requests and the client answers that may go early; storage_.sync() once;
    // then send the Raft replies and the remaining answers. (Lab 11: call
    // maybe_snapshot() first.)
    todo("Runtime::flush");
}

int run_system(const SystemOptions& options) {
    Runtime runtime(options);
    return runtime.run();
}

}  // namespace raftlab::kv
