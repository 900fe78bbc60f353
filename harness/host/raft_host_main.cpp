// raft_host_main.cpp: the implementation host of labs 6-9. It runs in a process of
// its own, compiled with the student's Raft server, and serves one server to the
// judge (raftlab/host/raft_protocol.h). It also answers the quorum arithmetic of lab 7.
//
// This file is framework code, but it shares a process with student code: nothing
// here is trusted by the judge, which validates every frame it sends.
#include <memory>
#include <optional>
#include <vector>

#include "raft/quorum.h"
#include "raft/server.h"
#include "raftlab/host/raft_protocol.h"
#include "raftlab/host/serve.h"
#include "raftlab/sim/rng.h"

namespace {
using namespace raftlab;
using namespace raftlab::host;
namespace p = raftlab::host::raft;

struct HostState {
    std::unique_ptr<Server> server;
    int cluster_size = 1;
    Time now = 0;
    Role role = Role::follower;  // as last seen, for frames sent before the server exists
    Term term = 0;
    Index mirror_base = 0;         // the snapshot index as the judge holds it
    std::vector<LogEntry> mirror;  // the log after it as the judge holds it
    std::optional<sim::Rng> rng;   // the server's random stream, when the judge lent it
};

class HostEnv final : public Env {
public:
    HostEnv(HostChannel& channel, HostState& state) : channel_(channel), state_(state) {}

    void send(NodeId to, Message message) override {
        Writer w = start(p::kSend);
        w.i32(to);
        w.message(message);
        channel_.send(w);
    }
    void persist_term_and_vote(Term term, NodeId voted_for) override {
        Writer w = start(p::kPersistTerm);
        w.u64(term);
        w.i32(voted_for);
        channel_.send(w);
    }
    void persist_log(Index first, const std::vector<LogEntry>& entries) override {
        Writer w = start(p::kPersistLog);
        w.u64(first);
        w.entries(entries);
        channel_.send(w);
    }
    void apply(Index index, const LogEntry& entry) override {
        Writer w = start(p::kApply);
        w.u64(index);
        w.entry(entry);
        channel_.send(w);
    }
    void persist_snapshot(const Snapshot& snapshot) override {
        Writer w = start(p::kPersistSnapshot);
        w.snapshot(snapshot);
        channel_.send(w);
    }
    void restore_snapshot(const Snapshot& snapshot) override {
        Writer w = start(p::kRestoreSnapshot);
        w.snapshot(snapshot);
        channel_.send(w);
    }
    void read_done(ReadId id, bool ok) override {
        Writer w = start(p::kReadDone);
        w.u64(id);
        w.boolean(ok);
        channel_.send(w);
    }
    Time now() const override { return state_.now; }
    void set_timer(Time when) override {
        Writer w = start(p::kSetTimer);
        w.i64(when);
        channel_.send(w);
    }
    std::int64_t random(std::int64_t low, std::int64_t high) override {
        if (state_.rng) return state_.rng->env_random(low, high);
        Writer w = start(p::kRandom);
        w.i64(low);
        w.i64(high);
        channel_.send(w);
        std::string answer = channel_.await();
        Reader r(answer);
        if (r.u8() != p::kRandomValue) throw ProtocolError("expected a random value");
        return r.i64();
    }

private:
    Writer start(std::uint8_t op) {
        if (state_.server) {
            try {
                state_.role = state_.server->role();
                state_.term = state_.server->current_term();
            } catch (...) {
            }
        }
        Writer w;
        w.u8(op);
        w.u8(static_cast<std::uint8_t>(state_.role));
        w.u64(state_.term);
        return w;
    }
    HostChannel& channel_;
    HostState& state_;
};

/// The server's inspection state, with the log as a change against the mirror.
void write_state(Writer& w, HostState& st) {
    Writer s;
    try {
        const Server& server = *st.server;
        s.u8(static_cast<std::uint8_t>(server.role()));
        s.u64(server.current_term());
        s.i32(server.voted_for());
        s.i32(server.leader_id());
        s.u64(server.commit_index());
        s.u64(server.last_applied());
        for (NodeId peer = 0; peer < st.cluster_size; ++peer) s.u64(server.next_index(peer));
        for (NodeId peer = 0; peer < st.cluster_size; ++peer) s.u64(server.match_index(peer));
        const Index base = server.snapshot_index();
        const Index last = server.last_log_index();
        if (base > last)
            throw std::length_error("snapshot_index() is " + std::to_string(base) + ", past last_log_index() " +
                                    std::to_string(last));
        if (last - base > p::kMaxInspectedLog)
            throw std::length_error("the log holds " + std::to_string(last - base) +
                                    " entries, more than the checks inspect");
        if (base != st.mirror_base) st.mirror.clear();
        const Index count = last - base;
        std::size_t keep = 0;
        while (keep < st.mirror.size() && keep < count && st.mirror[keep] == server.log_entry(base + keep + 1)) ++keep;
        std::vector<LogEntry> added;
        for (Index i = base + keep + 1; i <= last; ++i) added.push_back(server.log_entry(i));
        s.u64(base);
        s.u64(server.snapshot_term());
        s.u64(keep);
        s.entries(added);
        const Configuration config = server.configuration();
        if (config.voters.size() + config.learners.size() > p::kMaxConfigurationSize)
            throw std::length_error("configuration() names more than " +
                                    std::to_string(p::kMaxConfigurationSize) + " servers");
        s.ids(config.voters);
        s.ids(config.learners);
        st.mirror_base = base;
        st.mirror.resize(keep);
        st.mirror.insert(st.mirror.end(), added.begin(), added.end());
        st.role = server.role();
        st.term = server.current_term();
        w.u8(1);
        w.bytes() += s.bytes();
    } catch (...) {
        w.u8(0);
        Writer e;
        write_current_exception(e);
        Reader r(e.bytes());
        r.u8();
        w.str(r.str());
    }
}

void handle(Reader& r, HostChannel& channel, HostState& st) {
    const std::uint8_t op = r.u8();
    if (op == p::kIsMajority) {
        int count = r.i32(), size = r.i32();
        Writer w;
        try {
            bool yes = is_majority(count, size);
            w.u8(0);
            w.boolean(yes);
        } catch (...) {
            write_current_exception(w);
        }
        channel.send(w);
        return;
    }
    if (op == p::kMajorityMatch) {
        std::vector<Index> match(r.u32());
        for (auto& m : match) m = r.u64();
        Writer w;
        try {
            Index got = majority_match(match);
            w.u8(0);
            w.u64(got);
        } catch (...) {
            write_current_exception(w);
        }
        channel.send(w);
        return;
    }
    st.now = r.i64();
    if (op != p::kConstruct && !st.server) throw ProtocolError("no server to call");
    static HostEnv* env = nullptr;
    if (!env) env = new HostEnv(channel, st);
    Writer end;
    bool has_result = false;
    std::uint64_t result = 0;
    Writer thrown;
    thrown.u8(0);
    try {
        switch (op) {
            case p::kConstruct: {
                ServerConfig c;
                c.id = r.i32();
                c.cluster_size = r.i32();
                c.elections = r.boolean();
                c.heartbeat_interval = r.i64();
                c.election_timeout_min = r.i64();
                c.election_timeout_max = r.i64();
                c.max_entries_per_message = r.u64();
                c.max_inflight_appends = r.u64();
                c.pre_vote = r.boolean();
                c.check_quorum = r.boolean();
                c.voters = r.ids(c.cluster_size);
                PersistentState restored;
                restored.current_term = r.u64();
                restored.voted_for = r.i32();
                restored.log = r.entries();
                restored.snapshot = r.snapshot();
                st.rng.reset();
                if (r.boolean()) {
                    sim::Rng::State stream;
                    for (auto& word : stream) word = r.u64();
                    st.rng = sim::Rng::from_state(stream);
                }
                st.cluster_size = c.cluster_size;
                st.term = restored.current_term;
                st.server = std::make_unique<Server>(c, *env, restored);
                break;
            }
            case p::kReceive: {
                NodeId from = r.i32();
                Message m = r.message();
                st.server->receive(from, m);
                break;
            }
            case p::kTick: st.server->tick(); break;
            case p::kSubmit: {
                auto index = st.server->submit(r.str());
                has_result = index.has_value();
                result = index.value_or(0);
                break;
            }
            case p::kRead:
                has_result = st.server->read(r.u64());
                break;
            case p::kBecomeLeader: st.server->become_leader(); break;
            case p::kSnapshot: {
                Index index = r.u64();
                st.server->snapshot(index, r.str());
                break;
            }
            case p::kAddServer:
            case p::kRemoveServer: {
                const NodeId id = r.i32();
                auto index = op == p::kAddServer ? st.server->add_server(id) : st.server->remove_server(id);
                has_result = index.has_value();
                result = index.value_or(0);
                break;
            }
            default: throw ProtocolError("unknown request");
        }
    } catch (const ProtocolError&) {
        throw;
    } catch (...) {
        thrown.clear();
        write_current_exception(thrown);
    }
    end.u8(p::kEnd);
    end.bytes() += thrown.bytes();
    end.boolean(has_result);
    end.u64(result);
    end.boolean(st.rng.has_value());
    if (st.rng)
        for (std::uint64_t word : st.rng->state()) end.u64(word);
    if (st.server) {
        end.u8(1);
        write_state(end, st);
    } else {
        end.u8(0);
    }
    channel.send(end);
}

}  // namespace

int main() {
    HostState state;
    return raftlab::host::serve([&](Reader& r, HostChannel& channel) { handle(r, channel, state); });
}
