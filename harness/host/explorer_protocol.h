// explorer_protocol.h: the frames between the lab 3 checks (the judge) and the lab 3
// host, which runs the student's explore() (modelcheck/explorer.h).
//
// Two kinds of model:
//   * opaque: a model the judge owns (the checks' models, hidden ones included).
//     The host never sees it: its states and events are byte strings the judge made
//     up, and the host's stand-in model asks the judge for initial_states(),
//     events(s) and next(s, e) with nested frames while explore() runs.
//   * light: the student's own LightModel (modelcheck/light_model.h), which runs in
//     the host. Its states and events cross as light_protocol.h encodes them.
// In both, the invariants belong to the judge: holds() is a nested frame too.
//
// The judge answers each nested frame with an exception kind (raftlab/host/serve.h),
// then the answer. A round trip costs microseconds, so an answer that names states
// (initial_states, events, next) also tells the host what it will ask next:
//   lookahead  u32 c, then c times (state, u32 n, n times (event, next state)): the
//              events of the states just named and of the states they lead to,
//              breadth first, up to kLookahead states the host has not had yet;
//   verdicts   u32 m, then m times (state, one bool per invariant): the invariants'
//              results for every state named so far that the host has not had yet.
// The host keeps every answer: the judge's models are pure, so an explorer that asks
// for any of it gets the same answer the judge would give, without a round trip.
//
// In questions and answers a state or event is a string (u32 length + bytes,
// wire.h): four bytes, the name the judge gave it, for an opaque model; the
// light_protocol.h encoding for the light. In the report it is those bytes alone
// (a u32 name; a 7-byte light state or a 1-byte light event). A trace is u32 n + n
// states, then u32 m + m events. The report is u64 state_count, u64 depth, bool
// complete, u32 count + (invariant name, trace) per violation, u32 count + one trace
// per deadlock. It travels in kReportPart frames (an explorer that does not remember
// what it has seen can report a million traces), then kEnd.
#pragma once

#include <cstdint>

namespace raftlab::host::explorer {

// Judge -> host.
/// u8 model kind, u64 max_states, u32 k, k invariant names. The host answers with
/// nested frames and then kEnd.
inline constexpr std::uint8_t kExplore = 'x';
inline constexpr std::uint8_t kOpaqueModel = 0;
inline constexpr std::uint8_t kLightModel = 1;
// The student's LightModel, one call each (exception kind, then the result).
inline constexpr std::uint8_t kLightInitialStates = 'I';  // -> u32 n, n states
inline constexpr std::uint8_t kLightEvents = 'E';         // state -> u32 n, n events
inline constexpr std::uint8_t kLightNext = 'N';           // state, event -> state

// Host -> judge, while explore() runs; each waits for the judge's answer.
inline constexpr std::uint8_t kAskInitialStates = 'a';  // -> u32 n, n states; lookahead; verdicts
inline constexpr std::uint8_t kAskEvents = 'b';  // state -> u32 n, n (event, next state); lookahead; verdicts
inline constexpr std::uint8_t kAskNext = 'c';    // state, event -> state; lookahead; verdicts
inline constexpr std::uint8_t kAskHolds = 'd';   // state -> one bool per invariant
/// The next piece of the report, once explore() returned.
inline constexpr std::uint8_t kReportPart = 'y';
inline constexpr std::size_t kReportPartBytes = 1u << 20;
/// explore() returned (exception kind none; the report came before) or threw.
inline constexpr std::uint8_t kEnd = 'z';

/// The most states one answer's lookahead covers.
inline constexpr std::uint32_t kLookahead = 256;
/// The largest report a host sends; a larger one is reported as an exception.
inline constexpr std::uint64_t kMaxReport = 256u << 20;

}  // namespace raftlab::host::explorer
