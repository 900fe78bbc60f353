// commit_checks.cpp: lab 7, committing by majority and applying in order.
#include <algorithm>
#include <vector>
#include <variant>
#include <utility>

#include "lab07.h"

namespace lab07 {
namespace {

TEST(Quorum, majorityArithmetic) {
    // Compared with counting by brute force, on random inputs drawn from each seed.
    auto check = [](std::uint64_t seed) -> std::string {
        for (int n = 1; n <= 9; ++n)
            for (int count = 0; count <= n; ++count)
                if (is_majority(count, n) != (2 * count > n))
                    return fmt::format("is_majority({}, {}) should be {}", count, n, 2 * count > n);
        Rng rng(seed);
        for (int round = 0; round < 200; ++round) {
            const int n = static_cast<int>(rng.uniform(1, 9));
            std::vector<Index> match(static_cast<std::size_t>(n));
            for (Index& m : match) m = static_cast<Index>(rng.uniform(0, 12));
            Index expected = 0;
            for (Index candidate = 0; candidate <= 12; ++candidate) {
                const auto at_least = std::count_if(match.begin(), match.end(),
                                                    [&](Index m) { return m >= candidate; });
                if (2 * at_least > n) expected = candidate;
            }
            if (Index got = majority_match(match); got != expected)
                return fmt::format("majority_match of {} match indexes gave {} but {} is the "
                                   "largest index a majority has reached",
                                   n, got, expected);
        }
        return {};
    };
    for (std::uint64_t seed : check::seeds(20)) {
        std::string why;
        try {
            why = check(seed);
        } catch (const std::exception& e) {
            why = e.what();
        }
        if (!why.empty()) {
            ADD_FAILURE() << "seed " << seed << ": " << why << ". Replay: " << check::replay_command(seed);
            return;
        }
    }
}

TEST(Commit, majorityCommitsAndApplies) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const int count = static_cast<int>(sim.rng().uniform(1, 30));
        for (int i = 0; i < count; ++i) {
            if (std::string e = submit_many(sim, 0, 1, i); !e.empty()) return e;
            sim.run_for(sim.rng().uniform(0, 10 * kMillisecond));
        }
        if (std::string e = all_apply(sim, count, 1 * kSecond, "committed entries were not applied everywhere"); !e.empty())
            return e;
        for (int i = 0; i < count; ++i)
            if (sim.committed()[static_cast<std::size_t>(i)].command != numbered_command(i))
                return fmt::format("index {} applied a different command than the client's {}th", i + 1, i + 1);
        return {};
    });
}

TEST(Commit, followersLearnCommitIndex) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        const int count = static_cast<int>(sim.rng().uniform(1, 20));
        if (std::string e = submit_many(sim, 0, count); !e.empty()) return e;
        sim.run_until([&] { return sim.server(0).commit_index() == static_cast<Index>(count); }, 1 * kSecond);
        if (sim.server(0).commit_index() != static_cast<Index>(count))
            return fmt::format("the leader did not commit its {} entries with every follower "
                               "reachable (commit index {})", count, sim.server(0).commit_index());
        // Nothing new is submitted: followers learn the commit index from heartbeats.
        sim.run_for(300 * kMillisecond);
        for (NodeId n = 1; n < sim.size(); ++n)
            if (sim.server(n).commit_index() != static_cast<Index>(count))
                return fmt::format("follower {} has commit index {} while the leader's is {}: "
                                   "leader_commit in AppendEntries (heartbeats too) tells followers",
                                   n, sim.server(n).commit_index(), count);
        return {};
    });
}

/// Commits `before` entries, then cuts the leader off with `minority - 1` followers
/// and offers `after` more. Returns "" when nothing new committed.
std::string cut_off_leader(Simulation& sim, int before, int minority, int after) {
    sim.become_leader(0);
    if (std::string e = submit_many(sim, 0, before); !e.empty()) return e;
    if (std::string e = all_apply(sim, before, 1 * kSecond, "replication stalled"); !e.empty()) return e;
    std::vector<NodeId> small{0}, large;
    for (NodeId n = 1; n < sim.size(); ++n)
        (static_cast<int>(small.size()) < minority ? small : large).push_back(n);
    sim.partition({small, large});
    if (std::string e = submit_many(sim, 0, after, before); !e.empty()) return e;
    sim.run_for(1 * kSecond);
    if (sim.failed()) return sim.failure();
    for (NodeId n = 0; n < sim.size(); ++n)
        if (sim.server(n).commit_index() > static_cast<Index>(before))
            return fmt::format("server {} committed index {} although only {} of {} servers could "
                               "hold it",
                               n, sim.server(n).commit_index(), minority, sim.size());
    return {};
}

TEST(Commit, noCommitWithoutMajority) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        const int minority = static_cast<int>(sim.rng().uniform(1, 2));
        return cut_off_leader(sim, static_cast<int>(sim.rng().uniform(0, 5)), minority, 5);
    });
}

TEST(Commit, evenClusterNeedsStrictMajority) {
    run_probed(100, cluster(4), [](Simulation& sim) -> std::string {
        return cut_off_leader(sim, 2, 2, 4);  // two of four is not a majority
    });
}

TEST(Commit, commitsResumeAfterHeal) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        const int before = static_cast<int>(sim.rng().uniform(0, 5));
        if (std::string e = cut_off_leader(sim, before, 2, 5); !e.empty()) return e;
        sim.heal();
        return all_apply(sim, before + 5, 2 * kSecond, "after the partition healed the waiting entries did not commit");
    });
}

TEST(Commit, minorityDownStillCommits) {
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        sim.crash(static_cast<NodeId>(sim.rng().uniform(1, 2)));
        sim.crash(static_cast<NodeId>(sim.rng().uniform(3, 4)));
        if (std::string e = submit_many(sim, 0, 10); !e.empty()) return e;
        return all_apply(sim, 10, 1 * kSecond, "with two of five servers down the other three must still commit");
    });
}

TEST(Commit, oldTermEntryNotCommittedByCounting) {
    // The Figure 8 situation, made by hand: an entry of term 1 reaches a majority only
    // under the leader of term 2. Counting replicas must not commit it; committing an
    // entry of term 2 after it does.
    run_probed(200, cluster(), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        sim.run_for(100 * kMillisecond);
        sim.partition({{0, 1}, {2, 3, 4}});
        if (std::string e = submit_many(sim, 0, 1); !e.empty()) return e;
        sim.run_for(200 * kMillisecond);
        sim.crash(0);
        sim.heal();
        sim.note("server 1 leads term 2 holding an uncommitted entry of term 1");
        sim.become_leader(1);
        sim.run_for(sim.rng().uniform(300, 1000) * kMillisecond);
        if (sim.failed()) return sim.failure();
        for (NodeId n = 1; n < sim.size(); ++n)
            if (sim.server(n).commit_index() != 0)
                return fmt::format("server {} committed an entry of term 1 because a majority "
                                   "stored it, but a leader may commit only entries of its own "
                                   "term by counting (Figure 8)",
                                   n);
        if (std::string e = submit_many(sim, 1, 1, 1); !e.empty()) return e;
        return all_apply(sim, 2, 1 * kSecond,
                         "once an entry of term 2 reached a majority, it and the older entry "
                         "before it should have committed");
    });
}

TEST(Commit, singleServerCommitsAlone) {
    run_probed(10, cluster(1), [](Simulation& sim) -> std::string {
        sim.become_leader(0);
        if (std::string e = submit_many(sim, 0, 5); !e.empty()) return e;
        return all_apply(sim, 5, 100 * kMillisecond, "a one-server cluster is its own majority");
    });
}

/// The world of one server driven by hand: it records what the server sends and
/// applies; the clock stands still and random() gives the low end.
class ScriptEnv final : public Env {
public:
    void send(NodeId to, Message message) override { sent.emplace_back(to, std::move(message)); }
    void persist_term_and_vote(Term, NodeId) override {}
    void persist_log(Index, const std::vector<LogEntry>&) override {}
    void apply(Index index, const LogEntry& entry) override { applied.emplace_back(index, entry); }
    void read_done(ReadId, bool) override {}
    Time now() const override { return 0; }
    void set_timer(Time) override {}
    std::int64_t random(std::int64_t low, std::int64_t) override { return low; }

    /// The one AppendEntriesReply the last request got, or a sentence saying why not.
    std::string only_reply(AppendEntriesReply& out, const char* request) {
        std::vector<AppendEntriesReply> replies;
        for (const auto& [to, m] : sent)
            if (const auto* r = std::get_if<AppendEntriesReply>(&m)) replies.push_back(*r);
        sent.clear();
        if (replies.size() != 1)
            return fmt::format("the follower sent {} replies to {} (one expected)", replies.size(), request);
        out = replies[0];
        return {};
    }

    std::vector<std::pair<NodeId, Message>> sent;
    std::vector<std::pair<Index, LogEntry>> applied;
};

// A scripted leader talks to one follower (server 1 of 3). A follower commits only up
// to min(leader_commit, the last entry the request proved to match): entries past
// that point may be leftovers of an older term that the new leader's log does not
// have, however high the leader's commit index. And a request the follower refuses
// proves nothing, so it teaches no commit index either.
TEST(Commit, followerCommitsOnlyWhatTheRequestProved) {
    ServerConfig config = cluster(3).server;
    config.id = 1;
    config.cluster_size = 3;
    ScriptEnv env;
    std::unique_ptr<RaftNode> follower = make_server(config, env, PersistentState{});
    auto entry = [](Term t, const char* c) { return LogEntry{t, c}; };
    auto fail = [](const std::string& why) { ADD_FAILURE() << why; };
    AppendEntriesReply reply;

    // Leader 0 of term 1 gives it three entries and commits none of them.
    follower->receive(0, AppendEntries{1, 0, 0, 0, {entry(1, "a"), entry(1, "b"), entry(1, "c")}, 0, 1});
    if (std::string e = env.only_reply(reply, "leader 0's first AppendEntries"); !e.empty()) return fail(e);
    if (!reply.success || reply.match_index != 3)
        return fail(fmt::format("a follower with an empty log refused, or did not match all 3 entries of, a request "
                                "with prev_log_index 0 (success {}, match_index {})",
                                reply.success, reply.match_index));

    // Leader 2 of term 2 sends a bare heartbeat that matches at index 1 only, with
    // commit index 3: entries 2 and 3 are term 1 leftovers it never sent.
    follower->receive(2, AppendEntries{2, 2, 1, 1, {}, 3, 1});
    if (std::string e = env.only_reply(reply, "leader 2's heartbeat"); !e.empty()) return fail(e);
    if (!reply.success || reply.match_index != 1)
        return fail(fmt::format("a heartbeat of term 2 with prev_log_index 1 and prev_log_term 1, which the follower's "
                                "log matches, got success {} and match_index {} (expected true and 1)",
                                reply.success, reply.match_index));
    if (follower->commit_index() != 1)
        return fail(fmt::format("after a heartbeat that matched only index 1, with leader_commit 3, the follower's "
                                "commit index is {}: it may commit only min(leader_commit, prev_log_index + "
                                "entries sent) = 1, since entries 2 and 3 may not be the leader's",
                                follower->commit_index()));

    // A request it must refuse (nothing at index 7) carries commit index 3.
    follower->receive(2, AppendEntries{2, 2, 7, 2, {}, 3, 2});
    if (std::string e = env.only_reply(reply, "a request with prev_log_index 7"); !e.empty()) return fail(e);
    if (reply.success) return fail("the follower accepted a request whose prev_log_index 7 is past its last entry");
    if (follower->commit_index() != 1)
        return fail(fmt::format("a refused AppendEntries (prev_log_index 7 is past the follower's log) moved the "
                                "follower's commit index from 1 to {}: a request the follower refuses proves "
                                "nothing about its log, so it must not change the commit index",
                                follower->commit_index()));

    // Leader 2 replaces the leftovers and commits its own entry 2.
    follower->receive(2, AppendEntries{2, 2, 1, 1, {entry(2, "x")}, 2, 3});
    if (std::string e = env.only_reply(reply, "leader 2's entry 2"); !e.empty()) return fail(e);
    const std::vector<std::pair<Index, LogEntry>> want{{1, entry(1, "a")}, {2, entry(2, "x")}};
    if (!reply.success || follower->commit_index() != 2 || env.applied != want) {
        std::string got;
        for (const auto& [i, e] : env.applied) got += fmt::format(" {}:{}", i, e.command);
        return fail(fmt::format("after leader 2 sent its entry 2 (term 2, 'x') with commit index 2, the follower "
                                "should have commit index 2 and have applied 1:a 2:x, but it has commit index {} "
                                "and applied{}",
                                follower->commit_index(), got.empty() ? " nothing" : got));
    }
}

}  // namespace
}  // namespace lab07
