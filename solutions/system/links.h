// system/links.h: the runtime's connections (lab 10): the link this server opens to
// each peer, and the write side of a client connection. They only move bytes; what
// the bytes mean is system/runtime.cpp's business. Each lives on the runtime's single
// thread, so none of them needs a lock.
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

/// The connection this server opens to send to one peer. Only sends: the peer answers
/// over its own link to us. While disconnected, messages are dropped and the link
/// reconnects with exponential backoff. Each outage is logged once, and the return
/// of the link once it has proved stable (kStableAfter).
class PeerLink {
public:
    PeerLink(asio::io_context& io, const EventLog& log, NodeId peer, const Endpoint& where)
        : socket_(io), retry_(io), log_(log), peer_(peer), where_(where),
          endpoint_(resolve_v4(io, where)) {}

    void start() { connect(); }

    /// Queues one frame; dropped when disconnected or too far behind.
    void send(std::string_view payload) {
        if (!connected_) return;
        if (reported_down_ && stable()) {
            log_("link to n" + std::to_string(peer_) + " at " + to_string(where_) + " up");
            reported_down_ = false;
        }
        if (queued_.size() > kMaxQueuedBytes) {
            if (!dropping_) log_("n" + std::to_string(peer_) + " is not keeping up; dropping messages to it");
            dropping_ = true;
            return;
        }
        dropping_ = false;
        wire::append_frame(queued_, payload);
        write_more();
    }

private:
    void connect() {
        socket_ = tcp::socket(socket_.get_executor());
        socket_.async_connect(endpoint_, [this, generation = generation_](error_code ec) {
            if (generation != generation_) return;
            if (ec) return failed("cannot connect: " + ec.message());
            socket_.set_option(tcp::no_delay(true));
            connected_ = true;
            connected_at_ = std::chrono::steady_clock::now();
            watch();
            write_more();
        });
    }

    /// The peer never writes on this link, so a completed read means it closed or broke.
    void watch() {
        socket_.async_read_some(asio::buffer(scratch_), [this, generation = generation_](error_code ec, std::size_t) {
            if (generation != generation_) return;
            failed(ec ? ec.message() : "n" + std::to_string(peer_) + " sent data on a send-only link");
        });
    }

    void write_more() {
        if (writing_ || !connected_ || queued_.empty()) return;
        writing_ = true;
        in_flight_.swap(queued_);
        queued_.clear();
        asio::async_write(socket_, asio::buffer(in_flight_), [this, generation = generation_](error_code ec, std::size_t) {
            writing_ = false;  // even for an old connection: in_flight_ is free again
            in_flight_.clear();
            if (generation != generation_) return write_more();
            if (ec) return failed(ec.message());
            write_more();
        });
    }

    bool stable() const { return connected_ && std::chrono::steady_clock::now() - connected_at_ >= kStableAfter; }

    void failed(const std::string& why) {
        ++generation_;  // ignore late completions of this connection
        if (stable()) backoff_ = kFirstBackoff;
        if (stable() || !reported_down_)
            log_("link to n" + std::to_string(peer_) + " at " + to_string(where_) + " down: " + why +
                 " (retrying; messages to it are dropped meanwhile)");
        reported_down_ = true;
        connected_ = false;
        queued_.clear();
        error_code ignored;
        socket_.close(ignored);
        retry_.expires_after(backoff_);
        backoff_ = std::min(backoff_ * 2, kMaxBackoff);
        retry_.async_wait([this](error_code ec) {
            if (!ec) connect();
        });
    }

    tcp::socket socket_;
    asio::steady_timer retry_;
    const EventLog& log_;
    NodeId peer_;
    Endpoint where_;
    tcp::endpoint endpoint_;
    std::uint64_t generation_ = 0;
    bool connected_ = false;
    std::chrono::steady_clock::time_point connected_at_;
    bool reported_down_ = false;
    bool writing_ = false;
    bool dropping_ = false;
    std::chrono::milliseconds backoff_ = kFirstBackoff;
    std::string queued_;
    std::string in_flight_;
    char scratch_[1];
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

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
