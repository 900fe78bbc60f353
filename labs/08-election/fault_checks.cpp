// fault_checks.cpp: lab 8, elections among servers that crash, restart and lose
// touch, including the scenario of Figure 8 of the Raft paper.
#include "lab08.h"

namespace lab08 {
namespace {

/// Crashes every server, either all at once or one after another, and restarts them.
void crash_everyone(Simulation& sim) {
    Rng& rng = sim.rng();
    if (rng.chance(0.5)) {
        sim.note("every server crashes at once");
        for (NodeId n = 0; n < sim.size(); ++n) sim.crash(n);
        sim.run_for(rng.uniform(0, 500) * kMillisecond);
        for (NodeId n = 0; n < sim.size(); ++n) {
            sim.restart(n);
            sim.run_for(rng.uniform(0, 100) * kMillisecond);
        }
        return;
    }
    sim.note("a rolling restart: one server after another");
    for (NodeId n = 0; n < sim.size(); ++n) {
        sim.crash(n);
        sim.run_for(rng.uniform(0, 400) * kMillisecond);
        sim.restart(n);
        sim.run_for(rng.uniform(0, 300) * kMillisecond);
    }
}

TEST(Faults, crashAndRestartEveryServer) {
    run_probed(150, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        NodeId leader = settle(sim, why);
        for (int round = 0; round < 3 && leader != kNoNode; ++round) {
            // Some client load in flight when the crashes come (a refusal is fine: the
            // leader may have changed since the last commit).
            const int load = static_cast<int>(sim.rng().uniform(0, 3));
            for (int i = 0; i < load; ++i)
                if (const auto current = sim.leader()) sim.submit(*current, numbered_command(10 * round + i));
            sim.run_for(sim.rng().uniform(0, 30) * kMillisecond);
            crash_everyone(sim);
            leader = commit_one(sim, numbered_command(10 * round + 5), why);
            if (leader == kNoNode) return "after every server restarted: " + why;
        }
        return why;
    });
}

/// The phases of the Figure 8 scenario, each a function so the scenario reads in order.
struct Figure8 {
    Simulation& sim;
    std::string why;
    NodeId first = kNoNode, partner = kNoNode, m = kNoNode;
    std::vector<NodeId> rest;  // the three servers outside {first, partner}
    Index x = 0;               // where the entry of the first term sits

    /// (a) A leader of term T stores an entry on itself and one follower only.
    bool old_term_entry_on_a_minority() {
        first = settle(sim, why);
        if (first == kNoNode) return false;
        partner = (first + 1) % sim.size();
        rest = others(sim, {first, partner});
        sim.partition({{first, partner}, rest});
        if (!sim.submit(first, "x")) return fail("the leader refused a command");
        x = sim.server(first).last_log_index();
        sim.run_until([&] { return sim.server(partner).last_log_index() >= x; }, 1 * kSecond);
        sim.crash(first);
        sim.crash(partner);
        return !sim.failed();
    }
    /// (b) Another leader, elected without them, stores an entry of a later term on
    /// itself alone and crashes.
    bool later_term_entry_on_one_server() {
        m = await_leader(sim, why, rest);
        if (m == kNoNode) return false;
        sim.submit(m, "m");
        sim.isolate(m);  // what m sent is lost on the way
        sim.crash(m);
        return !sim.failed();
    }
    /// (c) The first leader or its partner wins a third term and replicates the old
    /// entry to a majority. Stops at the first moment the new leader commits x.
    bool old_entry_reaches_a_majority(NodeId& third) {
        sim.restart(first);
        sim.restart(partner);
        sim.partition({others(sim, {m}), {m}});
        third = await_leader(sim, why, {first, partner});
        if (third == kNoNode) return false;
        sim.submit(third, "y");
        sim.run_until([&] { return sim.server(third).commit_index() >= x; }, 3 * kSecond);
        if (sim.failed() || sim.server(third).commit_index() >= x) return !sim.failed();
        return fail("the leader of the third term never committed its entries");
    }
    bool fail(const char* what) {
        why = sim.failed() ? sim.failure() : what;
        return false;
    }
};

TEST(Figure8, oldTermEntryNeverCommittedByCounting) {
    // One entry per AppendEntries: the old entry reaches a follower one message before
    // the new leader's own entries, which opens the window Figure 8 is about.
    SimOptions o = cluster();
    o.server.max_entries_per_message = 1;
    run_probed(200, o, [](Simulation& sim, Probe&) -> std::string {
        Figure8 f{sim, {}, kNoNode, kNoNode, kNoNode, {}, 0};
        NodeId third = kNoNode;
        if (!f.old_term_entry_on_a_minority() || !f.later_term_entry_on_one_server() ||
            !f.old_entry_reaches_a_majority(third))
            return f.why;
        // (d) The third leader crashes. If x was committed by counting, the server
        // holding the later-term entry can now win and overwrite it: the simulator
        // reports that a committed entry was removed.
        sim.note("the third leader and its partner crash; server " + std::to_string(f.m) + " returns");
        sim.isolate(third);
        sim.crash(f.first);
        sim.crash(f.partner);
        sim.restart(f.m);
        sim.partition({f.rest, {f.first, f.partner}});
        std::string why;
        const NodeId fourth = await_leader(sim, why, f.rest);
        if (fourth == kNoNode) return why;
        sim.heal();
        sim.restart(f.first);
        sim.restart(f.partner);
        const NodeId last = commit_one(sim, numbered_command(1), why);
        if (last == kNoNode) return why;
        if (sim.server(last).log_entry(f.x).command != "x")
            return fmt::format("index {} should hold the committed entry \"x\"", f.x);
        return {};
    });
}

}  // namespace
}  // namespace lab08
