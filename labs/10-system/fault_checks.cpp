// fault_checks.cpp: the service under faults: crashes, a leader cut off in a
// minority, lossy links and paused processes. (The random mix of all of these is a
// hidden check.)
//
// Each check runs a workload of concurrent clients while the faults happen, heals
// everything, reads every key back with a fresh client, and then judges the whole
// history: linearizable, every append applied at most once, every acknowledged write
// still there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

#include "lab10.h"
#include "raftlab/check/check.h"
#include "raftlab/nemesis/nemesis.h"

namespace raftlab::lab10 {
namespace {

using Clock = std::chrono::steady_clock;

std::string name(NodeId id) { return kv::LocalCluster::name(id); }

/// One request sent once to one server, on a thread of its own, recorded in the
/// history: ok when the server answered ok, indeterminate otherwise (a not_leader
/// from a server that had accepted the request promises nothing: the entry may
/// still commit).
class WaitingClient {
public:
    WaitingClient(CheckRun& run, kv::LocalCluster& cluster, NodeId server, kv::ClientRequest request,
                  std::chrono::milliseconds timeout)
        : request_(std::move(request)) {
        token_ = run.recorder().invoke(request_.client, request_.seq, request_.op, request_.key,
                                       request_.value);
        thread_ = std::thread([this, &run, &cluster, server, timeout] {
            kv::Client client(cluster.client_endpoints(), request_.client, workload_client_options());
            reply_ = client.send_once(server, request_, timeout);
            const bool ok = reply_ && reply_->status == kv::ReplyStatus::ok;
            run.recorder().complete(token_, ok ? history::Outcome::ok : history::Outcome::indeterminate,
                                    ok ? reply_->value : std::nullopt);
            done_ = true;
        });
    }
    ~WaitingClient() {
        if (thread_.joinable()) thread_.join();
    }
    const kv::ClientRequest& request() const { return request_; }
    bool done() const { return done_; }
    /// Waits for the answer (or the timeout) and returns it.
    const std::optional<kv::ClientReply>& reply() {
        if (thread_.joinable()) thread_.join();
        return reply_;
    }
    bool answered_ok() { return reply() && reply()->status == kv::ReplyStatus::ok; }
    /// "ok", "not_leader", "error" or "no answer", for notes.
    std::string outcome() {
        return reply() ? std::string(kv::to_string(reply()->status)) : std::string("no answer");
    }

private:
    kv::ClientRequest request_;
    std::size_t token_ = 0;
    std::thread thread_;
    std::optional<kv::ClientReply> reply_;
    std::atomic<bool> done_{false};
};

/// The server's status, polled every 50 ms until `good` holds (`bound` at most).
std::optional<kv::StatusReply> status_when(kv::LocalCluster& cluster, NodeId id, std::chrono::milliseconds bound,
                                           const std::function<bool(const kv::StatusReply&)>& good) {
    auto deadline = Clock::now() + bound;
    do {
        if (auto s = cluster.status(id); s && good(*s)) return s;
        std::this_thread::sleep_for(50ms);
    } while (Clock::now() < deadline);
    return std::nullopt;
}

/// Waits (20 s at most) for a leader in a term above `old_term` among the servers
/// other than `old_leader`, which the check has cut off; throws Problem otherwise.
NodeId wait_for_new_leader(kv::LocalCluster& cluster, NodeId old_leader, Term old_term) {
    auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
        for (NodeId i = 0; i < cluster.size(); ++i) {
            if (i == old_leader) continue;
            auto s = cluster.status(i);
            if (s && s->role == Role::leader && s->term > old_term) return i;
        }
        std::this_thread::sleep_for(50ms);
    }
    throw Problem("no new leader was elected among the majority within 20 s of cutting off the leader " +
                  name(old_leader) + "; statuses: " + describe_statuses(cluster));
}

/// Sends `request` to the new leader `fresh` until it answers ok (20 s at most),
/// resending the same request and following leadership as it moves within the
/// majority (never back to the cut-off `old_leader`). Records it in the history when
/// `run` is given. Throws Problem when no ok comes.
void write_at_new_leader(kv::LocalCluster& cluster, kv::Client& client, NodeId old_leader, NodeId& fresh,
                         const kv::ClientRequest& request, CheckRun* run = nullptr) {
    std::optional<std::size_t> token;
    if (run) token = run->recorder().invoke(request.client, request.seq, request.op, request.key, request.value);
    auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
        auto reply = client.send_once(fresh, request, 1000ms);
        if (reply && reply->status == kv::ReplyStatus::ok) {
            if (token) run->recorder().complete(*token, history::Outcome::ok, reply->value);
            return;
        }
        if (reply && reply->leader != kNoNode && reply->leader != old_leader && reply->leader < cluster.size())
            fresh = reply->leader;
        std::this_thread::sleep_for(50ms);
    }
    if (token) run->recorder().complete(*token, history::Outcome::indeterminate);
    throw Problem("the new leader " + name(fresh) + " did not complete a " + std::string(kv::to_string(request.op)) +
                  " of \"" + request.key + "\" within 20 s; statuses: " + describe_statuses(cluster));
}

/// Kills one server during a workload and starts it again later.
void kill_during_workload(bool kill_leader) {
    run_check([kill_leader](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        run_workload_during(run, workload(8, 5, 9000ms), [&] {
            for (int round = 0; round < 2; ++round) {
                std::this_thread::sleep_for(1500ms);
                NodeId leader = wait_for_leader(cluster);
                NodeId victim = kill_leader ? leader : (leader + 1 + round) % cluster.size();
                run.note("kill -9 " + name(victim) + (kill_leader ? " (the leader)" : " (a follower)"));
                cluster.kill(victim);
                std::this_thread::sleep_for(2000ms);
                run.note("start " + name(victim));
                cluster.start(victim);
            }
        });
        verify_history(run, read_back(run, workload_keys(5)));
    });
}

TEST(Faults, leaderKill) { kill_during_workload(true); }

TEST(Faults, followerKill) { kill_during_workload(false); }

TEST(Faults, isolatedLeaderServesNoStaleRead) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        NodeId old_leader = wait_for_leader(cluster);
        kv::Client writer(cluster.client_endpoints(), "writer", workload_client_options());
        must_execute(cluster, writer, kv::Op::put, "iso", "v1");
        Term old_term = cluster.status(old_leader, 1000ms).value_or(kv::StatusReply{}).term;

        run_workload_during(run, workload(6, 4, 8000ms), [&] {
            std::this_thread::sleep_for(1000ms);
            // The leader alone on one side; clients still reach everyone.
            std::vector<std::string> rest;
            for (NodeId i = 0; i < cluster.size(); ++i)
                if (i != old_leader) rest.push_back(name(i));
            cluster.proxy().partition({{name(old_leader)}, rest});
            run.note("partition: " + name(old_leader) + " (the leader) alone");

            // A new leader among the others, in a later term.
            NodeId fresh = wait_for_new_leader(cluster, old_leader, old_term);
            run.note("new leader " + name(fresh));

            // k = v2 through the new leader, retried with the same request until ok.
            write_at_new_leader(cluster, writer, old_leader, fresh,
                                kv::ClientRequest{"writer", writer.last_seq() + 1, kv::Op::put, "iso", "v2"});

            // The old leader must not answer a get with the old value (or any value).
            kv::Client pinned(cluster.client_endpoints(), "pinned", workload_client_options());
            auto until = Clock::now() + 2s;
            for (std::uint64_t seq = 1; Clock::now() < until; ++seq) {
                kv::ClientRequest get{"pinned", seq, kv::Op::get, "iso", ""};
                auto reply = pinned.send_once(old_leader, get, 300ms);
                if (reply && reply->status == kv::ReplyStatus::ok)
                    throw Problem("the old leader " + name(old_leader) + ", cut off from the others, answered get "
                                  "\"iso\" with " + show(reply->value) + " after the new leader " + name(fresh) +
                                  " had acknowledged put iso=v2: a stale read. A leader must confirm with a majority "
                                  "that it still leads before it answers a read.");
            }
            std::this_thread::sleep_for(1000ms);
            cluster.proxy().heal();
            run.note("healed");
        });
        verify_history(run, read_back(run, workload_keys(4)));
    });
}

/// A leader deposed while clients wait on it, in two acts.
///
/// 1. Its entry sits on a majority, yet it cannot know: the followers store the
///    leader's AppendEntries, but a one-way cut drops everything they send back. Then
///    the leader is cut off entirely, the followers elect a new leader, and it commits
///    the entry. The client that waited on the old leader never hears: its append is
///    indeterminate, and it took effect. The history must still check out, with the
///    token exactly once.
/// 2. The deposed leader, still cut off and still sure it leads, accepts appends that
///    can never commit, while the new leader puts other commands at the same indexes.
///    After healing, the old leader learns the truth. It must not answer ok for an
///    entry that is not the one it appended for that client.
TEST(Faults, deposedLeader) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        NodeId old_leader = wait_for_leader(cluster);
        std::vector<std::string> rest;
        for (NodeId i = 0; i < cluster.size(); ++i)
            if (i != old_leader) rest.push_back(name(i));
        kv::Client writer(cluster.client_endpoints(), "writer", workload_client_options());
        std::uint64_t writer_seq = 0;
        auto writer_append = [&](const std::string& token) {
            return kv::ClientRequest{"writer", ++writer_seq, kv::Op::append, "dl", token};
        };
        NodeId at = old_leader;
        write_at_new_leader(cluster, writer, kNoNode, at, writer_append("[base]"), &run);
        auto before = status_when(cluster, old_leader, 10s, [](const kv::StatusReply& s) { return s.role == Role::leader; });
        if (!before)
            throw Problem("the leader " + name(old_leader) + " stopped leading on a healthy cluster; statuses: " +
                          describe_statuses(cluster));
        const Term old_term = before->term;

        // Act 1: the entry reaches the majority, the acknowledgements never return.
        cluster.proxy().cut_one_way(rest, {name(old_leader)});
        run.note("one-way cut: nothing from " + rest[0] + " or " + rest[1] + " reaches " + name(old_leader) +
                 " (the leader)");
        WaitingClient on_majority(run, cluster, old_leader, {"waits", 1, kv::Op::append, "dl", "[on-majority]"}, 20000ms);
        Index entry = 0;
        {
            auto leader_has = status_when(cluster, old_leader, 10s, [&](const kv::StatusReply& s) {
                return s.last_index > before->last_index;
            });
            if (!leader_has)
                throw Problem("the leader " + name(old_leader) + " did not append the request within 10 s; statuses: " +
                              describe_statuses(cluster));
            entry = leader_has->last_index;
            for (NodeId f = 0; f < cluster.size(); ++f) {
                if (f == old_leader) continue;
                if (!status_when(cluster, f, 10s, [&](const kv::StatusReply& s) { return s.last_index >= entry; }))
                    throw Problem("the leader " + name(old_leader) + "'s entry " + std::to_string(entry) +
                                  " did not reach follower " + name(f) + " within 10 s (only the way back was cut); "
                                  "statuses: " + describe_statuses(cluster));
            }
        }
        run.note("the append [on-majority] is entry " + std::to_string(entry) + " on all three servers");
        cluster.proxy().partition({{name(old_leader)}, rest});
        run.note("partition: " + name(old_leader) + " alone");
        NodeId fresh = wait_for_new_leader(cluster, old_leader, old_term);
        run.note("new leader " + name(fresh));
        if (!status_when(cluster, fresh, 20s, [&](const kv::StatusReply& s) { return s.commit_index >= entry; }))
            throw Problem("the new leader " + name(fresh) + " holds entry " + std::to_string(entry) +
                          " but did not commit it within 20 s; statuses: " + describe_statuses(cluster));
        if (on_majority.done())
            run.note("the client waiting on " + name(old_leader) + " was answered " + on_majority.outcome() +
                     " before the new leader committed its entry");
        else
            run.note("entry " + std::to_string(entry) + " committed under " + name(fresh) +
                     " while its client still waited on the deposed leader");

        // Act 2: the deposed leader accepts what can never commit.
        std::vector<std::unique_ptr<WaitingClient>> lost;
        for (int k = 1; k <= 3; ++k) {
            lost.push_back(std::make_unique<WaitingClient>(
                run, cluster, old_leader,
                kv::ClientRequest{"lost" + std::to_string(k), 1, kv::Op::append, "dl", "[lost-" + std::to_string(k) + "]"},
                20000ms));
            std::this_thread::sleep_for(100ms);
        }
        auto accepted = status_when(cluster, old_leader, 5s, [&](const kv::StatusReply& s) {
            return s.last_index >= entry + 3;
        });
        if (accepted)
            run.note(name(old_leader) + ", cut off, appended the three [lost-k] appends (last index " +
                     std::to_string(accepted->last_index) + ")");
        else
            run.note(name(old_leader) + " did not append all three [lost-k] appends while cut off (statuses: " +
                     describe_statuses(cluster) + "); act 2 tests only those it accepted");
        for (int k = 1; k <= 4; ++k)
            write_at_new_leader(cluster, writer, old_leader, fresh, writer_append("[new-" + std::to_string(k) + "]"), &run);
        run.note("4 appends [new-k] through " + name(fresh));
        cluster.proxy().heal();
        run.note("healed");
        auto demoted = status_when(cluster, old_leader, 20s, [&](const kv::StatusReply& s) {
            return s.role != Role::leader && s.term > old_term;
        });
        if (!demoted)
            throw Problem("20 s after healing, the deposed leader " + name(old_leader) + " still reports term " +
                          std::to_string(old_term) + " or leads; statuses: " + describe_statuses(cluster));
        run.note("waiting client on " + name(old_leader) + ": " + on_majority.outcome());
        for (auto& c : lost) run.note(c->request().value + " at " + name(old_leader) + ": " + c->outcome());

        FinalState final_state = read_back(run, {"dl"});
        const std::string value = final_state["dl"].value_or("");
        if (value.find("[on-majority]") == std::string::npos)
            throw Problem("the append [on-majority] sat on all three servers and the new leader committed entry " +
                          std::to_string(entry) + ", yet the final value of \"dl\" is " + show(final_state["dl"]) +
                          ": a committed entry was lost.");
        for (auto& c : lost)
            if (c->answered_ok() && value.find(c->request().value) == std::string::npos)
                throw Problem("the deposed leader " + name(old_leader) + " answered ok to the append " +
                              c->request().value + " of client " + c->request().client +
                              ", but its entry never committed: the new leader " + name(fresh) +
                              " put other commands at those indexes, and the final value of \"dl\" is " +
                              show(final_state["dl"]) + ". Answer a write ok only when the entry applied at its "
                              "index is the one you appended for it (same command); otherwise answer not_leader.");
        verify_history(run, final_state);
    });
}

TEST(Faults, lossyLinks) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        proxy::DirectionFaults lossy;
        lossy.frames.drop = 0.10;
        lossy.frames.duplicate = 0.05;
        lossy.frames.reorder = 0.05;
        lossy.frames.reorder_window = std::chrono::microseconds(20000);
        for (NodeId i = 0; i < cluster.size(); ++i)
            for (NodeId j = 0; j < cluster.size(); ++j)
                if (i != j) cluster.proxy().set_faults(name(i) + "->" + name(j), lossy);
        run.note("proxy: every peer link drops 10%, duplicates 5% and reorders 5% of the frames, both ways");
        run_workload_during(run, contended_workload(12, 2, 5000ms));
        cluster.proxy().clear_faults();
        verify_history(run, read_back(run, workload_keys(2)));
    });
}

TEST(Faults, pauses) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        run_workload_during(run, workload(6, 5, 8000ms), [&] {
            std::this_thread::sleep_for(1500ms);
            NodeId leader = wait_for_leader(cluster);
            run.note("SIGSTOP " + name(leader) + " (the leader) for 2.5 s");
            cluster.pause(leader);
            std::this_thread::sleep_for(2500ms);
            cluster.resume(leader);
            std::this_thread::sleep_for(1000ms);
            NodeId follower = (wait_for_leader(cluster) + 1) % cluster.size();
            run.note("SIGSTOP " + name(follower) + " (a follower) for 1.5 s");
            cluster.pause(follower);
            std::this_thread::sleep_for(1500ms);
            cluster.resume(follower);
        });
        verify_history(run, read_back(run, workload_keys(5)));
    });
}

}  // namespace
}  // namespace raftlab::lab10
