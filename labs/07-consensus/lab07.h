// lab07.h: what the lab 7 checks share.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "raftlab/host/student_raft.h"
#include "raftlab/sim/faults.h"
#include "raftlab/sim/designated_leader.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/seeded.h"
#include "raftlab/sim/watched.h"

namespace lab07 {

using namespace raftlab;
using namespace raftlab::sim;

/// The student's server: in a process of its own (the Raft host) when graded, in
/// this process in the fast variant for a student's own runs.
inline std::unique_ptr<RaftNode> make_server(const ServerConfig& config, Env& env,
                                             const PersistentState& restored) {
    return student::make_server(config, env, restored);
}

/// The student's quorum arithmetic (raft/quorum.h), answered by the Raft host.
inline bool is_majority(int count, int cluster_size) {
    return student::is_majority(count, cluster_size);
}
inline Index majority_match(const std::vector<Index>& match_indexes) {
    return student::majority_match(match_indexes);
}

/// Five servers, elections off (the checks choose the leader), a reliable network.
inline SimOptions cluster(int servers = 5) { return designated_leader_cluster(servers); }

/// Runs until every up server applied `count` entries; "" or why not within `bound`.
inline std::string all_apply(Simulation& sim, Index count, Time bound, const char* what) {
    sim.run_until([&] { return sim.all_applied(count); }, bound);
    if (sim.failed()) return sim.failure();
    for (NodeId n = 0; n < sim.size(); ++n)
        if (sim.up(n) && sim.applied(n) < count)
            return fmt::format("{}: server {} applied {} of {} entries within {} ms of virtual time",
                               what, n, sim.applied(n), count, bound / kMillisecond);
    return {};
}

/// Designates the most up-to-date up server as leader, as an election would, and
/// returns it. Callers let terms spread first (a heartbeat) so the new term is the
/// highest.
inline NodeId designate(Simulation& sim) {
    const NodeId leader = most_up_to_date(sim);
    sim.become_leader(leader);
    return leader;
}

// ---- the commit probe --------------------------------------------------------------
//
// Every lab 7 check runs each server inside a CommitProbe, which forwards every call
// unchanged and, after each event the server handled, holds it to the commit rules
// of handout 7 at that very moment (a later state may hide a rule broken and then
// repaired). On the first broken rule it stops the run with Simulation::fail(), so the
// timeline ends there:
//   * a commit index never passes the last log index (the simulator already holds it
//     to never decreasing);
//   * a leader that raises its commit index to N holds an entry of its own term at N,
//     and a strict majority (itself included) has match_index >= N by its own count;
//   * a follower raises its commit index only on an AppendEntries it accepted, and to
//     at most min(leader_commit, prev_log_index + entries sent).

/// The simulation the probes of this thread report to (set by run_probed()).
inline thread_local Simulation* t_probed = nullptr;

/// Notes the last AppendEntriesReply a server sent while handling one event.
class ReplyWatchEnv final : public ForwardingEnv {
public:
    using ForwardingEnv::ForwardingEnv;
    void send(NodeId to, Message message) override {
        if (const auto* reply = std::get_if<AppendEntriesReply>(&message)) last_reply = *reply;
        inner_.send(to, std::move(message));
    }
    std::optional<AppendEntriesReply> last_reply;
};

class CommitProbe final : public WatchedServer<ReplyWatchEnv> {
public:
    CommitProbe(const ServerConfig& config, Env& env, const PersistentState& restored)
        : WatchedServer(config, restored, make_server, env), id_(config.id), size_(config.cluster_size) {}

    void receive(NodeId from, const Message& message) override {
        const Index before = server_->commit_index();
        env_.last_reply.reset();
        server_->receive(from, message);
        check_event(before);
        if (const auto* request = std::get_if<AppendEntries>(&message)) check_follower(before, from, *request);
    }
    void tick() override {
        const Index before = server_->commit_index();
        server_->tick();
        check_event(before);
    }
    std::optional<Index> submit(std::string command) override {
        const Index before = server_->commit_index();
        auto index = server_->submit(std::move(command));
        check_event(before);
        return index;
    }
    void become_leader() override {
        const Index before = server_->commit_index();
        server_->become_leader();
        check_event(before);
    }

private:
    void fail(const std::string& why) const {
        if (t_probed && !t_probed->failed()) t_probed->fail(why);
    }
    void check_event(Index before) const {
        const Index now = server_->commit_index(), last = server_->last_log_index();
        // (A commit index that moves back is the simulator's own invariant.)
        if (now > last)
            return fail(fmt::format("server {} has commit index {} past its last log index {}", id_, now, last));
        if (now <= before || server_->role() != Role::leader) return;
        const Term term = server_->current_term(), entry_term = server_->log_entry(now).term;
        if (entry_term != term)
            return fail(fmt::format("leader {} of term {} raised its commit index to {}, an entry of term {}: a "
                                    "leader commits by counting replicas only for entries of its own term",
                                    id_, term, now, entry_term));
        int holders = 1;  // the leader itself: the entry is in its log
        for (NodeId peer = 0; peer < size_; ++peer)
            if (peer != id_ && server_->match_index(peer) >= now) ++holders;
        if (2 * holders <= size_)
            return fail(fmt::format("leader {} raised its commit index to {} while by its own match_index only {} "
                                    "of {} servers (itself included) hold that entry: an entry commits on a strict "
                                    "majority", id_, now, holders, size_));
    }
    void check_follower(Index before, NodeId from, const AppendEntries& request) const {
        const Index now = server_->commit_index();
        if (now <= before || server_->role() == Role::leader) return;
        if (env_.last_reply && !env_.last_reply->success)
            return fail(fmt::format("server {} refused an AppendEntries from leader {} (term {}, prev index {}) yet "
                                    "raised its commit index from {} to {}: a follower learns the commit index only "
                                    "from a request it accepted", id_, from, request.term, request.prev_log_index,
                                    before, now));
        const Index proven = request.prev_log_index + request.entries.size();
        const Index bound = std::min(request.leader_commit, proven);
        if (now > std::max(before, bound))
            return fail(fmt::format("server {} raised its commit index to {} on an AppendEntries from leader {} with "
                                    "leader_commit {} that proves its log only up to index {}: a follower commits at "
                                    "most min(leader_commit, prev_log_index + entries sent) = {}", id_, now, from,
                                    request.leader_commit, proven, bound));
    }

    NodeId id_;
    int size_;
};

/// The student's server inside a CommitProbe.
inline std::unique_ptr<RaftNode> make_probed_server(const ServerConfig& config, Env& env,
                                                    const PersistentState& restored) {
    return std::make_unique<CommitProbe>(config, env, restored);
}

/// run_seeds() with every server probed, the probes reporting to each seed's run.
inline void run_probed(int default_count, SimOptions options, const Scenario& scenario) {
    run_seeds(default_count, std::move(options), make_probed_server, [&scenario](Simulation& sim) -> std::string {
        t_probed = &sim;
        struct Reset {
            ~Reset() { t_probed = nullptr; }
        } reset;
        return scenario(sim);
    });
}

}  // namespace lab07
