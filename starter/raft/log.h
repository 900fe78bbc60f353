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
//
// Lab 11, log compaction: once the state machine has a snapshot of everything up to
// some index, the entries it covers can go. The log then starts after that index
// (snapshot_index()), and remembers the term of the entry it ended on
// (snapshot_term()), so the consistency check of AppendEntries still works right at
// the boundary. Every index below keeps its meaning: entry i is still entry i, it is
// only stored at a different place. Until compact() is called (labs 4-10)
// snapshot_index() is 0 and nothing changes.
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

    /// The index of the last entry, or 0 when the log is empty. (Lab 11: with no
    /// entries after the snapshot, snapshot_index().)
    Index last_index() const;

    /// The term of the last entry, or 0 when the log is empty. (Lab 11: with no
    /// entries after the snapshot, snapshot_term().)
    Term last_term() const;

    /// The term of the entry at `index`. term_at(0) is 0. (Lab 11:
    /// term_at(snapshot_index()) is snapshot_term().)
    /// Throws std::out_of_range when index > last_index() (lab 11: or
    /// index < snapshot_index()).
    Term term_at(Index index) const;

    /// The entry at `index`, 1 <= index <= last_index() (lab 11: snapshot_index() <
    /// index). Throws std::out_of_range otherwise (including index 0).
    const LogEntry& at(Index index) const;

    /// A copy of the entries from `first` to the end, at most `max_count` of them.
    /// Returns an empty vector when first > last_index(). Precondition: first >= 1
    /// (lab 11: first > snapshot_index()), otherwise throws std::out_of_range.
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
    /// Lab 11: entries at or below snapshot_index() are committed and already in the
    /// snapshot, so they are skipped (not compared, not stored), and a prev_index below
    /// snapshot_index() is no reason to refuse.
    AppendResult append_entries(Index prev_index, Term prev_term,
                                const std::vector<LogEntry>& entries);

    /// Removes every entry with index >= `first` (no-op when first > last_index()).
    /// Precondition: first >= 1 (lab 11: first > snapshot_index()), otherwise throws
    /// std::out_of_range.
    void truncate_from(Index first);

    // ---- lab 11: log compaction ------------------------------------------------

    /// The last index a snapshot covers: the log holds snapshot_index() + 1 ..
    /// last_index(). 0 before the first compact().
    Index snapshot_index() const { return snapshot_index_; }
    /// The term of the entry at snapshot_index() (0 when it is 0).
    Term snapshot_term() const { return snapshot_term_; }

    /// A snapshot now covers the entries 1 .. `index`, the last of which has `term`.
    /// If the log holds an entry at `index` with that term, the entries after it stay
    /// (a leader compacting its own log, or a follower whose log agrees with the
    /// snapshot); otherwise every entry goes, because the log disagrees with the
    /// snapshot or is shorter than it. Afterwards snapshot_index() == index and
    /// snapshot_term() == term. An index <= snapshot_index() changes nothing.
    void compact(Index index, Term term);

private:
    // entries_[i] holds the entry with index snapshot_index_ + i + 1.
    std::vector<LogEntry> entries_;
    Index snapshot_index_ = 0;
    Term snapshot_term_ = 0;
};

}  // namespace raftlab
