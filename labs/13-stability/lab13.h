// lab13.h: what the lab 13 checks share. Lab 13 grows the lab 8/9 server with PreVote
// and CheckQuorum, so its checks reuse lab 8's probe (every election rule still
// holds) and add a watch of their own, outside the student's process, for the new
// rules:
//
//   * a pre-vote asks; it changes nothing. Sending one, or answering one, changes no
//     term and no vote, and persists nothing;
//   * a pre-vote proposes the sender's term + 1, and a yes carries that term back;
//   * a yes goes only to a candidate whose log is at least as up to date, and never
//     from a server that hears a live leader (a leader, or a follower that accepted an
//     AppendEntries of its term recently);
//   * with PreVote, a real election (a RequestVote that is not a pre-vote) starts only
//     after a majority, the candidate included, said yes to a pre-vote for its term;
//   * with CheckQuorum, a follower that accepted an AppendEntries of its term recently
//     does not adopt the higher term of a RequestVote;
//   * with CheckQuorum, a leader that has heard nothing from a majority for well over
//     an election timeout no longer leads, and stepping down for it keeps the term and
//     the vote.
//
// "Recently" is judged with slack on the student's side: the watch calls a follower
// in a lease only within half of election_timeout_min of the AppendEntries, and
// blames a leader only after election_timeout_max plus two heartbeats.
#pragma once

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../08-election/lab08.h"

namespace lab13 {

using namespace lab08;

/// What the watch counted in one run (the checks assert the scenario really happened).
struct Counts {
    int pre_votes_sent = 0;       ///< pre-vote requests
    int pre_votes_granted = 0;    ///< yes answers
    int pre_votes_refused = 0;    ///< no answers
    int votes_ignored = 0;        ///< higher-term RequestVotes not adopted during a lease
    int quorum_step_downs = 0;    ///< leaders that stopped leading on a tick
};

/// The state of the watch for one run, shared by every server of it; survives
/// crashes and restarts.
class Watch {
public:
    template <class Run>
    void attach(Run& run) {
        fail_ = [&run](const std::string& why) { run.fail(why); };
        now_ = [&run] { return run.now(); };
        size_ = run.size();
        granted_.clear();
        counts_ = {};
    }
    void fail(const std::string& why) {
        if (fail_) fail_(why);
    }
    Time now() const { return now_ ? now_() : 0; }
    int size() const { return size_; }
    bool majority(std::size_t count) const { return 2 * static_cast<int>(count) > size_; }

    /// `voter` said yes to `candidate`'s pre-vote for `term`.
    void record_yes(NodeId candidate, Term term, NodeId voter) { granted_[{candidate, term}].insert(voter); }
    /// Yes answers `candidate` received for `term`, itself included.
    std::size_t yes_count(NodeId candidate, Term term) const {
        const auto it = granted_.find({candidate, term});
        return 1 + (it == granted_.end() ? 0 : it->second.size());
    }
    Counts& counts() { return counts_; }

private:
    std::function<void(const std::string&)> fail_;
    std::function<Time()> now_;
    int size_ = 0;
    std::map<std::pair<NodeId, Term>, std::set<NodeId>> granted_;
    Counts counts_;
};

/// The watch of the seed running on this thread.
inline Watch& thread_watch() {
    thread_local Watch watch;
    return watch;
}

/// The Env between lab 8's probe and the simulator: sees every call the student's
/// server makes, after the probe.
class WatchEnv final : public sim::ForwardingEnv {
public:
    WatchEnv(Env& inner, NodeId id, Watch& watch) : ForwardingEnv(inner), id_(id), watch_(watch) {}

    /// What the server under this Env looks like before the event being handled.
    struct Before {
        Role role = Role::follower;
        Term term = 0;
        NodeId vote = kNoNode;
        Index last_index = 0;
        Term last_term = 0;
        bool in_lease = false;
        const RequestVote* pre_vote = nullptr;  ///< the pre-vote request being answered
    };
    void begin(const Before& before) {
        before_ = before;
        persisted_ = false;
        sent_pre_vote_ = false;
    }
    bool persisted() const { return persisted_; }
    bool sent_pre_vote() const { return sent_pre_vote_; }

    void send(NodeId to, Message message) override {
        if (const auto* request = std::get_if<RequestVote>(&message)) check_request(*request);
        if (const auto* reply = std::get_if<RequestVoteReply>(&message); reply && reply->pre_vote)
            check_answer(to, *reply);
        inner_.send(to, std::move(message));
    }
    void persist_term_and_vote(Term term, NodeId voted_for) override {
        persisted_ = true;
        inner_.persist_term_and_vote(term, voted_for);
    }

    bool pre_vote_on = false;  // set by WatchedStability from the ServerConfig

private:
    void check_request(const RequestVote& request) {
        if (request.pre_vote) {
            ++watch_.counts().pre_votes_sent;
            sent_pre_vote_ = true;
            if (request.term != before_.term + 1)
                watch_.fail(fmt::format("server {} in term {} sent a pre-vote for term {}: a pre-vote "
                                        "proposes the next term, current_term + 1",
                                        id_, before_.term, request.term));
            return;
        }
        if (!pre_vote_on || watch_.majority(watch_.yes_count(id_, request.term))) return;
        watch_.fail(fmt::format("server {} started an election for term {} after {} of the {} servers "
                                "(itself included) said yes to a pre-vote for that term: with PreVote, "
                                "a real election needs a majority of yes answers first",
                                id_, request.term, watch_.yes_count(id_, request.term), watch_.size()));
    }

    void check_answer(NodeId to, const RequestVoteReply& reply) {
        const RequestVote* request = before_.pre_vote;
        if (!reply.vote_granted) {
            ++watch_.counts().pre_votes_refused;
            return;
        }
        ++watch_.counts().pre_votes_granted;
        if (request == nullptr || request->candidate_id != to) return;  // not an answer to this request
        watch_.record_yes(to, request->term, id_);
        if (reply.term != request->term)
            return watch_.fail(fmt::format("server {} said yes to server {}'s pre-vote for term {} but its "
                                           "answer carries term {}: a yes carries the proposed term",
                                           id_, to, request->term, reply.term));
        if (before_.role == Role::leader || before_.in_lease)
            return watch_.fail(fmt::format(
                "server {} said yes to server {}'s pre-vote for term {} while {} (term {}): nobody says yes "
                "while it hears a live leader, or a server cut off from the leader deposes it",
                id_, to, request->term,
                before_.role == Role::leader ? "it was the leader" : "it was hearing its leader",
                before_.term));
        const bool up_to_date = request->last_log_term != before_.last_term
                                    ? request->last_log_term > before_.last_term
                                    : request->last_log_index >= before_.last_index;
        if (!up_to_date)
            watch_.fail(fmt::format("server {} said yes to server {}'s pre-vote for term {}, but the "
                                    "candidate's log (last term {}, last index {}) is behind its own (last "
                                    "term {}, last index {}): a pre-vote makes the up-to-date check too",
                                    id_, to, request->term, request->last_log_term, request->last_log_index,
                                    before_.last_term, before_.last_index));
    }

    NodeId id_;
    Watch& watch_;
    Before before_;
    bool persisted_ = false;
    bool sent_pre_vote_ = false;
};

/// The student's server, probed by lab 8's probe (inside) and watched by lab 13's
/// rules (outside).
class WatchedStability final : public sim::WatchedServer<WatchEnv> {
public:
    WatchedStability(const ServerConfig& config, Env& env, const PersistentState& restored, Watch& watch)
        : WatchedServer(config, restored, make_probed, env, config.id, watch), config_(config), watch_(watch),
          heard_(static_cast<std::size_t>(config.cluster_size), -1) {
        env_.pre_vote_on = config.pre_vote;
    }

    void receive(NodeId from, const Message& message) override {
        const WatchEnv::Before before = before_event(std::get_if<RequestVote>(&message));
        env_.begin(before);
        server_->receive(from, message);
        after_receive(from, message, before);
    }
    void tick() override {
        const WatchEnv::Before before = before_event(nullptr);
        env_.begin(before);
        server_->tick();
        after_tick(before);
    }

private:
    static std::unique_ptr<RaftNode> make_probed(const ServerConfig& config, Env& env,
                                                 const PersistentState& restored) {
        return std::make_unique<probe::ProbedServer>(config, env, restored, probe::thread_probe());
    }

    WatchEnv::Before before_event(const RequestVote* request) const {
        WatchEnv::Before b;
        b.role = server_->role();
        b.term = server_->current_term();
        b.vote = server_->voted_for();
        b.last_index = server_->last_log_index();
        b.last_term = b.last_index == server_->snapshot_index() ? server_->snapshot_term()
                                                                 : server_->log_entry(b.last_index).term;
        b.in_lease = b.role == Role::follower && lease_term_ == b.term && lease_at_ >= 0 &&
                     watch_.now() - lease_at_ < config_.election_timeout_min / 2;
        b.pre_vote = request && request->pre_vote ? request : nullptr;
        return b;
    }

    void after_receive(NodeId from, const Message& message, const WatchEnv::Before& before);
    void after_tick(const WatchEnv::Before& before);
    void check_quorum_held(const char* event);

    ServerConfig config_;
    Watch& watch_;
    Time lease_at_ = -1;         // when it last accepted an AppendEntries of lease_term_
    Term lease_term_ = 0;
    std::vector<Time> heard_;    // per peer: last message of the server's term, while leader
    Time leading_since_ = -1;    // -1 when not leader
};

inline void WatchedStability::after_receive(NodeId from, const Message& message, const WatchEnv::Before& before) {
    const Term term = term_of(message);
    const Term after_term = server_->current_term();
    const auto* vote = std::get_if<RequestVote>(&message);
    const auto* reply = std::get_if<RequestVoteReply>(&message);
    if (vote && vote->pre_vote && (after_term != before.term || server_->voted_for() != before.vote ||
                                   env_.persisted()))
        return watch_.fail(fmt::format("server {} (term {}) answered server {}'s pre-vote for term {} and "
                                       "changed its term or vote (now term {}, voted for {}): a pre-vote "
                                       "changes nothing on the server that answers it",
                                       config_.id, before.term, from, vote->term, after_term,
                                       server_->voted_for()));
    if (reply && reply->pre_vote && reply->vote_granted && term > before.term && after_term > before.term &&
        server_->role() == Role::follower)
        return watch_.fail(fmt::format("server {} (term {}) adopted term {} from a yes to its pre-vote: the yes "
                                       "carries the proposed term, which the candidate enters only by "
                                       "starting the election",
                                       config_.id, before.term, term));
    if (vote && !vote->pre_vote && config_.check_quorum && term > before.term) {
        if (after_term == before.term) ++watch_.counts().votes_ignored;
        else if (before.in_lease)
            return watch_.fail(fmt::format(
                "server {} accepted an AppendEntries of its leader in term {} {:.0f} ms before, yet adopted term "
                "{} from server {}'s RequestVote: with CheckQuorum a server that hears its leader ignores "
                "vote requests (the leader's lease)",
                config_.id, before.term, static_cast<double>(watch_.now() - lease_at_) / kMillisecond, term,
                from));
    }
    // Lease bookkeeping: an AppendEntries of the server's (possibly new) term.
    if (std::holds_alternative<AppendEntries>(message) && term == after_term &&
        server_->role() == Role::follower) {
        lease_at_ = watch_.now();
        lease_term_ = term;
    }
    if (server_->role() == Role::leader && term == after_term && from >= 0 && from < config_.cluster_size)
        heard_[static_cast<std::size_t>(from)] = watch_.now();
    check_quorum_held("a message");
}

inline void WatchedStability::after_tick(const WatchEnv::Before& before) {
    if (env_.sent_pre_vote() && (server_->current_term() != before.term || server_->voted_for() != before.vote ||
                                 env_.persisted()))
        return watch_.fail(fmt::format("server {} started a pre-vote in term {} and changed its term or vote "
                                       "(now term {}, voted for {}): a pre-vote only asks; the term rises "
                                       "when a majority said yes",
                                       config_.id, before.term, server_->current_term(), server_->voted_for()));
    if (before.role == Role::leader && server_->role() == Role::follower) {
        ++watch_.counts().quorum_step_downs;
        if (server_->current_term() != before.term || server_->voted_for() != before.vote || env_.persisted())
            return watch_.fail(fmt::format("leader {} of term {} stepped down on a tick and changed its term or "
                                           "vote (now term {}, voted for {}): a CheckQuorum step-down keeps "
                                           "both, or the server could vote twice in one term",
                                           config_.id, before.term, server_->current_term(),
                                           server_->voted_for()));
    }
    check_quorum_held("a tick");
}

inline void WatchedStability::check_quorum_held(const char* event) {
    if (server_->role() != Role::leader) {
        leading_since_ = -1;
        return;
    }
    const Time now = watch_.now();
    if (leading_since_ < 0) {
        leading_since_ = now;
        std::fill(heard_.begin(), heard_.end(), -1);
    }
    if (!config_.check_quorum) return;
    const Time bound = config_.election_timeout_max + 2 * config_.heartbeat_interval;
    std::size_t heard = 1;
    for (NodeId peer = 0; peer < config_.cluster_size; ++peer)
        if (peer != config_.id && now - std::max(heard_[static_cast<std::size_t>(peer)], leading_since_) <= bound)
            ++heard;
    if (watch_.majority(heard)) return;
    watch_.fail(fmt::format("leader {} of term {} still leads after {}, although only {} of the {} servers "
                            "(itself included) were heard from in the last {} ms: with CheckQuorum a leader "
                            "that does not hear a majority for an election timeout steps down",
                            config_.id, server_->current_term(), event, heard, config_.cluster_size,
                            bound / kMillisecond));
}

/// `servers` servers with elections on and the given lab 13 features.
inline SimOptions cluster13(int servers, bool pre_vote, bool check_quorum) {
    SimOptions o = cluster(servers);
    o.server.pre_vote = pre_vote;
    o.server.check_quorum = check_quorum;
    return o;
}

/// Runs `scenario` over `count` seeds with every server probed (lab 8) and watched
/// (lab 13).
using WatchedScenario = std::function<std::string(Simulation&, Watch&)>;
inline void run_watched(int count, const SimOptions& options, const WatchedScenario& scenario) {
    run_probed_and_watched<WatchedStability>(count, options, &thread_watch, scenario);
}

/// Leadership seen while a scenario runs: every (leader, term) that held at the end of
/// some event, in order.
class LeaderLog {
public:
    /// Runs `sim` for `duration`, noting the leader after every step of 10 ms.
    void run(Simulation& sim, Time duration) {
        const Time end = sim.now() + duration;
        while (sim.now() < end && !sim.failed()) {
            sim.run_for(std::min<Time>(10 * kMillisecond, end - sim.now()));
            note(sim);
        }
    }
    void note(const Simulation& sim) {
        for (NodeId n = 0; n < sim.size(); ++n) {
            if (!sim.up(n) || sim.server(n).role() != Role::leader) continue;
            const std::pair<NodeId, Term> now{n, sim.server(n).current_term()};
            if (seen_.empty() || seen_.back() != now) seen_.push_back(now);
        }
        for (NodeId n = 0; n < sim.size(); ++n)
            if (sim.up(n)) max_term_ = std::max(max_term_, sim.server(n).current_term());
    }
    /// How many times leadership changed hands or terms after the first.
    int changes() const { return seen_.empty() ? 0 : static_cast<int>(seen_.size()) - 1; }
    Term max_term() const { return max_term_; }
    /// "s0 t2, s1 t5, s0 t9 ..." (at most the first 8).
    std::string describe() const {
        std::string out;
        for (std::size_t i = 0; i < seen_.size() && i < 8; ++i)
            out += fmt::format("{}s{} t{}", i == 0 ? "" : ", ", seen_[i].first, seen_[i].second);
        if (seen_.size() > 8) out += ", ...";
        return out;
    }

private:
    std::vector<std::pair<NodeId, Term>> seen_;
    Term max_term_ = 0;
};

}  // namespace lab13
