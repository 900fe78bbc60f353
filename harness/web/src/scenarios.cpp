// scenarios.cpp: named sequences for presenters, one step per click, each step saying
// what just happened and what to watch. Steps run real operations on the live cluster
// and describe what it actually did (who won, which index), not a script.
#include "demo_impl.h"

#include <algorithm>

namespace raftlab::web {

using std::chrono::milliseconds;

namespace {

std::string term_s(std::uint64_t t) { return "term " + std::to_string(t); }

std::optional<kv::StatusReply> status_of(Demo::Impl& m, int id) {
    auto v = m.view();
    return v.at(static_cast<std::size_t>(id)).status;
}

/// Term of entry `index` in a status's log window, or 0 when outside it.
std::uint64_t term_at(const kv::StatusReply& s, std::uint64_t index) {
    std::uint64_t first = s.last_index + 1 - s.log_terms.size();
    if (index < first || index > s.last_index || index == 0) return 0;
    return s.log_terms[index - first];
}

/// No leader yet: ask the presenter to click again.
std::string no_leader(ScenarioRun& run) {
    run.vars["again"] = 1;
    return "There is no leader right now (an election is under way or too few servers are up). "
           "Wait for a server to turn gold, then click again.";
}

std::string list(const std::vector<int>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i)
        out += (i == 0 ? "" : i + 1 == ids.size() ? " and " : ", ") + node_name(ids[i]);
    return out;
}

/// Restarts follower run.vars["f"] and waits (at most 10 s) until it has committed what
/// the leader had committed. Returns whether it caught up, and its status then.
std::pair<bool, std::optional<kv::StatusReply>> restart_follower(Demo::Impl& m, ScenarioRun& run) {
    int f = static_cast<int>(run.vars["f"]);
    m.cluster->start(f);
    m.add_event("process", "started " + node_name(f));
    int l = m.wait_for_leader(milliseconds(5000));
    auto ls = l >= 0 ? status_of(m, l) : std::nullopt;
    bool caught = ls && m.wait_for_commit({f}, ls->commit_index, milliseconds(10000));
    return {caught, status_of(m, f)};
}

Scenario leader_crash() {
    Scenario s{"leader_crash", "Leader crash",
               "The leader crashes. Followers stop hearing heartbeats; the first one whose election timer "
               "runs out becomes a candidate, asks for votes, and a new leader takes over.", {}};
    s.steps.push_back({"Kill the leader", [](Demo::Impl& m, ScenarioRun& run) {
        int l = m.wait_for_leader(milliseconds(5000));
        if (l < 0) return no_leader(run);
        auto st = status_of(m, l);
        run.vars["old"] = l;
        run.vars["term"] = static_cast<std::int64_t>(st ? st->term : 0);
        m.kill(l);
        run.vars["killed_us"] = now_us();
        return node_name(l) + ", the leader of " + term_s(st ? st->term : 0) +
               ", is dead (kill -9). Watch the followers' election-timer bars: no heartbeat resets them now.";
    }});
    s.steps.push_back({"Watch the election", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]);
        int l = m.wait_for_leader(milliseconds(15000), old, static_cast<std::uint64_t>(run.vars["term"]));
        if (l < 0) return no_leader(run);
        auto st = status_of(m, l);
        run.vars["new"] = l;
        std::int64_t since = m.view()[static_cast<std::size_t>(l)].leader_since_us;
        std::int64_t took = (since > 0 ? since : now_us()) - run.vars["killed_us"];
        return node_name(l) + " won the election for " + term_s(st ? st->term : 0) + " with votes from a majority, about " +
               std::to_string(took / 1000) + " ms after the crash. Its first entry is a no-op of its own term, "
               "which commits everything before it.";
    }});
    s.steps.push_back({"Restart the old leader", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]);
        m.cluster->start(old);
        m.add_event("process", "started " + node_name(old));
        return node_name(old) + " is back with its old term and log. The first heartbeat from " +
               node_name(static_cast<int>(run.vars["new"])) +
               " carries a higher term, so it stays a follower and receives the entries it missed.";
    }});
    return s;
}

Scenario split_brain() {
    Scenario s{"split_brain", "Split brain",
               "The leader is cut off from everyone else. For a while two servers believe they lead, "
               "in different terms, but only the one with a majority can commit.", {}};
    s.steps.push_back({"Isolate the leader", [](Demo::Impl& m, ScenarioRun& run) {
        int l = m.wait_for_leader(milliseconds(5000));
        if (l < 0) return no_leader(run);
        auto st = status_of(m, l);
        run.vars["old"] = l;
        run.vars["term"] = static_cast<std::int64_t>(st ? st->term : 0);
        std::vector<int> rest;
        for (int i = 0; i < m.options.nodes; ++i) if (i != l) rest.push_back(i);
        m.partition({{l}, rest});
        return node_name(l) + " (leader, " + term_s(st ? st->term : 0) +
               ") can no longer reach anyone, and does not know it: its heartbeats die at the partition (red "
               "crosses) while the other side's election timers run out.";
    }});
    s.steps.push_back({"Wait for a second leader", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]);
        int l = m.wait_for_leader(milliseconds(15000), old, static_cast<std::uint64_t>(run.vars["term"]));
        if (l < 0) return no_leader(run);
        run.vars["new"] = l;
        auto st = status_of(m, l);
        auto os = status_of(m, old);
        bool still = os && os->role == Role::leader;
        return node_name(l) + " was elected in " + term_s(st ? st->term : 0) + " by the majority. " +
               (still ? node_name(old) + " still shows itself as leader of " + term_s(os->term) +
                            ": two leaders, in different terms."
                      : node_name(old) + " has already given up leadership (this server steps down when it "
                                         "cannot reach a majority).");
    }});
    s.steps.push_back({"Write to both leaders", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]), now = static_cast<int>(run.vars["new"]);
        bool ok_new = false, ok_old = false;
        m.scenario_write(now, "color", "blue", milliseconds(3000), &ok_new);
        auto before = status_of(m, old);
        m.scenario_write(old, "color", "red", milliseconds(1500), &ok_old);
        auto after = status_of(m, old);
        std::string text = "color=blue sent to " + node_name(now) + ": " +
                           (ok_new ? "committed, a majority stored it. " : "not confirmed (try again). ");
        if (after && after->role == Role::leader)
            text += "color=red sent to the old leader " + node_name(old) + ": it appended it (last index " +
                    std::to_string(after->last_index) + ") but its commit index stays at " +
                    std::to_string(after->commit_index) + ": it cannot reach a majority, so the client is never told ok.";
        else
            text += "color=red sent to " + node_name(old) + (ok_old ? ": ok?!" : ": refused or unanswered") +
                    ", it is no longer a leader.";
        (void)before;
        return text;
    }});
    s.steps.push_back({"Heal the partition", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]), now = static_cast<int>(run.vars["new"]);
        m.heal();
        auto until = std::chrono::steady_clock::now() + milliseconds(5000);
        std::optional<kv::StatusReply> os;
        while (std::chrono::steady_clock::now() < until) {
            os = status_of(m, old);
            if (os && os->role != Role::leader) break;
            std::this_thread::sleep_for(milliseconds(50));
        }
        auto ns = status_of(m, now);
        if (ns) m.wait_for_commit({old}, ns->commit_index, milliseconds(5000));
        return node_name(old) + " heard " + term_s(os ? os->term : 0) + " from " + node_name(now) +
               ", stepped down to follower, and its uncommitted color=red was replaced by the leader's log. "
               "Nothing a client was told is committed has been lost.";
    }});
    return s;
}

Scenario catch_up() {
    Scenario s{"catch_up", "Follower catch-up",
               "A follower misses writes while it is down. When it returns, the leader finds the point where "
               "their logs agree and sends it everything after.", {}};
    s.steps.push_back({"Kill a follower", [](Demo::Impl& m, ScenarioRun& run) {
        int l = m.wait_for_leader(milliseconds(5000));
        if (l < 0) return no_leader(run);
        int f = (l + 1) % m.options.nodes;
        run.vars["f"] = f;
        m.kill(f);
        return "Follower " + node_name(f) + " is down; its log stays on disk as it was.";
    }});
    s.steps.push_back({"Write five values", [](Demo::Impl& m, ScenarioRun& run) {
        int ok = 0;
        for (int i = 1; i <= 5 && !m.stopping; ++i) {
            int l = m.wait_for_leader(milliseconds(5000));
            if (l < 0) break;
            bool good = false;
            m.scenario_write(l, "fruit" + std::to_string(i),
                             std::vector<std::string>{"apple", "pear", "plum", "fig", "kiwi"}[i - 1], milliseconds(3000), &good);
            ok += good;
        }
        int f = static_cast<int>(run.vars["f"]);
        std::this_thread::sleep_for(milliseconds(3 * m.options.frame_ms));  // let the view catch up
        int l = m.leader();
        auto ls = l >= 0 ? status_of(m, l) : std::nullopt;
        return std::to_string(ok) + " of 5 writes committed on the majority" +
               (ls ? " (commit index " + std::to_string(ls->commit_index) + ")" : std::string()) + "; " +
               node_name(f) + " missed all of them.";
    }});
    s.steps.push_back({"Restart the follower", [](Demo::Impl& m, ScenarioRun& run) {
        int f = static_cast<int>(run.vars["f"]);
        auto [caught, fs] = restart_follower(m, run);
        return node_name(f) + " restarted. " +
               (caught ? "The leader's AppendEntries (orange, with entries) filled its log: it now has last index " +
                             std::to_string(fs ? fs->last_index : 0) + " and commit index " +
                             std::to_string(fs ? fs->commit_index : 0) + ", like the others."
                       : std::string("It has not caught up yet; watch its log fill."));
    }});
    return s;
}

Scenario figure8() {
    Scenario s{"figure8", "Figure 8",
               "Raft's Figure 8: an entry stored on a majority is not necessarily committed. A leader commits "
               "only entries of its own term by counting copies; older ones commit indirectly, with it. We build "
               "the risky state with real processes.", {}};
    s.steps.push_back({"Stop acknowledgements to the leader", [](Demo::Impl& m, ScenarioRun& run) {
        int l = m.wait_for_leader(milliseconds(5000));
        if (l < 0) return no_leader(run);
        const int n = m.options.nodes, majority = n / 2 + 1;
        std::vector<int> holders, down;
        for (int k = 1; k < n; ++k) {
            int i = (l + k) % n;
            (static_cast<int>(holders.size()) < majority - 1 ? holders : down).push_back(i);
        }
        auto st = status_of(m, l);
        run.vars["old"] = l;
        run.vars["term"] = static_cast<std::int64_t>(st ? st->term : 0);
        run.vars["holders"] = 0;
        for (int h : holders) run.vars["holders"] |= 1LL << h;
        for (int d : down) {
            m.kill(d);
            run.vars["down"] |= 1LL << d;
        }
        std::vector<std::string> from, to{node_name(l)};
        for (int h : holders) from.push_back(node_name(h));
        m.cluster->proxy().cut_one_way(from, to);
        m.add_event("network", "cut one way: " + list(holders) + " -> " + node_name(l));
        return "Leader " + node_name(l) + " (" + term_s(st ? st->term : 0) + ") can still send to " + list(holders) +
               ", but " + (holders.size() == 1 ? "its replies are" : "their replies are") + " cut" +
               (down.empty() ? "" : "; " + list(down) + (down.size() == 1 ? " is" : " are") + " down") +
               ". The leader will never learn what its followers stored.";
    }});
    s.steps.push_back({"Write to the leader", [](Demo::Impl& m, ScenarioRun& run) {
        int l = static_cast<int>(run.vars["old"]);
        bool ok = false;
        m.scenario_write(l, "x", "from-term-" + std::to_string(run.vars["term"]), milliseconds(1500), &ok);
        auto st = status_of(m, l);
        std::uint64_t index = st ? st->last_index : 0;
        run.vars["index"] = static_cast<std::int64_t>(index);
        std::vector<int> stored{l};
        for (int i = 0; i < m.options.nodes; ++i) if (run.vars["holders"] >> i & 1) stored.push_back(i);
        return "The write is entry " + std::to_string(index) + " of " + term_s(static_cast<std::uint64_t>(run.vars["term"])) +
               ", now stored on " + list(stored) + ": a majority. Yet " + node_name(l) +
               "'s commit index is " + std::to_string(st ? st->commit_index : 0) +
               ": it got no acknowledgement, and the client no ok. Figure 8's lesson: a later leader must not call "
               "such an old-term entry committed because it counts a majority of copies.";
    }});
    s.steps.push_back({"Crash the leader, bring the rest back", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]);
        m.kill(old);
        m.heal();
        for (int i = 0; i < m.options.nodes; ++i)
            if (run.vars["down"] >> i & 1) {
                m.cluster->start(i);
                m.add_event("process", "started " + node_name(i));
            }
        auto term = static_cast<std::uint64_t>(run.vars["term"]);
        auto index = static_cast<std::uint64_t>(run.vars["index"]);
        int l = m.wait_for_leader(milliseconds(15000), old, term);
        if (l < 0) return no_leader(run);
        run.vars["new"] = l;
        auto st = status_of(m, l);
        bool holder = run.vars["holders"] >> l & 1;
        std::vector<int> live;
        for (int i = 0; i < m.options.nodes; ++i) if (i != old) live.push_back(i);
        m.wait_for_commit(live, index + 1, milliseconds(5000));
        st = status_of(m, l);
        std::uint64_t kept = st ? term_at(*st, index) : 0;
        std::string who = node_name(l) + " won " + term_s(st ? st->term : 0) + ". ";
        if (holder && kept == term)
            return who + "It holds entry " + std::to_string(index) + " of " + term_s(term) +
                   " but does not commit it by counting copies: it appends a no-op of its own term at " +
                   std::to_string(index + 1) + ", and when that is on a majority both commit together (commit index now " +
                   std::to_string(st ? st->commit_index : 0) + ").";
        return who + "It did not have entry " + std::to_string(index) + " of " + term_s(term) +
               "; its own entry of " + term_s(st ? st->term : 0) + " took that index, overwriting the old copies. "
               "That is safe only because the old entry was never committed, which is exactly why a leader may "
               "not count replicas of old-term entries.";
    }});
    s.steps.push_back({"Restart the old leader", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]);
        m.cluster->start(old);
        m.add_event("process", "started " + node_name(old));
        auto l = m.leader();
        auto ls = l >= 0 ? status_of(m, l) : std::nullopt;
        bool caught = ls && m.wait_for_commit({old}, ls->commit_index, milliseconds(8000));
        return node_name(old) + " rejoins as a follower" +
               (caught ? " and now agrees with the leader up to commit index " + std::to_string(ls->commit_index)
                       : std::string(", catching up")) +
               ". The live cluster showed the risky state (on a majority, not committed) and how the next leader "
               "settled it; the full Figure 8 race needs exact timing, which lab 8's simulator replays.";
    }});
    return s;
}

/// The highest term any running server reports.
std::uint64_t highest_term(Demo::Impl& m) {
    std::uint64_t term = 0;
    for (const auto& v : m.view())
        if (v.status) term = std::max(term, v.status->term);
    return term;
}

/// Cuts every link into `deaf` (it still sends), and says so in the event log.
void make_deaf(Demo::Impl& m, int deaf) {
    std::vector<std::string> from;
    for (int i = 0; i < m.options.nodes; ++i)
        if (i != deaf) from.push_back(node_name(i));
    m.cluster->proxy().cut_one_way(from, {node_name(deaf)});
    m.add_event("network", "cut one way: every link into " + node_name(deaf) + " (it still sends)");
}

/// Picks the server to deafen (a follower) and cuts every link into it.
std::string deafen_a_follower(Demo::Impl& m, ScenarioRun& run) {
    int l = m.wait_for_leader(milliseconds(10000));
    if (l < 0) return no_leader(run);
    const int deaf = (l + 1) % m.options.nodes;
    run.vars["deaf"] = deaf;
    run.vars["start_term"] = static_cast<std::int64_t>(highest_term(m));
    make_deaf(m, deaf);
    return node_name(deaf) + " can still send to everyone but hears nobody: every link into it is cut (one way), "
           "the kind of half-broken link that took down Cloudflare's etcd in November 2020. " + node_name(l) +
           " leads " + term_s(static_cast<std::uint64_t>(run.vars["start_term"])) + ". Watch the terms.";
}

/// Waits ten seconds and counts the elections (terms started) meanwhile.
std::string count_elections(Demo::Impl& m, ScenarioRun& run, bool stability) {
    const auto until = std::chrono::steady_clock::now() + milliseconds(10000);
    while (std::chrono::steady_clock::now() < until && !m.stopping) std::this_thread::sleep_for(milliseconds(100));
    const auto start = static_cast<std::uint64_t>(run.vars["start_term"]);
    const std::uint64_t now = highest_term(m);
    const std::uint64_t elections = now - start;
    const int deaf = static_cast<int>(run.vars["deaf"]);
    if (!stability)
        return "In 10 s the terms went from " + std::to_string(start) + " to " + std::to_string(now) + ": " +
               std::to_string(elections) + " elections (" + std::to_string(elections * 6) +
               " a minute), every one started by " + node_name(deaf) +
               ". It cannot win (its log falls behind), but its higher term deposes whoever leads. Nothing "
               "crashed, a majority could talk the whole time, and yet the cluster keeps electing.";
    return "In 10 s: " + std::to_string(elections) + " elections (terms " + std::to_string(start) + " to " +
           std::to_string(now) + "). " + node_name(deaf) +
           " still times out, but now it first asks for a pre-vote, without raising its term; the others hear "
           "their leader, so they say no (and their answers cannot even reach it). The leader keeps leading.";
}

Scenario cloudflare_2020() {
    Scenario s{"cloudflare_2020", "Cloudflare 2020",
               "A server that can send but not hear keeps deposing healthy leaders in plain Raft (Cloudflare's etcd "
               "outage of November 2020). Then the same fault with PreVote and CheckQuorum (lab 13): nothing "
               "happens.", {}};
    s.steps.push_back({"Plain Raft: deafen a follower", [](Demo::Impl& m, ScenarioRun& run) {
        if (m.stability) m.set_stability(false);
        return deafen_a_follower(m, run);
    }});
    s.steps.push_back({"Count elections for 10 s", [](Demo::Impl& m, ScenarioRun& run) {
        return count_elections(m, run, false);
    }});
    s.steps.push_back({"Heal; restart with PreVote and CheckQuorum", [](Demo::Impl& m, ScenarioRun& run) {
        m.heal();
        m.set_stability(true);
        int l = m.leader();
        return "Healed, and every server restarted, one at a time, with --pre-vote on --check-quorum on. " +
               (l >= 0 ? node_name(l) + " leads " + term_s(highest_term(m)) + "." : std::string("Waiting for a leader."));
    }});
    s.steps.push_back({"The same fault again", [](Demo::Impl& m, ScenarioRun& run) {
        return deafen_a_follower(m, run);
    }});
    s.steps.push_back({"Count elections for 10 s", [](Demo::Impl& m, ScenarioRun& run) {
        return count_elections(m, run, true);
    }});
    s.steps.push_back({"Heal", [](Demo::Impl& m, ScenarioRun& run) {
        const int deaf = static_cast<int>(run.vars["deaf"]);
        const std::uint64_t before = highest_term(m);
        m.heal();
        std::this_thread::sleep_for(milliseconds(2000));
        const std::uint64_t after = highest_term(m);
        return node_name(deaf) + " hears the leader again. Its term never rose, so it rejoins as a follower " +
               (after == before ? std::string("without a single election.")
                                : "(" + std::to_string(after - before) + " election(s) meanwhile).") +
               " PreVote and CheckQuorum stay on; this scenario's first step turns them off again.";
    }});
    return s;
}

Scenario snapshot_catch_up() {
    Scenario s{"snapshot_catch_up", "Snapshot catch-up",
               "Lab 11: servers snapshot their state and drop the log entries it covers. A follower that was down "
               "needs entries its leader no longer has, so the leader sends the whole snapshot: InstallSnapshot.",
               {}};
    s.steps.push_back({"Snapshots on; kill a follower", [](Demo::Impl& m, ScenarioRun& run) {
        if (!m.snapshots) m.set_snapshots(true);
        int l = m.wait_for_leader(milliseconds(10000));
        if (l < 0) return no_leader(run);
        int f = (l + 1) % m.options.nodes;
        run.vars["f"] = f;
        m.kill(f);
        return "Every server now snapshots every " + std::to_string(kDemoSnapshotEvery) +
               " entries it applies and drops them from its log. Follower " + node_name(f) +
               " is down; its log on disk ends where it stopped.";
    }});
    s.steps.push_back({"Write 60 values", [](Demo::Impl& m, ScenarioRun& run) {
        int ok = 0;
        for (int i = 1; i <= 60 && !m.stopping; ++i) {
            int l = m.wait_for_leader(milliseconds(5000));
            if (l < 0) break;
            bool good = false;
            m.scenario_write(l, "snap" + std::to_string(i % 10), std::to_string(i), milliseconds(3000), &good);
            ok += good;
        }
        std::this_thread::sleep_for(milliseconds(3 * m.options.frame_ms));
        int l = m.leader();
        auto ls = l >= 0 ? status_of(m, l) : std::nullopt;
        const std::uint64_t commit = ls ? ls->commit_index : 0;
        const std::uint64_t snapshot = commit / kDemoSnapshotEvery * kDemoSnapshotEvery;
        return std::to_string(ok) + " of 60 writes committed" +
               (ls ? " (commit index " + std::to_string(commit) + ")" : std::string()) +
               ". The leader has snapshotted about every " + std::to_string(kDemoSnapshotEvery) +
               " entries, so its log now starts somewhere after index " + std::to_string(snapshot > 0 ? snapshot - kDemoSnapshotEvery : 0) +
               ": the entries " + node_name(static_cast<int>(run.vars["f"])) + " missed are gone from it.";
    }});
    s.steps.push_back({"Restart the follower", [](Demo::Impl& m, ScenarioRun& run) {
        int f = static_cast<int>(run.vars["f"]);
        auto [caught, fs] = restart_follower(m, run);
        return node_name(f) + " restarted. " +
               (caught ? "The leader could not send it the entries it missed, so it sent its snapshot (the purple "
                         "parcel marked S), then the entries after it. " + node_name(f) + " now has commit index " +
                             std::to_string(fs ? fs->commit_index : 0) + ", like the others."
                       : std::string("It has not caught up yet; watch for the purple parcel marked S."));
    }});
    s.steps.push_back({"Snapshots off again", [](Demo::Impl& m, ScenarioRun&) {
        m.set_snapshots(false);
        return std::string("Every server restarted without snapshots (lab 10's server as it was). A restarted server "
                           "still starts from the snapshot it saved, and its log after it.");
    }});
    return s;
}

/// Lab 12: waits (at most `bound`) until the leader's committed configuration has
/// `node` voting (or, with `voting` false, not a member at all).
bool wait_for_member(Demo::Impl& m, int node, bool voting, milliseconds bound) {
    const auto end = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < end && !m.stopping) {
        int l = m.leader();
        auto ls = l >= 0 ? status_of(m, l) : std::nullopt;
        if (ls && !ls->voters.empty()) {
            const bool votes = std::find(ls->voters.begin(), ls->voters.end(), node) != ls->voters.end();
            const bool learns = std::find(ls->learners.begin(), ls->learners.end(), node) != ls->learners.end();
            if (voting ? votes : !votes && !learns) return true;
        }
        std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
}

Scenario membership() {
    Scenario s{"membership", "Membership changes",
               "Lab 12: servers join and leave one at a time. A configuration is a log entry that counts as soon "
               "as it is in the log; a new server catches up as a learner before it votes; the leader may remove "
               "itself.",
               {}};
    s.steps.push_back({"Membership on; remove a follower", [](Demo::Impl& m, ScenarioRun& run) {
        if (!m.membership) m.set_membership(true);
        int l = m.wait_for_leader(milliseconds(10000));
        if (l < 0) return no_leader(run);
        int f = l == m.options.nodes - 1 ? m.options.nodes - 2 : m.options.nodes - 1;
        run.vars["f"] = f;
        if (std::string bad = m.change_membership(false, f, milliseconds(10000)); !bad.empty())
            return "Removing " + node_name(f) + " did not work: " + bad + ". Click again to retry.";
        m.kill(f);
        return "The leader " + node_name(l) + " appended a configuration without " + node_name(f) +
               ", and it committed with a majority of the " + std::to_string(m.options.nodes - 1) +
               " voters left: a configuration counts from the moment it is in the leader's log. " + node_name(f) + " is outside now, and its process is stopped (a "
               "decommissioned machine).";
    }});
    s.steps.push_back({"Write 60 values", [](Demo::Impl& m, ScenarioRun& run) {
        int ok = 0;
        std::string first_failure;
        for (int i = 1; i <= 60 && !m.stopping; ++i) {
            int l = m.wait_for_leader(milliseconds(5000));
            if (l < 0) break;
            bool good = false;
            std::string said =
                m.scenario_write(l, "member" + std::to_string(i % 10), std::to_string(i), milliseconds(3000), &good);
            ok += good;
            if (!good && first_failure.empty()) first_failure = said;
        }
        return std::to_string(ok) + " of 60 writes committed among the " + std::to_string(m.options.nodes - 1) +
               " voters" + (ok < 60 ? " (the first that failed: " + first_failure + ")" : std::string()) + ". " +
               node_name(static_cast<int>(run.vars["f"])) + " has none of them.";
    }});
    s.steps.push_back({"Start it and add it back", [](Demo::Impl& m, ScenarioRun& run) {
        int f = static_cast<int>(run.vars["f"]);
        m.cluster->start(f);
        m.add_event("process", "started " + node_name(f));
        const auto began = std::chrono::steady_clock::now();
        if (std::string bad = m.change_membership(true, f, milliseconds(10000)); !bad.empty())
            return "Adding " + node_name(f) + " did not work: " + bad + ". Click again to retry.";
        const bool voting = wait_for_member(m, f, true, milliseconds(15000));
        const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - began).count();
        return node_name(f) + " joined as a learner: the leader sent it the 60 entries it missed, but it did not "
               "count towards any majority while it had not caught up. " +
               (voting ? "Once it held every committed entry, the leader made it a voter, " + std::to_string(took) +
                             " ms after the request."
                       : std::string("It is not a voter yet; watch its log fill up."));
    }});
    s.steps.push_back({"Remove the leader", [](Demo::Impl& m, ScenarioRun& run) {
        int l = m.wait_for_leader(milliseconds(5000));
        if (l < 0) return no_leader(run);
        auto st = status_of(m, l);
        run.vars["old"] = l;
        if (std::string bad = m.change_membership(false, l, milliseconds(10000)); !bad.empty())
            return "Removing the leader " + node_name(l) + " did not work: " + bad + ". Click again to retry.";
        int next = m.wait_for_leader(milliseconds(15000), l, st ? st->term : 0);
        auto ns = next >= 0 ? status_of(m, next) : std::nullopt;
        return node_name(l) + " removed itself: it kept leading until the change committed (without counting its "
               "own log), then stepped down and never stands again. " +
               (next >= 0 ? node_name(next) + " won " + term_s(ns ? ns->term : 0) + " among the " +
                                std::to_string(m.options.nodes - 1) + " voters left."
                          : std::string("Wait for a new leader among the voters left."));
    }});
    s.steps.push_back({"Add it back; membership off", [](Demo::Impl& m, ScenarioRun& run) {
        int old = static_cast<int>(run.vars["old"]);
        std::string bad = m.change_membership(true, old, milliseconds(10000));
        const bool voting = bad.empty() && wait_for_member(m, old, true, milliseconds(15000));
        m.set_membership(false);
        return (voting ? node_name(old) + " is a voter again, "
                       : "Adding " + node_name(old) + " back did not finish (" + (bad.empty() ? "not a voter yet" : bad) + "), ") +
               std::string("and every server restarted without --voters: the configuration in their logs still "
                           "holds all five.");
    }});
    return s;
}

}  // namespace

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> all{leader_crash(), split_brain(), catch_up(), snapshot_catch_up(), membership(),
                                           figure8(), cloudflare_2020()};
    return all;
}

}  // namespace raftlab::web
