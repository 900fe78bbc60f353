// raftlab/history/generate.h: synthetic histories for tests and benchmarks.
#pragma once

#include "raftlab/history/history.h"

namespace raftlab::history {

struct GenerateOptions {
    std::size_t operations = 10000;
    int clients = 10;
    int keys = 100;
    double get_ratio = 0.5;   ///< the rest: half puts, half appends, all of unique values
    std::uint64_t seed = 1;
};

/// A linearizable history: each operation gets random invoke and return times
/// (clients overlap), and takes effect on a correct in-memory map at a random
/// instant in between. Deterministic for a seed.
History generate_history(const GenerateOptions& options);

/// Makes one successful get return a value its key had before a write that had
/// already returned when the get was invoked: a stale read, so the history becomes
/// illegal. Returns the index of the changed get, or -1 if no get qualifies.
long plant_stale_read(History& history, std::uint64_t seed);

}  // namespace raftlab::history
