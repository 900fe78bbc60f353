// reference_state_test.cpp: the state the timeline records of the reference Raft
// (solutions/), with its servers in this process (the fast mode) and each in a host
// process of its own (the isolated mode graded code runs in). Built only where
// solutions/ exists.
#include <gtest/gtest.h>

#include <iostream>

#include "inspect_state.h"
#include "raft/server.h"
#include "raftlab/host/remote_node.h"

namespace raftlab::sim {
namespace {

struct ChurnRun {
    std::unique_ptr<Simulation> sim;
    std::size_t steps = 0;
    std::size_t mismatches = 0;
};

/// Crashes, restarts, partitions and heals with commands in between, comparing the
/// recorded state of every server with its inspection after every step.
ChurnRun churn_and_compare(const ServerFactory& factory) {
    SimOptions options;
    options.seed = 7;
    options.record_timeline = true;
    options.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.05, 0.05};
    ChurnRun run{std::make_unique<Simulation>(options, factory)};
    Simulation& sim = *run.sim;
    auto compare = [&] {
        ++run.steps;
        if (std::string why = timeline_test::recorded_differs(sim); !why.empty() && ++run.mismatches <= 3)
            ADD_FAILURE() << why;
        return false;
    };
    Rng& rng = sim.rng();
    int next = 0;
    for (int round = 0; round < 16 && !sim.failed(); ++round) {
        const NodeId someone = static_cast<NodeId>(rng.uniform(0, sim.size() - 1));
        switch (rng.uniform(0, 4)) {
            case 0: sim.crash(someone); break;
            case 1: sim.restart(someone); break;
            case 2: sim.isolate(someone); break;
            default: sim.heal(); break;
        }
        compare();
        for (int i = 0; i < 3; ++i)
            if (auto leader = sim.leader()) {
                sim.submit(*leader, "put k" + std::to_string(next) + " " + std::string(next % 40, 'v'));
                ++next;
                compare();
            }
        sim.run_until(compare, rng.uniform(50, 600) * kMillisecond);
    }
    sim.heal();
    for (NodeId n = 0; n < sim.size(); ++n) sim.restart(n);
    sim.run_until(compare, 2 * kSecond);
    return run;
}

std::unique_ptr<RaftNode> in_process(const ServerConfig& c, Env& env, const PersistentState& p) {
    return std::make_unique<Server>(c, env, p);
}

TEST(ReferenceTimelineState, recordedStateMatchesInspectionInProcessAndHosted) {
    ChurnRun fast = churn_and_compare(in_process);
    ChurnRun hosted = churn_and_compare(host::remote_servers(RAFTLAB_REFERENCE_HOST));
    ASSERT_FALSE(fast.sim->failed()) << fast.sim->failure();
    ASSERT_FALSE(hosted.sim->failed()) << hosted.sim->failure();
    EXPECT_EQ(fast.mismatches, 0u);
    EXPECT_EQ(hosted.mismatches, 0u);
    std::cout << "fast: " << fast.steps << " steps compared, " << fast.sim->timeline().events().size()
              << " events, " << fast.sim->timeline().state_changes().size() << " state changes; hosted: "
              << hosted.steps << " steps compared\n";
    EXPECT_GT(fast.steps, 1000u);
    const auto& changes = fast.sim->timeline().state_changes();
    std::size_t longest = 0;
    for (const StateChange& c : changes) longest = std::max(longest, c.log_kept + c.state.log.size());
    EXPECT_GT(longest, 10u) << "the run should build a log";
    // Same seed, same run: the hosted servers' recorded states are the same, change
    // for change, as those of the servers in this process.
    EXPECT_EQ(fast.sim->timeline().events().size(), hosted.sim->timeline().events().size());
    ASSERT_EQ(changes.size(), hosted.sim->timeline().state_changes().size());
    for (std::size_t i = 0; i < changes.size(); ++i)
        if (!(changes[i] == hosted.sim->timeline().state_changes()[i])) {
            ADD_FAILURE() << "state change " << i << " (server " << changes[i].node << ", event "
                          << changes[i].event << ") differs between the fast and the hosted run";
            break;
        }
}

}  // namespace
}  // namespace raftlab::sim
