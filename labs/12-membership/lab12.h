// lab12.h: what the lab 12 checks share. Lab 12 grows the lab 8/9 server with
// membership changes, so its checks keep lab 8's probe on (every election rule still
// holds) and add a watch of their own, outside the student's process. After every
// event of every server it holds the server to these rules:
//
//   * the configuration a server uses (configuration()) is the last configuration
//     entry in its log, or the first configuration when its log holds none: a change
//     counts from the moment it is in the log, and an overwritten one no longer counts;
//   * a leader changes its configuration one server at a time: a server joins as a
//     learner, a learner becomes a voter, or one member leaves;
//   * a leader starts a change only when its previous configuration entry is
//     committed and it has committed an entry of its own term;
//   * a learner becomes a voter only once it holds every committed entry;
//   * a leader commits an index only when a majority of the voters of its
//     configuration hold it, and wins an election only with the votes of a majority
//     of the voters of its configuration;
//   * a leader whose removal is committed no longer leads;
//   * a leader sends AppendEntries only to members, and only a voter asks for votes.
#pragma once

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../08-election/lab08.h"

namespace lab12 {

using namespace lab08;

/// What the watch counted in one run (the checks assert the scenario really happened).
struct Counts {
    int changes = 0;           ///< configuration entries leaders appended
    int promotions = 0;        ///< learners made voters
    int removed_leaders = 0;   ///< leaders that stopped leading once their removal committed
    int votes_ignored = 0;     ///< higher-term RequestVotes a server did not adopt
};

/// The configuration a server's log says it must use: the last configuration entry in
/// it, else `first`. `at` gets that entry's index (0 for `first`).
inline Configuration log_configuration(const RaftNode& server, const Configuration& first, Index* at = nullptr) {
    for (Index i = server.last_log_index(); i > server.snapshot_index(); --i) {
        if (auto config = parse_configuration(server.log_entry(i).command)) {
            if (at) *at = i;
            return *config;
        }
    }
    if (at) *at = 0;
    return first;
}

/// The state of the watch for one run, shared by every server of it.
class Watch {
public:
    template <class Run>
    void attach(Run& run) {
        fail_ = [&run](const std::string& why) { run.fail(why); };
        granted_.clear();
        counts_ = {};
    }
    void fail(const std::string& why) {
        if (fail_) fail_(why);
    }
    void record_vote(NodeId candidate, Term term, NodeId voter) { granted_[{candidate, term}].insert(voter); }
    const std::set<NodeId>& votes(NodeId candidate, Term term) {
        return granted_[{candidate, term}];
    }
    Counts& counts() { return counts_; }

private:
    std::function<void(const std::string&)> fail_;
    std::map<std::pair<NodeId, Term>, std::set<NodeId>> granted_;
    Counts counts_;
};

inline Watch& thread_watch() {
    thread_local Watch watch;
    return watch;
}

/// The Env between lab 8's probe and the simulator: notes what the server sends.
class WatchEnv final : public sim::ForwardingEnv {
public:
    WatchEnv(Env& inner, NodeId id, Watch& watch) : ForwardingEnv(inner), id_(id), watch_(watch) {}
    void begin() {
        appended_to_.clear();
        asked_votes_ = false;
    }
    void send(NodeId to, Message message) override {
        if (std::holds_alternative<AppendEntries>(message) || std::holds_alternative<InstallSnapshot>(message))
            appended_to_.push_back(to);
        if (const auto* request = std::get_if<RequestVote>(&message); request && !request->pre_vote)
            asked_votes_ = true;
        if (const auto* reply = std::get_if<RequestVoteReply>(&message);
            reply && reply->vote_granted && !reply->pre_vote)
            watch_.record_vote(to, reply->term, id_);
        inner_.send(to, std::move(message));
    }
    const std::vector<NodeId>& appended_to() const { return appended_to_; }
    bool asked_votes() const { return asked_votes_; }

private:
    NodeId id_;
    Watch& watch_;
    std::vector<NodeId> appended_to_;
    bool asked_votes_ = false;
};

/// The student's server, probed by lab 8's rules (inside) and watched by lab 12's
/// (outside).
class WatchedMembership final : public sim::WatchedServer<WatchEnv> {
public:
    WatchedMembership(const ServerConfig& config, Env& env, const PersistentState& restored, Watch& watch)
        : WatchedServer(config, restored, make_probed, env, config.id, watch), config_(config), watch_(watch),
          first_(first_configuration(config)) {}

    void receive(NodeId from, const Message& message) override {
        const Before before = before_event();
        server_->receive(from, message);
        if (const auto* vote = std::get_if<RequestVote>(&message);
            vote && !vote->pre_vote && vote->term > before.term && server_->current_term() == before.term)
            ++watch_.counts().votes_ignored;
        after_event(before, "a message");
    }
    void tick() override {
        const Before before = before_event();
        server_->tick();
        after_event(before, "a tick");
    }
    std::optional<Index> submit(std::string command) override {
        const Before before = before_event();
        auto index = server_->submit(std::move(command));
        after_event(before, "submit()");
        return index;
    }
    std::optional<Index> add_server(NodeId id) override {
        const Before before = before_event();
        auto index = server_->add_server(id);
        after_event(before, "add_server()");
        return index;
    }
    std::optional<Index> remove_server(NodeId id) override {
        const Before before = before_event();
        auto index = server_->remove_server(id);
        after_event(before, "remove_server()");
        return index;
    }

private:
    struct Before {
        Role role = Role::follower;
        Term term = 0;
        Index commit = 0;
        Configuration config;
        Index config_index = 0;
    };

    static std::unique_ptr<RaftNode> make_probed(const ServerConfig& config, Env& env,
                                                 const PersistentState& restored) {
        return std::make_unique<probe::ProbedServer>(config, env, restored, probe::thread_probe());
    }

    Before before_event() {
        env_.begin();
        Before b;
        b.role = server_->role();
        b.term = server_->current_term();
        b.commit = server_->commit_index();
        b.config = log_configuration(*server_, first_, &b.config_index);
        return b;
    }

    Term term_at(Index index) const {
        if (index == 0) return 0;
        if (index == server_->snapshot_index()) return server_->snapshot_term();
        return server_->log_entry(index).term;
    }

    void after_event(const Before& before, const char* event);
    std::string check_step(const Configuration& from, const Configuration& to) const;

    ServerConfig config_;
    Watch& watch_;
    Configuration first_;
};

/// Empty when `to` is one allowed step from `from`; otherwise what is wrong.
inline std::string WatchedMembership::check_step(const Configuration& from, const Configuration& to) const {
    std::vector<std::string> steps;
    std::set<NodeId> all;
    for (const Configuration* c : {&from, &to}) {
        all.insert(c->voters.begin(), c->voters.end());
        all.insert(c->learners.begin(), c->learners.end());
    }
    for (NodeId id : all) {
        const bool was_voter = from.is_voter(id), was_learner = from.is_learner(id);
        const bool is_voter = to.is_voter(id), is_learner = to.is_learner(id);
        if (was_voter == is_voter && was_learner == is_learner) continue;
        if (!was_voter && !was_learner && is_voter)
            return fmt::format("server {} became a voter without first joining as a learner: a new server "
                               "catches up as a learner before it counts",
                               id);
        if (was_voter && is_learner)
            return fmt::format("voter {} was made a learner: a voter leaves the configuration instead", id);
        steps.push_back(std::to_string(id));
    }
    if (steps.size() > 1)
        return fmt::format("servers {} changed at once: a configuration changes one server at a time",
                           fmt::join(steps, " and "));
    if (steps.empty()) return "a configuration entry that changes nothing";
    return {};
}

inline void WatchedMembership::after_event(const Before& before, const char* event) {
    const NodeId self = config_.id;
    Index config_index = 0;
    const Configuration claimed = server_->configuration();
    const Configuration in_log = log_configuration(*server_, first_, &config_index);
    if (!(claimed == in_log))
        return watch_.fail(fmt::format(
            "after {}, server {} uses the configuration {}, but the last configuration in its log is {} ({}): a "
            "configuration counts from the moment it is in the log, and one that was overwritten no longer "
            "counts",
            event, self, describe(claimed), describe(in_log),
            config_index == 0 ? std::string("its log holds none, so the first one")
                              : fmt::format("the entry at index {}", config_index)));
    const Role role = server_->role();
    const Term term = server_->current_term();
    const Index commit = server_->commit_index();

    // Sends: only members get AppendEntries, and only voters ask for votes.
    for (NodeId to : env_.appended_to())
        if (!before.config.is_member(to) && !in_log.is_member(to))
            return watch_.fail(fmt::format("server {} sent AppendEntries to server {}, which is not a member of "
                                           "its configuration ({}): a leader replicates to its voters and "
                                           "learners only",
                                           self, to, describe(in_log)));
    if (env_.asked_votes() && !before.config.is_voter(self) && !in_log.is_voter(self))
        return watch_.fail(fmt::format("server {} asked for votes in term {}, but it is not a voter of its "
                                       "configuration ({}): only a voter starts an election",
                                       self, term, describe(in_log)));

    // A leader's own change: one step, one at a time, after an entry of its term.
    if (before.role == Role::leader && role == Role::leader && term == before.term &&
        config_index != before.config_index) {
        ++watch_.counts().changes;
        if (std::string bad = check_step(before.config, in_log); !bad.empty())
            return watch_.fail(fmt::format("leader {} of term {} appended the configuration {} at index {} after "
                                           "{}: {}",
                                           self, term, describe(in_log), config_index, describe(before.config),
                                           bad));
        // (The commit index after the event: an answer may commit the last change and
        // let the leader promote a learner in the same event.)
        if (before.config_index > commit)
            return watch_.fail(fmt::format("leader {} of term {} appended a configuration at index {} while the "
                                           "one at index {} was not committed (commit index {}): one change at "
                                           "a time",
                                           self, term, config_index, before.config_index, commit));
        if (term_at(commit) != term)
            return watch_.fail(fmt::format("leader {} of term {} appended a configuration at index {} before it "
                                           "had committed an entry of its own term (commit index {}, of term "
                                           "{}): a change of an older leader may still be on its way",
                                           self, term, config_index, commit, term_at(commit)));
        for (NodeId id : in_log.voters) {
            if (!before.config.is_learner(id)) continue;
            ++watch_.counts().promotions;
            if (server_->match_index(id) < std::min(commit, config_index - 1))
                return watch_.fail(fmt::format("leader {} made learner {} a voter while it held entries up to "
                                               "{} only, below the commit index {}: a learner counts only "
                                               "once it has caught up",
                                               self, id, server_->match_index(id), commit));
        }
    }

    if (role == Role::leader && before.role != Role::leader) {
        // A won election: the votes of a majority of its configuration's voters.
        std::size_t votes = in_log.is_voter(self) ? 1 : 0;
        for (NodeId voter : watch_.votes(self, term))
            if (voter != self && in_log.is_voter(voter)) ++votes;
        if (2 * votes <= in_log.voters.size())
            return watch_.fail(fmt::format("server {} became leader of term {} with the votes of {} of the {} "
                                           "voters of its configuration ({}): an election needs a majority of "
                                           "the voters, and only voters count",
                                           self, term, votes, in_log.voters.size(), describe(in_log)));
    }
    if (role == Role::leader && before.role == Role::leader && term == before.term && commit > before.commit) {
        auto held = [&](const Configuration& c) {
            std::size_t n = 0;
            for (NodeId voter : c.voters)
                if ((voter == self ? server_->last_log_index() : server_->match_index(voter)) >= commit) ++n;
            return 2 * n > c.voters.size();
        };
        if (!held(before.config) && !held(in_log))
            return watch_.fail(fmt::format("leader {} of term {} committed index {}, which fewer than a majority "
                                           "of the voters of its configuration ({}) hold: only voters count, "
                                           "and a leader that is not a voter does not count itself",
                                           self, term, commit, describe(in_log)));
    }
    if (role == Role::leader && !in_log.is_member(self) && config_index <= commit)
        return watch_.fail(fmt::format("server {} still leads term {} after {}, although the configuration that "
                                       "removed it (index {}) is committed: a removed leader stops leading",
                                       self, term, event, config_index));
    if (before.role == Role::leader && role != Role::leader && !in_log.is_member(self))
        ++watch_.counts().removed_leaders;
}

/// `servers` servers whose first configuration has `voters` voting.
inline SimOptions cluster12(int servers, std::vector<NodeId> voters) {
    SimOptions o = cluster(servers);
    o.server.voters = std::move(voters);
    return o;
}

/// Runs `scenario` over `count` seeds with every server probed (lab 8) and watched
/// (lab 12).
using WatchedScenario = std::function<std::string(Simulation&, Watch&)>;
inline void run_watched(int count, const SimOptions& options, const WatchedScenario& scenario) {
    run_probed_and_watched<WatchedMembership>(count, options, &thread_watch, scenario);
}

/// The server that leads: up, leader, and no up voter of its configuration is in a
/// higher term (a removed server's term may climb alone, and counts for nothing).
inline NodeId member_leader(const Simulation& sim) {
    NodeId found = kNoNode;
    for (NodeId n = 0; n < sim.size(); ++n) {
        if (!sim.up(n) || sim.server(n).role() != Role::leader) continue;
        const Configuration c = sim.server(n).configuration();
        bool newest = true;
        for (NodeId v : c.voters)
            if (sim.up(v) && sim.server(v).current_term() > sim.server(n).current_term()) newest = false;
        if (newest && (found == kNoNode || sim.server(n).current_term() > sim.server(found).current_term()))
            found = n;
    }
    return found;
}

inline NodeId await_member_leader(Simulation& sim, std::string& why, Time bound = kElectionBound) {
    NodeId found = kNoNode;
    if (!sim.run_until([&] { return (found = member_leader(sim)) != kNoNode; }, bound) && why.empty())
        why = sim.failed() ? sim.failure()
                           : fmt::format("no leader was elected within {} ms of virtual time", bound / kMillisecond);
    return found;
}

/// Waits until `leader` has committed `index` and every up member of its
/// configuration applied it.
inline bool settled(Simulation& sim, NodeId leader, Index index, Time bound) {
    auto done = [&] {
        if (!sim.up(leader) || sim.committed().size() < index) return false;
        const Configuration c = sim.server(leader).configuration();
        for (NodeId n = 0; n < sim.size(); ++n)
            if (c.is_member(n) && sim.up(n) && sim.server(n).last_applied() < index) return false;
        return true;
    };
    return sim.run_until(done, bound);
}

/// Commits `cmd` through whichever server leads, within `bound`; the leader, or
/// kNoNode with `why` set.
inline NodeId commit_through(Simulation& sim, const std::string& cmd, std::string& why, Time bound = 8 * kSecond) {
    const Time end = sim.now() + bound;
    while (sim.now() < end && !sim.failed()) {
        std::string none;
        const NodeId leader = await_member_leader(sim, none, end - sim.now());
        if (leader == kNoNode) break;
        const std::optional<Index> index = sim.submit(leader, cmd);
        if (!index) {
            sim.run_for(10 * kMillisecond);
            continue;
        }
        settled(sim, leader, *index, std::min<Time>(1 * kSecond, std::max<Time>(0, end - sim.now())));
        if (sim.committed().size() >= *index && sim.committed()[*index - 1].command == cmd) return leader;
    }
    why = sim.failed() ? sim.failure()
                       : fmt::format("the command \"{}\" was not committed within {} ms of virtual time", cmd,
                                     bound / kMillisecond);
    return kNoNode;
}

/// Waits until the leader's configuration is `want` and committed.
inline bool await_configuration(Simulation& sim, const Configuration& want, Time bound) {
    return sim.run_until(
        [&] {
            const NodeId leader = member_leader(sim);
            if (leader == kNoNode) return false;
            Index at = 0;
            const RaftNode& s = sim.server(leader);
            return log_configuration(s, Configuration{}, &at) == want && at > 0 && at <= s.commit_index();
        },
        bound);
}

}  // namespace lab12
