// raftlab/history/checker.h: does a recorded history make sense?
//
//  - check_linearizable: is there one order of the operations, consistent with their
//    real-time order, in which a single-copy key/value map gives every observed
//    result? One key at a time (keys are independent in this model): keys whose
//    writes are unique are decided exactly in near-linear time
//    (raftlab/history/unique_writes.h); the others by a Wing–Gong–Lowe search,
//    memoized on (set of linearized operations, state), under a time and a memory
//    budget.
//  - check_durability: after recovery, does the final content of each key reflect
//    every acknowledged write?
//  - check_exactly_once: did any append take effect twice, or a failed one at all?
//
// Model. Keys start absent. put sets the value; append concatenates (an absent key
// counts as ""); delete makes it absent; get returns the value or absent.
// Outcomes: ok operations must take effect between invoke and return; failed ones
// never take effect (they are ignored); indeterminate ones may take effect at any
// time after their invoke, or never (an indeterminate get constrains nothing).
#pragma once

#include "raftlab/history/history.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace raftlab::history {

enum class Verdict {
    ok,       ///< linearizable (or: the property holds)
    illegal,  ///< proven not linearizable
    unknown,  ///< the time or memory budget ran out first; never count this as a pass
};

std::string_view to_string(Verdict verdict);  ///< "ok", "illegal", "unknown"

/// Where the search for one key got stuck (only for illegal keys).
struct KeyFailure {
    std::string key;
    std::vector<std::size_t> ops;          ///< indices (into the history) of this key's ops
    std::vector<std::size_t> linearized;   ///< the longest order found that still works
    std::size_t stuck_op = 0;              ///< index of the op that returned before any order could include it
    std::string explanation;               ///< one sentence for people
};

struct LinearizabilityResult {
    Verdict verdict = Verdict::ok;
    std::size_t keys = 0;                  ///< keys checked
    std::size_t operations = 0;            ///< operations considered (failed ones are left out)
    std::vector<KeyFailure> failures;      ///< one per illegal key (the first few)
    std::vector<std::string> unknown_keys; ///< keys whose search ran out of time or memory
    bool memory_exhausted = false;         ///< some search stopped at max_memory_mb (else: time)
    std::size_t fast_keys = 0;             ///< keys decided by the unique-writes fast path
    std::size_t searched_keys = 0;         ///< keys the fast path left to the search (decided or unknown)
    std::chrono::milliseconds elapsed{0};
};

struct CheckOptions {
    std::chrono::milliseconds time_budget{60000};  ///< for the whole history; kept to within about 1 s
    std::size_t max_failures = 5;                  ///< stop collecting after this many
    /// The search's tables (memo, states) for one key may not grow beyond this; the
    /// key is then unknown. 0 = no limit. The fast path needs no such tables.
    std::size_t max_memory_mb = 4096;
    /// Decide keys with unique writes without searching (exact). false = search every
    /// key, as a reference for tests.
    bool fast_path = true;
};

LinearizabilityResult check_linearizable(const History& history, const CheckOptions& options = {});

struct PropertyResult {
    Verdict verdict = Verdict::ok;         ///< ok or illegal (these checks always finish)
    std::vector<std::string> violations;   ///< one sentence each
};

/// Durability. `final_state` holds, for every key of interest, what a read after
/// recovery returned (nullopt = absent). For each key:
///   - every acknowledged append's value occurs in the final value;
///   - the final value is the outcome of some write that no acknowledged write
///     strictly followed (a later acknowledged put or delete would have replaced it),
///     taking appends into account as suffixes.
/// Keys of the history missing from final_state are reported as violations.
/// These rules never blame a correct store, but they are not exhaustive: the exact
/// test is check_linearizable on the history plus the final reads recorded as gets
/// invoked after every other operation returned.
PropertyResult check_durability(const History& history,
                                const std::map<std::string, std::optional<std::string>>& final_state);

/// Exactly-once for appends. Requires every append value to be unique within the
/// history (the workload makes them so; duplicates are reported). For every value
/// a get returned (and every final value given): each append occurs at most once,
/// and a failed append does not occur at all.
PropertyResult check_exactly_once(const History& history,
                                  const std::map<std::string, std::optional<std::string>>& final_state = {});

}  // namespace raftlab::history
