// hasty_node.h: a deliberately wrong Raft server for the timeline's own tests.
//
// It elects leaders with heartbeats and randomized timeouts, but a follower grants its
// vote to every candidate of its current term, so two candidates of one term can both
// win: the simulator reports "election safety" broken. That gives the tests a real
// failing run to draw, with elections, messages, drops and a violation, without
// depending on any student's or reference implementation.
//
// It also keeps a log, so that the page has state to show: a leader appends client
// commands and sends its whole log in every heartbeat, a follower takes that log as
// it is, and the leader commits (and everyone applies) what a majority holds from its
// own term. The term and the log are persisted; a restarted server has committed
// nothing.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>
#include <stdexcept>
#include <string>

#include "raftlab/raft/node.h"

namespace raftlab::timeline_test {

class HastyNode final : public RaftNode {
public:
    HastyNode(const ServerConfig& config, Env& env, const PersistentState& restored)
        : config_(config), env_(env), term_(restored.current_term),
          log_(restored.log), match_(static_cast<std::size_t>(config.cluster_size), 0) {
        reset_timer();
    }

    void receive(NodeId from, const Message& message) override {
        if (term_of(message) > term_) {
            term_ = term_of(message);
            role_ = Role::follower;
            env_.persist_term_and_vote(term_, kNoNode);
        }
        if (const auto* request = std::get_if<RequestVote>(&message)) {
            const bool grant = request->term == term_ && role_ == Role::follower;  // the bug
            if (grant) reset_timer();
            env_.send(from, RequestVoteReply{term_, grant});
        } else if (const auto* reply = std::get_if<RequestVoteReply>(&message)) {
            if (role_ == Role::candidate && reply->term == term_ && reply->vote_granted &&
                ++votes_ > config_.cluster_size / 2) {
                role_ = Role::leader;
                leader_ = config_.id;
                std::fill(match_.begin(), match_.end(), 0);
                heartbeat();
            }
        } else if (const auto* append = std::get_if<AppendEntries>(&message)) {
            AppendEntriesReply answer;
            if (append->term == term_) {
                role_ = Role::follower;
                leader_ = append->leader_id;
                reset_timer();
                // The whole log, always (unless it is an old copy, shorter than
                // what is already committed).
                if (append->entries.size() >= commit_ && append->entries != log_) {
                    log_ = append->entries;
                    env_.persist_log(1, log_);
                }
                commit(std::min<Index>(append->leader_commit, log_.size()));
                answer.match_index = log_.size();
            }
            answer.term = term_;
            answer.success = append->term == term_;
            answer.round = append->round;
            env_.send(from, answer);
        } else if (const auto* ack = std::get_if<AppendEntriesReply>(&message)) {
            if (role_ == Role::leader && ack->term == term_ && ack->success) {
                match_[static_cast<std::size_t>(from)] = ack->match_index;
                advance_commit();
            }
        }
        arm();
    }

    void tick() override {
        if (role_ == Role::leader && env_.now() >= deadline_) {
            heartbeat();
        } else if (role_ != Role::leader && env_.now() >= deadline_) {
            ++term_;
            role_ = Role::candidate;
            votes_ = 1;
            env_.persist_term_and_vote(term_, config_.id);
            reset_timer();
            for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
                if (peer != config_.id) env_.send(peer, RequestVote{term_, config_.id, 0, 0});
        }
        arm();
    }

    std::optional<Index> submit(std::string command) override {
        if (role_ != Role::leader) return std::nullopt;
        log_.push_back(LogEntry{term_, std::move(command)});
        env_.persist_log(log_.size(), {log_.back()});
        return log_.size();
    }
    bool read(ReadId) override { return false; }
    void become_leader() override { throw std::logic_error("HastyNode elects its own leaders"); }

    Role role() const override { return role_; }
    Term current_term() const override { return term_; }
    NodeId voted_for() const override { return kNoNode; }
    NodeId leader_id() const override { return leader_; }
    Index commit_index() const override { return commit_; }
    Index last_applied() const override { return commit_; }
    Index last_log_index() const override { return log_.size(); }
    const LogEntry& log_entry(Index i) const override {
        if (i < 1 || i > log_.size()) throw std::out_of_range("no such entry");
        return log_[i - 1];
    }
    Index next_index(NodeId peer) const override {
        return leads(peer) ? match_[static_cast<std::size_t>(peer)] + 1 : 0;
    }
    Index match_index(NodeId peer) const override {
        return leads(peer) ? match_[static_cast<std::size_t>(peer)] : 0;
    }

private:
    void reset_timer() {
        deadline_ = env_.now() + env_.random(config_.election_timeout_min, config_.election_timeout_max);
    }
    void heartbeat() {
        deadline_ = env_.now() + config_.heartbeat_interval;
        AppendEntries append;
        append.term = term_;
        append.leader_id = config_.id;
        append.entries = log_;
        append.leader_commit = commit_;
        for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
            if (peer != config_.id) env_.send(peer, append);
    }
    void arm() { env_.set_timer(deadline_); }
    bool leads(NodeId peer) const {
        return role_ == Role::leader && peer != config_.id && peer >= 0 && peer < config_.cluster_size;
    }
    /// Commits (and applies) up to `index`, never back.
    void commit(Index index) {
        while (commit_ < index) {
            ++commit_;
            env_.apply(commit_, log_[commit_ - 1]);
        }
    }
    /// The highest index of this term that a majority (the leader included) holds.
    void advance_commit() {
        for (Index n = log_.size(); n > commit_ && log_[n - 1].term == term_; --n) {
            int holders = 1;
            for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
                if (peer != config_.id && match_[static_cast<std::size_t>(peer)] >= n) ++holders;
            if (holders > config_.cluster_size / 2) return commit(n);
        }
    }

    ServerConfig config_;
    Env& env_;
    Term term_ = 0;
    Role role_ = Role::follower;
    NodeId leader_ = kNoNode;
    int votes_ = 0;
    std::vector<LogEntry> log_;
    Index commit_ = 0;
    std::vector<Index> match_;  // per follower, while leader
    Time deadline_ = 0;
};

}  // namespace raftlab::timeline_test
