// Links (listening ports) and the connections they accept.
#include "raftlab/net/port_owner.h"
#include "proxy_state.h"

#include "raftlab/wire/frame.h"

namespace raftlab::proxy {
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto kConnectTimeout = std::chrono::seconds(3);

std::int64_t wall_time_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// ---- Connection -------------------------------------------------------------

Connection::Connection(Link& l, tcp::socket c, std::uint64_t number)
    : link(l), client(std::move(c)), server(client.get_executor()), number_(number) {}

void Connection::start() {
    asio::co_spawn(client.get_executor(), run(), asio::detached);
}

asio::awaitable<void> Connection::run() {
    auto self = shared_from_this();
    auto keep_link = link.shared_from_this();  // the link outlives its connections
    boost::system::error_code ec;
    auto target = asio::ip::make_address(link.spec.target_host, ec);
    if (ec) {
        close(true);
        co_return;
    }
    asio::steady_timer timeout(client.get_executor(), kConnectTimeout);
    timeout.async_wait([self](auto error) {
        if (!error) self->server.close();
    });
    auto [connect_error] = co_await server.async_connect(
        tcp::endpoint(target, static_cast<unsigned short>(link.spec.target_port)), tuple_awaitable);
    timeout.cancel();
    if (connect_error || closed_) {
        close(true);  // the client sees a reset, as if the target refused it
        co_return;
    }
    client.set_option(tcp::no_delay(true), ec);
    server.set_option(tcp::no_delay(true), ec);
    auto seed = [&](Direction d) { return mix_seed(link.state.seed, link.spec.name, number_, static_cast<int>(d)); };
    forward_ = std::make_unique<Pump>(*this, Direction::forward, client, server, seed(Direction::forward));
    backward_ = std::make_unique<Pump>(*this, Direction::backward, server, client, seed(Direction::backward));
    pumps_running_ = 4;
    auto done = [self](Direction d) { return [self, d](std::exception_ptr) { self->pump_finished(d); }; };
    auto ex = client.get_executor();
    asio::co_spawn(ex, forward_->read_loop(), done(Direction::forward));
    asio::co_spawn(ex, forward_->write_loop(), done(Direction::forward));
    asio::co_spawn(ex, backward_->read_loop(), done(Direction::backward));
    asio::co_spawn(ex, backward_->write_loop(), done(Direction::backward));
}

void Connection::pump_finished(Direction) {
    if (--pumps_running_ == 0) close(false);
}

void Connection::close(bool reset) {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    for (tcp::socket* s : {&client, &server}) {
        if (!s->is_open()) continue;
        if (reset) s->set_option(asio::socket_base::linger(true, 0), ignored);
        s->close(ignored);
    }
    if (forward_) forward_->stop();
    if (backward_) backward_->stop();
}

void Connection::on_heal(Direction d) {
    Pump* pump = d == Direction::forward ? forward_.get() : backward_.get();
    if (pump != nullptr && pump->lost_bytes) close(true);  // the byte stream is corrupt
}

// ---- Link -------------------------------------------------------------------

Link::Link(FaultProxy::State& s, LinkSpec sp) : state(s), spec(std::move(sp)) {}

void Link::listen() {
    auto acceptor = std::make_shared<tcp::acceptor>(state.io);
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(spec.listen_port));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use)
        throw ProxyError("link " + spec.name + ": " + net::port_in_use_message(spec.listen_port) + " (or 0 for any)");
    if (ec)
        throw ProxyError("link " + spec.name + ": cannot listen on 127.0.0.1:" + std::to_string(spec.listen_port) + " (" +
                         ec.message() + "); choose a free port or 0");
    spec.listen_port = acceptor->local_endpoint().port();
    acceptor_ = acceptor;
    asio::co_spawn(state.io, accept_loop(acceptor), asio::detached);
}

void Link::stop_listening() {
    if (!acceptor_) return;
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    acceptor_.reset();
}

asio::awaitable<void> Link::accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
    auto self = shared_from_this();
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(tuple_awaitable);
        if (ec) {
            if (!acceptor->is_open()) co_return;  // stop_listening()
            continue;                             // e.g. too many open files: keep serving
        }
        auto connection = std::make_shared<Connection>(*this, std::move(socket), accepted++);
        connections.remove_if([](const auto& weak) { return weak.expired(); });
        connections.push_back(connection);
        connection->start();
    }
}

void Link::close_connections(bool reset) {
    for (auto& weak : connections)
        if (auto c = weak.lock()) c->close(reset);
    connections.clear();
}

void Link::heal(Direction d) {
    for (auto& weak : connections)
        if (auto c = weak.lock()) c->on_heal(d);
}

LinkStatus Link::status() {
    connections.remove_if([](const auto& weak) { return weak.expired(); });
    LinkStatus s;
    s.spec = spec;
    s.down = down;
    s.cut_forward = cut[0];
    s.cut_backward = cut[1];
    s.forward = faults[0];
    s.backward = faults[1];
    s.connections = connections.size();
    s.accepted = accepted;
    s.bytes_forward = bytes[0];
    s.bytes_backward = bytes[1];
    s.frames_forward = frames[0];
    s.frames_backward = frames[1];
    s.frames_dropped = frames_dropped;
    s.frames_duplicated = frames_duplicated;
    return s;
}

void Link::journal_frame(Direction d, const std::string& payload, std::string_view fate) {
    JournalEntry e;
    e.time_us = wall_time_us();
    e.link = spec.name;
    e.direction = d;
    e.from = d == Direction::forward ? spec.from : spec.to;
    e.to = d == Direction::forward ? spec.to : spec.from;
    e.size = payload.size();
    e.fate = std::string(fate);
    if (fate != "malformed") e.type = wire::peek_type(payload).value_or("");
    if (spec.keep_payloads || fate == "malformed") e.payload = payload;
    state.record(std::move(e));
}

}  // namespace raftlab::proxy
