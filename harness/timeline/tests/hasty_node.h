// hasty_node.h: a deliberately wrong Raft server for the timeline's own tests.
//
// It elects leaders with heartbeats and randomized timeouts, but a follower grants its
// vote to every candidate of its current term, so two candidates of one term can both
// win: the simulator reports "election safety" broken. That gives the tests a real
// failing run to draw, with elections, messages, drops and a violation, without
// depending on any student's or reference implementation.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "raftlab/raft/node.h"

namespace raftlab::timeline_test {

class HastyNode final : public RaftNode {
public:
    HastyNode(const ServerConfig& config, Env& env, const PersistentState& restored)
        : config_(config), env_(env), term_(restored.current_term) {
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
                heartbeat();
            }
        } else if (const auto* append = std::get_if<AppendEntries>(&message)) {
            if (append->term == term_) {
                role_ = Role::follower;
                leader_ = append->leader_id;
                reset_timer();
            }
            AppendEntriesReply answer;
            answer.term = term_;
            answer.success = append->term == term_;
            answer.round = append->round;
            env_.send(from, answer);
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

    std::optional<Index> submit(std::string) override { return std::nullopt; }
    bool read(ReadId) override { return false; }
    void become_leader() override { throw std::logic_error("HastyNode elects its own leaders"); }

    Role role() const override { return role_; }
    Term current_term() const override { return term_; }
    NodeId voted_for() const override { return kNoNode; }
    NodeId leader_id() const override { return leader_; }
    Index commit_index() const override { return 0; }
    Index last_applied() const override { return 0; }
    Index last_log_index() const override { return 0; }
    const LogEntry& log_entry(Index) const override { throw std::out_of_range("empty log"); }
    Index next_index(NodeId) const override { return 0; }
    Index match_index(NodeId) const override { return 0; }

private:
    void reset_timer() {
        deadline_ = env_.now() + env_.random(config_.election_timeout_min, config_.election_timeout_max);
    }
    void heartbeat() {
        deadline_ = env_.now() + config_.heartbeat_interval;
        AppendEntries append;
        append.term = term_;
        append.leader_id = config_.id;
        for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
            if (peer != config_.id) env_.send(peer, append);
    }
    void arm() { env_.set_timer(deadline_); }

    ServerConfig config_;
    Env& env_;
    Term term_ = 0;
    Role role_ = Role::follower;
    NodeId leader_ = kNoNode;
    int votes_ = 0;
    Time deadline_ = 0;
};

}  // namespace raftlab::timeline_test
