// state_test.cpp: the servers' states the timeline records (Timeline::add_state), against
// what the servers' own inspection API says at the same moment.
#include <gtest/gtest.h>

#include "inspect_state.h"
#include "raftlab/sim/timeline.h"
#include "sample_run.h"

namespace raftlab::sim {
namespace {

TEST(TimelineState, recordedStateMatchesInspectionAfterEveryStep) {
    std::size_t steps = 0, mismatches = 0;
    bool saw_log = false, saw_commit = false, saw_down = false, saw_leader_progress = false;
    auto compare = [&](const Simulation& sim) {
        if (sim.timeline().events().empty()) return;
        ++steps;
        if (std::string why = timeline_test::recorded_differs(sim); !why.empty()) {
            if (++mismatches <= 5) ADD_FAILURE() << why;
            return;
        }
        for (NodeId n = 0; n < sim.size(); ++n) {
            const ServerState live = timeline_test::inspect(sim, n);
            saw_log |= !live.log.empty();
            saw_commit |= live.commit_index > 0;
            saw_down |= !live.up;
            saw_leader_progress |= !live.match_index.empty() && live.match_index[(n + 1) % sim.size()] > 0;
        }
    };
    auto sim = timeline_test::first_failing_run(compare);
    compare(*sim);  // the failing step itself (run_until stops before asking)
    EXPECT_EQ(mismatches, 0u);
    EXPECT_GT(steps, 500u);
    EXPECT_TRUE(saw_log && saw_commit && saw_down && saw_leader_progress)
        << "the sample run should show logs, commits, a crash and a leader's match indexes";
    EXPECT_LT(sim->timeline().state_changes().size(), sim->timeline().events().size())
        << "an unchanged state should not be recorded again";
}

TEST(TimelineState, aChangeKeepsOnlyWhatDiffersFromTheLastState) {
    Timeline timeline;
    timeline.enable(true);
    ServerState a;
    a.term = 2;
    a.log = {{1, "x"}, {2, "y"}, {2, "z"}};
    timeline.add_state(0, 0, a);
    timeline.add_state(0, 1, a);  // unchanged: not kept
    ServerState b = a;
    b.log[2] = {3, "w"};
    b.log.push_back({3, "v"});
    b.commit_index = 2;
    timeline.add_state(0, 4, b);
    ServerState down;
    down.up = false;
    timeline.add_state(1, 4, down);
    ASSERT_EQ(timeline.state_changes().size(), 3u);
    const StateChange& change = timeline.state_changes()[1];
    EXPECT_EQ(change.event, 4u);
    EXPECT_EQ(change.log_kept, 2u);
    EXPECT_EQ(change.state.log, (std::vector<EntrySummary>{{3, "w"}, {3, "v"}}));
    EXPECT_EQ(timeline.state_at(0, 0), a);
    EXPECT_EQ(timeline.state_at(0, 3), a);
    EXPECT_EQ(timeline.state_at(0, 4), b);
    EXPECT_EQ(timeline.state_at(1, 3), std::nullopt);
    EXPECT_FALSE(timeline.state_at(1, 9)->up);

    // A restart from the persisted log is a difference from the log before the crash.
    timeline.add_state(0, 6, down);
    ServerState restarted = b;
    restarted.commit_index = 0;
    timeline.add_state(0, 7, restarted);
    ASSERT_EQ(timeline.state_changes().size(), 5u);
    EXPECT_EQ(timeline.state_changes()[3].log_kept, 0u);
    EXPECT_TRUE(timeline.state_changes()[3].state.log.empty());
    EXPECT_EQ(timeline.state_changes()[4].log_kept, b.log.size());
    EXPECT_TRUE(timeline.state_changes()[4].state.log.empty());
    EXPECT_FALSE(timeline.state_at(0, 6)->up);
    EXPECT_TRUE(timeline.state_at(0, 6)->log.empty());
    EXPECT_EQ(timeline.state_at(0, 7), restarted);

    Timeline off;
    off.add_state(0, 0, a);
    EXPECT_TRUE(off.state_changes().empty()) << "nothing is recorded unless enabled";
}

TEST(TimelineState, longCommandsAreShortened) {
    EXPECT_EQ(summarize({4, "set x = 1"}).command, "set x = 1");
    const EntrySummary s = summarize({4, std::string(100, 'a')});
    EXPECT_EQ(s.term, 4u);
    EXPECT_EQ(s.command, std::string(kCommandShown - 3, 'a') + "...");
    // A two-byte character is never cut in half.
    const std::string accents = std::string(kCommandShown - 4, 'a') + "\xC3\xA9\xC3\xA9\xC3\xA9";
    EXPECT_EQ(summarize({1, accents}).command, std::string(kCommandShown - 4, 'a') + "...");
}

}  // namespace
}  // namespace raftlab::sim
