// raftlab/raft/types.h: the vocabulary every Raft lab shares.
//
// Framework-owned: the checks, the simulator and the wire codec all rely on these
// definitions, so students use them but do not change them.
#pragma once

#include <cstdint>
#include <string>

namespace raftlab {

/// A Raft term. Terms start at 0 (no election has happened) and only grow.
using Term = std::uint64_t;

/// A position in the replicated log. The first entry has index 1; index 0 means
/// "before the first entry" and always has term 0.
using Index = std::uint64_t;

/// A server's identity inside a cluster: 0 .. N-1.
using NodeId = int;

/// No server (for example "has not voted" or "no leader known").
inline constexpr NodeId kNoNode = -1;

/// One entry of the replicated log: the term in which a leader created it, and the
/// opaque command that will be applied to the state machine once it commits. An empty
/// command is a no-op (a new leader appends one to commit entries of earlier terms).
struct LogEntry {
    Term term = 0;
    std::string command;

    friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

/// Lab 11: the state machine's state after the entries 1 .. last_index, standing in
/// for them. Labs 6-10 never take one (last_index 0: no snapshot).
struct Snapshot {
    Index last_index = 0;   ///< the last entry the snapshot covers (0: none)
    Term last_term = 0;     ///< that entry's term
    std::string data;       ///< the state, as the state machine wrote it (text)

    friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

enum class Role {
    follower,   ///< answers the leader and candidates; the role every server starts in
    candidate,  ///< asked for votes in its current term and waits for a majority
    leader,     ///< accepts client commands and replicates them
};

/// "follower", "candidate" or "leader".
inline const char* role_name(Role r) {
    switch (r) {
        case Role::follower: return "follower";
        case Role::candidate: return "candidate";
        case Role::leader: return "leader";
    }
    return "?";
}

}  // namespace raftlab
