// Helpers for the proxy tests (see proxy_test_util.h).
#include "proxy_test_util.h"

namespace raftlab::proxy::test {

EchoServer::EchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

EchoServer::~EchoServer() {
    io_.stop();
    thread_.join();
}

asio::awaitable<void> EchoServer::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        asio::co_spawn(io_, echo(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> EchoServer::echo(tcp::socket socket) {
    char data[65536];
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        received_ += n;
        auto [wec, w] = co_await asio::async_write(socket, asio::buffer(data, n), asio::as_tuple(asio::use_awaitable));
        if (wec) co_return;
    }
}

Client::Client(int port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)), ec);
    connected_ = !ec;
    if (connected_) socket_.set_option(tcp::no_delay(true), ec);
}

bool Client::send(const std::string& bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
}

std::optional<std::string> Client::receive(std::size_t n, std::chrono::milliseconds timeout) {
    std::string out(n, '\0');
    bool done = false, ok = false;
    asio::async_read(socket_, asio::buffer(out), [&](auto ec, std::size_t) { done = true, ok = !ec; });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
        socket_.cancel();
        io_.restart();
        io_.run();
        failed_ = true;
        return std::nullopt;
    }
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<std::string> Client::receive_some(std::chrono::milliseconds timeout) {
    char data[65536];
    bool done = false, ok = false;
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(data), [&](auto ec, std::size_t n) { done = true, ok = !ec, got = n; });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
        socket_.cancel();
        io_.restart();
        io_.run();
        return std::nullopt;
    }
    return ok ? std::optional(std::string(data, got)) : std::nullopt;
}

bool Client::closed_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char data[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        bool done = false;
        boost::system::error_code error;
        socket_.async_read_some(asio::buffer(data), [&](auto ec, std::size_t) { done = true, error = ec; });
        io_.restart();
        io_.run_until(deadline);
        if (!done) {
            socket_.cancel();
            io_.restart();
            io_.run();
            return false;
        }
        if (error) return true;  // EOF or reset
    }
    return false;
}

int Client::reads_for(std::size_t n, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t total = 0;
    int reads = 0;
    while (total < n && std::chrono::steady_clock::now() < deadline) {
        auto part = receive_some(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
        if (!part) return -1;
        total += part->size();
        ++reads;
    }
    return total >= n ? reads : -1;
}

}  // namespace raftlab::proxy::test
