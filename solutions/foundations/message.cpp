// foundations/message.cpp: length-prefixed messages over a blocking socket
// (reference solution, lab 1).
#include "foundations/message.h"

#include <cerrno>
#include <cstdint>
#include <sys/socket.h>
#include <system_error>

namespace raftlab::foundations {
namespace {

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;  // a vanished peer is an error, not SIGPIPE
#else
constexpr int kSendFlags = 0;  // macOS: the programs ignore SIGPIPE instead
#endif

/// Writes all `size` bytes, looping over partial writes and signals.
void send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::send(fd, data, size, kSendFlags);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), "send");
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

/// Reads exactly `size` bytes. Returns how many arrived before the peer closed the
/// connection (== size unless it closed early).
std::size_t recv_all(int fd, char* data, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
        ssize_t n = ::recv(fd, data + got, size - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), "recv");
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got;
}

}  // namespace

void send_message(int fd, std::string_view payload) {
    if (payload.size() > max_message_size) throw std::length_error("message too large to send");
    auto size = static_cast<std::uint32_t>(payload.size());
    char header[4] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                      static_cast<char>(size >> 8), static_cast<char>(size)};
    send_all(fd, header, sizeof header);
    send_all(fd, payload.data(), payload.size());
}

std::optional<std::string> recv_message(int fd) {
    unsigned char header[4];
    std::size_t got = recv_all(fd, reinterpret_cast<char*>(header), sizeof header);
    if (got == 0) return std::nullopt;
    if (got < sizeof header) throw MessageError("connection closed inside a message header");
    std::uint32_t size = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                         (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
    if (size > max_message_size)
        throw MessageError("announced message of " + std::to_string(size) + " bytes is too large");
    std::string payload(size, '\0');
    if (recv_all(fd, payload.data(), size) < size)
        throw MessageError("connection closed inside a message payload");
    return payload;
}

}  // namespace raftlab::foundations

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
