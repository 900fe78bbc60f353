// timeline.cpp: printing the recorded timeline of a simulated run.
#include "raftlab/sim/timeline.h"

#include <fmt/format.h>

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
            return fmt::format("request_vote t{} candidate=s{} last=({},{})", m.term,
                               m.candidate_id, m.last_log_index, m.last_log_term);
        }
        std::string operator()(const RequestVoteReply& m) const {
            return fmt::format("request_vote_reply t{} {}", m.term,
                               m.vote_granted ? "GRANTED" : "denied");
        }
    };
    return std::visit(Describe{}, message);
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
