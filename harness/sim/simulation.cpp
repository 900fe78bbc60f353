// simulation.cpp: the event loop, the virtual network and crash/restart.
#include "raftlab/sim/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "raftlab/raft/codec.h"

namespace raftlab::sim {

/// Everything the simulator keeps about one server.
struct Simulation::Slot {
    std::unique_ptr<RaftNode> server;  // null while crashed
    std::unique_ptr<NodeEnv> env;
    PersistentState disk;              // survives crashes
    Rng rng{0};                        // the server's own random stream
    Index applied = 0;                 // entries applied in the current life
    std::uint64_t digest = 0;          // lab 11: the state machine's state (invariants.h)
    Index snapshot_asked = 0;          // lab 11: the index it was last asked to snapshot
    Time wake = -1;                    // the time the server asked to be ticked at
    Time scheduled = -1;               // the time of the live timer event, -1 if none
    std::uint64_t timer_generation = 0;
    Role role = Role::follower;        // as last recorded in the timeline
    Term term = 0;
};

/// The Env a server sees: every call goes straight to its Simulation.
class Simulation::NodeEnv final : public Env, public RandomStream {
public:
    NodeEnv(Simulation& sim, NodeId id) : sim_(sim), id_(id) {}

    void send(NodeId to, Message message) override { sim_.send_from(id_, to, std::move(message)); }

    void persist_term_and_vote(Term term, NodeId voted_for) override {
        PersistentState& disk = slot().disk;
        disk.current_term = term;
        disk.voted_for = voted_for;
    }

    void persist_log(Index first, const std::vector<LogEntry>& entries) override {
        std::string broken = sim_.invariants_.write_log(id_, slot().disk, first, entries);
        if (!broken.empty()) sim_.fail(std::move(broken));
    }

    void persist_snapshot(const Snapshot& snapshot) override {
        std::string broken = sim_.invariants_.write_snapshot(id_, slot().disk, snapshot);
        if (!broken.empty()) {
            sim_.fail(std::move(broken));
            return;
        }
        ++sim_.stats_.snapshots_saved;
        if (sim_.timeline_.enabled())
            sim_.record(id_, EventKind::apply, kNoNode, 0,
                        fmt::format("snapshot saved through index {} term {}", snapshot.last_index,
                                    snapshot.last_term));
    }

    void restore_snapshot(const Snapshot& snapshot) override {
        Slot& s = slot();
        std::string broken = sim_.invariants_.on_restore_snapshot(id_, s.applied, snapshot);
        if (!broken.empty()) {
            sim_.fail(std::move(broken));
            return;
        }
        if (!sim_.starting_) ++sim_.stats_.snapshots_installed;
        s.applied = snapshot.last_index;
        s.digest = sim_.invariants_.digest(snapshot.last_index);
        s.snapshot_asked = std::max(s.snapshot_asked, snapshot.last_index);
        if (sim_.timeline_.enabled())
            sim_.record(id_, EventKind::apply, kNoNode, 0,
                        fmt::format("snapshot restored through index {} term {}", snapshot.last_index,
                                    snapshot.last_term));
    }

    void apply(Index index, const LogEntry& entry) override {
        Slot& s = slot();
        std::string broken = sim_.invariants_.on_apply(id_, s.applied, index, entry);
        if (!broken.empty()) sim_.fail(std::move(broken));
        if (index == s.applied + 1) s.digest = Invariants::digest_after(s.digest, entry);
        s.applied = std::max(s.applied, index);
        if (sim_.timeline_.enabled())
            sim_.record(id_, EventKind::apply, kNoNode, 0,
                        fmt::format("index {} term {} \"{}\"", index, entry.term, entry.command));
    }

    void read_done(ReadId id, bool ok) override {
        auto [it, inserted] =
            sim_.reads_.emplace(id, ReadAnswer{ok, slot().applied, id_, sim_.now_});
        if (!inserted)
            sim_.fail(fmt::format("server {} answered read {} twice", id_, id));
        if (sim_.timeline_.enabled())
            sim_.record(id_, EventKind::read, kNoNode, 0,
                        fmt::format("read {} answered {} (applied {})", id, ok ? "ok" : "not ok",
                                    slot().applied));
    }

    Time now() const override { return sim_.now_; }
    void set_timer(Time when) override { sim_.set_timer(id_, when); }

    std::int64_t random(std::int64_t low, std::int64_t high) override { return slot().rng.env_random(low, high); }
    Rng* random_stream() override { return &slot().rng; }

private:
    Slot& slot() { return *sim_.slots_[static_cast<std::size_t>(id_)]; }
    Simulation& sim_;
    NodeId id_;
};

Simulation::Simulation(SimOptions options, ServerFactory factory)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      net_rng_(options_.seed),
      check_rng_(net_rng_.fork()),
      net_(options_.servers, options_.link),
      invariants_(options_.servers) {
    if (options_.servers < 1 || options_.servers > 64)
        throw std::invalid_argument(fmt::format(
            "SimOptions::servers is {}: a simulated cluster has 1 to 64 servers",
            options_.servers));
    timeline_.enable(options_.record_timeline);
    for (NodeId id = 0; id < options_.servers; ++id) {
        auto slot = std::make_unique<Slot>();
        slot->env = std::make_unique<NodeEnv>(*this, id);
        slot->rng = net_rng_.fork();
        slots_.push_back(std::move(slot));
    }
    for (NodeId id = 0; id < options_.servers; ++id) start(id);
    constructing_ = false;
}

Simulation::~Simulation() = default;

void Simulation::start(NodeId node) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    ServerConfig config = options_.server;
    config.id = node;
    config.cluster_size = options_.servers;
    s.applied = 0;
    s.digest = 0;
    s.snapshot_asked = 0;
    s.wake = -1;
    s.scheduled = -1;
    ++s.timer_generation;
    starting_ = true;
    try {
        s.server = factory_(config, *s.env, s.disk);
    } catch (const std::exception& e) {
        starting_ = false;
        fail(fmt::format("server {} could not be constructed: {}", node, e.what()));
        return;
    }
    starting_ = false;
    call_server(node, "tick", [&](RaftNode& server) { server.tick(); });
}

template <class F>
void Simulation::call_server(NodeId node, const char* what, F&& f) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (!s.server || failed()) return;
    // The event that made this call (a delivery, a tick, a client request, a restart)
    // was recorded just before it: the state the server ends in belongs to it. The
    // servers built with the simulation hold their first state from the start.
    const std::size_t cause =
        constructing_ || timeline_.events().empty() ? 0 : timeline_.events().size() - 1;
    try {
        f(*s.server);
    } catch (const std::exception& e) {
        fail(fmt::format("server {} threw from {}(): {}", node, what, e.what()));
        return;
    }
    after_event(node);
    if (timeline_.enabled()) record_state(node, cause);
    if (options_.snapshot_every > 0) maybe_snapshot(node);
}

void Simulation::maybe_snapshot(NodeId node) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (!s.server || failed() || s.applied < s.snapshot_asked + options_.snapshot_every) return;
    const Index index = s.applied;
    s.snapshot_asked = index;
    ++stats_.snapshots_asked;
    record(node, EventKind::note, kNoNode, 0, fmt::format("state machine: snapshot through index {}", index));
    std::string data = Invariants::state_text(index, s.digest);
    call_server(node, "snapshot", [&](RaftNode& server) { server.snapshot(index, std::move(data)); });
}

void Simulation::after_event(NodeId node) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (!s.server) return;
    std::string broken;
    try {
        broken = invariants_.on_state(node, *s.server);
    } catch (const std::exception& e) {
        broken = fmt::format("server {} threw while being inspected: {}", node, e.what());
    }
    if (!broken.empty()) fail(std::move(broken));
    if (timeline_.enabled()) {
        const Role role = s.server->role();
        const Term term = s.server->current_term();
        if (role != s.role || term != s.term) {
            s.role = role;
            s.term = term;
            record(node, EventKind::role, kNoNode, 0,
                   fmt::format("now {} in term {}", role_name(role), term));
        }
    }
}

namespace {

/// ServerState's operator== without comparing the logs.
bool same_apart_from_log(const ServerState& a, const ServerState& b) {
    return a.up == b.up && a.role == b.role && a.term == b.term && a.voted_for == b.voted_for &&
           a.leader_id == b.leader_id && a.commit_index == b.commit_index &&
           a.last_applied == b.last_applied && a.next_index == b.next_index && a.match_index == b.match_index;
}

}  // namespace

void Simulation::record_state(NodeId node, std::size_t event) {
    const Slot& s = *slots_[static_cast<std::size_t>(node)];
    ServerState state;
    if (!s.server) {
        state.up = false;
        timeline_.add_state(node, event, state);
        return;
    }
    // Only what the inspection API shows (in isolated mode it answers from the copy
    // the host sent back with the call, so this costs no round trip).
    try {
        const RaftNode& server = *s.server;
        state.role = server.role();
        state.term = server.current_term();
        state.voted_for = server.voted_for();
        state.leader_id = server.leader_id();
        state.commit_index = server.commit_index();
        state.last_applied = server.last_applied();
        if (state.role == Role::leader) {
            for (NodeId peer = 0; peer < size(); ++peer) {
                state.next_index.push_back(peer == node ? 0 : server.next_index(peer));
                state.match_index.push_back(peer == node ? 0 : server.match_index(peer));
            }
        }
        // Most events change nothing: compare the log with the last one recorded in
        // place, and copy or summarize entries only when something changed.
        // Entries a snapshot covers (lab 11) are drawn as one placeholder each.
        const Index last = server.last_log_index();
        const Index compacted = std::min(server.snapshot_index(), last);
        const EntrySummary in_snapshot{0, "(snapshot)"};
        auto entry_at = [&](Index i) { return i <= compacted ? in_snapshot : summarize(server.log_entry(i)); };
        const ServerState* before = timeline_.last_state(node);
        const std::vector<EntrySummary> none;
        const std::vector<EntrySummary>& old = before && before->up ? before->log : none;
        std::size_t same = 0;
        while (same < old.size() && same < last &&
               (same + 1 <= compacted ? old[same] == in_snapshot : summarizes_to(server.log_entry(same + 1), old[same])))
            ++same;
        if (before && same == old.size() && same == last && same_apart_from_log(state, *before)) return;
        state.log.reserve(last);
        state.log.assign(old.begin(), old.begin() + static_cast<std::ptrdiff_t>(same));
        for (Index i = same + 1; i <= last; ++i) state.log.push_back(entry_at(i));
    } catch (const std::exception&) {
        return;  // a server that cannot be inspected is already a failure (after_event)
    }
    timeline_.add_state(node, event, std::move(state));
}

void Simulation::record(NodeId node, EventKind kind, NodeId peer, std::uint64_t id,
                        std::string detail) {
    if (!timeline_.enabled()) return;
    const Slot* s = node == kNoNode ? nullptr : slots_[static_cast<std::size_t>(node)].get();
    timeline_.add(event_at(now_, node, s ? s->server.get() : nullptr, s ? s->disk.current_term : 0, kind, peer, id,
                           std::move(detail)));
}

void Simulation::push(Event e) {
    e.seq = next_seq_++;
    queue_.push_back(e);
    std::push_heap(queue_.begin(), queue_.end(), std::greater<>{});
}

void Simulation::set_timer(NodeId node, Time when) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (when < now_) when = now_;
    s.wake = when;
    // One live timer event per server: an earlier one fires and re-arms itself for a
    // later wake time, so pushing deadlines back (every heartbeat) costs no heap work.
    if (s.scheduled >= 0 && s.scheduled <= when) return;
    s.scheduled = when;
    push(Event{when, 0, 0, true, node, ++s.timer_generation});
}

void Simulation::send_from(NodeId from, NodeId to, Message&& message) {
    ++stats_.messages_sent;
    if (to < 0 || to >= size() || to == from) {
        fail(fmt::format("server {} sent a {} to server {}, which is not another server of "
                         "this {}-server cluster",
                         from, kind_name(message), to, size()));
        return;
    }
    if (options_.codec_roundtrip) {
        DecodeResult decoded = decode(encode(message));
        if (!decoded || !(*decoded.message == message)) {
            fail(fmt::format("a {} from server {} did not survive the JSON codec: {}",
                             kind_name(message), from,
                             decoded ? "it decoded to a different message" : decoded.error));
            return;
        }
        message = std::move(*decoded.message);
    }
    const std::uint64_t id = ++next_message_id_;
    if (timeline_.enabled()) record(from, EventKind::send, to, id, describe(message));
    const LinkParams& link = net_.link(from, to);
    if (!net_.connected(from, to) || net_rng_.chance(link.loss)) {
        ++stats_.messages_dropped;
        if (timeline_.enabled())
            record(from, EventKind::drop, to, id, net_.connected(from, to) ? "lost" : "link cut");
        return;
    }
    if (net_rng_.chance(link.duplicate)) {
        if (timeline_.enabled()) record(from, EventKind::duplicate, to, id, "second copy");
        schedule_delivery(from, to, id, message);
    }
    schedule_delivery(from, to, id, std::move(message));
}

void Simulation::schedule_delivery(NodeId from, NodeId to, std::uint64_t id, Message message) {
    const LinkParams& link = net_.link(from, to);
    const Time delay = net_rng_.uniform(link.min_delay, std::max(link.min_delay, link.max_delay));
    std::uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
        in_flight_[slot] = InFlight{from, to, id, std::move(message), now_};
    } else {
        slot = static_cast<std::uint32_t>(in_flight_.size());
        in_flight_.push_back(InFlight{from, to, id, std::move(message), now_});
    }
    push(Event{now_ + delay, 0, slot, false, to, 0});
}

void Simulation::deliver(const Event& e) {
    InFlight flight = std::move(in_flight_[e.slot]);
    free_slots_.push_back(e.slot);
    Slot& s = *slots_[static_cast<std::size_t>(flight.to)];
    if (!s.server || !net_.connected(flight.from, flight.to)) {
        ++stats_.messages_dropped;
        if (timeline_.enabled())
            record(flight.from, EventKind::drop, flight.to, flight.id,
                   s.server ? "link cut while in flight" : "receiver is down");
        return;
    }
    ++stats_.messages_delivered;
    if (timeline_.enabled())
        record(flight.to, EventKind::deliver, flight.from, flight.id, describe(flight.message));
    delivering_sent_ = flight.sent;
    call_server(flight.to, "receive",
                [&](RaftNode& server) { server.receive(flight.from, flight.message); });
    delivering_sent_ = -1;
}

void Simulation::fire_timer(const Event& e) {
    Slot& s = *slots_[static_cast<std::size_t>(e.node)];
    if (!s.server || e.generation != s.timer_generation) return;  // stale
    s.scheduled = -1;
    if (s.wake > now_) {  // the deadline moved later: sleep on
        s.scheduled = s.wake;
        push(Event{s.wake, 0, 0, true, e.node, ++s.timer_generation});
        return;
    }
    ++stats_.ticks;
    if (timeline_.enabled()) record(e.node, EventKind::timer, kNoNode, 0, "tick");
    call_server(e.node, "tick", [](RaftNode& server) { server.tick(); });
}

bool Simulation::step() {
    if (queue_.empty() || failed()) return false;
    if (++stats_.events > options_.max_events) {
        fail(fmt::format("the run processed more than {} events: is a server flooding the "
                         "network?",
                         options_.max_events));
        return false;
    }
    std::pop_heap(queue_.begin(), queue_.end(), std::greater<>{});
    const Event e = queue_.back();
    queue_.pop_back();
    now_ = e.time;
    if (e.is_timer)
        fire_timer(e);
    else
        deliver(e);
    return true;
}

void Simulation::run_for(Time duration) {
    const Time end = now_ + duration;
    while (!failed() && !queue_.empty() && queue_.front().time <= end) step();
    if (!failed()) now_ = std::max(now_, end);
}

bool Simulation::run_until(const std::function<bool()>& done, Time timeout) {
    const Time end = now_ + timeout;
    if (done()) return true;
    while (!failed() && !queue_.empty() && queue_.front().time <= end) {
        step();
        if (!failed() && done()) return true;
    }
    if (!failed()) now_ = std::max(now_, end);
    return false;
}

std::optional<Index> Simulation::submit(NodeId node, std::string command) {
    std::optional<Index> index;
    if (!up(node)) return index;
    if (timeline_.enabled()) record(node, EventKind::submit, kNoNode, 0, "\"" + command + "\"");
    call_server(node, "submit",
                [&](RaftNode& server) { index = server.submit(std::move(command)); });
    return failed() ? std::nullopt : index;
}

bool Simulation::read(NodeId node, ReadId id) {
    bool accepted = false;
    if (!up(node)) return false;
    if (timeline_.enabled()) record(node, EventKind::read, kNoNode, 0, fmt::format("read {}", id));
    call_server(node, "read", [&](RaftNode& server) { accepted = server.read(id); });
    return accepted && !failed();
}

std::optional<Simulation::ReadAnswer> Simulation::read_result(ReadId id) const {
    auto it = reads_.find(id);
    if (it == reads_.end()) return std::nullopt;
    return it->second;
}

void Simulation::become_leader(NodeId node) {
    if (!up(node)) return;
    if (timeline_.enabled()) record(node, EventKind::note, kNoNode, 0, "designated leader");
    call_server(node, "become_leader", [](RaftNode& server) { server.become_leader(); });
}

void Simulation::ask_snapshot(NodeId node, Index index) {
    if (!up(node)) return;
    record(node, EventKind::note, kNoNode, 0, fmt::format("state machine: snapshot through index {}", index));
    std::string data = index >= 1 && index <= invariants_.committed().size() ? invariants_.state_text(index)
                                                                             : std::string("not applied yet");
    call_server(node, "snapshot", [&](RaftNode& server) { server.snapshot(index, std::move(data)); });
}

std::optional<Index> Simulation::add_server(NodeId node, NodeId id) {
    std::optional<Index> index;
    if (!up(node)) return index;
    record(node, EventKind::note, kNoNode, 0, fmt::format("asked to add server {}", id));
    call_server(node, "add_server", [&](RaftNode& server) { index = server.add_server(id); });
    return failed() ? std::nullopt : index;
}

std::optional<Index> Simulation::remove_server(NodeId node, NodeId id) {
    std::optional<Index> index;
    if (!up(node)) return index;
    record(node, EventKind::note, kNoNode, 0, fmt::format("asked to remove server {}", id));
    call_server(node, "remove_server", [&](RaftNode& server) { index = server.remove_server(id); });
    return failed() ? std::nullopt : index;
}

void Simulation::crash(NodeId node) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (!s.server) return;
    s.server.reset();
    ++s.timer_generation;  // its pending timer dies with it
    s.scheduled = -1;
    record(node, EventKind::crash, kNoNode, 0, "crashed: volatile state lost");
    if (timeline_.enabled()) record_state(node, timeline_.events().size() - 1);
}

void Simulation::restart(NodeId node) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (s.server || failed()) return;
    invariants_.on_restart(node);
    s.role = Role::follower;
    record(node, EventKind::restart, kNoNode, 0,
           s.disk.snapshot.last_index == 0
               ? fmt::format("restarted from disk: term {}, voted for {}, {} log entries", s.disk.current_term,
                             s.disk.voted_for, s.disk.log.size())
               : fmt::format("restarted from disk: term {}, voted for {}, a snapshot through index {}, {} log "
                             "entries after it",
                             s.disk.current_term, s.disk.voted_for, s.disk.snapshot.last_index, s.disk.log.size()));
    start(node);
}

bool Simulation::up(NodeId node) const {
    return node >= 0 && node < size() && slots_[static_cast<std::size_t>(node)]->server != nullptr;
}

void Simulation::cut(NodeId from, NodeId to) {
    net_.cut(from, to);
    record(kNoNode, EventKind::network, kNoNode, 0, fmt::format("cut link {} -> {}", from, to));
}

void Simulation::isolate(NodeId node) {
    net_.isolate(node);
    record(kNoNode, EventKind::network, kNoNode, 0, fmt::format("isolate server {}", node));
}

void Simulation::partition(const std::vector<std::vector<NodeId>>& groups) {
    net_.partition(groups);
    record(kNoNode, EventKind::network, kNoNode, 0,
           "partition " + NetworkModel::describe(groups));
}

void Simulation::heal() {
    net_.heal();
    record(kNoNode, EventKind::network, kNoNode, 0, "heal: every link restored");
}

void Simulation::set_link(NodeId from, NodeId to, const LinkParams& p) {
    net_.set_link(from, to, p);
    record(kNoNode, EventKind::network, kNoNode, 0,
           fmt::format("link {} -> {}: delay {}-{}us loss {} duplicate {}", from, to, p.min_delay,
                       p.max_delay, p.loss, p.duplicate));
}

void Simulation::set_all_links(const LinkParams& p) {
    net_.set_all_links(p);
    record(kNoNode, EventKind::network, kNoNode, 0,
           fmt::format("all links: delay {}-{}us loss {} duplicate {}", p.min_delay, p.max_delay,
                       p.loss, p.duplicate));
}

const RaftNode& Simulation::server(NodeId node) const {
    if (!up(node)) throw std::logic_error(fmt::format("server {} is down", node));
    return *slots_[static_cast<std::size_t>(node)]->server;
}

const PersistentState& Simulation::persisted(NodeId node) const {
    return slots_.at(static_cast<std::size_t>(node))->disk;
}

std::optional<NodeId> Simulation::leader() const {
    std::optional<NodeId> best;
    Term best_term = 0;
    for (NodeId n = 0; n < size(); ++n) {
        if (!up(n)) continue;
        const RaftNode& s = server(n);
        if (s.role() == Role::leader && (!best || s.current_term() > best_term)) {
            best = n;
            best_term = s.current_term();
        }
    }
    return best;
}

Index Simulation::applied(NodeId node) const { return slots_.at(static_cast<std::size_t>(node))->applied; }

bool Simulation::all_applied(Index count) const {
    for (NodeId n = 0; n < size(); ++n)
        if (up(n) && applied(n) < count) return false;
    return true;
}

void Simulation::fail(std::string reason) {
    if (!failure_.empty()) return;
    failure_ = fmt::format("at {:.3f}ms: {}", static_cast<double>(now_) / 1000.0, reason);
    record(kNoNode, EventKind::violation, kNoNode, 0, std::move(reason));
}

void Simulation::note(std::string text) { record(kNoNode, EventKind::note, kNoNode, 0, std::move(text)); }

}  // namespace raftlab::sim
