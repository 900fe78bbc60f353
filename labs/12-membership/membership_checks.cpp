// membership_checks.cpp: lab 12 in the simulator. Servers join as learners and become
// voters once caught up, members leave (the leader included), one change at a time,
// and everything still holds through crashes and partitions. Every run is probed
// (lab 8's rules) and watched (lab 12's, lab12.h), and every check asserts that what
// it is about happened: a change refused, a learner promoted, a removal committed
// while the old configuration could not commit, a removed leader gone, a removed
// server's vote requests ignored, an overwritten configuration dropped.
#include "lab12.h"

namespace lab12 {
namespace {

Configuration config(std::vector<NodeId> voters, std::vector<NodeId> learners = {}) {
    return Configuration{std::move(voters), std::move(learners)};
}

// Rules: a new server joins as a learner, catches up, and only then votes; it counts
// for commits from then on.
TEST(AddServer, learnerCatchesUpThenCounts) {
    run_watched(30, cluster12(5, {0, 1, 2}), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        for (int i = 1; i <= 40; ++i) sim.submit(leader, numbered_command(i));
        sim.run_for(300 * kMillisecond);
        sim.note("add server 3");
        leader = await_member_leader(sim, why);
        if (leader == kNoNode) return why;
        const auto added = sim.add_server(leader, 3);
        if (sim.failed()) return sim.failure();
        if (!added) return fmt::format("leader {} refused add_server(3) in a quiet cluster of voters 0, 1 and 2", leader);
        if (!await_configuration(sim, config({0, 1, 2, 3}), 10 * kSecond))
            return sim.failed() ? sim.failure()
                                : "server 3 was not a voter in a committed configuration 10 s after add_server(3)";
        if (watch.counts().promotions < 1) return "server 3 became a voter, yet no leader promoted a learner";
        if (sim.server(3).last_applied() < 40)
            return fmt::format("server 3 is a voter but applied only {} entries of the first 41", sim.server(3).last_applied());
        // Now 3 must count: with 1 and 2 both down... no: with one old voter down, the
        // leader needs 3's answer (3 of the 4 voters).
        leader = member_leader(sim);
        if (leader == kNoNode) return "no leader once server 3 became a voter";
        NodeId down = kNoNode;
        for (NodeId n : {0, 1, 2})
            if (n != leader && down == kNoNode) down = n;
        sim.note(fmt::format("crash voter {}: the commit now needs server 3", down));
        sim.crash(down);
        if (commit_through(sim, numbered_command(100), why) == kNoNode)
            return fmt::format("with voter {} down, of the voters 0, 1, 2 and 3: {}", down, why);
        return {};
    });
}

// Rules: one change at a time; a leader starts none before an entry of its own term
// is committed; a learner waiting to be promoted blocks another addition.
TEST(AddServer, oneChangeAtATime) {
    run_watched(30, cluster12(5, {0, 1, 2}), [](Simulation& sim, Watch&) -> std::string {
        std::string why;
        NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        sim.note("add server 3, then at once ask for 4 and for the removal of a voter");
        if (!sim.add_server(leader, 3)) return sim.failed() ? sim.failure() : "add_server(3) was refused in a quiet cluster";
        const NodeId other = leader == 0 ? 1 : 0;
        if (sim.add_server(leader, 4))
            return "add_server(4) was accepted while the configuration adding server 3 was not committed yet";
        if (sim.remove_server(leader, other))
            return fmt::format("remove_server({}) was accepted while the configuration adding server 3 was not "
                               "committed yet", other);
        if (sim.add_server(leader, 3)) return "add_server(3) was accepted twice";
        if (sim.failed()) return sim.failure();
        if (!await_configuration(sim, config({0, 1, 2, 3}), 10 * kSecond))
            return sim.failed() ? sim.failure() : "server 3 was not a committed voter 10 s after add_server(3)";
        leader = await_member_leader(sim, why);
        if (leader == kNoNode) return why;
        sim.note("now add server 4");
        if (!sim.add_server(leader, 4))
            return sim.failed() ? sim.failure()
                                : "add_server(4) was refused once the change adding server 3 was complete";
        if (!await_configuration(sim, config({0, 1, 2, 3, 4}), 10 * kSecond))
            return sim.failed() ? sim.failure() : "server 4 was not a committed voter 10 s after add_server(4)";
        return {};
    });
}

// Rule: a new leader starts no change before it has committed an entry of its term.
TEST(AddServer, refusedBeforeOwnTermCommits) {
    run_watched(30, cluster12(5, {0, 1, 2}), [](Simulation& sim, Watch&) -> std::string {
        std::string why;
        if (commit_through(sim, numbered_command(0), why) == kNoNode) return why;
        const NodeId old = member_leader(sim);
        sim.note(fmt::format("crash leader {}; ask the next leader for a change the moment it wins", old));
        sim.crash(old);
        NodeId leader = kNoNode;
        sim.run_until(
            [&] {
                for (NodeId n : {0, 1, 2})
                    if (n != old && sim.up(n) && sim.server(n).role() == Role::leader) leader = n;
                return leader != kNoNode;
            },
            kElectionBound);
        if (sim.failed()) return sim.failure();
        if (leader == kNoNode) return "no new leader within 5 s of the old one's crash";
        const Index commit = sim.server(leader).commit_index();
        const Term term = sim.server(leader).current_term();
        const bool own = commit > 0 && sim.server(leader).log_entry(commit).term == term;
        if (own)  // it cannot have: the entry needs another voter's answer, a later event
            return fmt::format("new leader {} of term {} had committed an entry of its term the moment it won: "
                               "the scenario tested nothing", leader, term);
        if (sim.add_server(leader, 3))
            return fmt::format("new leader {} of term {} accepted add_server(3) before committing any entry of "
                               "its term (commit index {}): a change of an older leader may still be on its way",
                               leader, term, commit);
        if (sim.failed()) return sim.failure();
        sim.restart(old);
        if (commit_through(sim, numbered_command(1), why) == kNoNode) return why;
        leader = member_leader(sim);
        if (!sim.add_server(leader, 3))
            return sim.failed() ? sim.failure()
                                : "add_server(3) was refused after the new leader committed an entry of its term";
        return {};
    });
}

// Rule: a configuration counts from the moment it is in the log. Four voters with
// two down cannot commit anything; the removal of a down voter still commits, since
// it counts among the three voters left.
TEST(RemoveServer, configurationCountsOnceInLog) {
    run_watched(30, cluster12(5, {0, 1, 2, 3}), [](Simulation& sim, Watch&) -> std::string {
        std::string why;
        const NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        std::vector<NodeId> rest;
        for (NodeId n : {0, 1, 2, 3})
            if (n != leader) rest.push_back(n);
        sim.note(fmt::format("crash voters {} and {}; remove {}", rest[1], rest[2], rest[2]));
        sim.crash(rest[1]);
        sim.crash(rest[2]);
        const auto index = sim.remove_server(leader, rest[2]);
        if (sim.failed()) return sim.failure();
        if (!index) return fmt::format("leader {} refused remove_server({}) in a quiet cluster", leader, rest[2]);
        Configuration want;
        for (NodeId n : {0, 1, 2, 3})
            if (n != rest[2]) want.voters.push_back(n);
        if (!sim.run_until([&] { return sim.server(leader).commit_index() >= *index; }, 5 * kSecond))
            return sim.failed() ? sim.failure()
                                : fmt::format("the removal of server {} (index {}) did not commit in 5 s with voters "
                                              "{} and {} up: it counts from the moment it is in the leader's log, "
                                              "and then 2 of the 3 voters left are a majority",
                                              rest[2], *index, leader, rest[0]);
        if (commit_through(sim, numbered_command(1), why) == kNoNode) return "after the removal: " + why;
        return {};
    });
}

// Rules: the leader may remove itself; it keeps leading until its removal commits,
// without counting itself, then stops; the others elect a leader and go on.
TEST(RemoveServer, leaderRemovesItself) {
    run_watched(30, cluster12(5, {0, 1, 2}), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        std::vector<NodeId> rest;
        for (NodeId n : {0, 1, 2})
            if (n != leader) rest.push_back(n);
        sim.note(fmt::format("crash voter {}, then leader {} removes itself", rest[1], leader));
        sim.crash(rest[1]);
        const auto index = sim.remove_server(leader, leader);
        if (sim.failed()) return sim.failure();
        if (!index) return fmt::format("leader {} refused to remove itself", leader);
        sim.run_for(1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (sim.server(leader).commit_index() >= *index)
            return fmt::format("leader {} committed its own removal (index {}) with voter {} down: the new "
                               "configuration's voters are {} and {}, and the leader does not count itself",
                               leader, *index, rest[1], rest[0], rest[1]);
        if (sim.server(leader).role() != Role::leader)
            return fmt::format("server {} stopped leading before its removal was committed", leader);
        sim.note(fmt::format("restart voter {}", rest[1]));
        sim.restart(rest[1]);
        if (!sim.run_until([&] { return sim.server(leader).role() != Role::leader; }, 5 * kSecond))
            return sim.failed() ? sim.failure()
                                : fmt::format("server {} still leads 5 s after voter {} came back", leader, rest[1]);
        if (sim.server(leader).commit_index() < *index)
            return fmt::format("server {} stopped leading before it committed its removal (index {})", leader, *index);
        const NodeId next = commit_through(sim, numbered_command(1), why);
        if (next == kNoNode) return "after the leader left: " + why;
        if (next == leader) return fmt::format("removed server {} leads again", leader);
        if (watch.counts().removed_leaders < 1) return "no leader stopped leading after its removal";
        sim.run_for(2 * kSecond);
        if (sim.server(leader).role() == Role::leader) return fmt::format("removed server {} leads again", leader);
        return {};
    });
}

// Rule: a removed server that never learned of its removal cannot disrupt: the others
// hear their leader, so they ignore its vote requests.
TEST(RemoveServer, removedServerCannotDisrupt) {
    run_watched(30, cluster12(5, {0, 1, 2, 3}), [](Simulation& sim, Watch& watch) -> std::string {
        std::string why;
        const NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        const NodeId gone = (leader + 1) % 4;
        sim.note(fmt::format("cut server {} off and remove it", gone));
        sim.isolate(gone);
        if (!sim.remove_server(leader, gone))
            return sim.failed() ? sim.failure() : fmt::format("leader {} refused remove_server({})", leader, gone);
        Configuration want;
        for (NodeId n : {0, 1, 2, 3})
            if (n != gone) want.voters.push_back(n);
        if (!await_configuration(sim, want, 5 * kSecond))
            return sim.failed() ? sim.failure() : fmt::format("the removal of server {} did not commit in 5 s", gone);
        sim.run_for(2 * kSecond);  // it times out again and again, alone
        const Term term = sim.server(leader).current_term();
        const int ignored = watch.counts().votes_ignored;
        sim.note(fmt::format("heal: server {} (term {}) asks everyone for votes", gone, sim.server(gone).current_term()));
        sim.heal();
        int label = 1;
        const Time end = sim.now() + 4 * kSecond;
        while (sim.now() < end && !sim.failed()) {
            sim.submit(leader, numbered_command(label++));
            sim.run_for(100 * kMillisecond);
            if (sim.server(leader).role() != Role::leader || sim.server(leader).current_term() != term)
                return fmt::format("leader {} of term {} lost its leadership (now {} of term {}) once removed server "
                                   "{} could reach it again: a server that hears its leader ignores vote requests",
                                   leader, term, role_name(sim.server(leader).role()),
                                   sim.server(leader).current_term(), gone);
        }
        if (sim.failed()) return sim.failure();
        if (sim.server(gone).current_term() <= term)
            return fmt::format("removed server {} never started an election: the scenario tested nothing", gone);
        if (watch.counts().votes_ignored <= ignored)
            return fmt::format("no member ignored a vote request of removed server {}: the scenario tested nothing",
                               gone);
        return commit_through(sim, numbered_command(label), why) == kNoNode ? why : std::string{};
    });
}

// Rules: a server that is not a voter never starts an election, and a leader
// replicates to members only. Servers 3 and 4 are up from the start, outside the
// configuration, through a leader's crash.
TEST(Membership, outsidersStayQuiet) {
    run_watched(30, cluster12(5, {0, 1, 2}), [](Simulation& sim, Watch&) -> std::string {
        std::string why;
        const NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        sim.run_for(1 * kSecond);
        sim.note(fmt::format("crash leader {}", leader));
        sim.crash(leader);
        if (commit_through(sim, numbered_command(1), why) == kNoNode) return why;
        sim.run_for(2 * kSecond);
        if (sim.failed()) return sim.failure();
        for (NodeId n : {3, 4})
            if (sim.server(n).last_log_index() > 0)
                return fmt::format("server {} holds {} log entries although it was never added", n,
                                   sim.server(n).last_log_index());
        return {};
    });
}

// Rule: a configuration entry that a new leader overwrites no longer counts: a server
// goes back to the configuration before it.
TEST(Membership, overwrittenConfigurationIsDropped) {
    run_watched(30, cluster12(5, {0, 1, 2, 3, 4}), [](Simulation& sim, Watch&) -> std::string {
        std::string why;
        const NodeId leader = commit_through(sim, numbered_command(0), why);
        if (leader == kNoNode) return why;
        const NodeId buddy = (leader + 1) % 5;
        const NodeId victim = (leader + 4) % 5;
        sim.note(fmt::format("leader {} and server {} apart from the rest; the leader removes {}", leader, buddy, victim));
        std::vector<NodeId> rest;
        for (NodeId n = 0; n < 5; ++n)
            if (n != leader && n != buddy) rest.push_back(n);
        sim.partition({{leader, buddy}, rest});
        const auto index = sim.remove_server(leader, victim);
        if (sim.failed()) return sim.failure();
        if (!index) return fmt::format("leader {} refused remove_server({})", leader, victim);
        if (!sim.run_until([&] { return sim.server(buddy).last_log_index() >= *index; }, 2 * kSecond))
            return sim.failed() ? sim.failure()
                                : fmt::format("server {} did not receive the configuration entry in 2 s", buddy);
        if (sim.server(buddy).configuration().is_member(victim))
            return fmt::format("server {} holds the entry removing {} but still counts it", buddy, victim);
        // The majority side elects its own leader and commits past the entry.
        for (int i = 0; i < 40 && !sim.failed(); ++i) {
            for (NodeId n : rest)
                if (sim.server(n).role() == Role::leader) sim.submit(n, numbered_command(10 + i));
            sim.run_for(200 * kMillisecond);
        }
        sim.note("heal");
        sim.heal();
        if (commit_through(sim, numbered_command(100), why) == kNoNode) return why;
        sim.run_for(1 * kSecond);
        if (sim.failed()) return sim.failure();
        if (!sim.server(buddy).configuration().is_voter(victim))
            return fmt::format("server {} still leaves out server {} after its log was overwritten", buddy, victim);
        if (sim.server(buddy).last_log_index() >= *index &&
            is_configuration(sim.server(buddy).log_entry(*index).command))
            return fmt::format("the configuration entry at index {} survived on server {}: the scenario tested "
                               "nothing", *index, buddy);
        return {};
    });
}

}  // namespace
}  // namespace lab12
