// raftlab/host/wire.h: the binary encoding between a check (the judge) and the
// implementation host, the process that runs the student's code.
//
// Student code never runs in the process that decides a verdict. Each lab compiles
// the student's files into a small host executable; the check starts it and talks to
// it over two pipes with length-prefixed frames of this encoding. It is binary, not
// JSON, because the simulator sends one frame per event and thousands of seeds must
// still run in seconds.
//
// The judge treats every byte from a host as hostile: Reader checks every length
// against what is left of the frame and throws ProtocolError on anything malformed,
// so a host that writes garbage fails its check with a sentence and never crashes
// or misleads the judge.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "raftlab/raft/messages.h"
#include "raftlab/raft/types.h"

namespace raftlab::host {

/// A frame that does not follow the protocol (from a broken or hostile host).
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Appends values to a frame's payload.
class Writer {
public:
    void u8(std::uint8_t v) { buf_.push_back(static_cast<char>(v)); }
    void boolean(bool v) { u8(v ? 1 : 0); }
    void u32(std::uint32_t v) { raw(&v, sizeof v); }
    void u64(std::uint64_t v) { raw(&v, sizeof v); }
    void i64(std::int64_t v) { raw(&v, sizeof v); }
    void i32(std::int32_t v) { raw(&v, sizeof v); }
    void str(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        buf_.append(s.data(), s.size());
    }
    void entry(const LogEntry& e) {
        u64(e.term);
        str(e.command);
    }
    void entries(const std::vector<LogEntry>& es) {
        u32(static_cast<std::uint32_t>(es.size()));
        for (const auto& e : es) entry(e);
    }
    void message(const Message& m);
    void ids(const std::vector<NodeId>& list) {
        u32(static_cast<std::uint32_t>(list.size()));
        for (NodeId id : list) i32(id);
    }
    void snapshot(const Snapshot& snap) {
        u64(snap.last_index);
        u64(snap.last_term);
        str(snap.data);
    }

    const std::string& bytes() const { return buf_; }
    std::string& bytes() { return buf_; }
    void clear() { buf_.clear(); }
    bool empty() const { return buf_.empty(); }

private:
    void raw(const void* p, std::size_t n) { buf_.append(static_cast<const char*>(p), n); }
    std::string buf_;
};

/// Reads values from one frame's payload; every read is bounds-checked.
class Reader {
public:
    explicit Reader(std::string_view payload) : p_(payload.data()), end_(payload.data() + payload.size()) {}

    std::uint8_t u8() { return take<std::uint8_t>(); }
    bool boolean() {
        std::uint8_t v = u8();
        if (v > 1) throw ProtocolError("a boolean was " + std::to_string(v));
        return v == 1;
    }
    std::uint32_t u32() { return take<std::uint32_t>(); }
    std::uint64_t u64() { return take<std::uint64_t>(); }
    std::int64_t i64() { return take<std::int64_t>(); }
    std::int32_t i32() { return take<std::int32_t>(); }
    std::string str() {
        std::uint32_t n = u32();
        need(n);
        std::string s(p_, n);
        p_ += n;
        return s;
    }
    LogEntry entry() {
        LogEntry e;
        e.term = u64();
        e.command = str();
        return e;
    }
    std::vector<LogEntry> entries() {
        std::uint32_t n = u32();
        // Each entry takes at least 12 bytes: a count larger than the frame is a lie.
        if (n > left() / 12) throw ProtocolError("a list claims " + std::to_string(n) + " entries");
        std::vector<LogEntry> out;
        out.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) out.push_back(entry());
        return out;
    }
    Message message();
    /// A list of node ids, each 0 .. limit-1.
    std::vector<NodeId> ids(int limit) {
        std::uint32_t n = u32();
        if (n > left() / 4) throw ProtocolError("a list claims " + std::to_string(n) + " node ids");
        std::vector<NodeId> out;
        out.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            std::int32_t v = i32();
            if (v < 0 || v >= limit)
                throw ProtocolError("node id " + std::to_string(v) + " is not in this " + std::to_string(limit) +
                                    "-server cluster");
            out.push_back(v);
        }
        return out;
    }
    Snapshot snapshot() {
        Snapshot snap;
        snap.last_index = u64();
        snap.last_term = u64();
        snap.data = str();
        return snap;
    }
    /// A node id that must be kNoNode or 0 .. cluster_size-1.
    NodeId node(int cluster_size) {
        std::int32_t v = i32();
        if (v < kNoNode || v >= cluster_size)
            throw ProtocolError("node id " + std::to_string(v) + " is not in this " +
                                std::to_string(cluster_size) + "-server cluster");
        return v;
    }

    std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
    /// Every frame must be read to its end: trailing bytes are a protocol error.
    void finish() const {
        if (p_ != end_) throw ProtocolError(std::to_string(left()) + " unexpected bytes at the end of a frame");
    }

private:
    void need(std::size_t n) const {
        if (left() < n) throw ProtocolError("a frame ended early");
    }
    template <class T> T take() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, p_, sizeof v);
        p_ += sizeof v;
        return v;
    }
    const char* p_;
    const char* end_;
};

inline void Writer::message(const Message& m) {
    u8(static_cast<std::uint8_t>(m.index()));
    if (const auto* a = std::get_if<AppendEntries>(&m)) {
        u64(a->term);
        i32(a->leader_id);
        u64(a->prev_log_index);
        u64(a->prev_log_term);
        entries(a->entries);
        u64(a->leader_commit);
        u64(a->round);
    } else if (const auto* r = std::get_if<AppendEntriesReply>(&m)) {
        u64(r->term);
        boolean(r->success);
        u64(r->match_index);
        u64(r->rejected_index);
        u64(r->last_log_index);
        u64(r->round);
    } else if (const auto* v = std::get_if<RequestVote>(&m)) {
        u64(v->term);
        i32(v->candidate_id);
        u64(v->last_log_index);
        u64(v->last_log_term);
        boolean(v->pre_vote);
    } else if (const auto* g = std::get_if<RequestVoteReply>(&m)) {
        u64(g->term);
        boolean(g->vote_granted);
        boolean(g->pre_vote);
    } else if (const auto* n = std::get_if<InstallSnapshot>(&m)) {
        u64(n->term);
        i32(n->leader_id);
        u64(n->last_included_index);
        u64(n->last_included_term);
        str(n->data);
        u64(n->leader_commit);
    } else if (const auto* k = std::get_if<InstallSnapshotReply>(&m)) {
        u64(k->term);
        u64(k->match_index);
    }
}

/// Decodes a message. Node ids inside it are returned as sent: the receiver of a
/// message copes with any value, as it would with one from the network.
inline Message Reader::message() {
    switch (u8()) {
        case 0: {
            AppendEntries a;
            a.term = u64();
            a.leader_id = i32();
            a.prev_log_index = u64();
            a.prev_log_term = u64();
            a.entries = entries();
            a.leader_commit = u64();
            a.round = u64();
            return a;
        }
        case 1: {
            AppendEntriesReply r;
            r.term = u64();
            r.success = boolean();
            r.match_index = u64();
            r.rejected_index = u64();
            r.last_log_index = u64();
            r.round = u64();
            return r;
        }
        case 2: {
            RequestVote v;
            v.term = u64();
            v.candidate_id = i32();
            v.last_log_index = u64();
            v.last_log_term = u64();
            v.pre_vote = boolean();
            return v;
        }
        case 3: {
            RequestVoteReply g;
            g.term = u64();
            g.vote_granted = boolean();
            g.pre_vote = boolean();
            return g;
        }
        case 4: {
            InstallSnapshot n;
            n.term = u64();
            n.leader_id = i32();
            n.last_included_index = u64();
            n.last_included_term = u64();
            n.data = str();
            n.leader_commit = u64();
            return n;
        }
        case 5: {
            InstallSnapshotReply k;
            k.term = u64();
            k.match_index = u64();
            return k;
        }
        default: throw ProtocolError("unknown message kind");
    }
}

}  // namespace raftlab::host
