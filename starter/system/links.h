// system/links.h: the runtime's connections (lab 10): the link this server opens to
// each peer, and the write side of a client connection. They only move bytes; what
// the bytes mean is system/runtime.cpp's business. Each lives on the runtime's single
// thread, so none of them needs a lock.
//
// The event log, the resolver and the client session are written for you. The peer
// link is yours (stage 2); its shape is a suggestion: change it freely, nothing
// outside your runtime uses it.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "raftlab/kv/system.h"
#include "raftlab/raft/types.h"
#include "raftlab/todo.h"
#include "raftlab/wire/frame.h"

namespace raftlab::kv {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

/// Messages waiting for one peer beyond this are dropped: Raft resends what matters.
inline constexpr std::size_t kMaxQueuedBytes = 8u << 20;
inline constexpr std::chrono::milliseconds kFirstBackoff{20};
/// Short enough that a restarted server hears the leader before its election timeout.
inline constexpr std::chrono::milliseconds kMaxBackoff{200};
/// A connection counts as up (logged, backoff reset) only after lasting this long, so
/// a link that connects and breaks at once (say, a proxy in front of a dead server)
/// backs off and stays quiet instead of logging twice every 20 ms.
inline constexpr std::chrono::seconds kStableAfter{1};

/// One line per notable event on stdout, which the checks keep for students. Stamped
/// with the wall-clock time (UTC), so the logs of several servers line up.
class EventLog {
public:
    explicit EventLog(NodeId id) : id_(id) {}
    void operator()(const std::string& line) const {
        const auto now = std::chrono::system_clock::now();
        const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        const auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        std::printf("%02d:%02d:%02d.%03d n%d %s\n", utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis), id_,
                    line.c_str());
    }

private:
    NodeId id_;
};

inline std::string to_string(const Endpoint& e) { return e.host + ":" + std::to_string(e.port); }

/// The IPv4 address of `where` (servers listen on 127.0.0.1, so "localhost" must not
/// become ::1). Throws std::runtime_error naming the entry when it does not resolve.
inline tcp::endpoint resolve_v4(asio::io_context& io, const Endpoint& where) {
    tcp::resolver resolver(io);
    error_code ec;
    auto results = resolver.resolve(tcp::v4(), where.host, std::to_string(where.port), ec);
    if (ec || results.empty())
        throw std::runtime_error("--peers entry " + to_string(where) + ": cannot resolve the host (" +
                                 (ec ? ec.message() : std::string("no IPv4 address")) + ")");
    return *results.begin();
}

// ---- outbound link to one peer --------------------------------------------------------

/// The connection this server opens to send to one peer (stage 2). Only sends: the
/// peer answers over its own link to us.
///   * start(): connect to `endpoint_`. When the connection fails or breaks, log it
///     once, wait (a short backoff: kFirstBackoff doubling up to kMaxBackoff, so a
///     restarted peer hears its leader before its election timeout), and connect again.
///   * send(): queue one frame (wire::append_frame) and write it when possible. While
///     disconnected, drop it: Raft resends whatever matters. Bound the queue
///     (kMaxQueuedBytes); a stalled peer must not eat the server's memory.
///   * Only one async_write in flight per socket; frames sent meanwhile wait in the
///     queue and go out together in the next write.
///   * The peer never writes on this link: a read completing on it means the peer
///     closed it (or misbehaved), so treat it as broken.
///   * Completions of an old connection can arrive after a new one started: count
///     connections (a generation number) and ignore stale completions.
class PeerLink {
public:
    PeerLink(asio::io_context& io, const EventLog& log, NodeId peer, const Endpoint& where)
        : socket_(io), retry_(io), log_(log), peer_(peer), where_(where),
          endpoint_(resolve_v4(io, where)) {}

    void start() { todo("PeerLink::start"); }

    /// Queues one frame; dropped when disconnected or too far behind.
    void send(std::string_view payload) {
        (void)payload;
        todo("PeerLink::send");
    }

private:
    tcp::socket socket_;
    asio::steady_timer retry_;
    const EventLog& log_;
    NodeId peer_;
    Endpoint where_;
    tcp::endpoint endpoint_;
};

// ---- one client connection ---------------------------------------------------------------

/// A client connection's write side. Replies can be ready out of order (a status is
/// answered at once, a put only when committed), but the protocol answers in request
/// order, so each request takes a numbered slot when it arrives and a reply is written
/// only once every earlier slot has been.
class ClientSession : public std::enable_shared_from_this<ClientSession> {
public:
    explicit ClientSession(tcp::socket socket) : socket_(std::move(socket)) {}

    tcp::socket& socket() { return socket_; }

    std::uint64_t open_slot() { return next_slot_++; }

    void fill(std::uint64_t slot, std::string payload) {
        ready_.emplace(slot, std::move(payload));
        for (auto it = ready_.begin(); it != ready_.end() && it->first == first_unsent_; it = ready_.erase(it)) {
            wire::append_frame(queued_, it->second);
            ++first_unsent_;
        }
        write_more();
    }

private:
    void write_more() {
        if (writing_ || queued_.empty() || !socket_.is_open()) return;
        writing_ = true;
        in_flight_.swap(queued_);
        queued_.clear();
        asio::async_write(socket_, asio::buffer(in_flight_), [self = shared_from_this()](error_code ec, std::size_t) {
            self->writing_ = false;
            if (ec) {
                error_code ignored;
                self->socket_.close(ignored);  // the reader sees it and ends the session
                return;
            }
            self->write_more();
        });
    }

    tcp::socket socket_;
    std::uint64_t next_slot_ = 0;
    std::uint64_t first_unsent_ = 0;
    std::map<std::uint64_t, std::string> ready_;
    std::string queued_;
    std::string in_flight_;
    bool writing_ = false;
};

}  // namespace raftlab::kv
