// invariants.cpp: incremental checks of Raft's safety properties.
#include "raftlab/sim/invariants.h"

#include <fmt/format.h>

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

std::string Invariants::on_persist_log(NodeId node, const std::vector<LogEntry>& durable,
                                       Index first, const std::vector<LogEntry>& entries) {
    if (first < 1 || first > durable.size() + 1)
        return fmt::format("server {} called persist_log({}) but its durable log has only {} "
                           "entries, which would leave a gap",
                           node, first, durable.size());
    // A committed entry may be rewritten with itself, never removed or changed.
    const Index new_last = first - 1 + entries.size();
    for (Index i = first; i <= durable.size() && i <= committed_.size(); ++i) {
        if (!(durable[i - 1] == committed_[i - 1])) continue;  // a stale entry: may go
        if (i > new_last || !(entries[i - first] == committed_[i - 1]))
            return fmt::format("leader completeness: server {} removed or overwrote the committed "
                               "entry at index {} (term {})",
                               node, i, committed_[i - 1].term);
    }
    std::hash<std::string> hasher;
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const Index index = first + k;
        const Term prev_term =
            index == 1 ? 0 : (k > 0 ? entries[k - 1].term : durable[index - 2].term);
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
    return {};
}

std::string Invariants::check_leader_log(NodeId node, const RaftNode& server) const {
    const Index last = server.last_log_index();
    for (Index i = 1; i <= committed_.size(); ++i) {
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
