// raftlab/history/generate.h: synthetic histories for tests and benchmarks.
#pragma once

#include "raftlab/history/history.h"

namespace raftlab::history {

struct GenerateOptions {
    std::size_t operations = 10000;
    int clients = 10;
    int keys = 100;
    double get_ratio = 0.5;   ///< the rest are writes, see `writes`
    std::uint64_t seed = 1;
    Writes writes = Writes::mixed;
    /// 0: every write has a unique value "[client:seq]". n > 0: values "0" .. "n-1",
    /// so they repeat and only the search can check the history.
    int value_range = 0;
    /// Share of writes that get no answer (indeterminate); half of those take effect,
    /// possibly after the client gave up on them.
    double indeterminate_ratio = 0;
    double failed_ratio = 0;  ///< share of writes that fail (they never take effect)
};

/// A linearizable history: each operation gets random invoke and return times
/// (clients overlap), and takes effect on a correct in-memory map at a random
/// instant in between. Deterministic for a seed.
History generate_history(const GenerateOptions& options);

/// Makes one successful get return a value its key had before a write that had
/// already returned when the get was invoked: a stale read, so the history becomes
/// illegal. Returns the index of the changed get, or -1 if no get qualifies.
long plant_stale_read(History& history, std::uint64_t seed);

// Further ways to break a history, for the checkers' tests. Each changes one
// operation (and the reads that saw it), returns its index or -1 if none qualifies,
// and is deterministic for a seed. The result is usually, not always, illegal.

/// An acknowledged write vanishes: an append's value is removed from every read,
/// and the reads of a put see what was read before the put instead.
long plant_lost_write(History& history, std::uint64_t seed);

/// An append takes effect twice: its value appears twice in every read that saw it.
long plant_duplicate_append(History& history, std::uint64_t seed);

/// An operation's interval moves up to 200 us earlier or later, breaking the real-time
/// order it had with its neighbours.
long plant_time_inversion(History& history, std::uint64_t seed);

/// A get returns a value no write wrote, or a write that reads saw is recorded as failed.
long plant_unwritten_read(History& history, std::uint64_t seed);

}  // namespace raftlab::history
