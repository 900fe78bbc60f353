// foundations/message.h: whole messages over a TCP byte stream (lab 1, part a).
//
// TCP delivers a stream of bytes, not messages. One send() of 1000 bytes may
// arrive as one recv() of 1000 bytes, or as ten of 100, or together with the start
// of the next message; and one send() may itself write only part of what it was
// given. To carry messages, each one is framed: a 4-byte length, big-endian
// (most significant byte first), then that many bytes of payload. The payload is
// opaque here: any bytes at all, including zero bytes and an empty payload.
//
//     +---------------------------+----------------------------+
//     | length: 4 bytes big-endian | payload: `length` bytes    |
//     +---------------------------+----------------------------+
//
// This is the framing every raftlab program uses, so the checks talk to your
// programs with the framework's own encoder and decoder.
//
// Both functions work on a connected, blocking socket file descriptor and may be
// called from any thread (one sender and one receiver per socket at a time).
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace raftlab::foundations {

/// The largest payload either side accepts. A larger announced length means the
/// stream is corrupt (or hostile), not that a huge message is coming.
inline constexpr std::size_t max_message_size = 64u * 1024u * 1024u;

/// The connection broke in the middle of a message, or announced a message larger
/// than max_message_size. The stream cannot be trusted any more: close it.
class MessageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Sends `payload` as one framed message: the whole header and the whole payload,
/// however many partial writes that takes. A write interrupted by a signal is
/// retried. Must not raise SIGPIPE when the peer has gone away.
/// Throws std::length_error if payload.size() > max_message_size, and
/// std::system_error if the socket fails (for example, the peer closed it).
void send_message(int fd, std::string_view payload);

/// Receives one whole framed message and returns its payload, however many partial
/// reads that takes. A read interrupted by a signal is retried.
/// Returns std::nullopt when the peer closed the connection cleanly, that is,
/// before the first byte of a new message.
/// Throws MessageError if the connection closes after some but not all bytes of a
/// message, or if the announced length exceeds max_message_size (nothing of such a
/// payload is read). Throws std::system_error if the socket fails.
std::optional<std::string> recv_message(int fd);

}  // namespace raftlab::foundations

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
