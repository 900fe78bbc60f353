// Running children: every way a check can end is told apart, and nothing outlives it.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "child.h"
#include "platform.h"
#include "tempdir.h"

namespace raftlab::grader {
namespace {

ChildResult sh(const std::string& script, int wall_ms = 10'000) {
    ChildSpec spec;
    spec.program = "/bin/sh";
    spec.args = {"-c", script};
    spec.limits.wall = std::chrono::milliseconds(wall_ms);
    spec.limits.output_keep = 1000;
    spec.limits.output_kill = 1'000'000;
    return run_child(spec);
}

// The grader is a subreaper (orphaned descendants of a check come back to it);
// the test process must be one too.
const bool kSubreaper = (platform::become_subreaper(), true);

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

TEST(Child, exitCodeAndOutputAreCaptured) {
    ChildResult r = sh("echo hello; echo oops >&2; exit 3");
    ASSERT_TRUE(r.started);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_FALSE(r.signal.has_value());
    EXPECT_EQ(r.output, "hello\noops\n");
}

TEST(Child, wallClockLimitKillsAndReports) {
    ChildResult r = sh("sleep 60", 300);
    EXPECT_TRUE(r.timed_out);
    EXPECT_LT(r.seconds, 30.0) << "the limit must end the child long before it would finish";
}

TEST(Child, signalIsReported) {
    ChildResult r = sh("kill -SEGV $$");
    ASSERT_TRUE(r.signal.has_value());
    EXPECT_EQ(*r.signal, SIGSEGV);
    EXPECT_EQ(describe_signal(SIGSEGV).substr(0, 7), "SIGSEGV");
}

TEST(Child, outputIsCappedAndFloodIsKilled) {
    ChildResult r = sh("yes raftlab");
    EXPECT_TRUE(r.output_flood);
    EXPECT_TRUE(r.output_truncated);
    EXPECT_LT(r.output.size(), 20'000u) << "only the head and a tail of a flood are kept";
}

TEST(Child, cpuLimitApplies) {
    ChildSpec spec;
    spec.program = "/bin/sh";
    spec.args = {"-c", "while :; do :; done"};
    spec.limits.wall = std::chrono::seconds(60);
    spec.limits.cpu_seconds = 1;
    ChildResult r = run_child(spec);
    ASSERT_TRUE(r.signal.has_value()) << "a busy loop past its CPU limit must be killed";
    EXPECT_TRUE(*r.signal == SIGXCPU || *r.signal == SIGKILL);
}

TEST(Child, backgroundDescendantsDieWithTheCheck) {
    TempDir dir("child-test");
    std::string pidfile = (dir.path() / "pid").string();
    // The child leaves a sleeper behind, even one that escapes into its own session.
    ChildResult r = sh("setsid sleep 300 & echo $! > " + pidfile + "; exit 0");
    EXPECT_EQ(r.exit_code, 0);
    pid_t pid = 0;
    std::ifstream(pidfile) >> pid;
    ASSERT_GT(pid, 0);
    for (int i = 0; i < 50 && alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(alive(pid)) << "a descendant of a check outlived it";
}

TEST(Child, missingProgramIsReportedNotThrown) {
    ChildSpec spec;
    spec.program = "/no/such/program";
    ChildResult r = run_child(spec);
    EXPECT_FALSE(r.started && r.exit_code == 0);
}

}  // namespace
}  // namespace raftlab::grader
