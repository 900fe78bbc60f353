// A tiny TCP echo server on 127.0.0.1, started as a real process by the harness's
// own tests. Usage:
//   raftlab-test-echo-server --port N [--data DIR] [--exit-after-ms MS]
//                            [--exit-code C] [--fork-helper] [--max-seconds S]
// --data DIR: appends one line to DIR/starts on every start (restart tests).
// --fork-helper: forks a child that just sleeps (process-group kill tests).
// Always exits by itself after --max-seconds (default 120) so nothing can linger.
#include <boost/asio.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> echo(tcp::socket socket) {
    char data[16384];
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        auto [wec, w] = co_await asio::async_write(socket, asio::buffer(data, n), asio::as_tuple(asio::use_awaitable));
        if (wec) co_return;
    }
}

asio::awaitable<void> listen(tcp::acceptor acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0, exit_after_ms = -1, exit_code = 0, max_seconds = 120;
    bool fork_helper = false;
    std::string data_dir;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--port") port = std::atoi(next().c_str());
        else if (a == "--data") data_dir = next();
        else if (a == "--exit-after-ms") exit_after_ms = std::atoi(next().c_str());
        else if (a == "--exit-code") exit_code = std::atoi(next().c_str());
        else if (a == "--max-seconds") max_seconds = std::atoi(next().c_str());
        else if (a == "--fork-helper") fork_helper = true;
        else {
            std::cerr << "echo-server: unknown argument " << a << "\n";
            return 2;
        }
    }
    if (!data_dir.empty()) std::ofstream(data_dir + "/starts", std::ios::app) << ::getpid() << "\n";
    if (fork_helper) {
        pid_t helper = ::fork();
        if (helper == 0) {
            // Like a well-behaved helper, leave when the server is gone.
            pid_t server = ::getppid();
            for (int i = 0; i < max_seconds * 10 && ::getppid() == server; ++i) ::usleep(100000);
            ::_exit(0);
        }
        std::cout << "helper " << helper << std::endl;
    }
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)));
    std::cout << "echo server " << ::getpid() << " listening on " << acceptor.local_endpoint().port() << std::endl;
    asio::co_spawn(io, listen(std::move(acceptor)), asio::detached);
    asio::steady_timer stop(io, std::chrono::seconds(max_seconds));
    stop.async_wait([&](auto) { io.stop(); });
    asio::steady_timer quit(io);
    if (exit_after_ms >= 0) {
        quit.expires_after(std::chrono::milliseconds(exit_after_ms));
        quit.async_wait([&](auto) {
            std::cout << "echo server exiting with code " << exit_code << " as asked" << std::endl;
            std::exit(exit_code);
        });
    }
    io.run();
    return 0;
}
