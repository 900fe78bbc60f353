// next_index_checks.cpp: lab 6's hidden check. next_index stays within
// match_index+1 .. last+1 while stale and duplicated rejections arrive.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include <fmt/format.h>

#include "diverge.h"
#include "lab06.h"

namespace lab06 {
namespace {

TEST(Divergence, nextIndexStaysAboveZero) {
    SimOptions o = cluster();
    o.link = LinkParams{1 * kMillisecond, 30 * kMillisecond, 0.1, 0.5};
    run_seeds(200, o, make_server, [](Simulation& sim) -> std::string {
        std::string broken;
        // Watch every leader after every event: next_index must stay in 1..last+1 and
        // above match_index, however many stale or duplicated rejections arrive.
        auto watch = [&] {
            for (NodeId n = 0; n < sim.size() && broken.empty(); ++n) {
                if (!sim.up(n) || sim.server(n).role() != Role::leader) continue;
                const RaftNode& l = sim.server(n);
                for (NodeId p = 0; p < sim.size(); ++p) {
                    if (p == n) continue;
                    if (l.next_index(p) < 1 || l.next_index(p) > l.last_log_index() + 1 ||
                        l.next_index(p) <= l.match_index(p))
                        broken = fmt::format(
                            "leader {} has next_index {} and match_index {} for "
                            "follower {} with {} entries in its own log; "
                            "next_index must stay within 1..last+1 and above "
                            "match_index",
                            n, l.next_index(p), l.match_index(p), p, l.last_log_index());
                }
            }
            return !broken.empty();
        };
        if (std::string e = diverge(sim, 2, 3, 4, {2}); !e.empty()) return e;
        sim.run_for(300 * kMillisecond);
        // Designated again (term 4), server 1 starts every follower at next_index just
        // past its own log, so the two divergent followers reject, some more than once.
        sim.note("server 1 is designated again, for term 4");
        sim.become_leader(1);
        sim.run_until(watch, 3 * kSecond);
        if (!broken.empty()) return broken;
        return converge(sim, 1, 3 * kSecond, "the logs did not converge over duplicating links");
    });
}

}  // namespace
}  // namespace lab06
