// read_checks.cpp: lab 9, reads that cannot return stale data.
//
// A read is stale when it misses a write that was committed before the read arrived.
// The simulator records, for each answer, how many entries the answering server had
// applied; the checks compare that with how many entries were known to be committed
// (applied by any server) when the read was offered.
#include <map>

#include "lab09.h"

namespace lab09 {
namespace {

/// The end of a stale read's sentence, unless a check knows better.
constexpr const char* kConfirmLeadership = "Confirm leadership with a majority before answering";

/// The reads a check offered, with what was committed when each one arrived.
struct Reads {
    std::map<ReadId, Index> committed_at_arrival;
    ReadId next = 1;

    /// Offers a read to `node`; true when it accepted it (it believes it is leader).
    bool offer(Simulation& sim, NodeId node) {
        const ReadId id = next++;
        const Index committed = sim.committed().size();
        if (!sim.read(node, id)) return false;
        committed_at_arrival[id] = committed;
        return true;
    }

    /// "" when no read was answered "ok" with fewer entries applied than were
    /// committed when it arrived; `advice` ends the sentence.
    std::string none_stale(const Simulation& sim,
                           const char* advice = kConfirmLeadership) const {
        for (const auto& [id, committed] : committed_at_arrival) {
            const auto answer = sim.read_result(id);
            if (answer && answer->ok && answer->applied < committed)
                return fmt::format("server {} answered read {} at {:.3f} ms with {} entries applied, "
                                   "but {} entries were committed before the read arrived: a stale "
                                   "read. {}",
                                   answer->node, id, static_cast<double>(answer->time) / kMillisecond,
                                   answer->applied, committed, advice);
        }
        return {};
    }

    /// Runs for `bound`; "" when every offered read was answered ok and none is stale.
    std::string all_ok(Simulation& sim, Time bound,
                       const char* advice = kConfirmLeadership) const {
        sim.run_for(bound);
        if (sim.failed()) return sim.failure();
        if (std::string e = none_stale(sim, advice); !e.empty()) return e;
        for (const auto& [id, committed] : committed_at_arrival) {
            const auto answer = sim.read_result(id);
            if (!answer || !answer->ok)
                return fmt::format("read {}, offered to a leader that stayed leader with a "
                                   "majority reachable, was {} within {} ms",
                                   id, answer ? "answered not ok" : "never answered",
                                   bound / kMillisecond);
        }
        return {};
    }

    /// "" when every offered read has been answered.
    std::string all_answered(const Simulation& sim, const char* when) const {
        for (const auto& [id, committed] : committed_at_arrival)
            if (!sim.read_result(id))
                return fmt::format("read {} was accepted but never answered {}: a server that "
                                   "accepts a read answers it exactly once, with ok or not ok",
                                   id, when);
        return {};
    }
};

TEST(Reads, staleReadNeverServed) {
    run_probed(300, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId old = settle(sim, why);
        if (old == kNoNode) return why;
        // The old leader, alone or with one follower, is cut off from the majority.
        std::vector<NodeId> minority{old};
        if (sim.rng().chance(0.5)) minority.push_back((old + 1) % sim.size());
        const std::vector<NodeId> majority = others(sim, minority);
        sim.partition({minority, majority});
        const NodeId next = await_leader(sim, why, majority);
        if (next == kNoNode) return why;
        const std::optional<Index> index = sim.submit(next, "set x new");
        if (!index) return "the new leader refused a command";
        sim.run_until([&] { return sim.server(next).commit_index() >= *index; }, 1 * kSecond);
        if (sim.server(next).commit_index() < *index)
            return sim.failed() ? sim.failure() : "the majority did not commit a new write";
        // The old leader still believes it leads: every read it accepts now must not be
        // answered from its stale state machine.
        Reads reads;
        for (int i = 0; i < 5; ++i) {
            reads.offer(sim, old);
            sim.run_for(sim.rng().uniform(0, 100) * kMillisecond);
        }
        sim.run_for(1 * kSecond);
        if (std::string e = reads.none_stale(sim); !e.empty()) return e;
        sim.heal();
        sim.run_for(1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (std::string e = reads.none_stale(sim); !e.empty()) return e;
        return reads.all_answered(sim, "after the old leader rejoined and stepped down");
    });
}

TEST(Reads, leaderAnswersFreshReads) {
    run_probed(200, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        Reads reads;
        for (NodeId n : others(sim, {leader}))
            if (reads.offer(sim, n))
                return fmt::format("follower {} accepted a read; only the leader may (read() "
                                   "returns false elsewhere)",
                                   n);
        for (int i = 0; i < 10; ++i) {
            if (sim.rng().chance(0.5)) sim.submit(leader, numbered_command(i));
            if (!reads.offer(sim, leader))
                return fmt::format("leader {} refused a read", leader);
            sim.run_for(sim.rng().uniform(0, 30) * kMillisecond);
        }
        if (std::string e = reads.all_ok(sim, 500 * kMillisecond); !e.empty()) return e;
        // A brand-new leader must wait until its no-op commits before it answers.
        sim.isolate(leader);
        leader = await_leader(sim, why, others(sim, {leader}));
        if (leader == kNoNode) return why;
        Reads fresh;
        fresh.next = reads.next;
        if (!fresh.offer(sim, leader))
            return fmt::format("the new leader {} refused a read", leader);
        return fresh.all_ok(sim, 1 * kSecond);
    });
}

TEST(Reads, newLeaderWaitsForItsOwnTerm) {
    // A write commits on the leader and two followers while the other two are cut off,
    // and the leader is cut off the moment it commits, before anyone learns that. The
    // new leader (one of the two that hold the write) knows only an older commit index,
    // and the two that missed the write refuse its first AppendEntries: their replies
    // confirm its leadership but commit nothing. A read it answers before an entry of
    // its own term commits misses the committed write.
    run_probed(300, cluster(), [](Simulation& sim, Probe&) -> std::string {
        std::string why;
        const NodeId old = settle(sim, why);
        if (old == kNoNode) return why;
        const std::vector<NodeId> rest = others(sim, {old});
        const std::vector<NodeId> with_old{old, rest[0], rest[1]}, behind{rest[2], rest[3]};
        sim.partition({with_old, behind});
        const std::optional<Index> index = sim.submit(old, "set x new");
        if (!index) return fmt::format("leader {} refused a command", old);
        sim.run_until([&] { return sim.server(old).commit_index() >= *index; }, 1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(old).commit_index() < *index)
            return fmt::format("leader {} did not commit a write that two of its followers could "
                               "store within 1 s",
                               old);
        sim.partition({{old}, rest});
        const NodeId next = await_leader(sim, why, rest);
        if (next == kNoNode) return why;
        // What the scenario exists for: a leader whose commit index is behind a write
        // that is already committed.
        if (sim.server(next).commit_index() >= *index)
            return fmt::format("the new leader {} knew at once that entry {} was committed, which "
                               "no message could have told it",
                               next, *index);
        Reads reads;
        if (!reads.offer(sim, next)) return fmt::format("the new leader {} refused a read", next);
        return reads.all_ok(sim, 1 * kSecond,
                            "Only an entry of its own term, once committed, tells a new leader how "
                            "far the log is committed: wait for it before answering");
    });
}

}  // namespace
}  // namespace lab09
