// Pieces shared by the two cases of the unique-writes fast path (unique_writes.cpp,
// append_graph.cpp, register_zones.cpp). Not part of the public headers.
#pragma once

#include "raftlab/history/unique_writes.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace raftlab::history::unique_writes {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();  // return time of an indeterminate op

/// When op returned; kNever when it did not (indeterminate).
inline std::int64_t returned_at(const Operation& op) { return op.outcome == Outcome::ok ? op.return_us : kNever; }

/// x must come before y in every linearization: x returned before y was invoked
/// (touching operations are concurrent).
inline bool precedes(const Operation& x, const Operation& y) { return returned_at(x) < y.invoke_us; }

/// "c1 #3 put \"v\"", "c2 #4 get -> \"v\"", "c2 #5 get -> absent", as the search's
/// explanations name operations; long values keep their start and end.
std::string name(const Operation& op);

/// A value for a sentence: quoted, or its start and end if it is long.
std::string quote(const std::string& value);

/// "X returned at 10 us before Y was invoked at 20 us".
std::string real_time_step(const Operation& x, const Operation& y);

/// The longest prefix of `order` that can start a linearization of `ops`: every
/// operation in it comes after all operations of `ops` that returned before it was
/// invoked. `order` must give every get the value it read (the callers build it so).
std::vector<std::size_t> longest_valid_prefix(const History& h, const std::vector<std::size_t>& ops,
                                              std::vector<std::size_t> order);

/// Fills an illegal result for an operation no order explains: "no order of the
/// operations on key "k" explains <op>: <why>".
FastPathResult impossible(const History& h, const std::vector<std::size_t>& ops, std::size_t stuck,
                          std::vector<std::size_t> linearized, const std::string& why);

/// The failed write of this key that wrote `value`, if any (for explanations).
const Operation* failed_write_of(const History& h, const std::string& key, const std::string& value);

/// The two cases; they assume the dispatcher in unique_writes.cpp checked that all
/// writes are appends (respectively puts) with distinct values.
FastPathResult check_append_key(const History& h, const std::vector<std::size_t>& ops);
FastPathResult check_register_key(const History& h, const std::vector<std::size_t>& ops);

}  // namespace raftlab::history::unique_writes
