// web_server.cpp: the demo's HTTP and Server-Sent Events server (contract in
// web_server.h). Requests are answered by respond(), a function from request to
// response that never touches a socket; the sessions around it only move bytes.
#include "web_server.h"

#include "demo.h"
#include "raftlab/net/loopback_http.h"
#include "raftlab/net/port_owner.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <deque>
#include <set>

namespace raftlab::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::size_t kMaxQueuedFrames = 20;  // per page; older frames are dropped first

/// One page listening on /events.
struct EventStream {
    explicit EventStream(asio::any_io_executor ex) : wake(ex) {}
    std::deque<std::string> queue;
    asio::steady_timer wake;
};

Response reply(const Request& req, http::status status, std::string type, std::string body) {
    Response res{status, req.version()};
    res.set(http::field::content_type, type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response respond(const Request& req, Demo& demo, const std::string& page) {
    std::string_view target = req.target();
    // A Host other than this machine's loopback names means a page of another site
    // reached us through DNS rebinding (raftlab/net/loopback_http.h).
    if (!net::loopback_host(req[http::field::host]))
        return reply(req, http::status::forbidden, "text/plain", "open the demo as http://127.0.0.1:<port>/\n");
    if (req.method() == http::verb::get && (target == "/" || target == "/index.html"))
        return reply(req, http::status::ok, "text/html; charset=utf-8", page);
    if (req.method() == http::verb::get && target == "/api/state")
        return reply(req, http::status::ok, "application/json", demo.latest_frame());
    if (req.method() == http::verb::get && target == "/favicon.ico")
        return reply(req, http::status::no_content, "text/plain", "");
    if (req.method() == http::verb::post && target == "/api/action") {
        // Only this page's own requests: a JSON content type cannot be sent across sites
        // without a CORS preflight, which is never answered, so another web page open in
        // the presenter's browser cannot press the buttons.
        if (req[http::field::content_type].find("application/json") == std::string_view::npos)
            return reply(req, http::status::unsupported_media_type, "application/json",
                         R"({"ok":false,"error":"send the action as Content-Type: application/json"})");
        json::error_code ec;
        json::value body = json::parse(req.body(), ec);
        if (ec || !body.is_object())
            return reply(req, http::status::bad_request, "application/json",
                         R"({"ok":false,"error":"the request body must be a JSON object"})");
        try {
            return reply(req, http::status::ok, "application/json", json::serialize(demo.act(body.as_object())));
        } catch (const BadAction& e) {
            return reply(req, http::status::bad_request, "application/json",
                         json::serialize(json::object{{"ok", false}, {"error", e.what()}}));
        }
    }
    return reply(req, http::status::not_found, "text/plain", "not found: " + std::string(target) + "\n");
}

}  // namespace

struct WebServer::Impl : std::enable_shared_from_this<WebServer::Impl> {
    explicit Impl(asio::io_context& io) : io(io), acceptor(io) {}
    asio::io_context& io;
    tcp::acceptor acceptor;
    Demo* demo = nullptr;
    std::string page;
    std::set<std::shared_ptr<EventStream>> streams;

    asio::awaitable<void> stream_events(beast::tcp_stream& stream, const Request& req);
    asio::awaitable<void> session(tcp::socket socket);
    asio::awaitable<void> listen();
};

asio::awaitable<void> WebServer::Impl::stream_events(beast::tcp_stream& stream, const Request& req) {
    auto self = shared_from_this();
    auto events = std::make_shared<EventStream>(stream.get_executor());
    events->queue.push_back(demo->hello());
    if (auto f = demo->latest_frame(); !f.empty()) events->queue.push_back(std::move(f));
    streams.insert(events);
    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-store");
    head.keep_alive(true);
    http::response_serializer<http::empty_body> serializer{head};
    stream.expires_never();
    auto [hec, hn] = co_await http::async_write_header(stream, serializer, tuple_awaitable);
    while (!hec) {
        std::string out;
        if (events->queue.empty()) {
            // Sleep until broadcast() cancels the timer; after 15 quiet seconds send a
            // comment line, so proxies and browsers keep the stream open.
            events->wake.expires_after(std::chrono::seconds(15));
            auto [wec] = co_await events->wake.async_wait(tuple_awaitable);
            if (events->queue.empty()) {
                if (wec == asio::error::operation_aborted) continue;
                out = ": keep-alive\n\n";
            }
        }
        for (; !events->queue.empty(); events->queue.pop_front()) out += "data: " + events->queue.front() + "\n\n";
        auto [ec, n] = co_await asio::async_write(stream.socket(), asio::buffer(out), tuple_awaitable);
        if (ec) break;
    }
    streams.erase(events);
}

asio::awaitable<void> WebServer::Impl::session(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        stream.expires_after(std::chrono::seconds(30));
        Request req;
        auto [ec, n] = co_await http::async_read(stream, buffer, req, tuple_awaitable);
        if (ec) co_return;  // closed, timed out or garbage: nothing to tell anyone
        if (req.method() == http::verb::get && req.target() == "/events") {
            co_await stream_events(stream, req);
            co_return;
        }
        Response res = respond(req, *demo, page);
        bool keep = res.keep_alive();
        auto [wec, w] = co_await http::async_write(stream, res, tuple_awaitable);
        if (wec || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> WebServer::Impl::listen() {
    auto self = shared_from_this();
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
        if (ec) {
            if (!acceptor.is_open()) co_return;
            continue;
        }
        asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
}

WebServer::WebServer(asio::io_context& io, int port) : impl_(std::make_shared<Impl>(io)) {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    boost::system::error_code ec;
    impl_->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) impl_->acceptor.bind(endpoint, ec);
    if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use)
        throw PortError(net::port_in_use_message(port) + ": ./raftlab demo --port " + std::to_string(port == 65535 ? 8011 : port + 1));
    if (ec) throw PortError("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
}

WebServer::~WebServer() {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
}

int WebServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void WebServer::serve(Demo& demo, std::string page) {
    impl_->demo = &demo;
    impl_->page = std::move(page);
    asio::co_spawn(impl_->io, impl_->listen(), asio::detached);
}

void WebServer::broadcast(std::string frame) {
    asio::post(impl_->io, [impl = impl_, frame = std::move(frame)] {
        for (const auto& s : impl->streams) {
            if (s->queue.size() >= kMaxQueuedFrames) s->queue.pop_front();
            s->queue.push_back(frame);
            s->wake.cancel();
        }
    });
}

}  // namespace raftlab::web
