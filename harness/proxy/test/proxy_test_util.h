// Helpers for the proxy tests: an in-process echo server and a blocking client
// with timeouts (so a broken proxy fails a test instead of hanging it).
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace raftlab::proxy::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

/// Echoes every byte back, on 127.0.0.1:port(), on its own thread.
class EchoServer {
public:
    EchoServer();
    ~EchoServer();
    int port() const { return port_; }
    /// Total bytes received so far (all connections).
    std::size_t received() const { return received_.load(); }

private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> echo(tcp::socket socket);

    asio::io_context io_;
    tcp::acceptor acceptor_;
    int port_ = 0;
    std::atomic<std::size_t> received_{0};
    std::thread thread_;
};

/// A blocking TCP client whose every wait is bounded.
class Client {
public:
    /// Connects to 127.0.0.1:port; connected() tells whether it worked.
    explicit Client(int port);
    bool connected() const { return connected_; }
    bool send(const std::string& bytes);
    /// Exactly n bytes, or nullopt on timeout, end of stream or error.
    std::optional<std::string> receive(std::size_t n, std::chrono::milliseconds timeout = 5000ms);
    /// Whatever arrives first (one read), or nullopt on timeout / error.
    std::optional<std::string> receive_some(std::chrono::milliseconds timeout);
    /// True if the connection ends (EOF or reset) within the timeout.
    bool closed_within(std::chrono::milliseconds timeout);
    /// Number of separate reads it took to receive n bytes (slicing tests).
    int reads_for(std::size_t n, std::chrono::milliseconds timeout);

private:
    asio::io_context io_;
    tcp::socket socket_;
    bool connected_ = false;
    bool failed_ = false;
};

/// Wall time of f() in milliseconds.
template <class F>
double time_ms(F&& f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace raftlab::proxy::test
