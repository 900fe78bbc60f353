// etcd_baseline.cpp: etcd members and their JSON-gateway put client (see etcd_baseline.h).
#include "etcd_baseline.h"

#include "cluster_state.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace raftlab::tools {
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using std::chrono::milliseconds;

std::optional<fs::path> find_etcd() {
    if (const char* chosen = std::getenv("RAFTLAB_ETCD"); chosen && *chosen)
        return fs::exists(chosen) ? std::optional<fs::path>(chosen) : std::nullopt;
    if (fs::exists("/usr/bin/etcd")) return fs::path("/usr/bin/etcd");
    if (const char* path = std::getenv("PATH")) {
        std::stringstream dirs(path);
        for (std::string dir; std::getline(dirs, dir, ':');)
            if (!dir.empty() && fs::exists(fs::path(dir) / "etcd")) return fs::path(dir) / "etcd";
    }
    return std::nullopt;
}

std::string etcd_version(const fs::path& etcd) {
    ProgramResult r = run_program({etcd.string(), "--version"});
    // "etcd Version: 3.4.23\nGit SHA: ..."
    auto at = r.out.find("Version: ");
    if (r.exit_code != 0 || at == std::string::npos) return "unknown";
    auto start = at + 9;
    return r.out.substr(start, r.out.find('\n', start) - start);
}

std::string base64(const std::string& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
        for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned v = (unsigned char)bytes[i] << 16;
        out += {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], '=', '='};
    } else if (i + 2 == bytes.size()) {
        unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
        out += {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], alphabet[v >> 6 & 63], '='};
    }
    return out;
}

namespace {

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

/// One blocking HTTP/1.1 exchange on an open stream.
http::response<http::string_body> exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           http::request<http::string_body>& request, beast::error_code& ec) {
    http::response<http::string_body> response;
    stream.expires_after(std::chrono::seconds(10));
    http::write(stream, request, ec);
    if (!ec) http::read(stream, buffer, response, ec);
    return response;
}

/// GET /health on a fresh connection: true when the member answers {"health":"true"}.
bool healthy(int port) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(2));
    stream.connect({asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)}, ec);
    if (ec) return false;
    http::request<http::string_body> request(http::verb::get, "/health", 11);
    request.set(http::field::host, "127.0.0.1");
    beast::flat_buffer buffer;
    auto response = exchange(stream, buffer, request, ec);
    return !ec && response.result() == http::status::ok && response.body().find("\"true\"") != std::string::npos;
}

class EtcdPutClient final : public PutClient {
public:
    explicit EtcdPutClient(int port) : port_(port), stream_(io_) {}

    bool put(const std::string& key, const std::string& value, std::string& error) override {
        beast::error_code ec;
        if (!connected_) {
            stream_.expires_after(std::chrono::seconds(5));
            stream_.connect({asio::ip::address_v4::loopback(), static_cast<unsigned short>(port_)}, ec);
            if (ec) return fail("connect to " + url(port_) + ": " + ec.message(), error);
            stream_.socket().set_option(asio::ip::tcp::no_delay(true));
            connected_ = true;
        }
        http::request<http::string_body> request(http::verb::post, "/v3/kv/put", 11);
        request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
        request.set(http::field::content_type, "application/json");
        request.keep_alive(true);
        request.body() = "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}";
        request.prepare_payload();
        auto response = exchange(stream_, buffer_, request, ec);
        if (ec) return fail("POST /v3/kv/put to " + url(port_) + ": " + ec.message(), error);
        if (!response.keep_alive()) close();
        if (response.result() != http::status::ok)
            return fail("etcd answered " + std::to_string(response.result_int()) + ": " + response.body().substr(0, 200), error);
        return true;
    }

private:
    bool fail(std::string why, std::string& error) {
        error = std::move(why);
        close();
        return false;
    }
    void close() {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        buffer_.clear();
        connected_ = false;
    }

    int port_;
    asio::io_context io_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    bool connected_ = false;
};

}  // namespace

EtcdCluster::EtcdCluster(const fs::path& etcd, int members, const fs::path& work_dir) {
    proc::ClusterConfig config;
    config.source = "etcd baseline";
    config.log_dir = work_dir / "logs";
    config.ready_timeout = std::chrono::seconds(20);
    std::vector<int> peer_ports;
    std::string initial_cluster;
    for (int i = 0; i < members; ++i) {
        peer_ports.push_back(proc::pick_free_port());
        client_ports_.push_back(proc::pick_free_port());
        initial_cluster += (i ? "," : "") + ("e" + std::to_string(i)) + "=" + url(peer_ports.back());
    }
    for (int i = 0; i < members; ++i) {
        proc::NodeSpec node;
        node.id = "e" + std::to_string(i);
        node.ports = {{"peer", peer_ports[static_cast<std::size_t>(i)]}, {"client", client_ports_[static_cast<std::size_t>(i)]}};
        node.ready_port = "client";
        node.data_dir = work_dir / node.id;
        node.binary = etcd;
        node.args = {"--name", "{id}", "--data-dir", "{data_dir}",
                     "--listen-peer-urls", "http://127.0.0.1:{port:peer}",
                     "--initial-advertise-peer-urls", "http://127.0.0.1:{port:peer}",
                     "--listen-client-urls", "http://127.0.0.1:{port:client}",
                     "--advertise-client-urls", "http://127.0.0.1:{port:client}",
                     "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
                     "--initial-cluster-token", "raftlab-bench-" + std::to_string(::getpid()),
                     "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"};
        config.nodes.push_back(std::move(node));
    }
    supervisor_ = std::make_unique<proc::Supervisor>(std::move(config));
    try {
        supervisor_->start_all();
    } catch (const proc::ProcessError& e) {
        throw std::runtime_error(std::string("etcd did not start: ") + e.what());
    }
    wait_healthy(std::chrono::seconds(30));
}

EtcdCluster::~EtcdCluster() = default;  // the supervisor kills every member

void EtcdCluster::wait_healthy(milliseconds bound) {
    auto until = std::chrono::steady_clock::now() + bound;
    for (std::size_t i = 0; i < client_ports_.size(); ++i) {
        while (!healthy(client_ports_[i])) {
            if (std::chrono::steady_clock::now() >= until) {
                std::string id = "e" + std::to_string(i), tail;
                for (const auto& line : proc::tail_lines(supervisor_->log_path(id), 5)) tail += "\n  " + line;
                throw std::runtime_error("etcd member " + id + " is not healthy after " + std::to_string(bound.count() / 1000) +
                                         " s; last lines of " + supervisor_->log_path(id).string() + ":" + tail);
            }
            std::this_thread::sleep_for(milliseconds(100));
        }
    }
}

std::unique_ptr<PutClient> etcd_put_client(int port) { return std::make_unique<EtcdPutClient>(port); }

}  // namespace raftlab::tools
