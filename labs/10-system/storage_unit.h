// storage_unit.h: what the stage 1 checks (storage_unit_checks.cpp) share. They run
// the student's Storage alone (system/storage.h): no network, no Raft, no cluster.
//
// A Disk is one server's data directory for one check. Each boot() starts a fresh
// storage host (raftlab/host/remote_storage.h), a process that constructs the
// student's Storage on the directory; power_cut() kills it with SIGKILL and then cuts
// every file back to what was fsynced (raftlab/kv/power_loss.h), crash() only kills
// it (the kernel keeps what was written), close() runs the destructor.
//
// The checks also write raft.log themselves, in the format storage.h documents
// (RecordFile), to hand the student's recovery a torn tail or a damaged record at a
// known place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "raftlab/host/remote_storage.h"
#include "raftlab/raft/env.h"

namespace raftlab::lab10 {

class Disk {
public:
    Disk();   ///< an empty data directory under TMPDIR
    ~Disk();  ///< kills the running boot and removes the directory

    /// Starts a new boot on the directory (killing the running one, if any) and
    /// returns what Storage's constructor recovered.
    host::Recovered boot();
    /// The running boot; throws when there is none.
    host::StorageBoot& storage();
    /// SIGKILL, then every file cut back to its size at its last sync. Returns the
    /// cuts, one line each ("data/raft.log: 120 -> 80 bytes").
    std::vector<std::string> power_cut();
    /// SIGKILL only.
    void crash();
    /// A clean shutdown: Storage's destructor runs, then the host ends.
    void close();

    std::filesystem::path file() const { return data_ / "raft.log"; }
    /// Replaces raft.log with `bytes` (owned by the user the host runs as).
    void write_file(const std::string& bytes);
    std::string read_file() const;

private:
    std::filesystem::path work_, data_, journal_;
    std::unique_ptr<host::StorageBoot> boot_;
};

/// Builds raft.log the way system/storage.h lays it out, and the state it stands for.
class RecordFile {
public:
    void term_and_vote(Term term, NodeId vote);
    void log(Index first, const std::vector<LogEntry>& entries);

    const std::string& bytes() const { return bytes_; }
    /// Where each record starts, in order.
    const std::vector<std::size_t>& offsets() const { return offsets_; }
    /// The state replaying every record gives.
    const PersistentState& state() const { return state_; }

private:
    void record(const std::string& payload);
    std::string bytes_;
    std::vector<std::size_t> offsets_;
    PersistentState state_;
};

/// "term 4, vote 1, 3 entries (terms 1 1 4)"; commands too when the log is short.
std::string describe(const PersistentState& s);
/// The first way `got` differs from `want` ("its log has 2 entries, not 3"), or "".
std::string difference(const PersistentState& got, const PersistentState& want);
/// "the power cut cut back data/raft.log: 90 -> 0 bytes (never synced)", or that it
/// cut nothing.
std::string describe_cut(const std::vector<std::string>& lines);
/// A few entries with random terms (>= min_term) and commands of 0..40 random bytes.
std::vector<LogEntry> random_entries(std::uint64_t& rng, std::size_t count, Term min_term);
/// The next value of a small deterministic generator (splitmix64).
std::uint64_t next_random(std::uint64_t& state);

/// Runs one storage check on a fresh Disk. Whatever goes wrong becomes one failure of
/// one line: a Problem as it is, an exception from the student's Storage as "your
/// Storage::<member> threw: <what>", a host that crashed or hung as what happened to
/// it.
void storage_check(const std::function<void(Disk&)>& body);

}  // namespace raftlab::lab10
