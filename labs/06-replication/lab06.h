// lab06.h: what the lab 6 checks share: the server factory and the cluster setup.
#pragma once

#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "raftlab/host/student_raft.h"
#include "raftlab/sim/designated_leader.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/seeded.h"
#include "raftlab/sim/watched.h"

namespace lab06 {

using namespace raftlab;
using namespace raftlab::sim;

/// The student's server: in a process of its own (the Raft host) when graded, in
/// this process in the fast variant for a student's own runs.
inline std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env,
                                             const PersistentState& restored) {
    return student::make_server(config, env, restored);
}

/// The simulation the persistence watch of this thread reports to (set by the check).
inline thread_local Simulation* t_watched = nullptr;
/// Refusals (AppendEntriesReply with success false) sent by watched servers on this
/// thread: the divergence checks prove with it that a follower really refused.
inline thread_local long t_refusals = 0;

/// Watches the followers' persistence rule at the moment a reply leaves, which a
/// crash between two events cannot see: a success reply to AppendEntries claims
/// entries 1..match_index, and all of them must already be durable
/// (Env::persist_log), or a crash right after the send loses what the leader counts
/// on. Every other call passes through unchanged, in order, in both grading modes.
class PersistWatchEnv final : public ForwardingEnv {
public:
    PersistWatchEnv(Env& inner, NodeId id) : ForwardingEnv(inner), id_(id) {}
    void send(NodeId to, Message message) override {
        const auto* reply = std::get_if<AppendEntriesReply>(&message);
        if (reply && !reply->success) ++t_refusals;
        if (reply && reply->success && t_watched && !t_watched->failed()) {
            const Index durable = t_watched->persisted(id_).log.size();
            if (reply->match_index > durable)
                t_watched->fail(fmt::format(
                    "server {} replied success to leader {} for entries up to {} while only {} of its entries "
                    "were persisted: call persist_log before the reply leaves, in the same handler",
                    id_, to, reply->match_index, durable));
        }
        inner_.send(to, std::move(message));
    }

private:
    NodeId id_;
};

/// The student's server behind a PersistWatchEnv.
inline std::unique_ptr<RaftNode> make_watched_server(const ServerConfig& config, Env& env,
                                                     const PersistentState& restored) {
    return std::make_unique<WatchedServer<PersistWatchEnv>>(config, restored, make_server, env, config.id);
}

/// Five servers, elections off (the checks choose the leader), a reliable network.
inline SimOptions cluster(int servers = 5) { return designated_leader_cluster(servers); }

/// Runs until every up server's log equals `leader`'s, or `bound` of virtual time.
inline std::string converge(Simulation& sim, NodeId leader, Time bound, const char* what) {
    sim.run_until([&] { return logs_differ_from(sim, leader).empty(); }, bound);
    if (sim.failed()) return sim.failure();
    if (std::string d = logs_differ_from(sim, leader); !d.empty())
        return fmt::format("{} within {} ms of virtual time: {}", what, bound / kMillisecond, d);
    return {};
}

/// converge(), and the proof that what a divergence check exists for happened on the
/// way: a follower refused an AppendEntries, and the leader's next_index for a
/// follower went down (it backtracked). Servers must be made by make_watched_server.
inline std::string converge_by_backtracking(Simulation& sim, NodeId leader, Time bound, const char* what) {
    const long refusals_before = t_refusals;
    std::map<NodeId, Index> next;
    bool backtracked = false;
    sim.run_until(
        [&] {
            if (sim.up(leader) && sim.server(leader).role() == Role::leader)
                for (NodeId p = 0; p < sim.size(); ++p) {
                    if (p == leader) continue;
                    const Index n = sim.server(leader).next_index(p);
                    auto it = next.find(p);
                    if (it != next.end() && n < it->second) backtracked = true;
                    next[p] = n;
                }
            return logs_differ_from(sim, leader).empty();
        },
        bound);
    if (sim.failed()) return sim.failure();
    if (std::string d = logs_differ_from(sim, leader); !d.empty())
        return fmt::format("{} within {} ms of virtual time: {}", what, bound / kMillisecond, d);
    if (t_refusals == refusals_before || !backtracked)
        return "no follower refused an AppendEntries, or the leader never moved a next_index back, in this "
               "seed (a fault of the check, not of your server)";
    return {};
}

}  // namespace lab06
