// network_protocol.h: the frames between the lab 5 checks and the lab 5 host.
//
// A request is: op (u8), flags (u8), the id the judge gave the Network (u32), then
// the op's arguments. Most calls are pipelined: without kReply the host answers
// nothing, and the judge sends the next request at once. A pipelined call whose
// student code throws is not answered either: the host keeps the exception, skips
// every later pipelined request, and gives it as the reply to the next request
// that has kReply (without running that request). So a run of 4,000 send() calls
// costs one round trip, and an exception still reaches the checks before any
// result they could compare.
//
// A reply starts with a status:
//   kExecuted     then an exception (raftlab/host/serve.h) and, when it is none, the
//                 result; then a flag and, when set, the network's view (kView)
//   kEarlierThrew then the op that threw and its exception
//   kMispredicted then the tag of a prediction that did not hold (kVerify,
//                 kReceiveNothing) and what the student's code did instead: a flag
//                 (true: it threw) and either the value or the exception
#pragma once

#include <cstdint>

namespace raftlab::host::network {

inline constexpr std::uint8_t kReply = 1;  // flags: the judge waits for an answer

// Requests.
inline constexpr std::uint8_t kCreate = 'c';     // i32 nodes, u64 seed (always kReply)
inline constexpr std::uint8_t kDestroy = 'x';    // (never kReply)
inline constexpr std::uint8_t kView = 'V';       // -> nothing (the reply's view is the answer)
inline constexpr std::uint8_t kSize = 'n';       // -> i64
inline constexpr std::uint8_t kNow = 't';        // -> i64
inline constexpr std::uint8_t kWaiting = 'w';    // i32 node -> u64
inline constexpr std::uint8_t kIsUp = 'u';       // i32 node -> u64 (0 or 1)
inline constexpr std::uint8_t kSent = 'S';       // -> u64
inline constexpr std::uint8_t kDelivered = 'D';  // -> u64
inline constexpr std::uint8_t kDropped = 'X';    // -> u64
inline constexpr std::uint8_t kSend = 's';       // i32 from, i32 to, str payload
inline constexpr std::uint8_t kAdvance = 'a';    // i64 ticks
inline constexpr std::uint8_t kReceive = 'r';    // i32 node -> bool, envelope when true
inline constexpr std::uint8_t kSetUp = 'U';      // i32 node, bool up
inline constexpr std::uint8_t kKillLink = 'k';   // i32 from, i32 to
inline constexpr std::uint8_t kRestoreLink = 'K';  // i32 from, i32 to
inline constexpr std::uint8_t kSetDelay = 'd';   // i64 min, i64 max
inline constexpr std::uint8_t kSetLoss = 'l';    // u64 (the bits of a double)
inline constexpr std::uint8_t kPartition = 'p';  // u32 groups, each u32 count and i32 ids
inline constexpr std::uint8_t kHeal = 'h';       // (no arguments)
/// A read the judge answered from an older view: u8 read op (kSize, kNow, kWaiting,
/// kIsUp), i32 node, u32 tag, u64 the value it gave. The host calls the read and
/// keeps a kMispredicted answer when it returns something else or throws.
inline constexpr std::uint8_t kVerify = 'v';
/// A receive() the judge answered with "nothing" (the view said no message was
/// waiting): i32 node, u32 tag. The host calls receive() and keeps a kMispredicted
/// answer when it returned a message.
inline constexpr std::uint8_t kReceiveNothing = 'R';

// Reply statuses.
inline constexpr std::uint8_t kExecuted = 0;
inline constexpr std::uint8_t kEarlierThrew = 1;
inline constexpr std::uint8_t kMispredicted = 2;

/// The view: size(), now(), sent(), delivered(), dropped(), each as (ok, u64); a
/// count, then waiting(i) and is_up(i) as (ok, u64) for i = 0 .. count-1. The count
/// is the number of nodes the network was created with, at most kMaxViewNodes.
inline constexpr std::uint32_t kMaxViewNodes = 1024;

}  // namespace raftlab::host::network
