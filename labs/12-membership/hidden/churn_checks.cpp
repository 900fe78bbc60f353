// churn_checks.cpp: lab 12's hidden check. Servers are added and removed, the leader
// included, while servers crash and restart and leaders are cut off, on lossy,
// duplicating, slow links. Safety holds throughout (the simulator's invariants and
// lab 12's watch), and once the faults end the cluster commits again.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include "lab12.h"

namespace lab12 {
namespace {

TEST(Churn, changesThroughCrashesAndPartitions) {
    SimOptions o = cluster12(5, {0, 1, 2});
    o.link = LinkParams{1 * kMillisecond, 30 * kMillisecond, 0.05, 0.05};
    run_watched(60, o, [](Simulation& sim, Watch& watch) -> std::string {
        Rng& rng = sim.rng();
        int next = 0;
        const Time end = sim.now() + 15 * kSecond;
        auto any = [&] { return static_cast<NodeId>(rng.uniform(0, sim.size() - 1)); };
        while (sim.now() < end && !sim.failed()) {
            const NodeId leader = member_leader(sim);
            if (leader != kNoNode) {
                const int burst = static_cast<int>(rng.uniform(0, 4));
                for (int i = 0; i < burst; ++i) sim.submit(leader, numbered_command(next++));
                const Configuration c = sim.server(leader).configuration();
                const NodeId id = any();
                // Never fewer than three voters, so that one crash leaves a majority up.
                if (rng.chance(0.8)) {
                    if (c.is_member(id) && (c.is_learner(id) || c.voters.size() > 3))
                        sim.remove_server(leader, id);
                    else if (!c.is_member(id))
                        sim.add_server(leader, id);
                }
            }
            sim.run_for(rng.uniform(10, rng.chance(0.2) ? 800 : 150) * kMillisecond);
            int down = 0;
            for (NodeId n = 0; n < sim.size(); ++n) down += sim.up(n) ? 0 : 1;
            switch (rng.uniform(0, 5)) {
                case 0:
                    if (leader != kNoNode && down < 1) sim.crash(leader);
                    break;
                case 1:
                    if (down < 1) sim.crash(any());
                    break;
                case 2:
                    sim.restart(any());
                    break;
                case 3:
                    if (leader != kNoNode) sim.isolate(leader);
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
        if (commit_through(sim, numbered_command(next), why, 20 * kSecond) == kNoNode)
            return "after the churn ended: " + why;
        if (watch.counts().changes < 1) return "no configuration change during the churn: it tested nothing";
        return {};
    });
}

}  // namespace
}  // namespace lab12
