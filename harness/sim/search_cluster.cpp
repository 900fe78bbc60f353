// search_cluster.cpp: the cluster the search replays (search.h): its servers' Env, the
// events it can take, and the hash of what can be seen of it.
#include "raftlab/sim/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/rng.h"

namespace raftlab::sim {

namespace {

/// A small, stable mixer (the same hash on every machine and every run).
struct Hasher {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    void add(std::uint64_t v) {
        h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
    }
    void add(const std::string& s) {
        std::uint64_t x = 0xcbf29ce484222325ULL;  // FNV-1a
        for (unsigned char c : s) x = (x ^ c) * 0x100000001b3ULL;
        add(x);
        add(s.size());
    }
    void add(const LogEntry& e) {
        add(e.term);
        add(e.command);
    }
};

std::uint64_t message_hash(NodeId from, NodeId to, const Message& m) {
    Hasher h;
    h.add(static_cast<std::uint64_t>(from));
    h.add(static_cast<std::uint64_t>(to));
    h.add(m.index());
    std::visit(
        [&](const auto& msg) {
            using T = std::decay_t<decltype(msg)>;
            h.add(msg.term);
            if constexpr (std::is_same_v<T, AppendEntries>) {
                h.add(static_cast<std::uint64_t>(msg.leader_id));
                h.add(msg.prev_log_index);
                h.add(msg.prev_log_term);
                h.add(msg.entries.size());
                for (const LogEntry& e : msg.entries) h.add(e);
                h.add(msg.leader_commit);
                h.add(msg.round);
            } else if constexpr (std::is_same_v<T, AppendEntriesReply>) {
                h.add(msg.success);
                h.add(msg.match_index);
                h.add(msg.rejected_index);
                h.add(msg.last_log_index);
                h.add(msg.round);
            } else if constexpr (std::is_same_v<T, RequestVote>) {
                h.add(static_cast<std::uint64_t>(msg.candidate_id));
                h.add(msg.last_log_index);
                h.add(msg.last_log_term);
                h.add(msg.pre_vote);
            } else if constexpr (std::is_same_v<T, RequestVoteReply>) {
                h.add(msg.vote_granted);
                h.add(msg.pre_vote);
            } else if constexpr (std::is_same_v<T, InstallSnapshot>) {
                h.add(static_cast<std::uint64_t>(msg.leader_id));
                h.add(msg.last_included_index);
                h.add(msg.last_included_term);
                h.add(msg.data);
                h.add(msg.leader_commit);
            } else {
                h.add(msg.match_index);
            }
        },
        m);
    return h.h;
}

}  // namespace

/// Everything the search keeps about one server.
struct SearchCluster::Slot {
    std::unique_ptr<RaftNode> server;  // null while crashed
    std::unique_ptr<NodeEnv> env;
    PersistentState disk;
    Rng rng{0};
    Index applied = 0;
    std::uint64_t digest = 0;  // lab 11: the state machine's state (invariants.h)
    Time wake = -1;  // when the server asked to be ticked; -1: no timer
    Role role = Role::follower;  // as last recorded in the timeline
    Term term = 0;
};

/// The Env a server sees in the search: like the simulator's, with a network that
/// only queues (the search decides what is delivered, and when).
class SearchCluster::NodeEnv final : public Env, public RandomStream {
public:
    NodeEnv(SearchCluster& c, NodeId id) : c_(c), id_(id) {}

    void send(NodeId to, Message message) override {
        if (to < 0 || to >= c_.size() || to == id_) {
            c_.fail(fmt::format("server {} sent a {} to server {}, which is not another server of "
                                "this {}-server cluster",
                                id_, kind_name(message), to, c_.size()));
            return;
        }
        const std::uint64_t id = ++c_.next_message_id_;
        c_.record(id_, EventKind::send, to, id, sim::describe(message));
        c_.in_flight_.push_back(InFlight{id_, to, id, std::move(message), c_.now_});
    }
    void persist_term_and_vote(Term term, NodeId voted_for) override {
        slot().disk.current_term = term;
        slot().disk.voted_for = voted_for;
    }
    void persist_log(Index first, const std::vector<LogEntry>& entries) override {
        std::string broken = c_.invariants_.write_log(id_, slot().disk, first, entries);
        if (!broken.empty()) c_.fail(std::move(broken));
    }
    void persist_snapshot(const Snapshot& snapshot) override {
        std::string broken = c_.invariants_.write_snapshot(id_, slot().disk, snapshot);
        if (!broken.empty()) return c_.fail(std::move(broken));
        c_.record(id_, EventKind::apply, kNoNode, 0,
                  fmt::format("snapshot saved through index {} term {}", snapshot.last_index, snapshot.last_term));
    }
    void restore_snapshot(const Snapshot& snapshot) override {
        Slot& s = slot();
        std::string broken = c_.invariants_.on_restore_snapshot(id_, s.applied, snapshot);
        if (!broken.empty()) return c_.fail(std::move(broken));
        s.applied = snapshot.last_index;
        s.digest = c_.invariants_.digest(snapshot.last_index);
        c_.record(id_, EventKind::apply, kNoNode, 0,
                  fmt::format("snapshot restored through index {} term {}", snapshot.last_index, snapshot.last_term));
    }
    void apply(Index index, const LogEntry& entry) override {
        Slot& s = slot();
        std::string broken = c_.invariants_.on_apply(id_, s.applied, index, entry);
        if (!broken.empty()) c_.fail(std::move(broken));
        if (index == s.applied + 1) s.digest = Invariants::digest_after(s.digest, entry);
        s.applied = std::max(s.applied, index);
        c_.record(id_, EventKind::apply, kNoNode, 0,
                  fmt::format("index {} term {} \"{}\"", index, entry.term, entry.command));
    }
    void read_done(ReadId id, bool) override {
        c_.fail(fmt::format("server {} answered read {}, which no client asked for", id_, id));
    }
    Time now() const override { return c_.now_; }
    void set_timer(Time when) override { slot().wake = std::max(when, c_.now_); }
    std::int64_t random(std::int64_t low, std::int64_t high) override { return slot().rng.env_random(low, high); }
    Rng* random_stream() override { return &slot().rng; }

private:
    Slot& slot() { return *c_.slots_[static_cast<std::size_t>(id_)]; }
    SearchCluster& c_;
    NodeId id_;
};

SearchCluster::SearchCluster(const SearchOptions& options, const ServerFactory& factory,
                             bool record_timeline)
    : options_(options), factory_(factory), invariants_(options.servers) {
    if (options.servers < 1 || options.servers > 9)
        throw std::invalid_argument(fmt::format(
            "SearchOptions::servers is {}: a searched cluster has 1 to 9 servers", options.servers));
    timeline_.enable(record_timeline);
    Rng seeds(options.seed);
    for (NodeId id = 0; id < options.servers; ++id) {
        auto slot = std::make_unique<Slot>();
        slot->env = std::make_unique<NodeEnv>(*this, id);
        slot->rng = seeds.fork();
        slots_.push_back(std::move(slot));
    }
}

SearchCluster::~SearchCluster() = default;

void SearchCluster::start() {
    for (NodeId id = 0; id < size(); ++id) build(id);
    if (options_.initial_leader && up(*options_.initial_leader)) {
        record(*options_.initial_leader, EventKind::note, kNoNode, 0, "designated leader");
        call_server(*options_.initial_leader, "become_leader",
                    [](RaftNode& s) { s.become_leader(); });
    }
}

void SearchCluster::build(NodeId node) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    ServerConfig config = options_.server;
    config.id = node;
    config.cluster_size = size();
    s.applied = 0;
    s.digest = 0;
    s.wake = -1;
    try {
        s.server = factory_(config, *s.env, s.disk);
    } catch (const std::exception& e) {
        fail(fmt::format("server {} could not be constructed: {}", node, e.what()));
        return;
    }
    call_server(node, "tick", [](RaftNode& server) { server.tick(); });
}

template <class F>
void SearchCluster::call_server(NodeId node, const char* what, F&& f) {
    Slot& s = *slots_[static_cast<std::size_t>(node)];
    if (!s.server || failed()) return;
    try {
        f(*s.server);
    } catch (const std::exception& e) {
        fail(fmt::format("server {} threw from {}(): {}", node, what, e.what()));
        return;
    }
    if (!s.server) return;
    Role role;
    Term term;
    try {
        role = s.server->role();
        term = s.server->current_term();
    } catch (const std::exception& e) {
        fail(fmt::format("server {} threw while being inspected: {}", node, e.what()));
        return;
    }
    if (role == Role::leader) {
        const std::pair<Term, NodeId> seen{term, node};
        auto at = std::lower_bound(leaders_.begin(), leaders_.end(), seen);
        if (at == leaders_.end() || *at != seen) leaders_.insert(at, seen);
    }
    if (timeline_.enabled() && (role != s.role || term != s.term)) {
        s.role = role;
        s.term = term;
        record(node, EventKind::role, kNoNode, 0, fmt::format("now {} in term {}", role_name(role), term));
    }
    std::string broken;
    try {
        broken = invariants_.on_state(node, *s.server);
    } catch (const std::exception& e) {
        broken = fmt::format("server {} threw while being inspected: {}", node, e.what());
    }
    if (!broken.empty()) fail(std::move(broken));
}

bool SearchCluster::up(NodeId node) const {
    return node >= 0 && node < size() && slots_[static_cast<std::size_t>(node)]->server != nullptr;
}

const RaftNode& SearchCluster::server(NodeId node) const {
    if (!up(node)) throw std::logic_error(fmt::format("server {} is down", node));
    return *slots_[static_cast<std::size_t>(node)]->server;
}

const PersistentState& SearchCluster::persisted(NodeId node) const {
    return slots_.at(static_cast<std::size_t>(node))->disk;
}

void SearchCluster::fail(std::string reason) {
    if (!failure_.empty()) return;
    failure_ = reason;
    record(kNoNode, EventKind::violation, kNoNode, 0, std::move(reason));
}

void SearchCluster::record(NodeId node, EventKind kind, NodeId peer, std::uint64_t id, std::string detail) {
    if (!timeline_.enabled()) return;
    const Slot* s = node == kNoNode ? nullptr : slots_[static_cast<std::size_t>(node)].get();
    timeline_.add(event_at(now_, node, s ? s->server.get() : nullptr, s ? s->disk.current_term : 0, kind, peer, id,
                           std::move(detail)));
}

bool SearchCluster::may_designate(NodeId node) const {
    // A server that could win an election: its next term is new to everyone, and a
    // majority (itself included) would find its log at least as up to date.
    if (!up(node) || server(node).role() == Role::leader) return false;
    // The voters are up servers, comparing the logs they hold (last term first, then
    // length); a down server cannot vote, but its term still rules out reusing one.
    auto last_of = [&](NodeId n) -> std::pair<Term, Index> {
        const RaftNode& s = server(n);
        const Index last = s.last_log_index();
        return {last == s.snapshot_index() ? s.snapshot_term() : s.log_entry(last).term, last};
    };
    const Term next = server(node).current_term() + 1;
    const auto own = last_of(node);
    int voters = 0;
    for (NodeId n = 0; n < size(); ++n) {
        const Term term = up(n) ? server(n).current_term() : persisted(n).current_term;
        if (term >= next) return false;
        if (up(n) && own >= last_of(n)) ++voters;
    }
    return 2 * voters > size();
}

std::vector<SearchEvent> SearchCluster::enabled() const {
    std::vector<SearchEvent> events;
    // Two equal messages on one link give the same successors: take the first only.
    std::vector<std::uint64_t> seen;
    std::vector<int> distinct;
    for (std::size_t i = 0; i < in_flight_.size(); ++i) {
        const InFlight& f = in_flight_[i];
        const std::uint64_t h = message_hash(f.from, f.to, f.message);
        if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
        seen.push_back(h);
        distinct.push_back(static_cast<int>(i));
    }
    for (int i : distinct)
        if (up(in_flight_[static_cast<std::size_t>(i)].to)) events.push_back({SearchStep::deliver, kNoNode, i});
    for (NodeId n = 0; n < size(); ++n)
        if (up(n) && slots_[static_cast<std::size_t>(n)]->wake >= 0 && timer_fires_ < options_.max_timer_fires)
            events.push_back({SearchStep::timer, n, -1});
    if (submitted_ < options_.commands)
        for (NodeId n = 0; n < size(); ++n)
            if (up(n) && server(n).role() == Role::leader) events.push_back({SearchStep::submit, n, -1});
    for (NodeId n = 0; n < size(); ++n) {
        if (up(n) && crashes_ < options_.max_crashes) events.push_back({SearchStep::crash, n, -1});
        if (!up(n)) events.push_back({SearchStep::restart, n, -1});
    }
    if (designations_ < options_.max_designations)
        for (NodeId n = 0; n < size(); ++n)
            if (may_designate(n)) events.push_back({SearchStep::designate, n, -1});
    if (snapshots_ < options_.max_snapshots)
        for (NodeId n = 0; n < size(); ++n)
            if (up(n) && slots_[static_cast<std::size_t>(n)]->applied > server(n).snapshot_index())
                events.push_back({SearchStep::snapshot, n, -1});
    if (duplicates_ < options_.max_duplicates)
        for (int i : distinct)
            if (up(in_flight_[static_cast<std::size_t>(i)].to)) events.push_back({SearchStep::duplicate, kNoNode, i});
    if (drops_ < options_.max_drops)
        for (int i : distinct) events.push_back({SearchStep::drop, kNoNode, i});
    return events;
}

std::string SearchCluster::describe(const SearchEvent& e) const {
    auto message = [&] {
        const InFlight& f = in_flight_.at(static_cast<std::size_t>(e.message));
        return fmt::format("s{}->s{} {}", f.from, f.to, sim::describe(f.message));
    };
    switch (e.step) {
        case SearchStep::deliver: return "deliver " + message();
        case SearchStep::duplicate: return "deliver a copy of " + message();
        case SearchStep::drop: return "drop " + message();
        case SearchStep::timer: return fmt::format("timer of s{}", e.node);
        case SearchStep::submit: return fmt::format("submit \"{}\" to s{}", numbered_command(submitted_), e.node);
        case SearchStep::crash: return fmt::format("crash s{}", e.node);
        case SearchStep::restart: return fmt::format("restart s{}", e.node);
        case SearchStep::designate: return fmt::format("make s{} leader", e.node);
        case SearchStep::snapshot:
            return fmt::format("s{} snapshots through index {}", e.node,
                               slots_[static_cast<std::size_t>(e.node)]->applied);
    }
    return "?";
}

void SearchCluster::deliver(std::size_t index, bool keep_copy) {
    InFlight flight = keep_copy ? in_flight_.at(index) : std::move(in_flight_.at(index));
    if (keep_copy) {
        record(flight.from, EventKind::duplicate, flight.to, flight.id, "second copy");
    } else {
        in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(index));
    }
    record(flight.to, EventKind::deliver, flight.from, flight.id, sim::describe(flight.message));
    delivering_sent_ = flight.sent;
    call_server(flight.to, "receive", [&](RaftNode& s) { s.receive(flight.from, flight.message); });
    delivering_sent_ = -1;
}

void SearchCluster::take(const SearchEvent& e) {
    if (failed()) return;
    switch (e.step) {
        case SearchStep::deliver: deliver(static_cast<std::size_t>(e.message), false); break;
        case SearchStep::duplicate:
            ++duplicates_;
            deliver(static_cast<std::size_t>(e.message), true);
            break;
        case SearchStep::drop: {
            ++drops_;
            const InFlight& f = in_flight_.at(static_cast<std::size_t>(e.message));
            record(f.from, EventKind::drop, f.to, f.id, "lost");
            in_flight_.erase(in_flight_.begin() + e.message);
            break;
        }
        case SearchStep::timer: {
            ++timer_fires_;
            Slot& s = *slots_[static_cast<std::size_t>(e.node)];
            now_ = std::max(now_, s.wake);
            s.wake = -1;
            record(e.node, EventKind::timer, kNoNode, 0, "tick");
            call_server(e.node, "tick", [](RaftNode& server) { server.tick(); });
            break;
        }
        case SearchStep::submit: {
            std::string command = numbered_command(submitted_++);
            record(e.node, EventKind::submit, kNoNode, 0, "\"" + command + "\"");
            call_server(e.node, "submit", [&](RaftNode& s) { s.submit(std::move(command)); });
            break;
        }
        case SearchStep::crash: {
            ++crashes_;
            Slot& s = *slots_[static_cast<std::size_t>(e.node)];
            s.server.reset();
            s.wake = -1;
            record(e.node, EventKind::crash, kNoNode, 0, "crashed: volatile state lost");
            break;
        }
        case SearchStep::restart: {
            Slot& s = *slots_[static_cast<std::size_t>(e.node)];
            invariants_.on_restart(e.node);
            s.role = Role::follower;
            record(e.node, EventKind::restart, kNoNode, 0,
                   fmt::format("restarted from disk: term {}, voted for {}, a snapshot through index {}, {} log "
                               "entries after it",
                               s.disk.current_term, s.disk.voted_for, s.disk.snapshot.last_index, s.disk.log.size()));
            build(e.node);
            break;
        }
        case SearchStep::designate:
            ++designations_;
            record(e.node, EventKind::note, kNoNode, 0, "designated leader");
            call_server(e.node, "become_leader", [](RaftNode& s) { s.become_leader(); });
            break;
        case SearchStep::snapshot: {
            ++snapshots_;
            const Slot& s = *slots_[static_cast<std::size_t>(e.node)];
            const Index index = s.applied;
            std::string data = Invariants::state_text(index, s.digest);
            record(e.node, EventKind::note, kNoNode, 0, fmt::format("state machine: snapshot through index {}", index));
            call_server(e.node, "snapshot", [&](RaftNode& server) { server.snapshot(index, std::move(data)); });
            break;
        }
    }
    if (failed() || !check_) return;
    std::string broken;
    try {
        broken = check_(*this);
    } catch (const std::exception& ex) {
        broken = std::string("the check stopped on an exception: ") + ex.what();
    }
    if (!broken.empty()) fail(std::move(broken));
}

void SearchCluster::settle(int limit, NodeId hold) {
    for (int k = 0; k < limit && !failed(); ++k) {
        std::size_t i = 0;
        while (i < in_flight_.size() && (!up(in_flight_[i].to) || in_flight_[i].to == hold)) ++i;
        if (i == in_flight_.size()) return;
        deliver(i, false);
    }
}

bool SearchCluster::beyond_bounds(int depth) const {
    if (depth >= options_.max_depth || static_cast<int>(in_flight_.size()) > options_.max_in_flight)
        return true;
    for (NodeId n = 0; n < size(); ++n)
        if (persisted(n).current_term > options_.max_term) return true;
    return false;
}

std::uint64_t SearchCluster::state_hash() const {
    Hasher h;
    for (NodeId n = 0; n < size(); ++n) {
        const Slot& slot = *slots_[static_cast<std::size_t>(n)];
        h.add(slot.disk.current_term);
        h.add(static_cast<std::uint64_t>(slot.disk.voted_for));
        h.add(slot.disk.snapshot.last_index);
        h.add(slot.disk.snapshot.last_term);
        h.add(slot.disk.snapshot.data);
        h.add(slot.disk.log.size());
        for (const LogEntry& e : slot.disk.log) h.add(e);
        h.add(up(n));
        if (!up(n)) continue;
        const RaftNode& s = *slot.server;
        h.add(static_cast<std::uint64_t>(s.role()));
        h.add(s.current_term());
        h.add(static_cast<std::uint64_t>(s.voted_for()));
        h.add(static_cast<std::uint64_t>(s.leader_id()));
        h.add(s.commit_index());
        h.add(s.last_applied());
        h.add(slot.applied);
        h.add(slot.wake >= 0);
        const Index last = s.last_log_index();
        h.add(last);
        h.add(s.snapshot_index());
        h.add(s.snapshot_term());
        for (Index i = s.snapshot_index() + 1; i <= last; ++i) h.add(s.log_entry(i));
        for (NodeId p = 0; p < size(); ++p) {
            h.add(s.next_index(p));
            h.add(s.match_index(p));
        }
    }
    std::vector<std::uint64_t> messages;
    messages.reserve(in_flight_.size());
    for (const InFlight& f : in_flight_) messages.push_back(message_hash(f.from, f.to, f.message));
    std::sort(messages.begin(), messages.end());
    h.add(messages.size());
    for (std::uint64_t m : messages) h.add(m);
    for (const LogEntry& e : committed()) h.add(e);
    for (const auto& [term, node] : leaders_) {
        h.add(term);
        h.add(static_cast<std::uint64_t>(node));
    }
    for (int budget : {drops_, duplicates_, crashes_, designations_, timer_fires_, submitted_, snapshots_})
        h.add(static_cast<std::uint64_t>(budget));
    return h.h;
}

}  // namespace raftlab::sim
