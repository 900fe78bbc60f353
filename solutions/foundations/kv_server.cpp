// foundations/kv_server.cpp: the lab 1 key/value server (reference solution).
//
//   kv_server --port N
//
// Listens on 127.0.0.1:N and serves any number of clients at once, one thread per
// connection. Each connection is a loop: receive a request message, let the store
// answer it, send the reply. A client that misbehaves (closes mid-message, sends a
// huge length) loses its own connection and nothing else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <system_error>
#include <thread>

#include "foundations/kv_store.h"
#include "foundations/message.h"
#include "foundations/options.h"

namespace raftlab::foundations {
namespace {

int listen_on(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        throw std::system_error(errno, std::generic_category(),
                                "bind 127.0.0.1:" + std::to_string(port));
    if (::listen(fd, 128) < 0) throw std::system_error(errno, std::generic_category(), "listen");
    return fd;
}

/// Serves one client until it leaves; owns and closes `fd`.
void serve_client(int fd, KvStore& store) {
    try {
        while (auto request = recv_message(fd)) send_message(fd, store.handle(*request));
    } catch (const std::exception& e) {
        std::cerr << "kv_server: dropping a client: " << e.what() << "\n";
    }
    ::close(fd);
}

int run(int argc, char** argv) {
    int port = int_flag(argc, argv, "--port", -1);
    if (port < 0 || port > 65535) throw std::invalid_argument("usage: kv_server --port N");
    std::signal(SIGPIPE, SIG_IGN);  // a vanished client must not kill the server
    int listener = listen_on(port);
    std::cerr << "kv_server: listening on 127.0.0.1:" << port << "\n";
    KvStore store;
    for (;;) {
        int client = ::accept(listener, nullptr, nullptr);
        if (client < 0 && errno == EINTR) continue;
        if (client < 0) throw std::system_error(errno, std::generic_category(), "accept");
        std::thread(serve_client, client, std::ref(store)).detach();
    }
}

}  // namespace
}  // namespace raftlab::foundations

int main(int argc, char** argv) {
    try {
        return raftlab::foundations::run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "kv_server: " << e.what() << "\n";
        return 1;
    }
}

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
