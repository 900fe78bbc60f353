// raftlab/sim/search_properties.h: properties the labs' search checks run at every
// state (SearchHooks::check), beyond the simulator's safety properties. Each returns ""
// when it holds, or one sentence naming the rule that broke.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "raftlab/sim/search.h"

namespace raftlab::sim {

/// The leader's bookkeeping, for a leader no server has seen a newer term than: for
/// each follower, match_index <= last log index, match_index + 1 <= next_index <= last
/// + 1, and entries 1..match_index are on the follower's disk, as the leader has them.
inline std::string leader_bookkeeping(const SearchCluster& c) {
    Term newest = 0;
    for (NodeId n = 0; n < c.size(); ++n) newest = std::max(newest, c.persisted(n).current_term);
    for (NodeId l = 0; l < c.size(); ++l) {
        if (!c.up(l) || c.server(l).role() != Role::leader || c.server(l).current_term() != newest) continue;
        const RaftNode& leader = c.server(l);
        const Index last = leader.last_log_index();
        for (NodeId p = 0; p < c.size(); ++p) {
            if (p == l) continue;
            const Index match = leader.match_index(p), next = leader.next_index(p);
            if (match > last || next < match + 1 || next > last + 1)
                return fmt::format("leader {} has match_index {} and next_index {} for server {} with {} "
                                   "entries in its log: match_index <= last, match_index + 1 <= next_index <= "
                                   "last + 1",
                                   l, match, next, p, last);
            const auto& disk = c.persisted(p).log;
            for (Index i = 1; i <= match; ++i)
                if (i > disk.size() || !(disk[i - 1] == leader.log_entry(i)))
                    return fmt::format("leader {} has match_index {} for server {}, but server {} does not "
                                       "hold the leader's entry {} on disk: match_index claims only what a "
                                       "follower acknowledged, and a follower keeps what matches",
                                       l, match, p, p, i);
        }
    }
    return {};
}

/// "match_index only grows": while a server leads one term, its match_index for each
/// follower never goes down. Keeps the history of one replay; reset() at its start.
class MatchHistory {
public:
    void reset() { seen_.clear(); }
    std::string check(const SearchCluster& c) {
        for (NodeId l = 0; l < c.size(); ++l) {
            if (!c.up(l) || c.server(l).role() != Role::leader) continue;
            const Term term = c.server(l).current_term();
            for (NodeId p = 0; p < c.size(); ++p) {
                if (p == l) continue;
                const Index match = c.server(l).match_index(p);
                Index& was = seen_[std::make_tuple(l, term, p)];
                if (match < was)
                    return fmt::format("leader {} of term {} moved its match_index for server {} back from {} "
                                       "to {}: within a term match_index only grows",
                                       l, term, p, was, match);
                was = match;
            }
        }
        return {};
    }

private:
    std::map<std::tuple<NodeId, Term, NodeId>, Index> seen_;
};

/// The match_index history of the replay running on this thread (a search replays on
/// several threads at once, one replay per thread at a time).
inline MatchHistory& thread_match_history() {
    thread_local MatchHistory h;
    return h;
}

}  // namespace raftlab::sim
