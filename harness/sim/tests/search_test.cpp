// search_test.cpp: the breadth-first search (search.h) on a toy election, with a
// voter that keeps one vote per term and one that grants every request.
#include <gtest/gtest.h>

#include <set>

#include "raftlab/sim/search.h"

namespace raftlab::sim {
namespace {

/// Elections only: a timer makes a server a candidate of the next term; a majority of
/// granted votes makes it leader. `one_vote_per_term` false is the bug under test.
class Voter final : public RaftNode {
public:
    Voter(const ServerConfig& c, Env& env, const PersistentState& p, bool one_vote_per_term)
        : c_(c), env_(env), term_(p.current_term), vote_(p.voted_for), one_vote_(one_vote_per_term) {}

    void receive(NodeId from, const Message& m) override {
        if (term_of(m) > term_) {
            term_ = term_of(m);
            vote_ = kNoNode;
            role_ = Role::follower;
            env_.persist_term_and_vote(term_, vote_);
        }
        if (const auto* rv = std::get_if<RequestVote>(&m)) {
            const bool free = !one_vote_ || vote_ == kNoNode || vote_ == from;
            const bool grant = rv->term == term_ && role_ == Role::follower && free;
            if (grant) {
                vote_ = from;
                env_.persist_term_and_vote(term_, vote_);
            }
            env_.send(from, RequestVoteReply{term_, grant});
        } else if (const auto* reply = std::get_if<RequestVoteReply>(&m)) {
            if (role_ != Role::candidate || reply->term != term_ || !reply->vote_granted) return;
            votes_.insert(from);
            if (2 * static_cast<int>(votes_.size()) > c_.cluster_size) role_ = Role::leader;
        }
    }
    void tick() override {
        if (ticked_ && role_ != Role::leader) {
            ++term_;
            vote_ = c_.id;
            role_ = Role::candidate;
            votes_ = {c_.id};
            env_.persist_term_and_vote(term_, vote_);
            for (NodeId p = 0; p < c_.cluster_size; ++p)
                if (p != c_.id) env_.send(p, RequestVote{term_, c_.id, 0, 0});
        }
        ticked_ = true;
        if (role_ != Role::leader) env_.set_timer(env_.now() + 300 * kMillisecond);
    }
    std::optional<Index> submit(std::string) override { return std::nullopt; }
    bool read(ReadId) override { return false; }
    void become_leader() override {}

    Role role() const override { return role_; }
    Term current_term() const override { return term_; }
    NodeId voted_for() const override { return vote_; }
    NodeId leader_id() const override { return role_ == Role::leader ? c_.id : kNoNode; }
    Index commit_index() const override { return 0; }
    Index last_applied() const override { return 0; }
    Index last_log_index() const override { return 0; }
    const LogEntry& log_entry(Index) const override { throw std::out_of_range("empty log"); }
    Index next_index(NodeId) const override { return 0; }
    Index match_index(NodeId) const override { return 0; }

private:
    ServerConfig c_;
    Env& env_;
    Term term_;
    NodeId vote_;
    bool one_vote_;
    bool ticked_ = false;
    Role role_ = Role::follower;
    std::set<NodeId> votes_;
};

ServerFactory voters(bool one_vote_per_term) {
    return [one_vote_per_term](const ServerConfig& c, Env& env, const PersistentState& p) {
        return std::make_unique<Voter>(c, env, p, one_vote_per_term);
    };
}

SearchOptions small() {
    SearchOptions o;
    o.servers = 3;
    o.commands = 0;
    o.max_term = 2;
    o.max_drops = 0;
    o.max_duplicates = 0;
    o.max_timer_fires = 2;
    o.max_states = 20000;
    o.time_limit_seconds = 600;  // the state budget decides, never the clock
    return o;
}

TEST(Search, findsTwoLeadersInATermWhenVotersGrantEveryRequest) {
    const SearchResult r = search(small(), voters(false));
    ASSERT_FALSE(r.failure.empty()) << "explored " << r.states << " states";
    EXPECT_NE(r.failure.find("election safety"), std::string::npos) << r.failure;
    // The shortest counterexample: two timers, two requests to the third server, its
    // two replies.
    EXPECT_EQ(r.path.size(), 6u) << describe_path(r.path_text);
    EXPECT_EQ(r.path_text.size(), r.path.size());
    EXPECT_LT(r.states, 2000u);
}

TEST(Search, findsNothingWhenVotersKeepOneVotePerTerm) {
    const SearchResult r = search(small(), voters(true));
    EXPECT_TRUE(r.failure.empty()) << r.failure << " after " << describe_path(r.path_text);
    EXPECT_TRUE(r.exhausted) << r.states << " states";
    EXPECT_GT(r.states, 50u);
    EXPECT_GT(r.replays, r.states / 2);
}

TEST(Search, sameOptionsSameOrderSameCounterexample) {
    const SearchResult a = search(small(), voters(false));
    const SearchResult b = search(small(), voters(false));
    EXPECT_EQ(a.path_text, b.path_text);
    EXPECT_EQ(a.failure, b.failure);
    EXPECT_EQ(a.states, b.states);
    EXPECT_EQ(a.events, b.events);
}

TEST(Search, manyWorkersGiveTheOneWorkerResult) {
    SearchOptions parallel = small();
    parallel.workers = 4;
    for (bool bug : {false, true}) {
        const SearchResult a = search(small(), voters(!bug));
        const SearchResult b = search(parallel, voters(!bug));
        EXPECT_EQ(a.path_text, b.path_text);
        EXPECT_EQ(a.failure, b.failure);
        EXPECT_EQ(a.states, b.states);
        EXPECT_EQ(a.exhausted, b.exhausted);
    }
}

TEST(Search, stopsAtTheStateBudget) {
    SearchOptions o = small();
    o.max_states = 10;
    const SearchResult r = search(o, voters(true));
    EXPECT_TRUE(r.failure.empty());
    EXPECT_EQ(r.states, 10u);
    EXPECT_FALSE(r.exhausted);
}

TEST(Search, recordsTheCounterexampleTimeline) {
    const SearchResult r = search(small(), voters(false), {}, true);
    ASSERT_TRUE(r.timeline.has_value());
    ASSERT_FALSE(r.timeline->events().empty());
    EXPECT_EQ(r.timeline->events().back().kind, EventKind::violation);
}

TEST(Search, runsTheChecksOwnPropertyAtEveryState) {
    SearchHooks hooks;
    hooks.check = [](const SearchCluster& c) -> std::string {
        for (NodeId n = 0; n < c.size(); ++n)
            if (c.up(n) && c.server(n).role() == Role::candidate) return "a candidate appeared";
        return {};
    };
    const SearchResult r = search(small(), voters(true), hooks);
    EXPECT_EQ(r.failure, "a candidate appeared");
    EXPECT_EQ(r.path.size(), 1u);
}

}  // namespace
}  // namespace raftlab::sim
