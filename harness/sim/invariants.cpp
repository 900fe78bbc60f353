// invariants.cpp: incremental checks of Raft's safety properties.
#include "raftlab/sim/invariants.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace raftlab::sim {

Invariants::Invariants(int servers) : observed_(static_cast<std::size_t>(servers)) {}

NodeId Invariants::leader_of(Term term) const {
    auto it = leaders_.find(term);
    return it == leaders_.end() ? kNoNode : it->second;
}

std::string Invariants::write_log(NodeId node, std::vector<LogEntry>& durable, Index first,
                                  const std::vector<LogEntry>& entries) {
    std::string broken = on_persist_log(node, durable, first, entries);
    if (!broken.empty() && (first < 1 || first > durable.size() + 1)) return broken;
    durable.resize(first - 1);
    durable.insert(durable.end(), entries.begin(), entries.end());
    return broken;
}

std::string Invariants::write_log(NodeId node, PersistentState& disk, Index first,
                                  const std::vector<LogEntry>& entries) {
    const Index base = disk.snapshot.last_index;
    std::string broken = persist_log(node, base, disk.snapshot.last_term, disk.log, first, entries);
    if (!broken.empty() && (first <= base || first > base + disk.log.size() + 1)) return broken;
    disk.log.resize(first - 1 - base);
    disk.log.insert(disk.log.end(), entries.begin(), entries.end());
    return broken;
}

std::string Invariants::on_persist_log(NodeId node, const std::vector<LogEntry>& durable,
                                       Index first, const std::vector<LogEntry>& entries) {
    return persist_log(node, 0, 0, durable, first, entries);
}

std::string Invariants::persist_log(NodeId node, Index base, Term base_term, const std::vector<LogEntry>& durable,
                                    Index first, const std::vector<LogEntry>& entries) {
    if (first <= base && base > 0)
        return fmt::format("server {} called persist_log({}) but its snapshot already covers the entries up to "
                           "index {}: a snapshot's entries are never written again",
                           node, first, base);
    if (first < 1 || first > base + durable.size() + 1)
        return fmt::format("server {} called persist_log({}) but its durable log has only {} "
                           "entries, which would leave a gap",
                           node, first, base + durable.size());
    // A committed entry may be rewritten with itself, never removed or changed.
    const Index new_last = first - 1 + entries.size();
    for (Index i = first; i <= base + durable.size() && i <= committed_.size(); ++i) {
        if (!(durable[i - base - 1] == committed_[i - 1])) continue;  // a stale entry: may go
        if (i > new_last || !(entries[i - first] == committed_[i - 1]))
            return fmt::format("leader completeness: server {} removed or overwrote the committed "
                               "entry at index {} (term {})",
                               node, i, committed_[i - 1].term);
    }
    std::hash<std::string> hasher;
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const Index index = first + k;
        const Term prev_term = k > 0              ? entries[k - 1].term
                               : index - 1 == base ? base_term
                                                   : durable[index - 2 - base].term;
        const LogEntry& e = entries[k];
        if (e.term < prev_term)
            return fmt::format("server {} stored an entry of term {} at index {} after an entry "
                               "of the later term {}",
                               node, e.term, index, prev_term);
        if (seen_.size() <= index) seen_.resize(index + 1);
        const std::size_t h = hasher(e.command);
        bool found = false;
        for (const Seen& s : seen_[index]) {
            if (s.term != e.term) continue;
            found = true;
            if (s.command_hash != h || s.prev_term != prev_term)
                return fmt::format("log matching: servers {} and {} both hold an entry of term {} "
                                   "at index {}, but the entries (or the logs before them) differ",
                                   s.first_holder, node, e.term, index);
        }
        if (!found) seen_[index].push_back(Seen{e.term, h, prev_term, node});
    }
    return {};
}

std::string Invariants::on_apply(NodeId node, Index applied_before, Index index,
                                 const LogEntry& entry) {
    if (index != applied_before + 1)
        return fmt::format("server {} applied index {} right after index {}: entries must be "
                           "applied once each, in order, with no gaps",
                           node, index, applied_before);
    if (index <= committed_.size()) {
        if (!(committed_[index - 1] == entry))
            return fmt::format("state machine safety: server {} applied \"{}\" (term {}) at index "
                               "{}, but server {} applied \"{}\" (term {}) there",
                               node, entry.command, entry.term, index, committed_by_[index - 1],
                               committed_[index - 1].command, committed_[index - 1].term);
        return {};
    }
    committed_.push_back(entry);
    committed_by_.push_back(node);
    digests_.push_back(digest_after(digests_.back(), entry));
    return {};
}

std::uint64_t Invariants::digest_after(std::uint64_t digest, const LogEntry& entry) {
    // FNV-1a over the previous digest, the term and the command: deterministic on
    // every machine (std::hash is not).
    std::uint64_t h = 14695981039346656037ull;
    auto mix = [&](std::uint64_t v) {
        for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
    };
    mix(digest);
    mix(entry.term);
    for (unsigned char c : entry.command) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::string Invariants::state_text(Index index, std::uint64_t digest) {
    return fmt::format("applied {} digest {:016x}", index, digest);
}

std::string Invariants::state_text(Index index) const { return state_text(index, digests_.at(index)); }

std::string Invariants::check_snapshot(NodeId node, const char* what, const Snapshot& snap) const {
    if (snap.last_index == 0)
        return fmt::format("server {} {} a snapshot with last_index 0, which covers nothing", node, what);
    if (snap.last_index > committed_.size())
        return fmt::format("server {} {} a snapshot through index {}, but only {} entries are committed: "
                           "a snapshot covers applied entries only",
                           node, what, snap.last_index, committed_.size());
    if (snap.last_term != committed_[snap.last_index - 1].term)
        return fmt::format("server {} {} a snapshot through index {} with last_term {}, but the entry "
                           "committed there has term {}",
                           node, what, snap.last_index, snap.last_term, committed_[snap.last_index - 1].term);
    if (snap.data != state_text(snap.last_index)) {
        std::string data = snap.data.size() > 80 ? snap.data.substr(0, 77) + "..." : snap.data;
        return fmt::format("state machine safety: server {} {} a snapshot through index {} whose data \"{}\" "
                           "is not the state after entries 1 .. {} (\"{}\")",
                           node, what, snap.last_index, data, snap.last_index, state_text(snap.last_index));
    }
    return {};
}

std::string Invariants::write_snapshot(NodeId node, PersistentState& disk, const Snapshot& snap) {
    if (std::string broken = check_snapshot(node, "saved", snap); !broken.empty()) return broken;
    if (snap.last_index < disk.snapshot.last_index)
        return fmt::format("server {} saved a snapshot through index {} over its snapshot through index {}: "
                           "the entries in between would be lost",
                           node, snap.last_index, disk.snapshot.last_index);
    const Index base = disk.snapshot.last_index;
    const Index drop = std::min<Index>(snap.last_index - base, disk.log.size());
    disk.log.erase(disk.log.begin(), disk.log.begin() + static_cast<std::ptrdiff_t>(drop));
    disk.snapshot = snap;
    return {};
}

std::string Invariants::on_restore_snapshot(NodeId node, Index applied, const Snapshot& snap) const {
    if (std::string broken = check_snapshot(node, "restored", snap); !broken.empty()) return broken;
    if (snap.last_index <= applied)
        return fmt::format("server {} restored a snapshot through index {} after applying {} entries: "
                           "a state machine never goes back",
                           node, snap.last_index, applied);
    return {};
}

std::string Invariants::check_leader_log(NodeId node, const RaftNode& server) const {
    const Index last = server.last_log_index();
    for (Index i = server.snapshot_index() + 1; i <= committed_.size(); ++i) {
        if (i > last)
            return fmt::format("leader completeness: server {} became leader of term {} without "
                               "the committed entry at index {}",
                               node, server.current_term(), i);
        if (!(server.log_entry(i) == committed_[i - 1]))
            return fmt::format("leader completeness: server {} became leader of term {} with a "
                               "different entry at the committed index {}",
                               node, server.current_term(), i);
    }
    return {};
}

std::string Invariants::on_state(NodeId node, const RaftNode& server) {
    Observed& was = observed_[static_cast<std::size_t>(node)];
    const Role role = server.role();
    const Term term = server.current_term();
    const Index commit = server.commit_index();
    if (term < was.term)
        return fmt::format("server {} went back from term {} to term {}", node, was.term, term);
    if (commit < was.commit)
        return fmt::format("server {} moved its commit index back from {} to {}", node,
                           was.commit, commit);
    const Index last = server.last_log_index();
    if (commit > last)
        return fmt::format("server {} has commit index {} beyond its last log index {}", node,
                           commit, last);
    if (server.snapshot_index() > server.last_applied())
        return fmt::format("server {} has a snapshot through index {} but applied only up to {}", node,
                           server.snapshot_index(), server.last_applied());
    if (server.last_applied() > commit)
        return fmt::format("server {} applied up to index {} but has only committed up to {}",
                           node, server.last_applied(), commit);
    if (role == Role::leader && (was.role != Role::leader || was.term != term)) {
        auto [it, inserted] = leaders_.emplace(term, node);
        if (!inserted && it->second != node)
            return fmt::format("election safety: servers {} and {} were both leader in term {}",
                               it->second, node, term);
        if (std::string broken = check_leader_log(node, server); !broken.empty()) return broken;
    }
    was = Observed{role, term, commit};
    return {};
}

void Invariants::on_restart(NodeId node) {
    Observed& was = observed_[static_cast<std::size_t>(node)];
    was.commit = 0;
    was.role = Role::follower;
}

}  // namespace raftlab::sim
