// raftlab/history/unique_writes.h: the exact fast path of check_linearizable for
// keys whose writes are unique.
//
// When every write of a key leaves a value no other write leaves, each value read
// names the writes that produced it, so the order of versions can be read off the
// history and no search is needed:
//  - append-only keys (Elle's list-append on one key): the longest read spells the
//    order of the appends it saw; the history is linearizable iff a precedence graph
//    (real time, version order, read-from, anti-dependency) has no cycle;
//  - put-only keys (a register with unique values): the zone test of Gibbons and
//    Korach, as used by Anderson et al. ("What consistency does your key-value store
//    actually provide?", 2010).
// Both are exact: they answer ok exactly when the Wing–Gong–Lowe search would.
// check_linearizable calls this per key and runs the search only when it does not
// apply. It is public so that tests can check its witness orders.
#pragma once

#include "raftlab/history/checker.h"

#include <vector>

namespace raftlab::history {

enum class FastPathOutcome {
    not_applicable,  ///< the key's writes are not unique (or a read splits two ways): search it
    ok,              ///< linearizable; `order` is a witness
    illegal,         ///< not linearizable; `failure` says why
};

struct FastPathResult {
    FastPathOutcome outcome = FastPathOutcome::not_applicable;
    /// ok only: the key's operations in an order a single copy could have executed
    /// them in, respecting real time. Indeterminate writes that nobody observed may be
    /// left out (they may never have taken effect); every other operation is in it.
    std::vector<std::size_t> order;
    KeyFailure failure;  ///< illegal only: filled as the search fills it
};

/// Decides one key. `ops` are indices into `history` of that key's operations,
/// without failed ones and without indeterminate gets (as check_linearizable passes
/// them to the search). Applies when either
///  - every write is an append, the append values are pairwise distinct and
///    non-empty, and the longest read splits into append values in exactly one way
///    (the workload's "[client:seq]" tokens always do); or
///  - every write is a put and the put values are pairwise distinct.
/// Otherwise (deletes, puts mixed with appends, repeated or empty values, an
/// ambiguous split) returns not_applicable. Near-linear: O(n log n) plus the length
/// of the values read.
FastPathResult check_unique_writes(const History& history, const std::vector<std::size_t>& ops);

}  // namespace raftlab::history
