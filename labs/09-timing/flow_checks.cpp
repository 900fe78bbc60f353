// flow_checks.cpp: lab 9, flow control. A leader with ServerConfig::max_inflight_appends
// above 1 keeps several AppendEntries with new entries unanswered to a follower that is
// in step, and stays safe when those requests are lost, duplicated or overtaken.
//
// The checks watch the student's server from outside, like the probe of lab 8: every
// AppendEntries it sends and every AppendEntriesReply it receives passes through a
// watch (FlowWatch) that counts, per leader and follower, the requests carrying
// entries beyond everything sent before ("new entries") that no reply has answered yet.
#include <algorithm>
#include <vector>

#include "lab09.h"

namespace lab09 {
namespace {

/// The pipeline depth the checks configure.
constexpr std::size_t kDepth = 4;

/// What the watches of one simulation share (one simulation per thread at a time).
struct FlowRecord {
    int size = 0;
    /// Per (leader, follower): the term of the records below.
    std::vector<Term> term;
    /// Per (leader, follower): the furthest index sent in that term.
    std::vector<Index> furthest;
    /// Per (leader, follower): where each request of new entries ends, oldest first,
    /// until a reply shows the follower holds it (or rejects a request).
    std::vector<std::vector<Index>> unanswered;
    std::size_t most_unanswered = 0;
    NodeId most_from = kNoNode, most_to = kNoNode;

    void attach(int servers) {
        size = servers;
        const auto pairs = static_cast<std::size_t>(servers * servers);
        term.assign(pairs, 0);
        furthest.assign(pairs, 0);
        unanswered.assign(pairs, {});
        most_unanswered = 0;
        most_from = most_to = kNoNode;
    }
    std::size_t key(NodeId from, NodeId to) const { return static_cast<std::size_t>(from * size + to); }

    void sent(NodeId from, NodeId to, const AppendEntries& request) {
        if (from < 0 || to < 0 || from >= size || to >= size || request.entries.empty()) return;
        const std::size_t k = key(from, to);
        if (term[k] != request.term) {
            term[k] = request.term;
            furthest[k] = 0;
            unanswered[k].clear();
        }
        const Index end = request.prev_log_index + request.entries.size();
        if (request.prev_log_index >= furthest[k]) {  // only new entries
            unanswered[k].push_back(end);
            if (unanswered[k].size() > most_unanswered) {
                most_unanswered = unanswered[k].size();
                most_from = from;
                most_to = to;
            }
        }
        furthest[k] = std::max(furthest[k], end);
    }

    void answered(NodeId leader, NodeId follower, const AppendEntriesReply& reply) {
        if (leader < 0 || follower < 0 || leader >= size || follower >= size) return;
        const std::size_t k = key(leader, follower);
        if (reply.term != term[k]) return;
        auto& list = unanswered[k];
        if (!reply.success) {
            list.clear();
            return;
        }
        list.erase(std::remove_if(list.begin(), list.end(), [&](Index end) { return end <= reply.match_index; }),
                   list.end());
    }
};

FlowRecord& thread_record() {
    thread_local FlowRecord record;
    return record;
}

class FlowWatch final : public sim::ForwardingEnv {
public:
    FlowWatch(Env& inner, NodeId id) : ForwardingEnv(inner), id_(id) {}
    void send(NodeId to, Message message) override {
        if (const auto* request = std::get_if<AppendEntries>(&message)) thread_record().sent(id_, to, *request);
        inner_.send(to, std::move(message));
    }

private:
    NodeId id_;
};

class FlowServer final : public sim::WatchedServer<FlowWatch> {
public:
    FlowServer(const ServerConfig& config, Env& env, const PersistentState& restored)
        : WatchedServer(config, restored, probe::make_student_server, env, config.id), id_(config.id) {}
    void receive(NodeId from, const Message& message) override {
        if (const auto* reply = std::get_if<AppendEntriesReply>(&message))
            thread_record().answered(id_, from, *reply);
        server_->receive(from, message);
    }

private:
    NodeId id_;
};

void run_watched(int seeds, const SimOptions& options, const std::function<std::string(Simulation&)>& scenario) {
    sim::ServerFactory factory = [](const ServerConfig& config, Env& env, const PersistentState& restored) {
        return std::make_unique<FlowServer>(config, env, restored);
    };
    sim::run_seeds(seeds, options, factory, [&scenario](Simulation& sim) {
        thread_record().attach(sim.size());
        return scenario(sim);
    });
}

/// Three servers, elections on, pipelining to depth kDepth, and links slow enough
/// (10-20 ms each way) that many commands arrive within one round trip.
SimOptions pipelined_cluster(int servers = 3) {
    SimOptions o = cluster(servers);
    o.server.max_inflight_appends = kDepth;
    o.link.min_delay = 10 * kMillisecond;
    o.link.max_delay = 20 * kMillisecond;
    return o;
}

/// Offers a command to the leader every `every` for `duration`; returns how many it
/// accepted.
int offer_load(Simulation& sim, NodeId leader, Time every, Time duration, int first_label) {
    int accepted = 0;
    for (Time t = 0; t < duration && !sim.failed(); t += every) {
        if (sim.up(leader) && sim.submit(leader, numbered_command(first_label + accepted))) ++accepted;
        sim.run_for(every);
    }
    return accepted;
}

TEST(Flow, pipelineFillsItsWindow) {
    run_watched(200, pipelined_cluster(), [](Simulation& sim) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        // A command every 2 ms, for 300 ms: a round trip (20-40 ms) spans 10-20 of them.
        const int accepted = offer_load(sim, leader, 2 * kMillisecond, 300 * kMillisecond, 100);
        if (sim.failed()) return sim.failure();
        const FlowRecord& flow = thread_record();
        if (flow.most_unanswered < 2)
            return fmt::format(
                "with max_inflight_appends {} and {} commands offered to leader {} every 2 ms (a round "
                "trip takes 20-40 ms), no follower ever had more than {} AppendEntries with new entries "
                "unanswered: a leader sends the next batch to a follower in step without waiting for the "
                "previous reply, up to max_inflight_appends requests",
                kDepth, accepted, leader, flow.most_unanswered);
        // One more than the depth: a heartbeat may carry new entries as well.
        if (flow.most_unanswered > kDepth + 1)
            return fmt::format(
                "leader {} had {} AppendEntries with new entries unanswered to follower {}, with "
                "max_inflight_appends {}: wait for a reply before sending past the window",
                flow.most_from, flow.most_unanswered, flow.most_to, kDepth);
        // Every command commits once the load stops (the pipeline is not a way to lose
        // entries).
        const auto all = static_cast<Index>(sim.committed().size());
        if (!sim.run_until([&] { return sim.all_applied(all); }, 5 * kSecond))
            return sim.failed() ? sim.failure()
                                : fmt::format("after the load stopped, not every server applied the {} "
                                              "committed entries within 5 s",
                                              all);
        return commit_one(sim, "last", why) == kNoNode ? why : std::string{};
    });
}

TEST(Flow, pipelinedLeaderSafeUnderFaults) {
    SimOptions o = pipelined_cluster(5);
    o.server.max_entries_per_message = 4;  // more requests, so more of them go astray
    o.link.min_delay = 1 * kMillisecond;
    o.link.max_delay = 30 * kMillisecond;  // wide spread: requests overtake each other
    o.link.loss = 0.1;
    o.link.duplicate = 0.1;
    run_watched(300, o, [](Simulation& sim) -> std::string {
        std::string why;
        NodeId leader = settle(sim, why);
        for (int round = 0; round < 3 && leader != kNoNode; ++round) {
            offer_load(sim, leader, 3 * kMillisecond, 150 * kMillisecond, 1000 * (round + 1));
            if (sim.failed()) return sim.failure();
            // The leader crashes with requests in flight; whatever it had committed must
            // survive under the next leader (the simulator checks that on every event).
            sim.note("the leader crashes with its pipeline full");
            sim.crash(leader);
            sim.run_for(sim.rng().uniform(0, 200) * kMillisecond);
            sim.restart(leader);
            leader = commit_one(sim, numbered_command(round), why, 10 * kSecond);
        }
        if (leader == kNoNode) return why;
        if (thread_record().most_unanswered < 2)
            return "the leader never had two AppendEntries with new entries unanswered to a follower, so this "
                   "run did not test pipelining: send up to max_inflight_appends requests ahead";
        if (sim.stats().messages_dropped == 0) return "no message was lost in this run, so it tested nothing";
        sim.set_all_links(LinkParams{});
        return commit_one(sim, "last", why) == kNoNode ? why : std::string{};
    });
}

}  // namespace
}  // namespace lab09
