// system/storage.h: the server's durable state on disk (lab 10).
//
// Raft needs three things to survive a crash: the current term, the vote cast in it,
// and the log. All three live in one append-only file, <data_dir>/raft.log, as a
// sequence of records:
//
//     +------------------+------------------------+------------------+
//     | length: 4 bytes  | CRC32C of payload: 4 B | payload          |
//     +------------------+------------------------+------------------+
//       (little-endian)                             `length` bytes
//
//   payload 'V' term(8) vote(8)               the term and vote are now these
//   payload 'L' first(8) count(4) entries...  the log is now entries 1..first-1,
//               each entry: term(8) size(4) bytes   followed by these `count` entries
//
// Replaying the records in order rebuilds the state: the last 'V' wins, and each 'L'
// cuts the log back to first-1 entries before appending its own. So truncating after
// a conflict needs no rewrite of the file: it is just an 'L' record with a smaller
// `first` (and count 0 for a pure truncation). One file means one fdatasync makes a
// whole batch of term, vote and log changes durable together.
//
// Writes and syncs are separate on purpose (group commit): save_*() only write() the
// record, and the runtime calls sync() once per batch of events, before anything that
// depends on the batch leaves the process.
//
// Lab 11, snapshots. A snapshot lives in a file of its own, <data_dir>/snapshot, as one
// record of the same shape:
//
//   payload 'S' index(8) term(8) size(4) data   the state after entries 1..index
//
// save_snapshot() writes it to snapshot.tmp, syncs it, and renames it over the old one
// (a rename is atomic: after a crash the file is the old snapshot or the new one, never
// half of either). Then it rewrites raft.log, the same way, to hold only what the
// snapshot does not: a first record
//
//   payload 'B' index(8) term(8)                  the log starts after this index
//
// then the term and vote, then the entries after the snapshot. So the disk holds one
// snapshot plus the entries since, however long the server runs. A crash between the
// two renames leaves the new snapshot with the old log: recovery drops the log's
// entries that the snapshot covers.
//
// Recovery tells a torn tail from corruption. A crash in the middle of a write leaves
// at most a partial record at the end of the file, with nothing valid after it: that
// record was never synced, so nothing was promised about it, and recovery cuts the
// file back to the last good record. A bad record with a valid record after it cannot
// come from a crash; it is damage, and the server refuses to start rather than guess.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/types.h"

namespace raftlab::kv {

class Storage {
public:
    /// Opens <data_dir>/raft.log (creating it when absent) and recovers the state it
    /// holds; a torn last record is dropped and the file cut back to the last good
    /// record. Before returning it makes what it recovered durable (one fdatasync, not
    /// counted by sync_count()): after a crash the file may hold records that were
    /// written but never synced, and the server will act on them. Throws std::runtime_error with one line naming the file, the byte offset
    /// and the fix when a record that is not at the tail is damaged, when the file
    /// cannot be opened or locked (another server uses the directory), or on an I/O
    /// error.
    explicit Storage(const std::filesystem::path& data_dir);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    /// The state found on disk at startup. Empty on a first start.
    const PersistentState& recovered() const { return recovered_; }

    /// One line for the server's log: what recovery found, e.g. "recovered term 4,
    /// vote n1, 120 log entries from /tmp/n0/raft.log (17 bytes of a torn record
    /// dropped at offset 5120)".
    const std::string& recovery_summary() const { return summary_; }

    /// Writes a 'V' record. Durable only after the next sync().
    void save_term_and_vote(Term current_term, NodeId voted_for);

    /// Writes an 'L' record: the log becomes entries 1..first-1 then `entries`.
    /// Precondition (Env::persist_log): 1 <= first <= last saved index + 1; throws
    /// std::logic_error otherwise. Durable only after the next sync().
    void save_log(Index first, const std::vector<LogEntry>& entries);

    /// Lab 11: saves `snapshot` (Env::persist_snapshot) as described above, and drops
    /// the saved log's entries up to snapshot.last_index. Durable when it returns (it
    /// syncs on its own, and everything written before it is durable too).
    /// Precondition: snapshot.last_index is above the saved snapshot's; throws
    /// std::logic_error otherwise, and std::runtime_error on an I/O error.
    void save_snapshot(const Snapshot& snapshot);

    /// True when something was written since the last sync().
    bool dirty() const { return dirty_; }

    /// Makes every record written so far durable with one fdatasync(). Does nothing
    /// when not dirty. Throws std::runtime_error if the disk reports an error: after a
    /// failed fsync the kernel may have dropped the data, so the server must stop.
    void sync();

    /// Syncs performed so far (for the shutdown summary).
    std::uint64_t sync_count() const { return syncs_; }

private:
    void recover();
    void write_record(const std::string& payload);
    void open_log();

    std::filesystem::path dir_;
    std::filesystem::path path_;
    int fd_ = -1;
    Index snapshot_index_ = 0;  // of the saved snapshot; the saved log starts after it
    PersistentState recovered_;
    std::string summary_;
    Index last_index_ = 0;   // of the log as saved so far
    bool dirty_ = false;
    std::uint64_t syncs_ = 0;
};

}  // namespace raftlab::kv

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
