// churn_checks.cpp: lab 8's hidden check, safety and recovery through many
// elections while leaders crash, restart and get isolated.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include "lab08.h"

namespace lab08 {
namespace {

TEST(Churn, manyElectionsUnderChurn) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 30 * kMillisecond, 0.05, 0.05};
    run_probed(100, o, [](Simulation& sim, Probe&) -> std::string {
        Rng& rng = sim.rng();
        int next = 0;
        const Time end = sim.now() + 5 * kSecond;
        while (sim.now() < end && !sim.failed()) {
            if (const auto leader = sim.leader()) {
                const int burst = static_cast<int>(rng.uniform(0, 3));
                for (int i = 0; i < burst; ++i) sim.submit(*leader, numbered_command(next++));
            }
            sim.run_for(rng.uniform(10, rng.chance(0.2) ? 600 : 100) * kMillisecond);
            int down = 0;
            for (NodeId n = 0; n < sim.size(); ++n) down += sim.up(n) ? 0 : 1;
            const auto leader = sim.leader();
            switch (rng.uniform(0, 4)) {
                case 0:
                    if (leader && down < 2) sim.crash(*leader);
                    break;
                case 1:
                    sim.restart(static_cast<NodeId>(rng.uniform(0, sim.size() - 1)));
                    break;
                case 2:
                    if (leader) sim.isolate(*leader);
                    break;
                case 3:
                    sim.heal();
                    break;
                default:
                    break;
            }
        }
        sim.note("churn ends: heal, restart every server, reliable links");
        sim.heal();
        sim.set_all_links(LinkParams{});
        for (NodeId n = 0; n < sim.size(); ++n) sim.restart(n);
        std::string why;
        return commit_one(sim, numbered_command(next), why) == kNoNode ? "after the churn ended: " + why
                                                              : "";
    });
}

}  // namespace
}  // namespace lab08
