// raftlab/sim/raft_checks.h: small questions the lab checks ask of a simulated
// cluster, written once. Each returns "" when the answer is "yes, all good" or one
// sentence saying what is wrong, so a check can return it straight to run_seeds().
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "raftlab/sim/simulation.h"

namespace raftlab::sim {

/// "" when the logs of `a` and `b` (both up) are identical (lab 11: where both still
/// hold entries; a snapshot stands for committed entries).
inline std::string logs_differ(const Simulation& sim, NodeId a, NodeId b) {
    const RaftNode& x = sim.server(a);
    const RaftNode& y = sim.server(b);
    const Index n = std::min(x.last_log_index(), y.last_log_index());
    for (Index i = std::max(x.snapshot_index(), y.snapshot_index()) + 1; i <= n; ++i)
        if (!(x.log_entry(i) == y.log_entry(i)))
            return fmt::format("servers {} and {} disagree at log index {} (terms {} and {})", a, b,
                               i, x.log_entry(i).term, y.log_entry(i).term);
    if (x.last_log_index() != y.last_log_index())
        return fmt::format("server {} has {} log entries but server {} has {}", a,
                           x.last_log_index(), b, y.last_log_index());
    return {};
}

/// "" when every up server's log is identical to `reference`'s.
inline std::string logs_differ_from(const Simulation& sim, NodeId reference) {
    for (NodeId n = 0; n < sim.size(); ++n)
        if (n != reference && sim.up(n))
            if (std::string d = logs_differ(sim, reference, n); !d.empty()) return d;
    return {};
}

/// "" when what `node` persisted equals its log, term and vote in memory.
inline std::string durable_state_differs(const Simulation& sim, NodeId node) {
    const RaftNode& s = sim.server(node);
    const PersistentState& d = sim.persisted(node);
    if (d.current_term != s.current_term())
        return fmt::format("server {} is in term {} but persisted term {}", node,
                           s.current_term(), d.current_term);
    const Index base = d.snapshot.last_index;
    if (base != s.snapshot_index())
        return fmt::format("server {} holds a snapshot through index {} but persisted one through index {}", node,
                           s.snapshot_index(), base);
    if (base + d.log.size() != s.last_log_index())
        return fmt::format("server {} has {} log entries but persisted {}", node,
                           s.last_log_index(), base + d.log.size());
    for (Index i = base + 1; i <= base + d.log.size(); ++i)
        if (!(d.log[i - base - 1] == s.log_entry(i)))
            return fmt::format("server {} persisted a different entry at index {} than it holds",
                               node, i);
    return {};
}

/// The up server whose persisted log is most up to date (last term, then length):
/// the only safe choice when a check designates a leader by hand after a crash.
inline NodeId most_up_to_date(const Simulation& sim) {
    NodeId best = kNoNode;
    Term best_term = 0;
    std::size_t best_len = 0;
    for (NodeId n = 0; n < sim.size(); ++n) {
        if (!sim.up(n)) continue;
        const auto& log = sim.persisted(n).log;
        const Term t = log.empty() ? 0 : log.back().term;
        if (best == kNoNode || t > best_term || (t == best_term && log.size() > best_len)) {
            best = n;
            best_term = t;
            best_len = log.size();
        }
    }
    return best;
}

/// The leader every up server agrees on: a leader whose term is the highest among up
/// servers and whom every up server names as leader_id. nullopt while there is none
/// (an election is running, or a deposed leader has not heard the news yet).
inline std::optional<NodeId> stable_leader(const Simulation& sim) {
    const std::optional<NodeId> leader = sim.leader();
    if (!leader) return std::nullopt;
    const Term term = sim.server(*leader).current_term();
    for (NodeId n = 0; n < sim.size(); ++n) {
        if (!sim.up(n)) continue;
        const RaftNode& s = sim.server(n);
        if (s.current_term() != term || s.leader_id() != *leader) return std::nullopt;
    }
    return leader;
}

/// The highest term any server persisted.
inline Term highest_term(const Simulation& sim) {
    Term t = 0;
    for (NodeId n = 0; n < sim.size(); ++n) t = std::max(t, sim.persisted(n).current_term);
    return t;
}

/// The client command numbered `i` that the Raft labs' checks submit: "put x<i> <i>",
/// distinct for every i, so an entry in a log tells which submission it came from.
inline std::string numbered_command(int i) { return "put x" + std::to_string(i) + " " + std::to_string(i); }

/// Offers `leader` the commands numbered `first` to `first + count - 1`; "" or why the
/// leader refused one.
inline std::string submit_many(Simulation& sim, NodeId leader, int count, int first = 0) {
    for (int i = first; i < first + count; ++i)
        if (!sim.submit(leader, numbered_command(i))) {
            if (sim.failed()) return sim.failure();
            // Say what the server is now: the check's idea of who leads may be stale.
            if (!sim.up(leader))
                return fmt::format("server {}, which the check last saw leading, refused command {} from a client: "
                                   "it is down",
                                   leader, i);
            const Role r = sim.server(leader).role();
            const char* role = r == Role::leader ? "leader" : r == Role::candidate ? "candidate" : "follower";
            return fmt::format("server {}, which the check last saw leading, refused command {} from a client; "
                               "it is now a {} of term {}",
                               leader, i, role, sim.server(leader).current_term());
        }
    return {};
}

/// Offers `leader` the commands numbered 0 to `count - 1` one at a time, with a random
/// pause of up to `max_gap` of virtual time after each; "" or why one was refused.
inline std::string submit_spread(Simulation& sim, NodeId leader, int count, Time max_gap) {
    for (int i = 0; i < count; ++i) {
        if (std::string e = submit_many(sim, leader, 1, i); !e.empty()) return e;
        sim.run_for(sim.rng().uniform(0, max_gap));
    }
    return {};
}

}  // namespace raftlab::sim
