// raft/log.h: the Raft log as a stand-alone object (lab 4).
//
// The log is the heart of Raft: an ordered list of entries, each stamped with the
// term of the leader that created it. Servers agree on a prefix of it and apply that
// prefix, in order, to their state machines. This class knows nothing about the
// network, elections or time; it only keeps the log's own rules:
//
//   * Indexes start at 1. Index 0 is the position "before the first entry" and has
//     term 0, so a follower with an empty log can accept the leader's first entry
//     (prev_index 0, prev_term 0).
//   * There are never gaps: entries occupy 1 .. last_index() with nothing missing.
//   * append_entries() is idempotent: receiving the same AppendEntries twice (the
//     network duplicates and reorders messages) leaves the log exactly as receiving
//     it once would.
//   * Only a conflict (same index, different term) removes entries, and then it
//     removes that entry and everything after it. Entries that merely agree are kept,
//     and so is anything past the end of the request: a late, shorter duplicate must
//     not throw away entries a newer request already added.
//
// Together these give the Log Matching Property: if two logs contain an entry with
// the same index and term, the logs are identical up to and including that index.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "raftlab/raft/types.h"

namespace raftlab {

/// What append_entries() did with a request. Each value is a distinct reason, so a
/// leader can tell a follower that is behind from one that disagrees.
enum class AppendResult {
    /// prev_index/prev_term matched; the entries are now in the log (any conflicting
    /// suffix was removed first). Also returned for a pure heartbeat (no entries).
    accepted,
    /// prev_index is past the end of the log: accepting would leave a gap. The log
    /// is unchanged.
    missing_prev,
    /// The log has an entry at prev_index, but with a different term than
    /// prev_term. The log is unchanged (the leader will retry from further back).
    prev_term_mismatch,
};

class Log {
public:
    /// An empty log: last_index() == 0, last_term() == 0.
    Log() = default;

    /// The index of the last entry, or 0 when the log is empty.
    Index last_index() const;

    /// The term of the last entry, or 0 when the log is empty.
    Term last_term() const;

    /// The term of the entry at `index`. term_at(0) is 0.
    /// Throws std::out_of_range when index > last_index().
    Term term_at(Index index) const;

    /// The entry at `index`, 1 <= index <= last_index().
    /// Throws std::out_of_range otherwise (including index 0).
    const LogEntry& at(Index index) const;

    /// A copy of the entries from `first` to the end, at most `max_count` of them.
    /// Returns an empty vector when first > last_index(). Precondition: first >= 1,
    /// otherwise throws std::out_of_range.
    std::vector<LogEntry> entries_from(
        Index first, std::size_t max_count = std::numeric_limits<std::size_t>::max()) const;

    /// Leader side: adds `entry` after the last entry and returns its index.
    Index append(LogEntry entry);

    /// Follower side, the rule of AppendEntries: if the log holds an entry at
    /// `prev_index` whose term is `prev_term` (index 0 always matches term 0), place
    /// `entries` at prev_index+1, prev_index+2, ... For each of them: if the log
    /// already has an entry there with the same term, keep it; if it has one with a
    /// different term, remove it and everything after it, then append; if it has
    /// none, append. Entries after the request's last one are kept unless a conflict
    /// removed them. Returns why the request was or was not accepted; on anything
    /// but `accepted` the log is unchanged.
    AppendResult append_entries(Index prev_index, Term prev_term,
                                const std::vector<LogEntry>& entries);

    /// Removes every entry with index >= `first` (no-op when first > last_index()).
    /// Precondition: first >= 1, otherwise throws std::out_of_range.
    void truncate_from(Index first);

private:
    // entries_[i] holds the entry with index i + 1.
    std::vector<LogEntry> entries_;
};

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
