// raftlab/wire/frame.h: the framework's wire framing.
//
// Every message between raftlab processes travels as one frame:
//
//     +----------------------------+---------------------------+
//     | length: 4 bytes, big-endian | payload: `length` bytes   |
//     +----------------------------+---------------------------+
//
// The payload is one JSON value, normally an object with a "type" string
// ({"type":"append_entries",...}). The frame layer itself only moves bytes; the
// proxy peeks at "type" to journal and count messages, and the Raft codec
// (raftlab/raft/) gives the payload its meaning.
//
// Framework-owned: students use these helpers (lab 1 builds its own framing and is
// checked against this one), but do not change them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace raftlab::wire {

/// Size of the length prefix in bytes.
inline constexpr std::size_t kHeaderSize = 4;

/// Default upper bound on a payload. A larger announced length is treated as a
/// malformed stream (it is far more likely to be garbage than a real message).
inline constexpr std::size_t kDefaultMaxPayload = 16u * 1024u * 1024u;

/// Returns `payload` prefixed with its 4-byte big-endian length.
/// Throws std::length_error if the payload does not fit in 32 bits.
std::string encode_frame(std::string_view payload);

/// Appends the frame for `payload` to `out` (no intermediate copy of the payload).
/// Throws std::length_error if the payload does not fit in 32 bits.
void append_frame(std::string& out, std::string_view payload);

/// Reads the big-endian length stored in the first 4 bytes of `header`.
/// Precondition: header.size() >= kHeaderSize.
std::uint32_t read_length(std::string_view header);

/// The "type" string of a JSON object payload, or nullopt when the payload is not
/// a JSON object or has no string "type" member. Never throws.
std::optional<std::string> peek_type(std::string_view payload);

/// Incremental decoder: feed it bytes as they arrive (any split, including one byte
/// at a time) and take whole frames out.
///
/// Errors are sticky: once the stream is malformed (announced length above the
/// limit, or, when JSON checking is on, a payload that is not a JSON object) every
/// further next() returns the same error; the connection should be closed with
/// error() as the logged reason. The decoder never throws on bad input.
class FrameDecoder {
public:
    enum class Status {
        frame,      ///< a whole frame was taken out; its payload is in Result::payload
        need_more,  ///< no whole frame buffered yet; feed() more bytes
        error,      ///< the stream is malformed; Result::error says why
    };

    struct Result {
        Status status = Status::need_more;
        std::string payload;  ///< set when status == frame
        std::string error;    ///< set when status == error
    };

    /// max_payload: largest accepted payload. require_json_object: also reject
    /// payloads that are not one JSON object.
    explicit FrameDecoder(std::size_t max_payload = kDefaultMaxPayload,
                          bool require_json_object = false);

    /// Appends received bytes. Cheap; decoding happens in next().
    void feed(std::string_view bytes);

    /// Takes out the next whole frame if one is buffered.
    Result next();

    /// Bytes received but not yet returned as frames.
    std::size_t buffered() const { return buffer_.size() - consumed_; }

    /// True once a malformed frame has been seen.
    bool failed() const { return !error_.empty(); }

    /// The sticky error text ("" when healthy).
    const std::string& error() const { return error_; }

private:
    void compact();

    std::size_t max_payload_;
    bool require_json_object_;
    std::string buffer_;
    std::size_t consumed_ = 0;
    std::string error_;
};

}  // namespace raftlab::wire
