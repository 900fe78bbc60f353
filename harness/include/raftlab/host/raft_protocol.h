// raftlab/host/raft_protocol.h: the frames between the judge and a Raft host
// (labs 6-9: one student server per host process).
//
// One request per RaftNode event. While the server handles it, each Env call it
// makes comes back as a frame, in order: one-way calls (send, persist, apply,
// read_done, set_timer) are buffered by the host, so the judge performs every Env
// call in exactly the order the server made them and a seed replays bit for bit.
// random() is drawn in the host from the server's stream when the judge's Env lends
// one (raftlab/sim/rng.h: the state goes out with `construct` and comes back with
// every `end`); otherwise it flushes the frames and waits for the judge's answer.
// The call ends with an `end` frame: the return value or the exception, the
// random stream's state when the host holds it, then the server's inspection
// state (role, term, vote, leader, commit, applied, next/match per peer, the snapshot
// index, the log after it as a change against what the judge already holds, and the
// configuration in use).
#pragma once

#include <cstdint>

namespace raftlab::host::raft {

// Judge -> host.
inline constexpr std::uint8_t kConstruct = 'C';  // now, config, restored state, random stream?
inline constexpr std::uint8_t kReceive = 'V';    // now, from, message
inline constexpr std::uint8_t kTick = 'K';       // now
inline constexpr std::uint8_t kSubmit = 'U';     // now, command
inline constexpr std::uint8_t kRead = 'D';       // now, read id
inline constexpr std::uint8_t kBecomeLeader = 'B';  // now
inline constexpr std::uint8_t kSnapshot = 'S';      // now, index, data (lab 11)
inline constexpr std::uint8_t kAddServer = 'A';     // now, id (lab 12)
inline constexpr std::uint8_t kRemoveServer = 'R';  // now, id (lab 12)
inline constexpr std::uint8_t kIsMajority = 'Q';    // count, cluster size -> bool
inline constexpr std::uint8_t kMajorityMatch = 'J'; // indexes -> index
inline constexpr std::uint8_t kRandomValue = 'n';   // answer to kRandom: value

// Host -> judge, during a call. Every Env frame starts with the server's role and
// term at that moment (the timeline labels each event with them).
inline constexpr std::uint8_t kSend = 's';          // to, message
inline constexpr std::uint8_t kPersistTerm = 't';   // term, vote
inline constexpr std::uint8_t kPersistLog = 'l';    // first, entries
inline constexpr std::uint8_t kApply = 'a';         // index, entry
inline constexpr std::uint8_t kPersistSnapshot = 'p';  // snapshot (lab 11)
inline constexpr std::uint8_t kRestoreSnapshot = 'x';  // snapshot (lab 11)
inline constexpr std::uint8_t kReadDone = 'd';      // id, ok
inline constexpr std::uint8_t kSetTimer = 'm';      // when
inline constexpr std::uint8_t kRandom = 'r';        // low, high; waits for kRandomValue
inline constexpr std::uint8_t kEnd = 'E';           // exception?, result, stream?, state

/// The longest log the judge inspects; a server that claims more fails its check.
inline constexpr std::uint64_t kMaxInspectedLog = 1'000'000;

/// The most servers a configuration may name (voters and learners together).
inline constexpr std::uint32_t kMaxConfigurationSize = 1024;

}  // namespace raftlab::host::raft
