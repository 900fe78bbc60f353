// raftlab/raft/node.h: what the framework expects of a Raft server.
//
// The student's raftlab::Server (starter/raft/server.h) implements RaftNode. The
// simulator and the lab 10 runtime drive a server only through these calls, and the
// checks look at it only through the read-only inspection members below, never
// through its private state.
//
// Inputs are events: a message arrives (receive), time passes (tick), a client sends
// a command (submit) or a read (read). A server reacts to each event completely
// before returning, acting through its Env (raftlab/raft/env.h). No call blocks.
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/membership.h"
#include "raftlab/raft/messages.h"
#include "raftlab/raft/types.h"

namespace raftlab {

/// How one server is set up. Every server of a cluster gets the same values except
/// `id`.
struct ServerConfig {
    NodeId id = 0;             ///< this server, 0 .. cluster_size-1
    int cluster_size = 1;      ///< servers in the cluster, all voting
    /// When false a follower never starts an election; a leader exists only when one
    /// is designated with RaftNode::become_leader() (labs 6 and 7).
    bool elections = true;
    /// A leader sends AppendEntries to every follower at least this often, even with
    /// nothing new (a heartbeat, which also retransmits what was lost).
    Time heartbeat_interval = 50 * kMillisecond;
    /// A follower that hears from no leader (and grants no vote) for a random time
    /// drawn from [election_timeout_min, election_timeout_max] starts an election.
    Time election_timeout_min = 300 * kMillisecond;
    Time election_timeout_max = 600 * kMillisecond;
    /// At most this many entries in one AppendEntries (batching).
    std::size_t max_entries_per_message = 64;
    /// Pipelining (lab 9): how many AppendEntries carrying new entries a leader may
    /// have unanswered to one follower that is in step with it (one that has
    /// acknowledged every entry before its next_index). With 1, the next batch leaves
    /// only when the previous one is answered, as in labs 6-8. The lab 10 server uses
    /// more, so that the round trip and the follower's fsync of one batch overlap the
    /// next. Entries waiting for a free slot go out together in the next batch.
    std::size_t max_inflight_appends = 1;
    /// Lab 13, PreVote: a follower whose election timeout passes first asks the others
    /// whether they would vote for it (RequestVote::pre_vote), and starts a real
    /// election, raising its term, only once a majority says yes. A server that
    /// cannot win, because it is cut off or behind, never raises a term.
    bool pre_vote = false;
    /// Lab 13, CheckQuorum: a leader that has not heard from a majority (itself
    /// included) for an election timeout (election_timeout_min) steps down, and a
    /// server that heard from the leader of its term within the last
    /// election_timeout_min ignores RequestVotes of higher terms (its lease).
    bool check_quorum = false;
    /// Lab 12: the voters of the first configuration, the one a server uses while its
    /// log holds no configuration entry (raftlab/raft/membership.h). Empty: all of 0 ..
    /// cluster_size-1 vote, as in every other lab. A server outside this list starts
    /// as a bystander: it votes for nobody's quorum and never starts an election until a
    /// configuration in its log makes it a voter. Lab 12 also makes every server
    /// ignore a RequestVote while it hears a live leader (the lease of lab 13's
    /// CheckQuorum), so that a removed server cannot depose anyone.
    std::vector<NodeId> voters;
};

/// Lab 12: the first configuration of `config`: its voters, sorted, or every server of
/// 0 .. cluster_size-1 when it names none.
inline Configuration first_configuration(const ServerConfig& config) {
    Configuration first{config.voters, {}};
    if (first.voters.empty())
        for (NodeId id = 0; id < config.cluster_size; ++id) first.voters.push_back(id);
    std::sort(first.voters.begin(), first.voters.end());
    return first;
}

class RaftNode {
public:
    virtual ~RaftNode() = default;

    // ---- events ---------------------------------------------------------------

    /// A message from server `from` arrived. Messages may be stale, duplicated or out
    /// of order; the server must cope with all of that.
    virtual void receive(NodeId from, const Message& message) = 0;

    /// Time has passed: fire whatever deadline is due (heartbeat, election timeout)
    /// and ask for the next tick with Env::set_timer(). Also called once right after
    /// construction, so a server can set its first timer there.
    virtual void tick() = 0;

    /// A client command. On the leader: append it to the log (term = current term),
    /// start replicating it, and return its index. On any other server: return
    /// std::nullopt and change nothing. An index is not a promise: the entry commits
    /// only if a majority stores it before another leader overwrites it.
    virtual std::optional<Index> submit(std::string command) = 0;

    /// A client read. On the leader: return true and later call Env::read_done(id, ..)
    /// exactly once; ok == true only once the read cannot be stale (see env.h). On any
    /// other server: return false and never call read_done for `id`.
    virtual bool read(ReadId id) = 0;

    /// Labs 6 and 7 (ServerConfig::elections == false): make this server leader
    /// without an election, in term current_term + 1, voting for itself. Every other
    /// server learns the new term from its first AppendEntries. Appends nothing to the
    /// log (the no-op of lab 9 belongs to a won election). The framework calls it on
    /// one server at a time and never in a term where another leader exists.
    virtual void become_leader() = 0;

    /// Lab 11: the state machine has applied every entry up to `index` (index <=
    /// last_applied()) and its state then is `data`. The server may compact: save the
    /// snapshot (Env::persist_snapshot) and drop the entries it covers from its log.
    /// A call with an index at or below the current snapshot changes nothing. Servers
    /// of labs 6-10 are never asked.
    virtual void snapshot(Index index, std::string data) {
        (void)index, (void)data;
        throw std::logic_error("snapshot(): this server does not take snapshots (lab 11)");
    }

    /// Lab 12: on the leader, start adding server `id`: append a configuration entry
    /// that makes it a learner, and return that entry's index. Once the learner has
    /// caught up, the leader itself appends the entry that makes it a voter. Returns
    /// std::nullopt and changes nothing when this server is not the leader, when `id`
    /// is already a member, or when a change is still under way (a configuration
    /// entry not yet committed, a learner not yet promoted, or no entry of the
    /// leader's own term committed yet). Servers of other labs are never asked.
    virtual std::optional<Index> add_server(NodeId id) {
        (void)id;
        throw std::logic_error("add_server(): this server does not change membership (lab 12)");
    }

    /// Lab 12: on the leader, append a configuration entry without server `id` (a
    /// voter or a learner; the leader may remove itself) and return its index. Refused
    /// (std::nullopt, nothing changes) when this server is not the leader, when its
    /// last configuration entry is not committed or no entry of its own term is, and
    /// when `id` is not a member or is the last voter. A learner waiting to be
    /// promoted does not block a removal (removing it abandons its addition).
    virtual std::optional<Index> remove_server(NodeId id) {
        (void)id;
        throw std::logic_error("remove_server(): this server does not change membership (lab 12)");
    }

    // ---- read-only inspection, for the checks only ----------------------------------
    // The simulator and the checks look at a server through these. Nothing else may:
    // the lab 10 runtime learns what it needs from the Env calls (persist_*, apply,
    // role_changed), and framework.parts fails the build of CI if it calls these.

    virtual Role role() const = 0;
    virtual Term current_term() const = 0;
    virtual NodeId voted_for() const = 0;   ///< kNoNode when not voted in current_term
    virtual NodeId leader_id() const = 0;   ///< the leader of current_term if known
    virtual Index commit_index() const = 0;
    virtual Index last_applied() const = 0;
    virtual Index last_log_index() const = 0;
    /// Lab 11: the last index the server's snapshot covers, 0 without a snapshot.
    /// Its log holds the entries snapshot_index() + 1 .. last_log_index().
    virtual Index snapshot_index() const { return 0; }
    /// Lab 11: the term of the entry at snapshot_index(), 0 without a snapshot.
    virtual Term snapshot_term() const { return 0; }
    /// Lab 12: the configuration this server uses now (the last one in its log, else
    /// the first one). Servers of other labs need not say: empty lists.
    virtual Configuration configuration() const { return {}; }
    /// The entry at snapshot_index() < index <= last_log_index(). Throws
    /// std::out_of_range otherwise.
    virtual const LogEntry& log_entry(Index index) const = 0;
    /// On the leader: next_index and match_index of follower `peer`. On any other
    /// server, or for peer == own id: 0.
    virtual Index next_index(NodeId peer) const = 0;
    virtual Index match_index(NodeId peer) const = 0;
};

}  // namespace raftlab
