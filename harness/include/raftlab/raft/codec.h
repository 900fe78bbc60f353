// raftlab/raft/codec.h: Raft messages as JSON text, and back.
//
// One encoding shared by everything that moves Raft messages outside one process: the
// lab 10 runtime, the fault proxy (which acts on whole messages) and the demo. The
// simulator can push every message through it (SimOptions::codec_roundtrip) so that a
// codec bug cannot hide behind typed delivery.
//
// The encoding is a JSON object with a "type" field (kind_name() of the message) and
// one field per struct member, with the same names. Log entries are objects
// {"term": T, "command": "..."}. Numbers are unsigned 64-bit integers and survive the
// round trip exactly. Commands are text; bytes that are not valid UTF-8 are passed
// through unchanged.
//
// Implemented in harness/wire/codec.cpp (library raftlab_wire).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "raftlab/raft/messages.h"

namespace raftlab {

/// The JSON text of `message`. Never fails.
std::string encode(const Message& message);

/// The outcome of decode(): exactly one of `message` and `error` is set.
struct DecodeResult {
    std::optional<Message> message;
    /// One sentence naming what was wrong, e.g. "field \"term\" must be an unsigned
    /// integer". Empty on success.
    std::string error;

    explicit operator bool() const { return message.has_value(); }
};

/// Parses text produced by encode(). Malformed JSON, an unknown "type", a missing
/// field or a field of the wrong type yields an error; this function never throws
/// and never crashes, whatever the input. Unknown extra fields are ignored, so a
/// newer sender can add fields without breaking an older receiver.
DecodeResult decode(std::string_view text);

}  // namespace raftlab
