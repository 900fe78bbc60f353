// reference_test.cpp: the reference Raft (solutions/) in the simulator, with
// elections on. Built only where solutions/ exists. It shows that the server labs 8-10
// build on is safe and live under the simulator's faults, and that runs replay.
#include <gtest/gtest.h>

#include <sstream>

#include "raft/server.h"
#include "raftlab/sim/raft_checks.h"

namespace raftlab::sim {
namespace {

std::unique_ptr<RaftNode> make_server(const ServerConfig& c, Env& env, const PersistentState& p) {
    return std::make_unique<Server>(c, env, p);
}

/// Random faults for `duration`, then heal; "" when a leader appears and the whole
/// log commits everywhere within the bounds afterwards.
std::string churn(Simulation& sim, Time duration) {
    Rng& rng = sim.rng();
    const Time end = sim.now() + duration;
    int next = 0;
    while (sim.now() < end && !sim.failed()) {
        switch (rng.uniform(0, 6)) {
            case 0: sim.isolate(static_cast<NodeId>(rng.uniform(0, sim.size() - 1))); break;
            case 1: sim.crash(static_cast<NodeId>(rng.uniform(0, sim.size() - 1))); break;
            case 2: sim.restart(static_cast<NodeId>(rng.uniform(0, sim.size() - 1))); break;
            case 3: {
                std::vector<NodeId> a, b;
                for (NodeId n = 0; n < sim.size(); ++n) (rng.chance(0.5) ? a : b).push_back(n);
                sim.partition({a, b});
                break;
            }
            case 4: if (auto l = sim.leader()) sim.isolate(*l); break;
            default: sim.heal(); break;
        }
        for (int i = 0; i < 3; ++i)
            if (auto l = sim.leader()) sim.submit(*l, "w" + std::to_string(next++));
        sim.run_for(rng.uniform(10, 700) * kMillisecond);
    }
    sim.heal();
    for (NodeId n = 0; n < sim.size(); ++n) sim.restart(n);
    if (!sim.run_until([&] { return stable_leader(sim).has_value(); }, 5 * kSecond))
        return sim.failed() ? sim.failure() : "no leader within 5 s after the heal";
    const NodeId leader = *stable_leader(sim);
    sim.submit(leader, "final");
    const Index target = sim.server(leader).last_log_index();
    if (!sim.run_until([&] { return sim.all_applied(target); }, 5 * kSecond))
        return sim.failed() ? sim.failure() : "the log did not commit everywhere within 5 s";
    return sim.failed() ? sim.failure() : "";
}

TEST(Reference, safeAndLiveUnderChurn) {
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
        SimOptions o;
        o.seed = seed;
        o.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.05, 0.05};
        Simulation sim(o, make_server);
        const std::string why = churn(sim, 8 * kSecond);
        ASSERT_EQ(why, "") << "seed " << seed;
    }
}

TEST(Reference, threeServersWithCodecSafeAndLive) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        SimOptions o;
        o.seed = seed;
        o.servers = 3;
        o.codec_roundtrip = true;
        Simulation sim(o, make_server);
        ASSERT_EQ(churn(sim, 5 * kSecond), "") << "seed " << seed;
    }
}

TEST(Reference, sameSeedSameTimeline) {
    auto run = [] {
        SimOptions o;
        o.seed = 99;
        o.record_timeline = true;
        o.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.1, 0.1};
        Simulation sim(o, make_server);
        EXPECT_EQ(churn(sim, 5 * kSecond), "");
        std::ostringstream out;
        sim.timeline().print(out);
        return out.str();
    };
    const std::string a = run();
    EXPECT_GT(a.size(), 10000u);
    EXPECT_EQ(a, run());
}

TEST(Reference, newLeaderCommitsANoOp) {
    Simulation sim(SimOptions{}, make_server);
    ASSERT_TRUE(sim.run_until([&] { return sim.leader().has_value(); }, 5 * kSecond));
    ASSERT_TRUE(sim.run_until([&] { return sim.all_applied(1); }, 2 * kSecond));
    EXPECT_EQ(sim.committed()[0].command, "");
}

TEST(Reference, partitionedLeaderNeverServesAStaleRead) {
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        SimOptions o;
        o.seed = seed;
        Simulation sim(o, make_server);
        ASSERT_TRUE(sim.run_until([&] { return sim.leader().has_value() && sim.all_applied(1); }, 5 * kSecond));
        const NodeId old = *sim.leader();
        sim.isolate(old);
        ASSERT_TRUE(sim.read(old, 1)) << "the leader refused a read";
        // The majority elects a new leader and commits a write the old one never sees.
        ASSERT_TRUE(sim.run_until([&] { auto l = sim.leader(); return l && *l != old; }, 5 * kSecond));
        const NodeId fresh = *sim.leader();
        sim.submit(fresh, "newer");
        sim.run_for(kSecond);
        auto answer = sim.read_result(1);
        EXPECT_TRUE(!answer || !answer->ok) << "seed " << seed << ": the cut-off leader answered a read";
        // A read on the new leader sees the write.
        ASSERT_TRUE(sim.read(fresh, 2));
        sim.run_for(kSecond);
        answer = sim.read_result(2);
        ASSERT_TRUE(answer && answer->ok) << "seed " << seed;
        EXPECT_GE(answer->applied, sim.committed().size() - 0) << "seed " << seed;
        sim.heal();
        sim.run_for(kSecond);
        answer = sim.read_result(1);
        EXPECT_TRUE(answer && !answer->ok) << "seed " << seed << ": the deposed leader never answered its read";
        ASSERT_FALSE(sim.failed()) << sim.failure();
    }
}

}  // namespace
}  // namespace raftlab::sim
