// watched.h: a student's server with the Env it acts through wrapped, so a check can
// watch each call at the moment it is made (the order inside one handler, which no
// state between two events shows). Used by lab 6's persistence watch and lab 8's probe.
//
// ForwardingEnv passes every call to the simulator's Env; a watch derives from it and
// overrides what it looks at. WatchedServer owns the watch and the server, builds the
// watch first (the server keeps a reference to it) and forwards every RaftNode call.
// Both modes see the same calls in the same order: a server in a host process has its
// Env calls replayed in order by RemoteNode.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/node.h"
#include "raftlab/sim/rng.h"

namespace raftlab::sim {

class ForwardingEnv : public Env, public RandomStream {
public:
    explicit ForwardingEnv(Env& inner) : inner_(inner) {}
    void send(NodeId to, Message message) override { inner_.send(to, std::move(message)); }
    void persist_term_and_vote(Term term, NodeId voted_for) override { inner_.persist_term_and_vote(term, voted_for); }
    void persist_log(Index first, const std::vector<LogEntry>& entries) override { inner_.persist_log(first, entries); }
    void apply(Index index, const LogEntry& entry) override { inner_.apply(index, entry); }
    void persist_snapshot(const Snapshot& snapshot) override { inner_.persist_snapshot(snapshot); }
    void restore_snapshot(const Snapshot& snapshot) override { inner_.restore_snapshot(snapshot); }
    void read_done(ReadId id, bool ok) override { inner_.read_done(id, ok); }
    void role_changed(Role role, Term term, NodeId leader) override { inner_.role_changed(role, term, leader); }
    Time now() const override { return inner_.now(); }
    void set_timer(Time when) override { inner_.set_timer(when); }
    std::int64_t random(std::int64_t low, std::int64_t high) override { return inner_.random(low, high); }
    /// The inner Env's stream. A watch that overrides random() returns nullptr here.
    Rng* random_stream() override {
        auto* stream = dynamic_cast<RandomStream*>(&inner_);
        return stream ? stream->random_stream() : nullptr;
    }

protected:
    Env& inner_;
};

/// The server `make` builds, acting through a `Watch` (a ForwardingEnv) made from
/// `watch_args`. A derived class may override a call to look at it first.
template <class Watch>
class WatchedServer : public RaftNode {
public:
    template <class Make, class... WatchArgs>
    WatchedServer(const ServerConfig& config, const PersistentState& restored, Make&& make, WatchArgs&&... watch_args)
        : env_(std::forward<WatchArgs>(watch_args)...), server_(make(config, env_, restored)) {}

    void receive(NodeId from, const Message& message) override { server_->receive(from, message); }
    void tick() override { server_->tick(); }
    std::optional<Index> submit(std::string command) override { return server_->submit(std::move(command)); }
    bool read(ReadId id) override { return server_->read(id); }
    void become_leader() override { server_->become_leader(); }
    void snapshot(Index index, std::string data) override { server_->snapshot(index, std::move(data)); }
    std::optional<Index> add_server(NodeId id) override { return server_->add_server(id); }
    std::optional<Index> remove_server(NodeId id) override { return server_->remove_server(id); }

    Role role() const override { return server_->role(); }
    Term current_term() const override { return server_->current_term(); }
    NodeId voted_for() const override { return server_->voted_for(); }
    NodeId leader_id() const override { return server_->leader_id(); }
    Index commit_index() const override { return server_->commit_index(); }
    Index last_applied() const override { return server_->last_applied(); }
    Index last_log_index() const override { return server_->last_log_index(); }
    Index snapshot_index() const override { return server_->snapshot_index(); }
    Term snapshot_term() const override { return server_->snapshot_term(); }
    Configuration configuration() const override { return server_->configuration(); }
    const LogEntry& log_entry(Index index) const override { return server_->log_entry(index); }
    Index next_index(NodeId peer) const override { return server_->next_index(peer); }
    Index match_index(NodeId peer) const override { return server_->match_index(peer); }

protected:
    Watch env_;  // before server_: the server holds a reference to it
    std::unique_ptr<RaftNode> server_;
};

}  // namespace raftlab::sim
