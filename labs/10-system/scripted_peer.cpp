// scripted_peer.cpp: a lone real server with check-played peers (see scripted_peer.h).
#include "scripted_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "lab10.h"
#include "raftlab/check/check.h"
#include "raftlab/net/socket.h"
#include "raftlab/kv/client.h"
#include "raftlab/kv/power_loss.h"
#include "raftlab/wire/frame.h"

namespace raftlab::lab10 {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using net::loopback;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

}  // namespace

struct PeerListener::Connection {
    int fd = -1;
    wire::FrameDecoder decoder;
    bool open = true;
    ~Connection() {
        if (fd >= 0) ::close(fd);
    }
};

PeerListener::PeerListener() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) fail("socket");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = loopback(0);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind 127.0.0.1:0");
    if (::listen(listen_fd_, 16) != 0) fail("listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
}

PeerListener::~PeerListener() {
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::optional<kv::PeerMessage> PeerListener::next(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        // Whole frames already buffered first.
        for (auto& c : connections_) {
            for (;;) {
                auto r = c->decoder.next();
                if (r.status != wire::FrameDecoder::Status::frame) break;
                auto decoded = kv::decode_peer(r.payload);
                if (decoded) return std::move(*decoded.value);
            }
        }
        std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
        for (auto& c : connections_) fds.push_back({c->open ? c->fd : -1, POLLIN, 0});
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return std::nullopt;
        int n = ::poll(fds.data(), fds.size(), static_cast<int>(left));
        if (n < 0 && errno != EINTR) return std::nullopt;
        if (n <= 0) continue;
        if (fds[0].revents & POLLIN) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) {
                auto c = std::make_unique<Connection>();
                c->fd = fd;
                connections_.push_back(std::move(c));
            }
        }
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            auto& c = connections_[i - 1];
            char buffer[16384];
            ssize_t got = ::recv(c->fd, buffer, sizeof buffer, 0);
            if (got > 0)
                c->decoder.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
            else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                c->open = false;
        }
    }
}

ScriptedServer::ScriptedServer() {
    std::string pattern = (fs::temp_directory_path() / "raftlab-lab10-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) fail("mkdtemp " + pattern);
    work_ = pattern;
    data_ = work_ / "data" / "n0";
    journal_ = work_ / "sync" / "n0.journal";
    log_ = work_ / "logs" / "n0.log";
    fs::create_directories(data_);
    fs::create_directories(journal_.parent_path());
    for (auto& p : peers_) p = std::make_unique<PeerListener>();
    peer_port_ = proc::pick_free_port();
    client_port_ = proc::pick_free_port();
    while (client_port_ == peer_port_) client_port_ = proc::pick_free_port();

    proc::NodeSpec node;
    node.id = "n0";
    node.ports = {{"peer", peer_port_}, {"client", client_port_}};
    node.ready_port = "client";
    node.data_dir = data_;
    node.binary = ::raftlab::check::built_file(LAB10_SERVER);
    auto address = [](int port) { return "127.0.0.1:" + std::to_string(port); };
    node.args = {"--id", "0", "--peers",
                 address(peer_port_) + "," + address(peers_[0]->port()) + "," + address(peers_[1]->port()),
                 "--peer-port", std::to_string(peer_port_), "--client-port", std::to_string(client_port_), "--data",
                 data_.string(), "--heartbeat-ms", "50",
                 // Ten minutes: the server never starts an election by itself.
                 "--election-min-ms", "600000", "--election-max-ms", "1200000"};
    node.env = {{"LD_PRELOAD", ::raftlab::check::built_file(LAB10_SYNC_SHIM)},
                {kv::kSyncDirEnv, data_.string()},
                {kv::kSyncJournalEnv, journal_.string()},
                {kv::kSyncDelayEnv, std::to_string(kSlowDiskMs)}};
    proc::ClusterConfig config;
    config.nodes.push_back(node);
    config.log_dir = work_ / "logs";
    config.ready_timeout = std::chrono::milliseconds(15000);
    config.source = "lab 10 scripted-peer check";
    supervisor_ = std::make_unique<proc::Supervisor>(config);
}

ScriptedServer::~ScriptedServer() {
    for (int fd : sent_) ::close(fd);
    supervisor_.reset();  // kills the server
    std::error_code ec;
    fs::remove_all(work_, ec);
}

void ScriptedServer::start() {
    for (int fd : sent_) ::close(fd);
    sent_.clear();
    supervisor_->start("n0");
}

std::vector<std::string> ScriptedServer::power_loss() {
    supervisor_->kill("n0");
    return kv::discard_unsynced(data_, journal_).lines;
}

void ScriptedServer::send(NodeId from, const Message& message) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    sockaddr_in addr = loopback(peer_port_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw Problem("could not connect to the server's peer port " + std::to_string(peer_port_) + ": " +
                      std::strerror(errno) + " (is it listening once its client port accepts?)");
    }
    sent_.push_back(fd);
    std::string frame = wire::encode_frame(kv::encode_peer(from, message));
    std::size_t done = 0;
    while (done < frame.size()) {
        ssize_t n = ::send(fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Problem(std::string("sending to the server's peer port failed: ") + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

std::optional<kv::PeerMessage> ScriptedServer::receive(NodeId to, std::chrono::milliseconds timeout) {
    return peers_[to == 1 ? 0 : 1]->next(timeout);
}

std::optional<kv::StatusReply> ScriptedServer::status() {
    return kv::query_status(kv::Endpoint{"127.0.0.1", client_port_}, std::chrono::milliseconds(1000));
}

}  // namespace raftlab::lab10
