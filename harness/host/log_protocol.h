// log_protocol.h: the frames between the lab 4 checks and the lab 4 host. Every
// request names a Log by the id the judge gave it; every reply starts with an
// exception kind (raftlab/host/serve.h) and, when that is none, the result. A reply
// to a request that changes a log (create, append, append_entries, truncate_from)
// starts with a flag and, when it is set, that log's view (see kView), so the judge
// needs no second round trip to read the log after a change.
#pragma once

#include <cstdint>

namespace raftlab::host::log {
inline constexpr std::uint8_t kCreate = 'c';         // id
inline constexpr std::uint8_t kDestroy = 'x';        // id (no reply)
inline constexpr std::uint8_t kLastIndex = 'L';      // id -> u64
inline constexpr std::uint8_t kLastTerm = 'T';       // id -> u64
inline constexpr std::uint8_t kTermAt = 'A';         // id, index -> u64
inline constexpr std::uint8_t kAt = '@';             // id, index -> entry
inline constexpr std::uint8_t kEntriesFrom = 'F';    // id, first, max -> entries
inline constexpr std::uint8_t kAppend = 'P';         // id, entry -> u64
inline constexpr std::uint8_t kAppendEntries = 'E';  // id, prev index, prev term, entries -> u8
inline constexpr std::uint8_t kTruncateFrom = 'R';   // id, first -> nothing
/// id -> every read at once: last_index, last_term and term_at(0), each as
/// (ok, value); then a count and, for i = 1 .. count, term_at(i) and at(i). The count
/// stops before the first index whose reads threw, and at kMaxView.
inline constexpr std::uint8_t kView = 'V';
inline constexpr std::uint64_t kMaxView = 100'000;
}  // namespace raftlab::host::log
