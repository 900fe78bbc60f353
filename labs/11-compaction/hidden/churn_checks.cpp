// churn_checks.cpp: lab 11's hidden check. Safety and recovery with frequent
// snapshots while leaders crash and restart, servers are isolated and rejoin far
// behind, on lossy, duplicating, slow links.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include "lab11.h"

namespace lab11 {
namespace {

TEST(Churn, crashesAndPartitionsWithSnapshots) {
    SimOptions o = cluster11(5, 6);
    o.link = LinkParams{1 * kMillisecond, 30 * kMillisecond, 0.05, 0.05};
    run_watched(60, o, [](Simulation& sim, Watch&) -> std::string {
        Rng& rng = sim.rng();
        int next = 0;
        const Time end = sim.now() + 8 * kSecond;
        auto any = [&] { return static_cast<NodeId>(rng.uniform(0, sim.size() - 1)); };
        while (sim.now() < end && !sim.failed()) {
            if (const auto leader = sim.leader()) {
                const int burst = static_cast<int>(rng.uniform(0, 6));
                for (int i = 0; i < burst; ++i) sim.submit(*leader, numbered_command(next++));
            }
            sim.run_for(rng.uniform(10, rng.chance(0.2) ? 800 : 150) * kMillisecond);
            int down = 0;
            for (NodeId n = 0; n < sim.size(); ++n) down += sim.up(n) ? 0 : 1;
            const auto leader = sim.leader();
            switch (rng.uniform(0, 5)) {
                case 0:
                    if (leader && down < 2) sim.crash(*leader);
                    break;
                case 1:
                    if (down < 2) sim.crash(any());
                    break;
                case 2:
                    sim.restart(any());
                    break;
                case 3:
                    if (leader) sim.isolate(*leader);
                    break;
                case 4:
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
        if (commit_one(sim, numbered_command(next), why) == kNoNode) return "after the churn ended: " + why;
        if (sim.stats().snapshots_saved == 0) return "no snapshot was saved during the churn: it tested nothing";
        return {};
    });
}

}  // namespace
}  // namespace lab11
