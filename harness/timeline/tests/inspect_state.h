// inspect_state.h: a server's state read straight from its inspection API, for the
// tests that compare it with what the timeline recorded (Timeline::state_at).
#pragma once

#include <optional>
#include <sstream>
#include <string>

#include "raftlab/sim/simulation.h"

namespace raftlab::timeline_test {

/// What `sim`'s server `node` shows through RaftNode's inspection API right now.
inline sim::ServerState inspect(const sim::Simulation& sim, NodeId node) {
    sim::ServerState s;
    if (!sim.up(node)) {
        s.up = false;
        return s;
    }
    const RaftNode& server = sim.server(node);
    s.role = server.role();
    s.term = server.current_term();
    s.voted_for = server.voted_for();
    s.leader_id = server.leader_id();
    s.commit_index = server.commit_index();
    s.last_applied = server.last_applied();
    for (Index i = 1; i <= server.last_log_index(); ++i) s.log.push_back(sim::summarize(server.log_entry(i)));
    if (s.role == Role::leader)
        for (NodeId peer = 0; peer < sim.size(); ++peer) {
            s.next_index.push_back(peer == node ? 0 : server.next_index(peer));
            s.match_index.push_back(peer == node ? 0 : server.match_index(peer));
        }
    return s;
}

/// One line for a failure message.
inline std::string show(const std::optional<sim::ServerState>& s) {
    if (!s) return "(nothing recorded)";
    if (!s->up) return "down";
    std::ostringstream out;
    out << role_name(s->role) << " t" << s->term << " vote " << s->voted_for << " leader " << s->leader_id
        << " commit " << s->commit_index << " applied " << s->last_applied << " log " << s->log.size()
        << (s->log.empty() ? "" : " (last term " + std::to_string(s->log.back().term) + ")") << " next/match "
        << s->next_index.size();
    return out.str();
}

/// Compares every server's recorded state at the latest event with its inspection;
/// returns a description of the first difference, "" when none.
inline std::string recorded_differs(const sim::Simulation& sim) {
    const auto& events = sim.timeline().events();
    if (events.empty()) return "";
    for (NodeId n = 0; n < sim.size(); ++n) {
        const sim::ServerState live = inspect(sim, n);
        const auto recorded = sim.timeline().state_at(n, events.size() - 1);
        if (!recorded || !(*recorded == live))
            return "after event " + std::to_string(events.size() - 1) + " (" + sim::kind_name(events.back().kind) +
                   ") server " + std::to_string(n) + " is " + show(live) + " but the timeline says " + show(recorded);
    }
    return "";
}

}  // namespace raftlab::timeline_test
