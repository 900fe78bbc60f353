// probe.h: watching a student's server from the outside, event by event.
//
// The simulator checks Raft's safety properties on the whole cluster. Some rules of
// elections are about one server and one message, and only show up as a property
// much later (or never, on a lucky seed): a vote that was not persisted, a vote for a
// candidate whose log is behind, a leader that ignores a higher term. The probe
// catches them at the moment they happen.
//
// It wraps each server in a ProbedServer, which forwards every call unchanged, and
// gives the server a ProbeEnv, which forwards every call to the simulator's Env. On
// the way through it compares what the server does with the rules below, and on the
// first broken one it stops the run with Simulation::fail(), so the timeline ends
// exactly there. It also keeps a few records that the lab 9 checks measure: when each
// server asked for votes and when each leader sent AppendEntries to each follower.
//
// The rules, in the Raft paper's words (Figure 2 and section 5):
//   * a server grants at most one vote per term, even across crashes (the ledger
//     outlives the server objects);
//   * the vote is on disk (persist_term_and_vote) before the reply leaves;
//   * a vote goes only to a candidate whose log is at least as up to date;
//   * a message with a higher term turns a candidate or leader into a follower of
//     that term, before anything else;
//   * a message with a lower term changes nothing: not the term, role, vote, log or
//     commit index;
//   * (lab 9) a leader answers a read "ok" only when a majority, itself included, has
//     answered it with an AppendEntries reply of its term sent after the read arrived:
//     replies to a round that was already under way prove nothing about the moment of
//     the read.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "raftlab/host/student_raft.h"
#include "raftlab/sim/seeded.h"
#include "raftlab/sim/simulation.h"
#include "raftlab/sim/watched.h"

namespace raftlab::probe {

using sim::Simulation;

/// One RequestVote broadcast: the moment a server started an election, and its term.
struct Candidacy {
    Time time;
    Term term;
};

/// What every probed server of one simulation shares. Survives crashes and restarts.
class Probe {
public:
    /// Starts a new run on `run` (a Simulation, or a cluster of the search,
    /// sim::SearchCluster): forgets the previous run's records.
    template <class Run>
    void attach(Run& run) {
        fail_ = [&run](const std::string& why) { run.fail(why); };
        now_ = [&run] { return run.now(); };
        sent_at_ = [&run] { return run.delivery_sent_at(); };
        size_ = run.size();
        votes_.clear();
        stale_deliveries_ = 0;
        candidacies_.assign(static_cast<std::size_t>(size_), {});
        append_sends_.assign(static_cast<std::size_t>(size_ * size_), {});
    }

    /// Stops the run: `why` becomes the simulation's failure.
    void fail(const std::string& why) {
        if (fail_) fail_(why);
    }

    Time now() const { return now_ ? now_() : 0; }
    /// When the message being delivered now was sent (-1 outside a delivery).
    Time delivery_sent_at() const { return sent_at_ ? sent_at_() : -1; }
    int size() const { return size_; }

    /// Records that `voter` granted its vote in `term` to `candidate`; "" or why that
    /// is a second vote in one term.
    std::string record_vote(NodeId voter, Term term, NodeId candidate) {
        auto [it, inserted] = votes_.emplace(std::make_pair(voter, term), candidate);
        if (inserted || it->second == candidate) return {};
        return fmt::format("server {} voted for server {} in term {}, although it had already "
                           "voted for server {} in that term (one vote per term, even across a "
                           "restart)",
                           voter, candidate, term, it->second);
    }

    void record_candidacy(NodeId node, Term term) {
        if (static_cast<std::size_t>(node) >= candidacies_.size()) return;  // not attached yet
        auto& list = candidacies_[static_cast<std::size_t>(node)];
        if (list.empty() || list.back().term != term) list.push_back({now(), term});
    }
    void record_append(NodeId from, NodeId to) {
        if (from * size() + to >= static_cast<int>(append_sends_.size())) return;
        append_sends_[static_cast<std::size_t>(from * size() + to)].push_back(now());
    }

    /// Every election `node` started, in order.
    const std::vector<Candidacy>& candidacies(NodeId node) const {
        return candidacies_[static_cast<std::size_t>(node)];
    }
    /// The times `from` sent AppendEntries to `to`.
    const std::vector<Time>& append_sends(NodeId from, NodeId to) const {
        return append_sends_[static_cast<std::size_t>(from * size() + to)];
    }
    /// Counts a message that arrived after its term was over (lab 8 checks that some did).
    void record_stale_delivery() { ++stale_deliveries_; }
    std::size_t stale_deliveries() const { return stale_deliveries_; }

    /// How many distinct (voter, term) votes were granted in this run.
    std::size_t votes_granted() const { return votes_.size(); }

private:
    std::function<void(const std::string&)> fail_;
    std::function<Time()> now_;
    std::function<Time()> sent_at_;
    int size_ = 0;
    std::map<std::pair<NodeId, Term>, NodeId> votes_;
    std::vector<std::vector<Candidacy>> candidacies_;
    std::vector<std::vector<Time>> append_sends_;
    std::size_t stale_deliveries_ = 0;
};

/// The Env a probed server acts through: the simulator's, watched.
class ProbeEnv final : public sim::ForwardingEnv {
public:
    ProbeEnv(Env& inner, NodeId id, const PersistentState& restored, Probe& probe)
        : ForwardingEnv(inner), id_(id), probe_(probe),
          durable_term_(restored.current_term), durable_vote_(restored.voted_for) {}

    /// The candidate's log and the voter's own, for the RequestVote being handled.
    void handling_vote_request(const RequestVote* request, Term own_last_term, Index own_last) {
        request_ = request;
        own_last_term_ = own_last_term;
        own_last_index_ = own_last;
    }

    void send(NodeId to, Message message) override {
        // A pre-vote (lab 13) is a question, not a vote: lab 13's own watch judges it.
        if (const auto* reply = std::get_if<RequestVoteReply>(&message);
            reply && reply->vote_granted && !reply->pre_vote)
            check_vote(to, reply->term);
        if (const auto* request = std::get_if<RequestVote>(&message); request && !request->pre_vote)
            probe_.record_candidacy(id_, request->term);
        if (std::holds_alternative<AppendEntries>(message) && to >= 0 && to < probe_.size())
            probe_.record_append(id_, to);
        inner_.send(to, std::move(message));
    }
    void persist_term_and_vote(Term term, NodeId voted_for) override {
        durable_term_ = term;
        durable_vote_ = voted_for;
        inner_.persist_term_and_vote(term, voted_for);
    }
    void read_done(ReadId id, bool ok) override {
        if (ok) check_read(id);
        inner_.read_done(id, ok);
    }

    /// A read offered to this server now.
    void record_read(ReadId id) { read_arrivals_[id] = probe_.now(); }
    /// An AppendEntries reply of `term` from `from`, sent at `sent`, delivered while
    /// this server leads `term`.
    void record_ack(NodeId from, Term term, Time sent) {
        if (term != ack_term_) {
            ack_term_ = term;
            latest_ack_.clear();
        }
        Time& latest = latest_ack_[from];
        latest = std::max(latest, sent);
    }

private:
    void check_read(ReadId id) {
        const auto arrival = read_arrivals_.find(id);
        if (arrival == read_arrivals_.end()) return;  // never offered here: the simulator says so
        int confirmed = 1;  // the leader itself
        for (const auto& [peer, sent] : latest_ack_) confirmed += peer != id_ && sent >= arrival->second ? 1 : 0;
        if (2 * confirmed > probe_.size()) return;
        probe_.fail(fmt::format(
            "server {} answered read {} ok at {:.3f} ms, but only {} of the {} servers (itself "
            "included) had answered it with an AppendEntries reply sent after the read arrived at "
            "{:.3f} ms: a read is confirmed only by a round of AppendEntries that starts after "
            "the read arrives",
            id_, id, static_cast<double>(probe_.now()) / kMillisecond, confirmed, probe_.size(),
            static_cast<double>(arrival->second) / kMillisecond));
    }

    void check_vote(NodeId candidate, Term term) {
        if (durable_term_ != term || durable_vote_ != candidate)
            return probe_.fail(fmt::format(
                "server {} sent its vote for server {} in term {} before persisting it (on disk: "
                "term {}, voted for {}); persist_term_and_vote must come before the reply",
                id_, candidate, term, durable_term_, durable_vote_));
        if (std::string twice = probe_.record_vote(id_, term, candidate); !twice.empty())
            return probe_.fail(twice);
        if (request_ == nullptr || request_->candidate_id != candidate) return;
        const bool up_to_date = request_->last_log_term != own_last_term_
                                    ? request_->last_log_term > own_last_term_
                                    : request_->last_log_index >= own_last_index_;
        if (!up_to_date)
            probe_.fail(fmt::format(
                "server {} voted for server {} in term {}, but the candidate's log (last term "
                "{}, last index {}) is behind the voter's (last term {}, last index {}): the "
                "up-to-date check of section 5.4.1",
                id_, candidate, term, request_->last_log_term, request_->last_log_index,
                own_last_term_, own_last_index_));
    }

    NodeId id_;
    Probe& probe_;
    Term durable_term_;
    NodeId durable_vote_;
    const RequestVote* request_ = nullptr;
    Term own_last_term_ = 0;
    Index own_last_index_ = 0;
    std::map<ReadId, Time> read_arrivals_;
    Term ack_term_ = 0;
    std::map<NodeId, Time> latest_ack_;  // per follower, in ack_term_
};

/// The student's server: in a process of its own (the Raft host) when graded, in this
/// process in the fast variant for a student's own runs.
inline std::unique_ptr<RaftNode> make_student_server(const ServerConfig& config, Env& env,
                                                     const PersistentState& restored) {
    return student::make_server(config, env, restored);
}

/// A student's server (in its own host process), watched. Every call goes straight
/// through; receive() is also checked against the term rules.
class ProbedServer final : public sim::WatchedServer<ProbeEnv> {
public:
    ProbedServer(const ServerConfig& config, Env& env, const PersistentState& restored,
                 Probe& probe)
        : WatchedServer(config, restored, make_student_server, env, config.id, restored, probe),
          id_(config.id), lease_(config.check_quorum || !config.voters.empty()), probe_(probe) {}

    void receive(NodeId from, const Message& message) override;
    bool read(ReadId id) override {
        env_.record_read(id);
        return server_->read(id);
    }

private:
    struct Seen {
        Role role;
        Term term;
        NodeId vote;
        Index last_index;
        Term last_term;
        Index commit;
    };
    Seen seen() const {
        const Index last = server_->last_log_index();
        return {server_->role(), server_->current_term(), server_->voted_for(), last,
                last == server_->snapshot_index() ? server_->snapshot_term() : server_->log_entry(last).term,
                server_->commit_index()};
    }
    std::string check_terms(NodeId from, const Message& message, const Seen& before) const;

    NodeId id_;
    bool lease_;  // labs 12 and 13: a RequestVote may be ignored during a lease
    Probe& probe_;
};

inline void ProbedServer::receive(NodeId from, const Message& message) {
    const Seen before = seen();
    if (const auto* reply = std::get_if<AppendEntriesReply>(&message);
        reply && before.role == Role::leader && reply->term == before.term)
        env_.record_ack(from, reply->term, probe_.delivery_sent_at());
    env_.handling_vote_request(std::get_if<RequestVote>(&message), before.last_term,
                               before.last_index);
    server_->receive(from, message);
    env_.handling_vote_request(nullptr, 0, 0);
    if (term_of(message) < before.term) probe_.record_stale_delivery();
    if (std::string why = check_terms(from, message, before); !why.empty()) probe_.fail(why);
}

inline std::string ProbedServer::check_terms(NodeId from, const Message& message,
                                             const Seen& before) const {
    const Term term = term_of(message);
    const Seen after = seen();
    // Lab 13 names the messages whose higher term must not be adopted (a pre-vote, a
    // yes to one), and those that may be ignored (a RequestVote during a leader's
    // lease, with CheckQuorum); its watch (labs/13-stability) holds them to that.
    const auto* vote = std::get_if<RequestVote>(&message);
    const auto* reply = std::get_if<RequestVoteReply>(&message);
    const bool exempt = (vote && (vote->pre_vote || lease_)) ||
                        (reply && reply->pre_vote && reply->vote_granted);
    if (term > before.term && !exempt) {
        if (after.term < term)
            return fmt::format("server {} in term {} received {} of term {} from server {} but "
                               "stayed in term {}: a higher term must be adopted at once",
                               id_, before.term, kind_name(message), term, from, after.term);
        if (before.role != Role::follower && after.role != Role::follower)
            return fmt::format("server {} was {} in term {} and received {} of the higher term "
                               "{} from server {}, but is still {}: it must step down to "
                               "follower",
                               id_, role_name(before.role), before.term, kind_name(message), term,
                               from, role_name(after.role));
        return {};
    }
    if (term < before.term &&
        (after.role != before.role || after.term != before.term || after.vote != before.vote ||
         after.last_index != before.last_index || after.last_term != before.last_term ||
         after.commit != before.commit))
        return fmt::format("server {} in term {} acted on a stale {} of term {} from server {} "
                           "(its role, term, vote, log or commit index changed): a message from "
                           "an older term must change nothing",
                           id_, before.term, kind_name(message), term, from);
    return {};
}

/// The probe of the seed running on this thread (seeds may run in parallel, one
/// simulation per thread at a time; see run_seeds).
inline Probe& thread_probe() {
    thread_local Probe probe;
    return probe;
}

/// Runs `scenario` over `count` seeds with every server probed.
using ProbedScenario = std::function<std::string(Simulation&, Probe&)>;
inline void run_probed(int count, const sim::SimOptions& options, const ProbedScenario& scenario) {
    sim::ServerFactory factory = [](const ServerConfig& config, Env& env, const PersistentState& restored) {
        return std::make_unique<ProbedServer>(config, env, restored, thread_probe());
    };
    sim::run_seeds(count, options, factory, [scenario](Simulation& sim) {
        Probe& probe = thread_probe();
        probe.attach(sim);
        return scenario(sim, probe);
    });
}

}  // namespace raftlab::probe
