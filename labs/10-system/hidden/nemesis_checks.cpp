// nemesis_checks.cpp: a hidden check (instructors and Gradescope only): a long random
// mix of crashes, partitions, pauses and bad links from a seeded nemesis schedule,
// with the same verdicts as the visible fault checks.
#include <gtest/gtest.h>

#include <cstdio>

#include "lab10.h"
#include "raftlab/check/check.h"
#include "raftlab/nemesis/nemesis.h"

namespace raftlab::lab10 {
namespace {

TEST(Faults, nemesisRandom) {
    run_check([](CheckRun& run) {
        // Seed 26's random mix has two kills, two pauses, two partitions and six
        // rounds of bad links (many seeds of random_mix have no kill at all).
        // RAFTLAB_SEED=<n> plays another seed.
        constexpr std::uint64_t kDefaultSeed = 26;
        std::uint64_t seed = check::replaying() ? check::seeds(1).front() : kDefaultSeed;
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        nemesis::NemesisOptions options;
        options.nodes = cluster.names();
        options.duration = 24000ms;
        options.fault_length = 2000ms;
        options.quiet = 1500ms;
        options.seed = seed;
        nemesis::Schedule schedule = nemesis::make_schedule(nemesis::FaultKind::random_mix, options);
        run.note("nemesis random_mix, seed " + std::to_string(seed) + ":\n" + schedule.describe());
        std::printf("nemesis random_mix, seed %llu (replay: RAFTLAB_SEED=%llu):\n%s\n",
                    static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
                    schedule.describe().c_str());
        nemesis::Targets targets = cluster.nemesis_targets();
        run_workload_during(run, contended_workload(12, 2, options.duration, seed), [&] {
            nemesis::run_schedule(schedule, targets, options.nodes, nullptr,
                                  [&](const nemesis::Step& step) { run.note("  now: " + step.action.describe()); });
        });
        cluster.proxy().heal_all();  // the schedule ends healed; this is a second safety net
        verify_history(run, read_back(run, workload_keys(2)));
    });
}

}  // namespace
}  // namespace raftlab::lab10
