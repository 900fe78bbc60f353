// raftlab/sim/simulation.h: the deterministic simulator of labs 5-9.
//
// A Simulation runs N Raft servers (any RaftNode) on one thread, on a virtual clock,
// over a virtual network that delays, loses, duplicates and reorders messages and can
// be partitioned. Servers can crash (their volatile state is gone) and restart (from
// what they persisted through Env). Everything random is drawn from the seed, so one
// seed is one run, bit for bit, on any machine.
//
// After every event delivered to a server the simulator checks Raft's safety
// properties (see invariants.h) and stops at the first broken one; failed() and
// failure() then say which and where. Liveness is the checks' business: they run the
// simulation until a condition holds or a virtual-time bound passes (run_until).
//
// Typical use in a check:
//
//   Simulation sim(options, make_server);
//   sim.become_leader(0);
//   sim.submit(0, "x=1");
//   if (!sim.run_until([&] { return sim.all_applied(1); }, 2 * kSecond)) ...
//   if (sim.failed()) ... sim.failure() ...
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/node.h"
#include "raftlab/sim/invariants.h"
#include "raftlab/sim/network_model.h"
#include "raftlab/sim/rng.h"
#include "raftlab/sim/timeline.h"

namespace raftlab::sim {

/// Builds one server: its configuration, the environment it must act through, and
/// the state it persisted before (empty on first start).
using ServerFactory = std::function<std::unique_ptr<RaftNode>(
    const ServerConfig& config, Env& env, const PersistentState& restored)>;

struct SimOptions {
    int servers = 5;
    std::uint64_t seed = 1;
    /// Settings shared by every server; the simulator fills in id and cluster_size.
    ServerConfig server;
    /// The starting settings of every link (change them later through the network
    /// calls of Simulation).
    LinkParams link;
    /// Encode and decode every message through the JSON codec (slower; catches codec
    /// bugs and messages that do not survive the wire).
    bool codec_roundtrip = false;
    /// Record a timeline (slower); on when a person asked to see one.
    bool record_timeline = false;
    /// A run that processes more events than this fails: it protects the grader from a
    /// server that floods the network.
    std::uint64_t max_events = 50'000'000;
    /// Lab 11: after an event, a server whose state machine applied this many entries
    /// since it was last asked (or since its last restored snapshot) is asked to take a
    /// snapshot (RaftNode::snapshot). 0: never, as in labs 5-10.
    Index snapshot_every = 0;
};

/// Counters for benchmarks and for bounds on message traffic.
struct SimStats {
    std::uint64_t events = 0;             ///< everything the event loop processed
    std::uint64_t messages_sent = 0;      ///< Env::send calls
    std::uint64_t messages_delivered = 0; ///< receive() calls
    std::uint64_t messages_dropped = 0;   ///< lost, cut by a partition, or to a down node
    std::uint64_t ticks = 0;              ///< tick() calls
    std::uint64_t snapshots_asked = 0;    ///< lab 11: RaftNode::snapshot calls
    std::uint64_t snapshots_saved = 0;    ///< lab 11: Env::persist_snapshot calls
    /// Lab 11: Env::restore_snapshot calls while running (a snapshot from the leader),
    /// not counting those of a server restarting from its own disk.
    std::uint64_t snapshots_installed = 0;
};

class Simulation {
public:
    Simulation(SimOptions options, ServerFactory factory);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    // ---- running ---------------------------------------------------------------

    Time now() const { return now_; }
    /// While a message is being delivered (inside a server's receive()): the time it was
    /// sent. -1 at any other moment.
    Time delivery_sent_at() const { return delivering_sent_; }
    /// Processes events until virtual time now()+duration, or until a failure.
    void run_for(Time duration);
    /// Processes events until `done()` holds (checked after every event), a failure,
    /// or virtual time now()+timeout. Returns true only when done() held.
    bool run_until(const std::function<bool()>& done, Time timeout);

    // ---- clients -----------------------------------------------------------------

    /// Offers a command to server `node` (which must be up); returns what submit()
    /// returned. A throw from the server is recorded as a failure and gives nullopt.
    std::optional<Index> submit(NodeId node, std::string command);
    /// Offers read `id` to `node`; read_result(id) reports the answer later.
    bool read(NodeId node, ReadId id);
    /// nullopt while read `id` is unanswered; otherwise the `ok` it was answered with
    /// and the number of entries that server had applied at that moment.
    struct ReadAnswer {
        bool ok = false;
        Index applied = 0;
        NodeId node = kNoNode;
        Time time = 0;
    };
    std::optional<ReadAnswer> read_result(ReadId id) const;
    /// Calls become_leader() on `node` (labs 6 and 7).
    void become_leader(NodeId node);
    /// Lab 11: asks `node` (up) to snapshot through `index`, as its state machine
    /// would, with the state after `index` when that is committed (a check asks for
    /// indexes a server must refuse, too).
    void ask_snapshot(NodeId node, Index index);
    /// Lab 12: asks `node` (up) to add, or remove, server `id`; returns what
    /// add_server() or remove_server() returned (a throw is a failure: nullopt).
    std::optional<Index> add_server(NodeId node, NodeId id);
    std::optional<Index> remove_server(NodeId node, NodeId id);

    // ---- faults --------------------------------------------------------------------

    /// Stops `node`: it loses its volatile state and every message to it is dropped
    /// until restart(). No effect when already down.
    void crash(NodeId node);
    /// Builds a new server for `node` from what it persisted. No effect when up.
    void restart(NodeId node);
    bool up(NodeId node) const;
    /// Network faults, recorded in the timeline (see network_model.h for meanings).
    void cut(NodeId from, NodeId to);
    void isolate(NodeId node);
    void partition(const std::vector<std::vector<NodeId>>& groups);
    void heal();
    void set_link(NodeId from, NodeId to, const LinkParams& params);
    void set_all_links(const LinkParams& params);
    const NetworkModel& network() const { return net_; }

    // ---- inspection ----------------------------------------------------------------

    int size() const { return static_cast<int>(slots_.size()); }
    /// The server object of an up node. Precondition: up(node).
    const RaftNode& server(NodeId node) const;
    /// What `node` persisted so far (survives crashes).
    const PersistentState& persisted(NodeId node) const;
    /// The up server that is leader in the highest term, if any.
    std::optional<NodeId> leader() const;
    /// Every entry applied by any server, by index: committed()[i-1] is entry i.
    const std::vector<LogEntry>& committed() const { return invariants_.committed(); }
    /// How many entries `node` applied since it last started.
    Index applied(NodeId node) const;
    /// True when every up server applied at least `count` entries.
    bool all_applied(Index count) const;
    const SimStats& stats() const { return stats_; }
    /// A generator for the check's own random choices, derived from the seed.
    Rng& rng() { return check_rng_; }

    // ---- failures and the timeline --------------------------------------------------

    bool failed() const { return !failure_.empty(); }
    /// The first broken property, in one sentence; empty while none.
    const std::string& failure() const { return failure_; }
    /// Records a failure found by the check itself (a liveness bound, say). Only the
    /// first failure is kept; the run stops.
    void fail(std::string reason);
    /// Adds a remark to the timeline (scenario phases make replays easier to read).
    void note(std::string text);
    const Timeline& timeline() const { return timeline_; }

private:
    struct Slot;
    class NodeEnv;
    struct Event {
        Time time;
        std::uint64_t seq;   // ties broken by scheduling order: deterministic
        std::uint32_t slot;  // index into in_flight_ for deliveries
        bool is_timer;
        NodeId node;         // destination (delivery) or owner (timer)
        std::uint64_t generation;
        bool operator>(const Event& o) const {
            return time != o.time ? time > o.time : seq > o.seq;
        }
    };
    struct InFlight {
        NodeId from, to;
        std::uint64_t id;
        Message message;
        Time sent;
    };

    void start(NodeId node);
    bool step();
    void deliver(const Event& e);
    void fire_timer(const Event& e);
    void push(Event e);
    void send_from(NodeId from, NodeId to, Message&& message);
    void schedule_delivery(NodeId from, NodeId to, std::uint64_t id, Message message);
    void set_timer(NodeId node, Time when);
    template <class F> void call_server(NodeId node, const char* what, F&& f);
    void after_event(NodeId node);
    void maybe_snapshot(NodeId node);
    void record(NodeId node, EventKind kind, NodeId peer, std::uint64_t id, std::string detail);
    /// Adds `node`'s state, as its inspection API shows it, to the timeline from event
    /// index `event` on (only when a timeline is recorded).
    void record_state(NodeId node, std::size_t event);

    SimOptions options_;
    ServerFactory factory_;
    Rng net_rng_;
    Rng check_rng_;
    NetworkModel net_;
    Invariants invariants_;
    bool starting_ = false;  // inside a server's constructor
    Timeline timeline_;
    SimStats stats_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<Event> queue_;  // a binary heap ordered by Event::operator>
    std::vector<InFlight> in_flight_;
    Time delivering_sent_ = -1;  // see delivery_sent_at()
    std::vector<std::uint32_t> free_slots_;
    std::unordered_map<ReadId, ReadAnswer> reads_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t next_message_id_ = 0;
    Time now_ = 0;
    std::string failure_;
    bool constructing_ = true;  // the constructor is starting the servers
};

}  // namespace raftlab::sim
