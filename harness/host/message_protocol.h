// message_protocol.h: the frames between the lab 1 checks and the lab 1 host, which
// runs the student's send_message() and recv_message() (foundations/message.h).
//
// Both calls work on a socket the check made, so the host needs a copy of it. A
// request names the call; the host answers kReady and waits for the descriptor,
// which the judge then passes over the same socket (HostProcess::send_fd). Waiting
// for kReady first matters: the host reads frames with read(), which would drop a
// descriptor that arrived with them. The host calls the student's function on its
// copy, closes the copy, and answers with an exception kind and, for
// recv_message(), the result.
#pragma once

#include <cstdint>

namespace raftlab::host::message {

// Requests: op (u8), with_fd (bool: false when the check's descriptor was not open,
// and the student's function gets -1, which fails the same way), then:
inline constexpr std::uint8_t kSend = 's';     // str payload
inline constexpr std::uint8_t kReceive = 'r';  // (nothing)

/// The host's first answer: send the descriptor now.
inline constexpr std::uint8_t kReady = 'R';

/// The second answer starts with one of these; kSystemError is followed by the error
/// code (i32) and whether its category is the system one (bool); every kind but
/// kNone by what() (str). After kNone, recv_message()'s result follows: a flag and,
/// when set, the payload (str).
enum class Thrown : std::uint8_t {
    kNone = 0,
    kMessageError = 1,    ///< foundations::MessageError
    kLengthError = 2,     ///< std::length_error
    kSystemError = 3,     ///< std::system_error
    kBadAlloc = 4,        ///< std::bad_alloc
    kNotImplemented = 5,  ///< raftlab::NotImplemented (the starter's todo())
    kOther = 6,           ///< any other std::exception
    kNotStd = 7,          ///< something that is not a std::exception
};

}  // namespace raftlab::host::message
