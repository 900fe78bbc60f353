// remote_node.cpp: the judge's side of a Raft host (see remote_node.h).
#include "raftlab/host/remote_node.h"

#include <limits>
#include <map>
#include <stdexcept>

#include "raftlab/host/raft_protocol.h"
#include "raftlab/host/serve.h"

namespace raftlab::host {
namespace p = raftlab::host::raft;

namespace {

Writer request(std::uint8_t op, const Env& env) {
    Writer w;
    w.u8(op);
    w.i64(env.now());
    return w;
}

}  // namespace

RemoteNode::RemoteNode(const std::string& program, const ServerConfig& config, Env& env,
                       const PersistentState& restored)
    : process_(program), env_(env), cluster_size_(config.cluster_size),
      next_(static_cast<std::size_t>(config.cluster_size)), match_(next_.size()) {
    if (auto* lender = dynamic_cast<sim::RandomStream*>(&env)) stream_ = lender->random_stream();
    term_ = restored.current_term;
    Writer w = request(p::kConstruct, env);
    w.i32(config.id);
    w.i32(config.cluster_size);
    w.boolean(config.elections);
    w.i64(config.heartbeat_interval);
    w.i64(config.election_timeout_min);
    w.i64(config.election_timeout_max);
    w.u64(config.max_entries_per_message);
    w.u64(config.max_inflight_appends);
    w.boolean(config.pre_vote);
    w.boolean(config.check_quorum);
    w.ids(config.voters);
    w.u64(restored.current_term);
    w.i32(restored.voted_for);
    w.entries(restored.log);
    w.snapshot(restored.snapshot);
    w.boolean(stream_ != nullptr);
    if (stream_)
        for (std::uint64_t word : stream_->state()) w.u64(word);
    call(w, "the constructor");
}

RemoteNode::Result RemoteNode::call(const Writer& req, const char* what) {
    process_.send(req);
    try {
        for (;;) {
            std::string frame = process_.receive(what);
            Reader r(frame);
            const std::uint8_t op = r.u8();
            if (op == p::kEnd) {
                Result result;
                std::string thrown_what;
                std::uint8_t kind = r.u8();
                if (kind > static_cast<std::uint8_t>(ExceptionKind::not_std))
                    throw ProtocolError("unknown exception kind");
                if (kind != 0) thrown_what = r.str();
                result.has = r.boolean();
                result.value = r.u64();
                if (r.boolean()) {
                    // The stream the server drew from during the call, taken back.
                    if (!stream_) throw ProtocolError("a random stream it was not lent");
                    sim::Rng::State stream;
                    for (auto& word : stream) word = r.u64();
                    *stream_ = sim::Rng::from_state(stream);
                }
                if (r.boolean()) read_state(r);
                r.finish();
                if (kind != 0) {
                    if (thrown_what.size() > 4096) thrown_what = thrown_what.substr(0, 4096) + "...";
                    raise_exception(static_cast<ExceptionKind>(kind), thrown_what);
                }
                return result;
            }
            const std::uint8_t role = r.u8();
            if (role > 2) throw ProtocolError("role " + std::to_string(role));
            role_ = static_cast<Role>(role);
            term_ = r.u64();
            switch (op) {
                case p::kSend: {
                    NodeId to = r.i32();
                    Message m = r.message();
                    r.finish();
                    env_.send(to, std::move(m));
                    break;
                }
                case p::kPersistTerm: {
                    Term term = r.u64();
                    NodeId vote = r.i32();
                    r.finish();
                    env_.persist_term_and_vote(term, vote);
                    break;
                }
                case p::kPersistLog: {
                    Index first = r.u64();
                    std::vector<LogEntry> entries = r.entries();
                    r.finish();
                    env_.persist_log(first, entries);
                    break;
                }
                case p::kApply: {
                    Index index = r.u64();
                    LogEntry entry = r.entry();
                    r.finish();
                    env_.apply(index, entry);
                    break;
                }
                case p::kPersistSnapshot: {
                    Snapshot snap = r.snapshot();
                    r.finish();
                    env_.persist_snapshot(snap);
                    break;
                }
                case p::kRestoreSnapshot: {
                    Snapshot snap = r.snapshot();
                    r.finish();
                    env_.restore_snapshot(snap);
                    break;
                }
                case p::kReadDone: {
                    ReadId id = r.u64();
                    bool ok = r.boolean();
                    r.finish();
                    env_.read_done(id, ok);
                    break;
                }
                case p::kSetTimer: {
                    Time when = r.i64();
                    r.finish();
                    env_.set_timer(when);
                    break;
                }
                case p::kRandom: {
                    std::int64_t low = r.i64(), high = r.i64();
                    r.finish();
                    Writer answer;
                    answer.u8(p::kRandomValue);
                    answer.i64(env_.random(low, high));
                    process_.send(answer);
                    break;
                }
                default: throw ProtocolError("unknown frame " + std::to_string(op));
            }
        }
    } catch (const ProtocolError& e) {
        process_.fail(std::string("its process broke the protocol with the checks during ") + what + " (" +
                      e.what() + ")");
    }
}

void RemoteNode::read_state(Reader& r) {
    if (!r.boolean()) {
        inspect_error_ = r.str();
        if (inspect_error_.size() > 4096) inspect_error_.resize(4096);
        return;
    }
    inspect_error_.clear();
    const std::uint8_t role = r.u8();
    if (role > 2) throw ProtocolError("role " + std::to_string(role));
    role_ = static_cast<Role>(role);
    term_ = r.u64();
    voted_for_ = r.i32();
    leader_id_ = r.i32();
    commit_index_ = r.u64();
    last_applied_ = r.u64();
    for (auto& n : next_) n = r.u64();
    for (auto& m : match_) m = r.u64();
    const std::uint64_t base = r.u64();
    log_base_term_ = r.u64();
    const std::uint64_t keep = r.u64();
    if (base != log_base_) log_.clear();
    if (keep > log_.size()) throw ProtocolError("a log change past the end of the log");
    std::vector<LogEntry> added = r.entries();
    log_base_ = base;
    log_.resize(keep);
    for (auto& e : added) log_.push_back(std::move(e));
    // The server's own claim, as it made it: the checks compare it with its log.
    configuration_.voters = r.ids(std::numeric_limits<int>::max());
    configuration_.learners = r.ids(std::numeric_limits<int>::max());
}

void RemoteNode::check_inspectable() const {
    if (!inspect_error_.empty()) throw std::runtime_error(inspect_error_);
}

void RemoteNode::receive(NodeId from, const Message& message) {
    Writer w = request(p::kReceive, env_);
    w.i32(from);
    w.message(message);
    call(w, "receive()");
}

void RemoteNode::tick() { call(request(p::kTick, env_), "tick()"); }

std::optional<Index> RemoteNode::submit(std::string command) {
    Writer w = request(p::kSubmit, env_);
    w.str(command);
    Result r = call(w, "submit()");
    if (!r.has) return std::nullopt;
    return r.value;
}

bool RemoteNode::read(ReadId id) {
    Writer w = request(p::kRead, env_);
    w.u64(id);
    return call(w, "read()").has;
}

void RemoteNode::become_leader() { call(request(p::kBecomeLeader, env_), "become_leader()"); }

void RemoteNode::snapshot(Index index, std::string data) {
    Writer w = request(p::kSnapshot, env_);
    w.u64(index);
    w.str(data);
    call(w, "snapshot()");
}

std::optional<Index> RemoteNode::add_server(NodeId id) {
    Writer w = request(p::kAddServer, env_);
    w.i32(id);
    Result r = call(w, "add_server()");
    if (!r.has) return std::nullopt;
    return r.value;
}

std::optional<Index> RemoteNode::remove_server(NodeId id) {
    Writer w = request(p::kRemoveServer, env_);
    w.i32(id);
    Result r = call(w, "remove_server()");
    if (!r.has) return std::nullopt;
    return r.value;
}

Configuration RemoteNode::configuration() const { check_inspectable(); return configuration_; }

Role RemoteNode::role() const { check_inspectable(); return role_; }
Term RemoteNode::current_term() const { check_inspectable(); return term_; }
NodeId RemoteNode::voted_for() const { check_inspectable(); return voted_for_; }
NodeId RemoteNode::leader_id() const { check_inspectable(); return leader_id_; }
Index RemoteNode::commit_index() const { check_inspectable(); return commit_index_; }
Index RemoteNode::last_applied() const { check_inspectable(); return last_applied_; }
Index RemoteNode::last_log_index() const { check_inspectable(); return log_base_ + log_.size(); }
Index RemoteNode::snapshot_index() const { check_inspectable(); return log_base_; }
Term RemoteNode::snapshot_term() const { check_inspectable(); return log_base_term_; }

const LogEntry& RemoteNode::log_entry(Index index) const {
    check_inspectable();
    if (index <= log_base_ || index > log_base_ + log_.size())
        throw std::out_of_range("log_entry(" + std::to_string(index) + ") of a log with the entries " +
                                std::to_string(log_base_ + 1) + " .. " + std::to_string(log_base_ + log_.size()));
    return log_[index - log_base_ - 1];
}

Index RemoteNode::next_index(NodeId peer) const {
    check_inspectable();
    return peer >= 0 && peer < cluster_size_ ? next_[static_cast<std::size_t>(peer)] : 0;
}

Index RemoteNode::match_index(NodeId peer) const {
    check_inspectable();
    return peer >= 0 && peer < cluster_size_ ? match_[static_cast<std::size_t>(peer)] : 0;
}

namespace {

HostProcess& quorum_host(const std::string& program) {
    static std::map<std::string, std::unique_ptr<HostProcess>> hosts;
    auto& h = hosts[program];
    if (!h || h->broken()) h = std::make_unique<HostProcess>(program);
    return *h;
}

template <class Read>
auto quorum_call(const std::string& program, const Writer& w, const char* what, Read read) {
    HostProcess& h = quorum_host(program);
    h.send(w);
    std::string frame = h.receive(what);
    try {
        Reader r(frame);
        rethrow_if_exception(r);
        auto v = read(r);
        r.finish();
        return v;
    } catch (const ProtocolError& e) {
        h.fail(std::string("its process broke the protocol with the checks during ") + what + " (" + e.what() +
               ")");
    }
}

}  // namespace

bool is_majority(const std::string& program, int count, int cluster_size) {
    Writer w;
    w.u8(p::kIsMajority);
    w.i32(count);
    w.i32(cluster_size);
    return quorum_call(program, w, "is_majority()", [](Reader& r) { return r.boolean(); });
}

Index majority_match(const std::string& program, const std::vector<Index>& match_indexes) {
    Writer w;
    w.u8(p::kMajorityMatch);
    w.u32(static_cast<std::uint32_t>(match_indexes.size()));
    for (Index m : match_indexes) w.u64(m);
    return quorum_call(program, w, "majority_match()", [](Reader& r) { return r.u64(); });
}

}  // namespace raftlab::host
