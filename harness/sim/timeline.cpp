// timeline.cpp: printing the recorded timeline of a simulated run.
#include "raftlab/sim/timeline.h"

#include <fmt/format.h>

#include <algorithm>

namespace raftlab::sim {

const char* kind_name(EventKind kind) {
    switch (kind) {
        case EventKind::send: return "send";
        case EventKind::deliver: return "deliver";
        case EventKind::drop: return "drop";
        case EventKind::duplicate: return "duplicate";
        case EventKind::timer: return "timer";
        case EventKind::submit: return "submit";
        case EventKind::read: return "read";
        case EventKind::apply: return "apply";
        case EventKind::role: return "role";
        case EventKind::crash: return "crash";
        case EventKind::restart: return "restart";
        case EventKind::network: return "network";
        case EventKind::violation: return "VIOLATION";
        case EventKind::note: return "note";
    }
    return "?";
}

std::string describe(const Message& message) {
    struct Describe {
        std::string operator()(const AppendEntries& m) const {
            return fmt::format("append_entries t{} prev=({},{}) entries={} commit={} round={}",
                               m.term, m.prev_log_index, m.prev_log_term, m.entries.size(),
                               m.leader_commit, m.round);
        }
        std::string operator()(const AppendEntriesReply& m) const {
            if (m.success)
                return fmt::format("append_entries_reply t{} ok match={} round={}", m.term,
                                   m.match_index, m.round);
            return fmt::format("append_entries_reply t{} REJECT prev={} last={} round={}", m.term,
                               m.rejected_index, m.last_log_index, m.round);
        }
        std::string operator()(const RequestVote& m) const {
            return fmt::format("{} t{} candidate=s{} last=({},{})",
                               m.pre_vote ? "pre_vote" : "request_vote", m.term, m.candidate_id,
                               m.last_log_index, m.last_log_term);
        }
        std::string operator()(const RequestVoteReply& m) const {
            return fmt::format("{} t{} {}", m.pre_vote ? "pre_vote_reply" : "request_vote_reply",
                               m.term, m.vote_granted ? "GRANTED" : "denied");
        }
        std::string operator()(const InstallSnapshot& m) const {
            return fmt::format("install_snapshot t{} through=({},{}) bytes={} commit={}", m.term,
                               m.last_included_index, m.last_included_term, m.data.size(), m.leader_commit);
        }
        std::string operator()(const InstallSnapshotReply& m) const {
            return fmt::format("install_snapshot_reply t{} match={}", m.term, m.match_index);
        }
    };
    return std::visit(Describe{}, message);
}

EntrySummary summarize(const LogEntry& entry) {
    EntrySummary s{entry.term, entry.command};
    if (s.command.size() > kCommandShown) {
        std::size_t cut = kCommandShown - 3;
        // Never cut a UTF-8 character in two: back up over continuation bytes.
        while (cut > 0 && (static_cast<unsigned char>(s.command[cut]) & 0xC0) == 0x80) --cut;
        s.command.resize(cut);
        s.command += "...";
    }
    return s;
}

bool summarizes_to(const LogEntry& entry, const EntrySummary& summary) {
    if (entry.term != summary.term) return false;
    if (entry.command.size() <= kCommandShown) return entry.command == summary.command;
    return summary == summarize(entry);  // long commands are rare; keep one definition of the cut
}

const ServerState* Timeline::last_state(NodeId node) const {
    const auto at = static_cast<std::size_t>(node);
    return node >= 0 && at < last_state_.size() && last_state_[at] ? &*last_state_[at] : nullptr;
}

void Timeline::add_state(NodeId node, std::size_t event, ServerState state) {
    if (!enabled_ || node < 0) return;
    const auto at = static_cast<std::size_t>(node);
    if (last_state_.size() <= at) {
        last_state_.resize(at + 1);
        last_log_.resize(at + 1);
    }
    std::optional<ServerState>& last = last_state_[at];
    if (last && *last == state) return;
    StateChange change{event, node, 0, {}};
    if (state.up) {
        // A difference from the log of the last state that was up: a server that
        // restarts from its persisted log keeps it whole.
        std::vector<EntrySummary>& base = last_log_[at];
        const std::size_t common = std::min(base.size(), state.log.size());
        while (change.log_kept < common && base[change.log_kept] == state.log[change.log_kept])
            ++change.log_kept;
        const auto kept = static_cast<std::ptrdiff_t>(change.log_kept);
        base.erase(base.begin() + kept, base.end());
        base.insert(base.end(), state.log.begin() + kept, state.log.end());
        // The change holds only the entries after the kept ones.
        std::vector<EntrySummary> whole = std::move(state.log);
        state.log.assign(whole.begin() + kept, whole.end());
        change.state = state;
        state.log = std::move(whole);
    } else {
        change.state = state;
    }
    last = std::move(state);
    states_.push_back(std::move(change));
}

std::optional<ServerState> Timeline::state_at(NodeId node, std::size_t event) const {
    std::optional<ServerState> state;
    std::vector<EntrySummary> log;  // the log of the last state that was up
    for (const StateChange& c : states_) {
        if (c.event > event) break;
        if (c.node != node) continue;
        state = c.state;
        if (!c.state.up) continue;
        log.resize(std::min<std::size_t>(log.size(), c.log_kept));
        log.insert(log.end(), c.state.log.begin(), c.state.log.end());
        state->log = log;
    }
    return state;
}

void Timeline::print(std::ostream& out) const {
    for (const TimelineEvent& e : events_) {
        std::string who = e.node == kNoNode
                              ? std::string("net")
                              : fmt::format("s{} {:<9} t{:<3}", e.node, role_name(e.role), e.term);
        std::string peer;
        if (e.peer != kNoNode) {
            const bool outgoing = e.kind == EventKind::send || e.kind == EventKind::drop ||
                                  e.kind == EventKind::duplicate;
            peer = fmt::format("{} s{} ", outgoing ? "->" : "<-", e.peer);
        }
        out << fmt::format("{:>12.3f}ms  {:<20} {:<9} {}{}\n", static_cast<double>(e.time) / 1000.0,
                           who, kind_name(e.kind), peer, e.detail);
    }
}

}  // namespace raftlab::sim
