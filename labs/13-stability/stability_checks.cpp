// stability_checks.cpp: lab 13 in the simulator. A server cut off from the leader,
// but not from everyone, must not depose it (PreVote and the lease), a leader that
// no majority hears must step down (CheckQuorum), and elections must still happen
// when a leader really is gone. Every run is probed (lab 8's rules) and watched (lab
// 13's rules, lab13.h), and every check asserts that what it is about happened: a
// pre-vote refused, a vote request ignored, a leader stepping down.
#include "lab13.h"

namespace lab13 {
namespace {

/// Cuts both directions between `a` and `b`, and only those.
void cut_between(Simulation& sim, NodeId a, NodeId b) {
    sim.cut(a, b);
    sim.cut(b, a);
}

/// "s0 -x- s2 (both still reach s1)" for a three-server partial partition.
std::string describe_partial(NodeId leader, NodeId cut_off, NodeId bridge) {
    return fmt::format("s{} -x- s{}, both still reaching s{}", leader, cut_off, bridge);
}

/// Offers a command to the current leader every `every`, for `duration`, noting
/// leadership. Returns how many entries the cluster committed meanwhile.
std::size_t run_with_load(Simulation& sim, LeaderLog& leaders, Time duration, Time every, int& label) {
    const std::size_t before = sim.committed().size();
    const Time end = sim.now() + duration;
    while (sim.now() < end && !sim.failed()) {
        if (const std::optional<NodeId> leader = sim.leader(); leader && sim.up(*leader))
            sim.submit(*leader, numbered_command(++label));
        leaders.run(sim, std::min(every, end - sim.now()));
    }
    return sim.committed().size() - before;
}

// The partial partition of Cloudflare's November 2020 incident, on three servers:
// the leader and one follower cannot reach each other, and both reach the third.
TEST(Stability, partialPartitionKeepsLeader) {
    run_watched(40, cluster13(3, true, true), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const Term term = sim.server(leader).current_term();
        const NodeId cut_off = (leader + 1) % 3;
        const NodeId bridge = (leader + 2) % 3;
        const std::string partition = describe_partial(leader, cut_off, bridge);
        sim.note("partial partition: " + partition);
        cut_between(sim, leader, cut_off);
        LeaderLog leaders;
        leaders.note(sim);
        // 3 s without commands first: the cut-off server's log is as up to date as
        // anyone's, so only the lease makes the bridge refuse its pre-votes.
        leaders.run(sim, 3 * kSecond);
        int label = 100;
        const std::size_t committed = run_with_load(sim, leaders, 20 * kSecond, 100 * kMillisecond, label);
        if (sim.failed()) return sim.failure();
        if (leaders.changes() > 0)
            return fmt::format("under the partial partition {} for 23 s, leadership changed {} times ({}); "
                               "the highest term reached {}. The cut-off server deposed a healthy leader: "
                               "with PreVote it must ask first, and with CheckQuorum its peers, which hear "
                               "the leader, must refuse",
                               partition, leaders.changes(), leaders.describe(), leaders.max_term());
        if (watch.counts().pre_votes_sent == 0 || watch.counts().pre_votes_refused == 0)
            return fmt::format("under the partial partition {}, server {} sent {} pre-votes and {} were "
                               "refused: a server that stops hearing its leader must ask for a pre-vote "
                               "when its election timeout passes",
                               partition, cut_off, watch.counts().pre_votes_sent, watch.counts().pre_votes_refused);
        if (committed < 100)
            return fmt::format("under the partial partition {}, leader {} committed only {} of the 200 "
                               "commands offered in 20 s",
                               partition, leader, committed);
        sim.note("heal");
        sim.heal();
        leaders.run(sim, 3 * kSecond);
        if (sim.failed()) return sim.failure();
        if (leaders.changes() > 0 || sim.server(leader).role() != Role::leader ||
            sim.server(leader).current_term() != term)
            return fmt::format("when the partial partition {} healed, leadership changed ({}): the server "
                               "that was cut off must rejoin without deposing the leader",
                               partition, leaders.describe());
        return {};
    });
}

// A server that can send to everyone but hears nobody (every link into it cut): it
// times out again and again, and plain Raft lets each of its elections depose the
// leader, forever. With PreVote its pre-votes are refused (and never even answered).
TEST(Stability, deafServerCannotDepose) {
    run_watched(40, cluster13(5, true, true), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const Term term = sim.server(leader).current_term();
        const NodeId deaf = (leader + 3) % sim.size();
        sim.note(fmt::format("cut every link into s{} (it still sends)", deaf));
        for (NodeId n = 0; n < sim.size(); ++n)
            if (n != deaf) sim.cut(n, deaf);
        LeaderLog leaders;
        leaders.note(sim);
        int label = 150;
        const std::size_t committed = run_with_load(sim, leaders, 20 * kSecond, 100 * kMillisecond, label);
        if (sim.failed()) return sim.failure();
        if (leaders.changes() > 0 || sim.server(leader).current_term() != term)
            return fmt::format("server {} could send to every server but hear none for 20 s, and leadership "
                               "changed {} times ({}), up to term {}: a server that cannot hear the leader "
                               "must ask for a pre-vote, and the servers that hear the leader say no",
                               deaf, leaders.changes(), leaders.describe(), leaders.max_term());
        if (watch.counts().pre_votes_refused == 0)
            return fmt::format("server {} heard nobody for 20 s, yet no pre-vote of its was refused: it must ask "
                               "when its election timeout passes",
                               deaf);
        if (committed < 100)
            return fmt::format("with server {} deaf, leader {} committed only {} of the 200 commands offered",
                               deaf, leader, committed);
        return {};
    });
}

// A server cut off from everyone, with PreVote alone, keeps its term; when it comes
// back it disrupts nothing.
TEST(PreVote, cutOffServerKeepsItsTerm) {
    run_watched(40, cluster13(5, true, false), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const Term term = sim.server(leader).current_term();
        const NodeId cut_off = (leader + 2) % sim.size();
        sim.note(fmt::format("isolate s{}", cut_off));
        sim.isolate(cut_off);
        LeaderLog leaders;
        int label = 200;
        run_with_load(sim, leaders, 5 * kSecond, 200 * kMillisecond, label);
        if (sim.failed()) return sim.failure();
        if (sim.server(cut_off).current_term() != term)
            return fmt::format("server {} was cut off from everyone for 5 s and went from term {} to term {}: "
                               "with PreVote a server that cannot win raises no term",
                               cut_off, term, sim.server(cut_off).current_term());
        if (watch.counts().pre_votes_sent == 0)
            return fmt::format("server {} was cut off for 5 s and never asked for a pre-vote", cut_off);
        sim.note("heal");
        sim.heal();
        LeaderLog after;
        after.run(sim, 3 * kSecond);
        if (sim.failed()) return sim.failure();
        if (after.changes() > 0 || sim.server(leader).role() != Role::leader ||
            sim.server(leader).current_term() != term)
            return fmt::format("after server {} rejoined, leadership changed ({}): a server that was cut off "
                               "must not depose the leader of term {}",
                               cut_off, after.describe(), term);
        return {};
    });
}

// PreVote must not stop elections that should happen: a leader that crashes is
// replaced, again and again.
TEST(PreVote, crashedLeaderIsReplaced) {
    run_watched(40, cluster13(5, true, true), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        for (int round = 0; round < 3; ++round) {
            const NodeId old = settle(sim, why, round);
            if (old == kNoNode) return why;
            const Term old_term = sim.server(old).current_term();
            sim.note(fmt::format("round {}: crash leader s{}", round, old));
            sim.crash(old);
            const NodeId next = await_leader(sim, why, others(sim, {old}));
            if (next == kNoNode)
                return fmt::format("after leader {} of term {} crashed, no new leader was elected: {}", old,
                                   old_term, why);
            sim.restart(old);
        }
        if (watch.counts().pre_votes_granted == 0)
            return "three leaders crashed and were replaced, but no pre-vote was ever granted: with PreVote "
                   "every election starts with one";
        return {};
    });
}

// A server whose log is behind is refused: it cannot win, so it may not raise terms.
TEST(PreVote, serverBehindIsRefused) {
    run_watched(40, cluster13(3, true, true), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const NodeId behind = (leader + 1) % 3;
        const NodeId ahead = (leader + 2) % 3;
        sim.note(fmt::format("isolate s{}; commit 5 more entries without it", behind));
        sim.isolate(behind);
        for (int i = 0; i < 5; ++i) {
            const std::optional<Index> index = sim.submit(leader, numbered_command(300 + i));
            if (!index) return fmt::format("leader {} refused a command", leader);
            if (!sim.run_until([&] { return sim.committed().size() >= *index; }, 5 * kSecond))
                return sim.failed() ? sim.failure()
                                    : fmt::format("leader {} and server {} did not commit index {} within 5 s",
                                                  leader, ahead, *index);
        }
        // For 2 s s<behind> reaches s<ahead> but not the other way round, so only the
        // server that is behind can ask, and s<ahead> must say no.
        sim.note(fmt::format("crash leader s{}; 700 ms later, let s{} reach s{} (one way) for 2 s", leader,
                             behind, ahead));
        sim.crash(leader);
        sim.run_for(700 * kMillisecond);
        const int refused_before = watch.counts().pre_votes_refused;
        sim.heal();
        sim.cut(ahead, behind);
        sim.run_for(2 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(behind).current_term() != sim.server(ahead).current_term() ||
            sim.server(behind).role() == Role::leader)
            return fmt::format("server {}, whose log is behind, raised its term to {} (server {} is in term {}): "
                               "its pre-votes must be refused, so it never starts an election",
                               behind, sim.server(behind).current_term(), ahead, sim.server(ahead).current_term());
        if (watch.counts().pre_votes_refused == refused_before)
            return fmt::format("server {} sent no pre-vote to server {} in 2 s: the check did not test the refusal",
                               behind, ahead);
        sim.note("heal");
        sim.heal();
        const NodeId next = await_leader(sim, why, {behind, ahead});
        if (next == kNoNode) return "with s" + std::to_string(leader) + " crashed: " + why;
        if (next != ahead)
            return fmt::format("server {} won term {} with a log missing committed entries", next,
                               sim.server(next).current_term());
        return {};
    });
}

// CheckQuorum: a leader cut off from everyone stops leading, and rejoins as a
// follower of the new leader.
TEST(CheckQuorum, isolatedLeaderStepsDown) {
    const SimOptions options = cluster13(5, true, true);
    const Time bound = options.server.election_timeout_max + 4 * options.server.heartbeat_interval;
    run_watched(40, options, [bound](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        sim.note(fmt::format("isolate leader s{}", leader));
        sim.isolate(leader);
        sim.run_until([&] { return sim.server(leader).role() != Role::leader; }, bound);
        if (sim.failed()) return sim.failure();
        if (sim.server(leader).role() == Role::leader)
            return fmt::format("leader {} was cut off from every server for {} ms and still leads: with "
                               "CheckQuorum it steps down after an election timeout without a majority",
                               leader, bound / kMillisecond);
        if (watch.counts().quorum_step_downs == 0) return "the cut-off leader stopped leading, but not on a tick";
        const NodeId next = await_leader(sim, why, others(sim, {leader}));
        if (next == kNoNode) return "the majority elected no new leader: " + why;
        sim.note("heal");
        sim.heal();
        if (commit_one(sim, numbered_command(400), why) == kNoNode) return "after healing: " + why;
        if (sim.server(leader).role() != Role::follower)
            return fmt::format("after healing, the old leader {} is {}, not a follower", leader,
                               role_name(sim.server(leader).role()));
        return {};
    });
}

// CheckQuorum: a leader that can send but not hear (every link into it cut) keeps
// its followers quiet with heartbeats; only stepping down lets the cluster go on.
TEST(CheckQuorum, deafLeaderStepsDown) {
    run_watched(40, cluster13(3, true, true), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        sim.note(fmt::format("cut every link into leader s{} (it still sends)", leader));
        for (NodeId n = 0; n < sim.size(); ++n)
            if (n != leader) sim.cut(n, leader);
        const std::vector<NodeId> rest = others(sim, {leader});
        const NodeId next = await_leader(sim, why, rest, 10 * kSecond);
        if (next == kNoNode)
            return fmt::format("leader {} could send to its followers but hear none of them, and 10 s later "
                               "there was no other leader ({}): with CheckQuorum it steps down",
                               leader, why);
        if (watch.counts().quorum_step_downs == 0)
            return fmt::format("a new leader {} was elected, but leader {} never stepped down on a tick", next,
                               leader);
        const std::optional<Index> index = sim.submit(next, numbered_command(500));
        if (!index) return fmt::format("the new leader {} refused a command", next);
        if (!sim.run_until([&] { return sim.committed().size() >= *index; }, 5 * kSecond))
            return sim.failed() ? sim.failure()
                                : fmt::format("the new leader {} did not commit index {} within 5 s", next, *index);
        return {};
    });
}

// The lease alone (CheckQuorum, no PreVote): under the partial partition the peers
// that hear the leader ignore the cut-off server's vote requests.
TEST(Lease, followersIgnoreVotesWhileHearingLeader) {
    run_watched(40, cluster13(3, false, true), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        const NodeId cut_off = (leader + 1) % 3;
        const std::string partition = describe_partial(leader, cut_off, (leader + 2) % 3);
        sim.note("partial partition: " + partition);
        cut_between(sim, leader, cut_off);
        LeaderLog leaders;
        leaders.note(sim);
        int label = 600;
        run_with_load(sim, leaders, 10 * kSecond, 100 * kMillisecond, label);
        if (sim.failed()) return sim.failure();
        if (leaders.changes() > 0)
            return fmt::format("under the partial partition {}, with CheckQuorum only, leadership changed {} "
                               "times ({}): a follower that hears its leader ignores vote requests",
                               partition, leaders.changes(), leaders.describe());
        if (watch.counts().votes_ignored == 0)
            return fmt::format("under the partial partition {}, no vote request was ignored: server {} never "
                               "asked, so the check did not test the lease",
                               partition, cut_off);
        return {};
    });
}

// Without any fault, but with lossy, slow links, a leader keeps leading: CheckQuorum
// must not step down a leader that hears its majority.
TEST(Stability, healthyClusterKeepsLeader) {
    SimOptions options = cluster13(5, true, true);
    options.link.min_delay = 1 * kMillisecond;
    options.link.max_delay = 20 * kMillisecond;
    options.link.loss = 0.05;
    run_watched(20, options, [](Simulation& sim, Watch&) -> std::string {
        std::string why;
        const NodeId leader = settle(sim, why);
        if (leader == kNoNode) return why;
        LeaderLog leaders;
        leaders.note(sim);
        int label = 700;
        run_with_load(sim, leaders, 30 * kSecond, 200 * kMillisecond, label);
        if (sim.failed()) return sim.failure();
        if (leaders.changes() > 0)
            return fmt::format("with every server up and links losing 5% of messages (1-20 ms delay), "
                               "leadership changed {} times in 30 s ({}): a leader that hears a majority "
                               "keeps leading",
                               leaders.changes(), leaders.describe());
        return {};
    });
}

}  // namespace
}  // namespace lab13
