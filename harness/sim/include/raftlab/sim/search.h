// raftlab/sim/search.h: exhaustive, breadth-first exploration of a small cluster.
//
// Random seeds find the common interleavings; a bug that needs one message to be
// duplicated, delayed past an election or delivered after its receiver restarted may
// never come up. The search tries every order instead, in a small configuration (a
// few servers, one or two client commands, terms bounded): from each state it takes
// each enabled event in turn, breadth first:
//
//   deliver   any message in flight (in any order: the network may reorder freely,
//             and delay a message for as long as it likes);
//   duplicate deliver a message and keep a copy in flight        (bounded count);
//   drop      lose a message                                      (bounded count);
//   timer     fire a server's timer: the virtual clock jumps to the moment that
//             server asked to be ticked at (Env::set_timer);
//   submit    offer the next client command to a server that says it leads;
//   crash     stop a server (volatile state lost, in-flight messages stay) and
//   restart   build it again from what it persisted           (bounded count);
//   snapshot  (lab 11) a server's state machine asks it to snapshot everything it
//             applied, as it may at any moment                   (bounded count);
//   designate make a server leader by hand (labs 6 and 7, elections off): only a
//             server that could have won an election (its next term above every
//             server's term, and a majority of the cluster among the up servers whose
//             logs are no more up to date than its own) (bounded).
//
// Servers are any RaftNode, built through the same ServerFactory a Simulation uses.
// When graded they live in other processes and cannot be copied, so the search is
// stateless: a state is reached again by replaying its event path from a fresh
// cluster, which a deterministic server makes exact.
//
// Visited states are pruned by a hash of what can be seen of them: for each server,
// what the inspection interface shows (role, term, vote, leader, commit, applied,
// every log entry's term and command, next/match per peer), the entries it applied in
// this life, whether it has asked for a timer, what it persisted and whether it is
// up; the multiset of messages in flight; the budgets left; and the history the
// safety properties depend on (committed entries, the leader of each term). The hash
// sees nothing else. In particular hidden timer deadlines and the
// clock are abstracted away: two states that differ only in when a timer is due are
// one state, which is sound because a timer fire is an event the search may take at
// any moment. A server whose hidden state differs where its inspection does not may
// have some of its behaviours pruned; the search is a bounded bug finder, not a proof.
//
// At every state the simulator's safety properties (invariants.h) run, as in a
// Simulation, and so does the check's own property (SearchHooks::check). The first
// broken one ends the search; since the search is breadth first, its event path is a
// shortest one. Same options, same factory: same order, same counterexample.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/node.h"
#include "raftlab/sim/invariants.h"
#include "raftlab/sim/simulation.h"
#include "raftlab/sim/timeline.h"

namespace raftlab::sim {

struct SearchOptions {
    int servers = 3;
    /// Settings shared by every server; id and cluster_size are filled in.
    ServerConfig server;
    /// Labs 6 and 7: become_leader() on this server before the search starts.
    std::optional<NodeId> initial_leader;
    /// Client commands the search may submit, numbered_command(0), (1), ...
    int commands = 1;
    /// States with a server beyond this term are checked but not explored further.
    Term max_term = 3;
    /// States with more messages in flight are checked but not explored further.
    int max_in_flight = 6;
    /// Paths longer than this are not extended.
    int max_depth = 24;
    /// Fault budgets, along one path.
    int max_drops = 1;
    int max_duplicates = 1;
    int max_crashes = 0;  ///< each crash can be followed by a restart
    int max_designations = 0;
    /// Lab 11: snapshots along one path (0: the state machine never asks).
    int max_snapshots = 0;
    /// Timer fires along one path (each heartbeat can start a new round of messages).
    int max_timer_fires = 4;
    /// The servers' random streams (election timeouts) derive from it.
    std::uint64_t seed = 1;
    /// The search ends, without a verdict against the server, after this many distinct
    /// states or this much wall time, whichever comes first.
    std::uint64_t max_states = 2000;
    double time_limit_seconds = 20;
    /// States expanded at once, each on a thread of its own (for servers in host
    /// processes; keep 1 for servers in this process, whose code may not be
    /// thread-safe). The result is the same for any number.
    int workers = 1;
};

enum class SearchStep { deliver, duplicate, drop, timer, submit, crash, restart, designate, snapshot };

/// One event of a path. `message` is a position in the list of messages in flight
/// (deterministic for a given path); `node` the server of the other kinds.
struct SearchEvent {
    SearchStep step = SearchStep::timer;
    NodeId node = kNoNode;
    int message = -1;
};

class SearchCluster;

/// What a check adds to the search.
struct SearchHooks {
    /// Called on each fresh cluster, before its servers are built (attach a probe).
    std::function<void(SearchCluster&)> attach;
    /// A fixed opening, run on every replay after the servers start and before the
    /// searched events (elect a leader and commit an entry, say), so the search spends
    /// its budget where the check wants it. It may call take() and settle().
    std::function<void(SearchCluster&)> setup;
    /// The check's own property, run after every event (so at every state) after the
    /// invariants: "" or what broke. It may keep history between calls (reset it in
    /// attach), since every replay takes its path event by event from the start.
    std::function<std::string(const SearchCluster&)> check;
};

/// One cluster the search builds (once per replayed path). Its members mirror those of
/// Simulation that checks and probes use.
class SearchCluster {
public:
    SearchCluster(const SearchOptions& options, const ServerFactory& factory, bool record_timeline);
    ~SearchCluster();
    SearchCluster(const SearchCluster&) = delete;
    SearchCluster& operator=(const SearchCluster&) = delete;

    /// Builds the servers (and designates the initial leader). Separate from the
    /// constructor so hooks can attach to the cluster first.
    void start();

    int size() const { return static_cast<int>(slots_.size()); }
    bool up(NodeId node) const;
    const RaftNode& server(NodeId node) const;
    const PersistentState& persisted(NodeId node) const;
    Time now() const { return now_; }
    Time delivery_sent_at() const { return delivering_sent_; }
    bool failed() const { return !failure_.empty(); }
    const std::string& failure() const { return failure_; }
    void fail(std::string reason);
    /// Adds a remark to the timeline.
    void note(std::string text) { record(kNoNode, EventKind::note, kNoNode, 0, std::move(text)); }
    const Timeline& timeline() const { return timeline_; }
    const std::vector<LogEntry>& committed() const { return invariants_.committed(); }

    /// The events enabled now, in the search's fixed order.
    std::vector<SearchEvent> enabled() const;
    /// The check's own property (SearchHooks::check), run after every event.
    void set_check(std::function<std::string(const SearchCluster&)> check) { check_ = std::move(check); }
    /// Takes `event` (which must be enabled); the invariants and the check's property
    /// run after it.
    void take(const SearchEvent& event);
    /// Delivers the oldest message in flight to an up server, again and again, until
    /// none is left or `limit` deliveries were made (a reliable, in-order network).
    /// Messages to `hold` stay in flight.
    void settle(int limit = 100, NodeId hold = kNoNode);
    /// The event in words, as of now (before it is taken).
    std::string describe(const SearchEvent& event) const;
    /// True when the state is outside the bounds: check it, do not extend it.
    bool beyond_bounds(int depth) const;
    /// The hash of the visible state (see the top of this file).
    std::uint64_t state_hash() const;

private:
    struct Slot;
    class NodeEnv;
    struct InFlight {
        NodeId from, to;
        std::uint64_t id;
        Message message;
        Time sent;
    };

    void build(NodeId node);
    template <class F> void call_server(NodeId node, const char* what, F&& f);
    void deliver(std::size_t index, bool keep_copy);
    bool may_designate(NodeId node) const;
    void record(NodeId node, EventKind kind, NodeId peer, std::uint64_t id, std::string detail);

    const SearchOptions& options_;
    const ServerFactory& factory_;
    std::function<std::string(const SearchCluster&)> check_;
    Invariants invariants_;
    Timeline timeline_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<InFlight> in_flight_;
    std::vector<std::pair<Term, NodeId>> leaders_;  // every (term, leader) seen, sorted
    Time now_ = 0;
    Time delivering_sent_ = -1;
    std::uint64_t next_message_id_ = 0;
    int drops_ = 0, duplicates_ = 0, crashes_ = 0, designations_ = 0, timer_fires_ = 0, submitted_ = 0;
    int snapshots_ = 0;
    std::string failure_;
};

struct SearchResult {
    /// The first broken property, in one sentence; empty when none was found.
    std::string failure;
    /// The events that lead to it from the start, and each in words.
    std::vector<SearchEvent> path;
    std::vector<std::string> path_text;
    std::uint64_t states = 0;       ///< distinct states reached (the root included)
    std::uint64_t replays = 0;      ///< clusters built
    std::uint64_t events = 0;       ///< events taken, over all replays
    std::uint64_t pruned = 0;       ///< states beyond the bounds, checked but not extended
    bool exhausted = false;         ///< every state within the bounds was visited
    bool out_of_time = false;       ///< the time limit ended the search
    double seconds = 0;
    /// The counterexample replayed once more, recorded (only when asked for, and only
    /// when one was found).
    std::optional<Timeline> timeline;
};

/// Runs the search. `record_timeline`: replay a counterexample once more with a
/// timeline.
SearchResult search(const SearchOptions& options, const ServerFactory& factory,
                    const SearchHooks& hooks = {}, bool record_timeline = false);

/// The path as "1. timer s0; 2. deliver request_vote s0->s1 ...".
std::string describe_path(const std::vector<std::string>& path_text);

}  // namespace raftlab::sim
