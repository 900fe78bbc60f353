// raftlab-bench-proxy (`./raftlab bench proxy`): what the fault proxy costs, measured
// against a direct loopback connection in the same run.
//
//   latency:    1-byte ping-pong round trips to an echo server, direct and through
//               one proxy link (no faults); a round trip crosses the proxy twice, so
//               the added latency per hop is half the added round-trip time.
//   throughput: one client streams bytes to a sink that discards them, direct and
//               through the proxy; ratio = proxied / direct.
// Targets from the issue: <= 50 us added per hop at p50, >= 1 GB/s through the proxy.
#include "raftlab/proxy/fault_proxy.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <cstdio>
#include <thread>

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

/// An echo server and a discarding sink, each on its own thread.
class Servers {
public:
    Servers() : echo_(io_, {asio::ip::address_v4::loopback(), 0}), sink_(io_, {asio::ip::address_v4::loopback(), 0}) {
        asio::co_spawn(io_, serve(echo_, true), asio::detached);
        asio::co_spawn(io_, serve(sink_, false), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Servers() {
        io_.stop();
        thread_.join();
    }
    int echo_port() const { return echo_.local_endpoint().port(); }
    int sink_port() const { return sink_.local_endpoint().port(); }

private:
    asio::awaitable<void> serve(tcp::acceptor& acceptor, bool echo) {
        for (;;) {
            auto [ec, s] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            s.set_option(tcp::no_delay(true));
            asio::co_spawn(io_, session(std::move(s), echo), asio::detached);
        }
    }
    asio::awaitable<void> session(tcp::socket s, bool echo) {
        std::vector<char> buf(256 * 1024);
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            if (echo) co_await asio::async_write(s, asio::buffer(buf.data(), n), asio::as_tuple(asio::use_awaitable));
        }
    }

    asio::io_context io_;
    tcp::acceptor echo_, sink_;
    std::thread thread_;
};

tcp::socket connect(asio::io_context& io, int port) {
    tcp::socket s(io);
    s.connect({asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)});
    s.set_option(tcp::no_delay(true));
    return s;
}

/// Sorted round-trip times in microseconds.
std::vector<double> round_trips(int port, int count) {
    asio::io_context io;
    tcp::socket s = connect(io, port);
    std::vector<double> out;
    char byte = 'x';
    for (int i = 0; i < count + 1000; ++i) {
        auto start = Clock::now();
        asio::write(s, asio::buffer(&byte, 1));
        asio::read(s, asio::buffer(&byte, 1));
        if (i >= 1000) out.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());  // after warm-up
    }
    std::sort(out.begin(), out.end());
    return out;
}

double percentile(const std::vector<double>& sorted, double p) { return sorted[static_cast<std::size_t>(p * (sorted.size() - 1))]; }

/// Bytes per second streaming `total` bytes; the sink's ack is the connection close.
double throughput(int port, std::size_t total) {
    asio::io_context io;
    tcp::socket s = connect(io, port);
    std::vector<char> chunk(1 << 20, 'y');
    auto start = Clock::now();
    for (std::size_t sent = 0; sent < total; sent += chunk.size()) asio::write(s, asio::buffer(chunk));
    s.shutdown(tcp::socket::shutdown_send);
    char byte;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&byte, 1), ec);  // returns when the sink side closes
    return double(total) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const int rtts = 20000;
    const std::size_t bytes = std::size_t(2) << 30;  // 2 GiB per run
    Servers servers;
    raftlab::proxy::FaultProxy proxy;
    int echo_link = proxy.add_link({.name = "bench->echo", .from = "bench", .to = "echo", .target_port = servers.echo_port()});
    int sink_link = proxy.add_link({.name = "bench->sink", .from = "bench", .to = "sink", .target_port = servers.sink_port()});

    auto direct = round_trips(servers.echo_port(), rtts);
    auto proxied = round_trips(echo_link, rtts);
    double add50 = (percentile(proxied, 0.5) - percentile(direct, 0.5)) / 2;
    double add99 = (percentile(proxied, 0.99) - percentile(direct, 0.99)) / 2;
    std::printf("latency (%d round trips of 1 byte)\n", rtts);
    std::printf("  direct   rtt p50 %7.1f us  p99 %7.1f us\n", percentile(direct, 0.5), percentile(direct, 0.99));
    std::printf("  proxied  rtt p50 %7.1f us  p99 %7.1f us\n", percentile(proxied, 0.5), percentile(proxied, 0.99));
    std::printf("  added per hop: p50 %6.1f us  p99 %6.1f us   (target p50 <= 50 us: %s)\n", add50, add99,
                add50 <= 50 ? "met" : "MISSED");

    // The sink does not close by itself: give the stream a bounded size and close.
    double d = throughput(servers.sink_port(), bytes);
    double p = throughput(sink_link, bytes);
    std::printf("throughput (%zu MiB streamed)\n", bytes >> 20);
    std::printf("  direct   %6.2f GB/s\n  proxied  %6.2f GB/s   ratio %.2f   (target >= 1 GB/s: %s)\n", d / 1e9, p / 1e9, p / d,
                p >= 1e9 ? "met" : "MISSED");
    std::printf("machine: %u hardware threads shared by client, proxy and servers\n", std::thread::hardware_concurrency());
    return 0;
}
