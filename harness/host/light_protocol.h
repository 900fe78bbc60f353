// light_protocol.h: the frames between the judge and a host that runs the student's
// lab 2 traffic light (the lab 2 host, and the lab 3 host for the light model).
//
// The light's types never cross as memory: each field is its own value on the wire,
// and every enum travels as one of the codes below, whatever numbers the student's
// compiler gives the enumerators. The judge checks each code (light_judge_codec.h),
// so a colour that is none of red, yellow and green is a protocol error with a
// sentence, never a value the checks would print as "?".
//
//   state  u8 east-west colour, u8 north-south colour, i32 clock, bool button
//   step   state, u32 action count, then (u8 direction, u8 colour) per action
//   event  u8
//
// Every reply starts with an exception kind (raftlab/host/serve.h); when it is none,
// the result follows.
#pragma once

#include <cstdint>

namespace raftlab::host::light {

// Wire codes of the enums. A host writes kBadCode for a value that is none of them.
inline constexpr std::uint8_t kRed = 0, kYellow = 1, kGreen = 2;
inline constexpr std::uint8_t kEastWest = 0, kNorthSouth = 1;
inline constexpr std::uint8_t kTick = 0, kButton = 1;
inline constexpr std::uint8_t kBadCode = 255;

// Judge -> host.
inline constexpr std::uint8_t kInitialState = 'i';  // -> state
inline constexpr std::uint8_t kNext = 'n';          // state, event -> step
/// u8 flags, u8 calls per event, state `from`, u32 n, n events. The host calls
/// next() `calls` times on each event in turn, starting from `from` and going on from
/// the state of each event's first answer, exactly as a check that called next() in a
/// loop would. It answers with one frame per call (exception kind, then the step);
/// the answer ends after n * calls frames or with the first frame that carries an
/// exception. The frames go out together at the end, unless the flags ask for
/// kFlushEachAnswer: then each is written as soon as its call returns, so that the
/// judge has every answer from before a call that crashes or hangs.
inline constexpr std::uint8_t kRun = 'r';
inline constexpr std::uint8_t kFlushEachAnswer = 1;
/// The most events one kRun may carry.
inline constexpr std::uint32_t kMaxRun = 1'000'000;
/// The most actions the judge accepts in one step.
inline constexpr std::uint32_t kMaxActions = 1'000;

}  // namespace raftlab::host::light
