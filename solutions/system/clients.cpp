// system/clients.cpp: the client port of the lab 10 server (stage 3).
//
// Clients speak raftlab/kv/protocol.h over length-prefixed frames. Each connection is
// a ClientSession (system/links.h) that sends answers in the order the requests came,
// whatever order they are ready in. This file decides what each answer is:
//
//   * a status request: what the server told the runtime through the Env (this part
//     is written for you in the starter, so stage 2 can be graded on its own);
//   * any request on a server that does not lead: not_leader, naming the leader it
//     knows;
//   * a put, append or delete: a retry of a request already applied is answered from
//     the state machine's table; any other is submitted, and answered when the entry
//     at the index submit() returned is applied (ok if it is this very command,
//     not_leader if another leader's command landed there);
//   * a get: answered from the state machine once a Raft read says it cannot be
//     stale. The gets of one batch share one read.
//
// When the server stops leading, every write still waiting is answered not_leader:
// its entry may still commit, and the client's retry is deduplicated by (client, seq).
#include "system/runtime.h"

#include "raftlab/wire/frame.h"

namespace raftlab::kv {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

void rethrow(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

}  // namespace

asio::awaitable<void> Runtime::accept_clients() {
    for (;;) {
        auto [ec, socket] = co_await client_acceptor_.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) continue;
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(io_, serve_client(std::make_shared<ClientSession>(std::move(socket))), rethrow);
    }
}

asio::awaitable<void> Runtime::serve_client(std::shared_ptr<ClientSession> session) {
    wire::FrameDecoder decoder;
    std::vector<char> buffer(16 * 1024);
    for (;;) {
        auto [ec, n] = co_await session->socket().async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) co_return;  // clients come and go; not worth a log line
        decoder.feed(std::string_view(buffer.data(), n));
        for (auto frame = decoder.next(); frame.status != wire::FrameDecoder::Status::need_more;
             frame = decoder.next()) {
            if (frame.status == wire::FrameDecoder::Status::error) {
                log_("closing a client connection: " + frame.error);
                co_return;
            }
            on_client_frame(session, frame.payload);
        }
    }
}

void Runtime::on_client_frame(const std::shared_ptr<ClientSession>& session, std::string_view payload) {
    const std::uint64_t slot = session->open_slot();
    Decoded<ClientMessage> message = decode_client_message(payload);
    if (!message) {
        ClientReply r;
        r.status = ReplyStatus::error;
        r.error = message.error;
        return reply(session, slot, encode(r));
    }
    if (std::holds_alternative<StatusRequest>(*message.value))
        return reply(session, slot, encode(status()), /*after_sync=*/true);
    if (const auto* change = std::get_if<MembershipRequest>(&*message.value))
        return handle_membership(session, slot, *change);  // lab 12
    handle_request(Waiter{session, slot, std::get<ClientRequest>(std::move(*message.value))});
}

StatusReply Runtime::status() const {
    StatusReply s;
    s.id = id_;
    s.role = role_;
    s.term = term_;
    s.voted_for = voted_for_;
    s.leader = role_ == Role::leader ? id_ : leader_;
    // The server applies every entry in the event that commits it, so what the state
    // machine has applied is also what the server knows to be committed.
    s.commit_index = kv_.last_applied();
    s.last_applied = kv_.last_applied();
    s.last_index = log_base_ + log_terms_.size();
    const std::size_t shown = std::min<std::size_t>(log_terms_.size(), 32);
    s.log_terms.assign(log_terms_.end() - static_cast<std::ptrdiff_t>(shown), log_terms_.end());
    if (!committed_configuration_.voters.empty()) {  // lab 12
        s.voters = committed_configuration_.voters;
        s.learners = committed_configuration_.learners;
    } else if (!options_.raft.voters.empty()) {
        s.voters = options_.raft.voters;
    }
    return s;
}

void Runtime::handle_request(Waiter waiter) {
    const ClientRequest& request = waiter.request;
    if (role_ != Role::leader) return answer(waiter, not_leader(request));
    if (request.op == Op::get) {
        gets_to_start_.push_back(std::move(waiter));  // flush() starts them as one read
        return schedule_flush();
    }
    if (std::optional<ClientReply> earlier = kv_.reply_if_applied(request)) {
        earlier->leader = id_;
        return answer(waiter, *earlier);
    }
    const std::optional<Index> index = server_->submit(encode(request));
    if (!index) return answer(waiter, not_leader(request));
    // A waiter left at this index belongs to an entry another leader overwrote.
    if (auto stale = pending_writes_.extract(*index); !stale.empty())
        answer(stale.mapped(), not_leader(stale.mapped().request));
    pending_writes_.emplace(*index, std::move(waiter));
    after_event();  // a one-server cluster has applied it already
}

/// The gets of one batch share one Raft read: a read that starts after all of them
/// arrived is recent enough for each of them.
void Runtime::start_reads() {
    if (gets_to_start_.empty()) return;
    const ReadId id = next_read_++;
    pending_reads_[id] = std::exchange(gets_to_start_, {});
    if (!server_->read(id)) read_done(id, false);  // not leader any more
    after_event();
}

void Runtime::read_done(ReadId id, bool ok) {
    auto it = pending_reads_.find(id);
    if (it == pending_reads_.end()) return;
    std::vector<Waiter> waiters = std::move(it->second);
    pending_reads_.erase(it);
    for (const Waiter& w : waiters) {
        if (!ok) {
            answer(w, not_leader(w.request));
            continue;
        }
        ClientReply r;
        r.client = w.request.client;
        r.seq = w.request.seq;
        r.value = kv_.get(w.request.key);
        r.leader = id_;
        answer(w, std::move(r));
    }
}

void Runtime::answer_applied(const Applied& applied) {
    auto it = pending_writes_.find(applied.index);
    if (it == pending_writes_.end()) return;
    Waiter waiter = std::move(it->second);
    pending_writes_.erase(it);
    // Another leader may have put a different command at this index: the request was
    // lost, and the client must retry (its seq makes the retry safe).
    if (!applied.result || applied.command != encode(waiter.request))
        return answer(waiter, not_leader(waiter.request));
    ClientReply result = *applied.result;
    result.leader = id_;
    answer(waiter, result);
}

void Runtime::abandon_writes() {
    std::map<Index, Waiter> abandoned = std::exchange(pending_writes_, {});
    for (auto& [index, waiter] : abandoned) answer(waiter, not_leader(waiter.request));
    for (auto& [index, where] : std::exchange(pending_changes_, {})) {  // lab 12
        ClientReply r;
        r.status = ReplyStatus::not_leader;
        r.leader = leader_ == id_ ? kNoNode : leader_;
        reply(where.first, where.second, encode(r));
    }
}

void Runtime::answer(const Waiter& waiter, ClientReply reply_value) {
    reply(waiter.session, waiter.slot, encode(reply_value));
}

void Runtime::reply(const std::weak_ptr<ClientSession>& session, std::uint64_t slot, std::string payload,
                    bool after_sync) {
    outbox_replies_.push_back(OutgoingReply{session, slot, std::move(payload), after_sync});
    schedule_flush();
}

ClientReply Runtime::not_leader(const ClientRequest& request) const {
    ClientReply r;
    r.client = request.client;
    r.seq = request.seq;
    r.status = ReplyStatus::not_leader;
    r.leader = leader_ == id_ ? kNoNode : leader_;
    return r;
}

// Lab 12, written for you: a membership request goes to the server, and is answered
// once the configuration entry at the index it returned is applied (answer_change(),
// which after_event() calls for every entry applied), or not_leader when this server
// stops leading first (abandon_writes()).
void Runtime::handle_membership(const std::shared_ptr<ClientSession>& session, std::uint64_t slot,
                                const MembershipRequest& request) {
    ClientReply r;
    r.leader = leader_ == id_ ? kNoNode : leader_;
    if (role_ != Role::leader) {
        r.status = ReplyStatus::not_leader;
        return reply(session, slot, encode(r));
    }
    if (request.id >= options_.raft.cluster_size) {
        r.status = ReplyStatus::error;
        r.error = "server " + std::to_string(request.id) + " is not in --peers (servers 0 to " +
                  std::to_string(options_.raft.cluster_size - 1) + ")";
        return reply(session, slot, encode(r));
    }
    const std::optional<Index> index =
        request.add ? server_->add_server(request.id) : server_->remove_server(request.id);
    if (!index) {
        r.status = ReplyStatus::error;
        r.error = std::string("refused: the server would not ") + (request.add ? "add" : "remove") + " server " +
                  std::to_string(request.id) +
                  " now (a change is under way, the leader is new, or it is already done); retry later";
        return reply(session, slot, encode(r));
    }
    pending_changes_[*index] = {session, slot};
    after_event();
}

void Runtime::answer_change(const Applied& applied) {
    if (auto config = parse_configuration(applied.command)) committed_configuration_ = *config;
    auto it = pending_changes_.find(applied.index);
    if (it == pending_changes_.end()) return;
    auto [session, slot] = it->second;
    pending_changes_.erase(it);
    ClientReply r;
    r.leader = id_;
    if (is_configuration(applied.command)) {
        r.value = std::to_string(applied.index);
    } else {
        r.status = ReplyStatus::not_leader;  // another leader's entry landed there
        r.leader = kNoNode;
    }
    reply(session, slot, encode(r));
}

}  // namespace raftlab::kv

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
