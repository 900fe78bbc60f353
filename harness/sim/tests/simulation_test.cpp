// simulation_test.cpp: the simulator's network, clock, crash/restart and checkers,
// exercised with a scriptable toy server (no Raft needed).
#include <gtest/gtest.h>

#include <sstream>

#include "raftlab/sim/faults.h"
#include "raftlab/sim/simulation.h"

namespace raftlab::sim {
namespace {

/// A server that does only what the test tells it to, and counts what it receives.
class Toy final : public RaftNode {
public:
    Toy(const ServerConfig& c, Env& env, const PersistentState& p) : id(c.id), env(env), term(p.current_term), log(p.log) {}

    void receive(NodeId from, const Message& m) override {
        ++received;
        last_from = from;
        last_message_term = term_of(m);
        if (echo && std::holds_alternative<RequestVote>(m)) env.send(from, RequestVoteReply{term, true});
    }
    void tick() override {
        ++ticks;
        tick_times.push_back(env.now());
        if (period > 0) env.set_timer(env.now() + period);
    }
    std::optional<Index> submit(std::string) override { throw std::runtime_error("toy refuses"); }
    bool read(ReadId) override { return false; }
    void become_leader() override { role_ = Role::leader; }

    Role role() const override { return role_; }
    Term current_term() const override { return term; }
    NodeId voted_for() const override { return kNoNode; }
    NodeId leader_id() const override { return kNoNode; }
    Index commit_index() const override { return commit; }
    Index last_applied() const override { return 0; }
    Index last_log_index() const override { return log.size(); }
    const LogEntry& log_entry(Index i) const override { return log.at(i - 1); }
    Index next_index(NodeId) const override { return 0; }
    Index match_index(NodeId) const override { return 0; }

    NodeId id;
    Env& env;
    Term term = 0;
    std::vector<LogEntry> log;
    Role role_ = Role::follower;
    Index commit = 0;
    int received = 0;
    NodeId last_from = kNoNode;
    Term last_message_term = 0;
    bool echo = false;
    int ticks = 0;
    Time period = 0;
    std::vector<Time> tick_times;
};

struct Cluster {
    explicit Cluster(SimOptions o = {}) : sim(o, [this](const ServerConfig& c, Env& e, const PersistentState& p) {
        auto t = std::make_unique<Toy>(c, e, p);
        if (toys.size() <= static_cast<std::size_t>(c.id)) toys.resize(static_cast<std::size_t>(c.id) + 1);
        toys[static_cast<std::size_t>(c.id)] = t.get();
        return t;
    }) {}
    Toy& toy(NodeId n) { return *toys[static_cast<std::size_t>(n)]; }
    std::vector<Toy*> toys;
    Simulation sim;
};

TEST(Simulation, deliversWithinTheLinkDelay) {
    SimOptions o;
    o.link = LinkParams{3 * kMillisecond, 7 * kMillisecond, 0, 0};
    Cluster c(o);
    c.toy(0).env.send(1, RequestVoteReply{5, true});
    c.sim.run_for(3 * kMillisecond - 1);
    EXPECT_EQ(c.toy(1).received, 0) << "delivered before the minimum delay";
    c.sim.run_for(4 * kMillisecond + 1);
    EXPECT_EQ(c.toy(1).received, 1);
    EXPECT_EQ(c.toy(1).last_from, 0);
    EXPECT_EQ(c.toy(1).last_message_term, 5u);
}

TEST(Simulation, lossOneDropsEverythingAndDuplicateOneDoubles) {
    SimOptions o;
    o.link.loss = 1.0;
    Cluster lossy(o);
    for (int i = 0; i < 100; ++i) lossy.toy(0).env.send(1, RequestVoteReply{});
    lossy.sim.run_for(kSecond);
    EXPECT_EQ(lossy.toy(1).received, 0);
    EXPECT_EQ(lossy.sim.stats().messages_dropped, 100u);
    o.link.loss = 0;
    o.link.duplicate = 1.0;
    Cluster dup(o);
    for (int i = 0; i < 100; ++i) dup.toy(0).env.send(1, RequestVoteReply{});
    dup.sim.run_for(kSecond);
    EXPECT_EQ(dup.toy(1).received, 200);
}

TEST(Simulation, partitionsCutsAndIsolation) {
    Cluster c;
    c.sim.partition({{0, 1}, {2, 3, 4}});
    for (NodeId to = 1; to < 5; ++to) c.toy(0).env.send(to, RequestVoteReply{});
    c.sim.run_for(kSecond);
    EXPECT_EQ(c.toy(1).received, 1);
    EXPECT_EQ(c.toy(2).received + c.toy(3).received + c.toy(4).received, 0);
    c.sim.heal();
    c.sim.cut(2, 3);  // one way only
    c.toy(2).env.send(3, RequestVoteReply{});
    c.toy(3).env.send(2, RequestVoteReply{});
    c.sim.run_for(kSecond);
    EXPECT_EQ(c.toy(3).received, 0);
    EXPECT_EQ(c.toy(2).received, 1);
    c.sim.heal();
    c.sim.isolate(4);
    c.toy(4).env.send(0, RequestVoteReply{});
    c.toy(0).env.send(4, RequestVoteReply{});
    c.sim.run_for(kSecond);
    EXPECT_EQ(c.toy(4).received, 0);
    EXPECT_EQ(c.toy(0).received, 0);
}

TEST(Simulation, messagesInFlightDieWithACut) {
    SimOptions o;
    o.link = LinkParams{10 * kMillisecond, 10 * kMillisecond, 0, 0};
    Cluster c(o);
    c.toy(0).env.send(1, RequestVoteReply{});
    c.sim.run_for(5 * kMillisecond);
    c.sim.isolate(1);
    c.sim.run_for(kSecond);
    EXPECT_EQ(c.toy(1).received, 0);
}

TEST(Simulation, crashLosesVolatileStateAndKeepsPersisted) {
    Cluster c;
    c.toy(2).env.persist_term_and_vote(7, 3);
    c.toy(2).env.persist_log(1, {{1, "a"}, {2, "b"}});
    c.toy(2).env.persist_log(2, {{3, "c"}});  // replaces the suffix from index 2
    c.toy(2).commit = 1;
    c.sim.crash(2);
    EXPECT_FALSE(c.sim.up(2));
    c.toy(0).env.send(2, RequestVoteReply{});
    c.sim.run_for(kSecond);
    EXPECT_EQ(c.sim.stats().messages_delivered, 0u) << "a message reached a crashed server";
    c.sim.restart(2);
    ASSERT_TRUE(c.sim.up(2));
    EXPECT_EQ(c.toy(2).term, 7u);
    EXPECT_EQ(c.toy(2).commit, 0u);
    ASSERT_EQ(c.toy(2).log.size(), 2u);
    EXPECT_EQ(c.toy(2).log[1], (LogEntry{3, "c"}));
    EXPECT_EQ(c.sim.persisted(2).voted_for, 3);
    EXPECT_FALSE(c.sim.failed()) << c.sim.failure();
}

TEST(Simulation, timersFireAtTheRequestedTime) {
    Cluster c;
    Toy& t = c.toy(1);
    t.env.set_timer(30 * kMillisecond);
    t.env.set_timer(50 * kMillisecond);  // replaces: fires once, at 50 ms
    c.sim.run_for(kSecond);
    ASSERT_EQ(t.tick_times.size(), 2u);  // one at construction, one at 50 ms
    EXPECT_EQ(t.tick_times[1], 50 * kMillisecond);
    t.period = 100 * kMillisecond;
    t.env.set_timer(c.sim.now() + 1);
    c.sim.run_for(kSecond);
    EXPECT_GE(t.ticks, 11);
    EXPECT_LE(t.ticks, 13);
}

TEST(Simulation, sameSeedSameTimelineOtherSeedOther) {
    auto run = [](std::uint64_t seed) {
        SimOptions o;
        o.seed = seed;
        o.record_timeline = true;
        o.link = LinkParams{1 * kMillisecond, 50 * kMillisecond, 0.3, 0.3};
        Cluster c(o);
        for (NodeId n = 0; n < 5; ++n) c.toy(n).echo = true;
        for (int i = 0; i < 200; ++i) {
            NodeId a = static_cast<NodeId>(c.sim.rng().uniform(0, 4));
            NodeId b = static_cast<NodeId>((a + c.sim.rng().uniform(1, 4)) % 5);
            c.toy(a).env.send(b, RequestVote{1, a, 0, 0});
            c.sim.run_for(c.sim.rng().uniform(0, 5 * kMillisecond));
        }
        c.sim.run_for(kSecond);
        std::ostringstream out;
        c.sim.timeline().print(out);
        return out.str();
    };
    const std::string first = run(42);
    EXPECT_GT(first.size(), 1000u);
    EXPECT_EQ(first, run(42));
    EXPECT_NE(first, run(43));
}

TEST(Simulation, electionSafetyViolationIsCaught) {
    Cluster c;
    c.toy(0).term = 3;
    c.toy(1).term = 3;
    c.sim.become_leader(0);
    EXPECT_FALSE(c.sim.failed());
    c.sim.become_leader(1);
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("election safety"), std::string::npos) << c.sim.failure();
}

TEST(Simulation, logMatchingViolationIsCaught) {
    Cluster c;
    c.toy(0).env.persist_log(1, {{1, "a"}, {1, "b"}});
    c.toy(1).env.persist_log(1, {{1, "a"}, {1, "DIFFERENT"}});
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("log matching"), std::string::npos) << c.sim.failure();
}

TEST(Simulation, stateMachineSafetyAndApplyOrderAreChecked) {
    Cluster c;
    c.toy(0).env.apply(1, {1, "a"});
    c.toy(1).env.apply(1, {1, "a"});
    EXPECT_FALSE(c.sim.failed()) << c.sim.failure();
    c.toy(2).env.apply(1, {1, "b"});
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("state machine safety"), std::string::npos) << c.sim.failure();

    Cluster twice;
    twice.toy(0).env.apply(1, {1, "a"});
    twice.toy(0).env.apply(1, {1, "a"});
    ASSERT_TRUE(twice.sim.failed());
    EXPECT_NE(twice.sim.failure().find("applied index 1 right after index 1"), std::string::npos)
        << twice.sim.failure();
}

TEST(Simulation, committedEntryMayNotBeRemoved) {
    Cluster c;
    c.toy(0).env.persist_log(1, {{1, "a"}});
    c.toy(0).env.apply(1, {1, "a"});
    c.toy(0).env.persist_log(1, {{2, "z"}});
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("committed"), std::string::npos) << c.sim.failure();
}

TEST(Simulation, serverExceptionsBecomeFailures) {
    Cluster c;
    EXPECT_FALSE(c.sim.submit(0, "x"));
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("server 0 threw from submit(): toy refuses"), std::string::npos)
        << c.sim.failure();
}

TEST(Simulation, sendingToNobodyIsReported) {
    Cluster c;
    c.toy(0).env.send(9, RequestVoteReply{});
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("not another server"), std::string::npos) << c.sim.failure();
}

TEST(Simulation, floodingIsStopped) {
    SimOptions o;
    o.max_events = 1000;
    Cluster c(o);
    for (NodeId n = 0; n < 5; ++n) c.toy(n).period = 1;
    for (NodeId n = 0; n < 5; ++n) c.toy(n).env.set_timer(1);
    c.sim.run_for(kSecond);
    ASSERT_TRUE(c.sim.failed());
    EXPECT_NE(c.sim.failure().find("more than 1000 events"), std::string::npos) << c.sim.failure();
}

TEST(Simulation, codecRoundTripDeliversEqualMessages) {
    SimOptions o;
    o.codec_roundtrip = true;
    Cluster c(o);
    c.toy(0).env.send(1, AppendEntries{4, 0, 2, 3, {{3, "x \"y\" \n"}}, 1, 7});
    c.sim.run_for(kSecond);
    EXPECT_FALSE(c.sim.failed()) << c.sim.failure();
    EXPECT_EQ(c.toy(1).received, 1);
    EXPECT_EQ(c.toy(1).last_message_term, 4u);
}

}  // namespace
}  // namespace raftlab::sim

namespace raftlab::sim {
namespace {

TEST(Faults, scheduleIsDrawnFromTheSeedAndHealsCompletely) {
    auto run = [](std::uint64_t seed) {
        SimOptions o;
        o.seed = seed;
        o.record_timeline = true;
        Cluster c(o);
        FaultOptions f;
        f.protect = {0};
        const int n = run_with_faults(c.sim, 5 * kSecond, f);
        EXPECT_GT(n, 5);
        EXPECT_TRUE(c.sim.up(0)) << "a protected server was crashed";
        heal_everything(c.sim);
        EXPECT_TRUE(c.sim.network().whole());
        for (NodeId s = 0; s < c.sim.size(); ++s) EXPECT_TRUE(c.sim.up(s));
        EXPECT_EQ(c.sim.network().link(1, 2), LinkParams{});
        std::ostringstream out;
        c.sim.timeline().print(out);
        return out.str();
    };
    const std::string a = run(5);
    EXPECT_EQ(a, run(5));
    EXPECT_NE(a, run(6));
    EXPECT_NE(a.find("crash"), std::string::npos);
    EXPECT_NE(a.find("partition"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::sim
