// raft/membership.cpp: adding and removing servers, one at a time (lab 12).
//
// A configuration (raftlab/raft/membership.h) is an entry of the log, and each server
// uses the last one its log holds, committed or not. That is safe because a change
// adds or removes a single voter: any majority of the old voters and any majority of
// the new ones share a server, so the two configurations can never elect two leaders
// in one term or commit two different entries at one index. It stays safe only if
// no second change starts before the first is committed, and only once the leader has
// committed an entry of its own term (otherwise a change of an older, overwritten
// leader could still be in flight on some servers).
//
// A new server joins as a learner: it receives the log but counts for nothing, so a
// cluster does not lose availability waiting for an empty server to catch up. The
// leader promotes it once it holds everything committed.
#include "raft/server.h"

#include <algorithm>

#include "raft/quorum.h"

namespace raftlab {

void Server::track_configuration(Index first) {
    const Index base = log_.snapshot_index();
    if (configuration_index_ >= first) {
        // The entry it came from was overwritten or cut: fall back to the previous one.
        configuration_ = first_configuration(config_);
        configuration_index_ = 0;
        first = base + 1;
    }
    first = std::max(first, base + 1);
    for (Index i = log_.last_index(); i >= first; --i) {
        if (auto next = parse_configuration(log_.at(i).command)) {
            configuration_ = std::move(*next);
            configuration_index_ = i;
            return;
        }
    }
}

bool Server::has_quorum(const std::vector<bool>& agree) const {
    int yes = 0;
    for (NodeId voter : configuration_.voters) {
        const auto at = static_cast<std::size_t>(voter);
        if (at < agree.size() && agree[at]) ++yes;
    }
    return is_majority(yes, static_cast<int>(configuration_.voters.size()));
}

Index Server::quorum_match() const {
    std::vector<Index> match;
    match.reserve(configuration_.voters.size());
    for (NodeId voter : configuration_.voters)
        match.push_back(voter == config_.id ? log_.last_index()
                                            : progress_[static_cast<std::size_t>(voter)].match_index);
    return majority_match(std::move(match));
}

bool Server::may_change() const {
    // One change at a time: the last configuration is committed, and the leader has
    // committed an entry of its own term (its no-op), so no configuration of an older
    // leader can still be on its way anywhere.
    return role_ == Role::leader && configuration_index_ <= commit_index_ &&
           log_.term_at(commit_index_) == current_term_;
}

std::optional<Index> Server::append_configuration(Configuration next) {
    const Index index = log_.last_index() + 1;
    submit(encode_configuration(std::move(next)));  // appends, persists, replicates, tracks
    return index;
}

std::optional<Index> Server::add_server(NodeId id) {
    if (!may_change() || id < 0 || id >= config_.cluster_size || configuration_.is_member(id) ||
        !configuration_.learners.empty())
        return std::nullopt;
    // It may have been a member before, with a log we know nothing of now: probe it
    // from the end of ours, as a new leader does.
    Progress& p = progress_[static_cast<std::size_t>(id)];
    p = Progress{};
    p.next_index = log_.last_index() + 1;
    Configuration next = configuration_;
    next.learners.push_back(id);
    std::sort(next.learners.begin(), next.learners.end());
    return append_configuration(std::move(next));
}

std::optional<Index> Server::remove_server(NodeId id) {
    if (!may_change() || !configuration_.is_member(id)) return std::nullopt;
    if (configuration_.is_voter(id) && configuration_.voters.size() == 1) return std::nullopt;  // the last voter
    Configuration next = configuration_;
    std::erase(next.voters, id);
    std::erase(next.learners, id);
    return append_configuration(std::move(next));
}

void Server::advance_membership() {
    if (role_ != Role::leader || configuration_index_ > commit_index_) return;
    if (!configuration_.is_member(config_.id)) {
        // Our own removal is committed: the others go on without us. We never start
        // an election again (we are not a voter), and we send nothing more.
        role_ = Role::follower;
        leader_id_ = kNoNode;
        abandon_reads();
        reset_election_timer();
        return;
    }
    if (log_.term_at(commit_index_) != current_term_) return;
    for (NodeId learner : configuration_.learners) {
        // Caught up: it holds everything committed, so counting it cannot stall commits.
        if (progress_[static_cast<std::size_t>(learner)].match_index < commit_index_) continue;
        Configuration next = configuration_;
        std::erase(next.learners, learner);
        next.voters.push_back(learner);
        std::sort(next.voters.begin(), next.voters.end());
        append_configuration(std::move(next));
        return;  // one change at a time
    }
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
