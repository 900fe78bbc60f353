// Internals of the fault proxy. Everything here lives on the proxy's single I/O
// thread (one implicit strand), so nothing needs a lock; the public FaultProxy
// posts its calls to that thread.
//
//   State       links, cuts, journal; the functions every control path calls
//   Link        one listening port: its faults, its open connections
//   Connection  one accepted TCP connection and its upstream socket
//   Pump        one direction of a connection: read, apply faults, schedule, write
#pragma once

#include "raftlab/proxy/fault_proxy.h"
#include "raftlab/wire/frame.h"
#include "zero_copy.h"

#include <boost/asio.hpp>

#include <deque>
#include <list>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <thread>

namespace raftlab::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class Link;
class Connection;

/// One direction of one connection.
class Pump {
public:
    Pump(Connection& connection, Direction direction, tcp::socket& source, tcp::socket& sink, std::uint64_t seed);

    asio::awaitable<void> read_loop();
    asio::awaitable<void> write_loop();
    void stop();  ///< wakes the writer so it can finish

    bool lost_bytes = false;  ///< raw bytes were swallowed by a cut: reset on heal

private:
    struct Chunk {
        Clock::time_point due;
        std::uint64_t order;
        std::string bytes;
        bool operator>(const Chunk& o) const { return due != o.due ? due > o.due : order > o.order; }
    };

    bool fast_path() const;
    /// One zero-copy move: 1 moved, 0 nothing (use the copying path), -1 stream over.
    asio::awaitable<int> splice_once();
    void handle_bytes(const char* data, std::size_t n);
    void handle_frames(const char* data, std::size_t n);
    void enqueue(std::string bytes, Clock::time_point due, bool keeps_order);
    Clock::time_point byte_due();
    asio::awaitable<bool> write_chunk(const std::string& bytes);
    asio::awaitable<void> sleep_until(Clock::time_point t);
    const DirectionFaults& faults() const;
    bool cut() const;

    Connection& connection_;
    Direction direction_;
    tcp::socket& source_;
    tcp::socket& sink_;
    std::mt19937_64 rng_;
    SplicePipe pipe_;
    wire::FrameDecoder decoder_;
    std::priority_queue<Chunk, std::vector<Chunk>, std::greater<>> queue_;
    std::size_t queued_bytes_ = 0;
    std::uint64_t order_ = 0;
    Clock::time_point last_due_{};
    Clock::time_point bandwidth_free_{};
    bool writing_ = false;
    bool source_done_ = false;
    bool stopped_ = false;
    asio::steady_timer wake_writer_;
    asio::steady_timer wake_reader_;
    asio::steady_timer pace_;
};

/// One accepted connection and its upstream.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Link& link, tcp::socket client, std::uint64_t number);
    void start();
    /// Closes both sockets; reset = true sends TCP RST instead of FIN.
    void close(bool reset);
    void on_heal(Direction direction);
    void pump_finished(Direction direction);

    Link& link;
    tcp::socket client;
    tcp::socket server;

private:
    asio::awaitable<void> run();

    std::uint64_t number_;
    std::unique_ptr<Pump> forward_, backward_;
    int pumps_running_ = 0;
    bool closed_ = false;
};

/// One listening port.
class Link : public std::enable_shared_from_this<Link> {
public:
    Link(FaultProxy::State& state, LinkSpec spec);
    void listen();       ///< binds (spec.listen_port, or a free one); throws ProxyError
    void stop_listening();
    void close_connections(bool reset);
    void heal(Direction direction);
    LinkStatus status();
    void journal_frame(Direction d, const std::string& payload, std::string_view fate);

    FaultProxy::State& state;
    LinkSpec spec;
    DirectionFaults faults[2];
    bool cut[2] = {false, false};
    bool down = false;
    std::uint64_t accepted = 0;
    std::uint64_t bytes[2] = {0, 0};
    std::uint64_t frames[2] = {0, 0};
    std::uint64_t frames_dropped = 0, frames_duplicated = 0;
    std::list<std::weak_ptr<Connection>> connections;

private:
    asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor);
    std::shared_ptr<tcp::acceptor> acceptor_;
};

struct FaultProxy::State {
    State(std::uint64_t seed, std::size_t journal_capacity);

    /// Runs f on the I/O thread and returns its result, within a bounded time.
    template <class F>
    auto call(F f) -> decltype(f());

    // Operations; I/O thread only.
    int add_link(LinkSpec spec);
    void remove_link(const std::string& name);
    Link& link(const std::string& name);
    void set_faults(const std::string& name, std::optional<Direction> d, const DirectionFaults& f);
    void clear_faults();
    void set_down(const std::string& name, bool down);
    void add_cut(const std::string& from, const std::string& to);
    /// Cuts both ways between nodes of different groups; a node in two groups is an error.
    void partition(const std::vector<std::vector<std::string>>& groups);
    void heal();
    void heal_all();  ///< heal + clear faults + every link up
    void apply_cuts();
    std::vector<LinkStatus> statuses();
    std::vector<JournalEntry> journal_since(std::uint64_t since, std::size_t limit) const;
    void record(JournalEntry entry);

    asio::io_context io;
    std::uint64_t seed;
    std::size_t journal_capacity;
    std::map<std::string, std::shared_ptr<Link>> links;
    std::set<std::pair<std::string, std::string>> cuts;  ///< (from, to): traffic from -> to is cut
    std::deque<JournalEntry> journal;
    std::uint64_t journal_seq = 0;
    std::function<void(const JournalEntry&)> listener;
    std::shared_ptr<tcp::acceptor> control;
    std::thread thread;  ///< last: started after everything else exists
};

/// Mixes values into a seed (FNV-1a), so per-link generators are reproducible.
std::uint64_t mix_seed(std::uint64_t seed, std::string_view text, std::uint64_t a, std::uint64_t b);

/// Serves the HTTP control API (control_http.cpp).
int start_control_server(FaultProxy::State& state, int port);

}  // namespace raftlab::proxy
