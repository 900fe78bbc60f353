// lab08.h: what the lab 8 checks share: the cluster setup and questions about leaders.
//
// Every check runs the student's whole server in the simulator with elections on,
// wrapped in the probe (probe.h), which stops the run at the first vote or term rule
// that is broken. The simulator itself checks election safety (at most one leader per
// term), log matching, leader completeness and state machine safety after every event.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probe.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/seeded.h"

namespace lab08 {

using namespace raftlab;
using namespace raftlab::sim;
using raftlab::probe::Probe;
using raftlab::probe::run_probed;

/// `servers` servers with elections on (300-600 ms timeouts, 50 ms heartbeats) over a
/// reliable network with 1-5 ms of delay.
inline SimOptions cluster(int servers = 5) {
    SimOptions o;
    o.servers = servers;
    o.server.elections = true;
    return o;
}

/// Elections may take several rounds: this is generous on purpose.
inline constexpr Time kElectionBound = 5 * kSecond;

/// The leader of the highest term among up servers, or kNoNode.
inline NodeId current_leader(const Simulation& sim) { return sim.leader().value_or(kNoNode); }

/// True when `node` is up and leads in a term no up server has passed.
inline bool leads_cluster(const Simulation& sim, NodeId node) {
    if (!sim.up(node) || sim.server(node).role() != Role::leader) return false;
    for (NodeId n = 0; n < sim.size(); ++n)
        if (sim.up(n) && sim.server(n).current_term() > sim.server(node).current_term())
            return false;
    return true;
}

/// Runs until one of `among` (every server when empty) leads; returns it, or kNoNode
/// with `why` set.
inline NodeId await_leader(Simulation& sim, std::string& why, const std::vector<NodeId>& among = {},
                           Time bound = kElectionBound) {
    NodeId found = kNoNode;
    auto done = [&] {
        for (NodeId n = 0; n < sim.size(); ++n) {
            const bool eligible =
                among.empty() || std::find(among.begin(), among.end(), n) != among.end();
            if (eligible && leads_cluster(sim, n)) {
                found = n;
                return true;
            }
        }
        return false;
    };
    if (!sim.run_until(done, bound) && why.empty())
        why = sim.failed() ? sim.failure()
                           : fmt::format("no leader was elected within {} ms of virtual time",
                                         bound / kMillisecond);
    return found;
}

/// Has the cluster commit `cmd`, the way a client would: offers it to the leader
/// and, when a new leader overwrites it, offers it again, until every up server has
/// applied it, or `bound` of virtual time passes. Returns the leader that committed
/// it, or kNoNode with `why` set.
inline NodeId commit_one(Simulation& sim, const std::string& cmd, std::string& why,
                         Time bound = 5 * kSecond) {
    const Time end = sim.now() + bound;
    while (sim.now() < end && !sim.failed()) {
        std::string none;
        const NodeId leader = await_leader(sim, none, {}, end - sim.now());
        if (leader == kNoNode) break;
        const std::optional<Index> index = sim.submit(leader, cmd);
        if (!index) continue;
        const Index i = *index;
        auto settled = [&] { return sim.committed().size() >= i && sim.all_applied(i); };
        sim.run_until(settled, std::min<Time>(1 * kSecond, std::max<Time>(0, end - sim.now())));
        if (settled() && sim.committed()[i - 1].command == cmd) return leader;
    }
    why = sim.failed() ? sim.failure()
                       : fmt::format("the command \"{}\" was not committed and applied by every up "
                                     "server within {} ms of virtual time",
                                     cmd, bound / kMillisecond);
    return kNoNode;
}

/// Elects a leader and has it commit one command; returns the leader (or kNoNode with
/// `why` set). Most scenarios start from here.
inline NodeId settle(Simulation& sim, std::string& why, int label = 0) {
    return commit_one(sim, numbered_command(label), why);
}

/// Runs for `duration` and fails if any server becomes leader in a term above `term`.
inline std::string no_leader_after(Simulation& sim, Term term, Time duration, const char* why) {
    NodeId rogue = kNoNode;
    sim.run_until(
        [&] {
            for (NodeId n = 0; n < sim.size(); ++n)
                if (sim.up(n) && sim.server(n).role() == Role::leader &&
                    sim.server(n).current_term() > term)
                    rogue = n;
            return rogue != kNoNode;
        },
        duration);
    if (sim.failed()) return sim.failure();
    if (rogue != kNoNode)
        return fmt::format("server {} became leader of term {}, but {}", rogue,
                           sim.server(rogue).current_term(), why);
    return {};
}

/// Runs `scenario(sim, watch)` over `count` seeds with every server probed (lab 8's
/// probe, inside) and wrapped in `Watched`, a later lab's watch (outside), built as
/// Watched(config, env, restored, watch). `watch` is the seed's thread-local state,
/// attached to each seed's simulation before the scenario runs.
template <class Watched, class Watch, class WatchedScenario>
void run_probed_and_watched(int count, const SimOptions& options, Watch& (*watch)(),
                            const WatchedScenario& scenario) {
    sim::ServerFactory factory = [watch](const ServerConfig& config, Env& env, const PersistentState& restored) {
        return std::make_unique<Watched>(config, env, restored, watch());
    };
    sim::run_seeds(count, options, factory, [scenario, watch](Simulation& sim) {
        probe::thread_probe().attach(sim);
        Watch& w = watch();
        w.attach(sim);
        return scenario(sim, w);
    });
}

/// The other servers, in order.
inline std::vector<NodeId> others(const Simulation& sim, const std::vector<NodeId>& excluded) {
    std::vector<NodeId> rest;
    for (NodeId n = 0; n < sim.size(); ++n)
        if (std::find(excluded.begin(), excluded.end(), n) == excluded.end()) rest.push_back(n);
    return rest;
}

}  // namespace lab08
