// system/runtime.cpp: recovery, the Env, the peers and group commit (lab 10, stage 2).
//
// See system/runtime.h for the whole runtime; the client port is system/clients.cpp.
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
// One more optimization lives here: the gets of one batch share one Raft read
// (start_reads() in clients.cpp). With the early release above and the server's own
// pipelining (max_inflight_appends, set by --max-inflight), three servers on loopback
// answer about 10,000 puts per second to 64 clients; see `./raftlab bench kv`.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "raftlab/wire/frame.h"
#include "system/runtime.h"

namespace raftlab::kv {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// See "two things may leave before the fsync" above.
constexpr bool kEarlyRelease = true;

/// AppendEntries and RequestVote, as opposed to their replies.
bool is_request(const Message& m) {
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
    if (to < 0 || to >= options_.raft.cluster_size || to == id_) return;
    outbox_messages_.emplace_back(to, std::move(message));
    schedule_flush();
}

void Runtime::persist_term_and_vote(Term current_term, NodeId voted_for) {
    storage_.save_term_and_vote(current_term, voted_for);
    term_ = current_term;
    voted_for_ = voted_for;
    schedule_flush();
}

void Runtime::persist_log(Index first, const std::vector<LogEntry>& entries) {
    storage_.save_log(first, entries);
    log_terms_.resize(static_cast<std::size_t>(first - 1 - log_base_));
    for (const LogEntry& entry : entries) log_terms_.push_back(entry.term);
    schedule_flush();
}

void Runtime::persist_snapshot(const Snapshot& snapshot) {
    storage_.save_snapshot(snapshot);
    const std::size_t drop = std::min<std::size_t>(snapshot.last_index - log_base_, log_terms_.size());
    log_terms_.erase(log_terms_.begin(), log_terms_.begin() + static_cast<std::ptrdiff_t>(drop));
    log_base_ = snapshot.last_index;
    schedule_flush();
}

void Runtime::restore_snapshot(const Snapshot& snapshot) {
    kv_.restore(snapshot.last_index, snapshot.data);
    snapshotted_ = std::max(snapshotted_, snapshot.last_index);
}

void Runtime::maybe_snapshot() {
    if (options_.snapshot_every == 0) return;  // labs 10 and 13
    if (kv_.last_applied() < snapshotted_ + options_.snapshot_every) return;
    snapshotted_ = kv_.last_applied();
    server_->snapshot(snapshotted_, kv_.snapshot());
    after_event();
}

void Runtime::apply(Index index, const LogEntry& entry) {
    // The state machine moves now; the client is answered by after_event(), once the
    // event that committed the entry has returned and its index is known.
    applied_.push_back(Applied{index, kv_.apply(index, entry), entry.command});
}

void Runtime::role_changed(Role role, Term term, NodeId leader) {
    // Answer what this event applied first: those entries are committed, whoever
    // leads now. Every write still waiting after that may or may not commit.
    after_event();
    if (role_ == Role::leader && (role != Role::leader || term != role_term_)) abandon_writes();
    role_ = role;
    role_term_ = term;
    term_ = std::max(term_, term);
    leader_ = leader;
    std::string line = std::string(role_name(role)) + " in term " + std::to_string(term);
    if (role == Role::follower) line += leader == kNoNode ? ", no leader known" : ", leader n" + std::to_string(leader);
    if (role == Role::leader) line += ", last log index " + std::to_string(log_base_ + log_terms_.size());
    log_(line);
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
    wire::FrameDecoder decoder;
    std::vector<char> buffer(64 * 1024);
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) co_return;  // closed by the sender, which logs it on its side
        decoder.feed(std::string_view(buffer.data(), n));
        for (auto frame = decoder.next(); frame.status != wire::FrameDecoder::Status::need_more;
             frame = decoder.next()) {
            Decoded<PeerMessage> message;
            if (frame.status == wire::FrameDecoder::Status::frame) message = decode_peer(frame.payload);
            if (!message) {
                log_("closing a peer connection: " + (frame.error.empty() ? message.error : frame.error));
                co_return;
            }
            server_->receive(message.value->from, message.value->message);
            after_event();
        }
    }
}

// ---- batches -----------------------------------------------------------------------------

/// After every event: answer the clients whose entries the event applied.
void Runtime::after_event() {
    while (!applied_.empty()) {
        Applied applied = std::move(applied_.front());
        applied_.pop_front();
        answer_applied(applied);
        answer_change(applied);  // lab 12
    }
}

void Runtime::schedule_flush() {
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    asio::post(io_, [this] { flush(); });
}

void Runtime::flush() {
    flush_scheduled_ = false;
    maybe_snapshot();  // posted to the loop, so never inside a call into the server
    start_reads();
    auto messages = std::exchange(outbox_messages_, {});
    auto replies = std::exchange(outbox_replies_, {});
    auto send_messages = [&](bool requests) {
        for (const auto& [to, message] : messages)
            if (is_request(message) == requests) links_[static_cast<std::size_t>(to)]->send(encode_peer(id_, message));
    };
    const bool early_replies = kEarlyRelease && options_.raft.cluster_size > 1;
    auto deliver_replies = [&](bool before_sync) {
        for (auto& r : replies)
            if ((early_replies && !r.after_sync) == before_sync)
                if (auto session = r.session.lock()) session->fill(r.slot, std::move(r.payload));
    };
    if (kEarlyRelease) send_messages(true);
    deliver_replies(true);
    storage_.sync();  // the one fsync of this batch
    if (!kEarlyRelease) send_messages(true);
    send_messages(false);
    deliver_replies(false);
}

int run_system(const SystemOptions& options) {
    Runtime runtime(options);
    return runtime.run();
}

}  // namespace raftlab::kv

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
