// The proxy's HTTP/JSON control endpoint (Boost.Beast), loopback only.
//
// Every request is handled on the proxy's I/O thread by handle(), a function from
// request to response that never touches a socket; the session only moves bytes.
// A session that sends nothing for 10 s is closed, and no handler waits on
// anything, so every call answers within a bounded time.
#include "raftlab/net/loopback_http.h"
#include "raftlab/net/port_owner.h"
#include "proxy_state.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace raftlab::proxy {
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

/// A request the client got wrong: answered with 400 and the message.
struct BadRequest : std::runtime_error {
    using std::runtime_error::runtime_error;
};

json::object body_object(const Request& req) {
    if (req.body().empty()) return {};
    json::error_code ec;
    json::value v = json::parse(req.body(), ec);
    if (ec || !v.is_object()) throw BadRequest("the request body must be a JSON object");
    return v.as_object();
}

std::vector<std::string> string_list(const json::value& v, const char* field) {
    if (!v.is_array()) throw BadRequest(std::string(field) + " must be a list of node names");
    std::vector<std::string> out;
    for (const auto& e : v.as_array()) {
        if (!e.is_string()) throw BadRequest(std::string(field) + " must contain strings");
        out.emplace_back(e.as_string());
    }
    return out;
}

std::int64_t int_field(const json::object& o, const char* field, std::int64_t fallback) {
    auto* v = o.if_contains(field);
    if (v == nullptr) return fallback;
    if (!v->is_int64()) throw BadRequest(std::string(field) + " must be an integer");
    return v->as_int64();
}

LinkSpec link_from_json(const json::object& o) {
    LinkSpec s;
    auto str = [&](const char* f, std::string fallback) {
        auto* v = o.if_contains(f);
        if (v == nullptr) return fallback;
        if (!v->is_string()) throw BadRequest(std::string(f) + " must be a string");
        return std::string(v->as_string());
    };
    s.name = str("name", "");
    s.from = str("from", "");
    s.to = str("to", "");
    s.target_host = str("target_host", "127.0.0.1");
    s.listen_port = static_cast<int>(int_field(o, "listen_port", 0));
    s.target_port = static_cast<int>(int_field(o, "target_port", 0));
    if (auto* v = o.if_contains("framed")) s.framed = v->is_bool() && v->as_bool();
    if (auto* v = o.if_contains("keep_payloads")) s.keep_payloads = v->is_bool() && v->as_bool();
    return s;
}

std::map<std::string, std::string> query_of(std::string_view target) {
    std::map<std::string, std::string> q;
    auto mark = target.find('?');
    if (mark == std::string_view::npos) return q;
    std::string_view rest = target.substr(mark + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos) q[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
    return q;
}

/// Calls on one link: /links/NAME[/ACTION].
json::value route_link(FaultProxy::State& s, http::verb verb, const std::string& rest, const Request& req) {
    json::object ok{{"ok", true}};
    auto slash = rest.find('/');
    std::string name = rest.substr(0, slash), action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (action.empty() && verb == http::verb::delete_) return s.remove_link(name), ok;
    if (action == "reset") return s.link(name).close_connections(true), ok;
    if (action == "down") return s.set_down(name, true), ok;
    if (action == "up") return s.set_down(name, false), ok;
    if (action != "faults") throw BadRequest("no such link call: " + action + "; use faults, reset, down or up");
    auto body = body_object(req);
    std::optional<Direction> d;
    if (auto* dir = body.if_contains("direction")) {
        std::string text = dir->is_string() ? std::string(dir->as_string()) : "";
        if (text == "forward") d = Direction::forward;
        else if (text == "backward") d = Direction::backward;
        else if (text != "both") throw BadRequest("direction must be forward, backward or both");
        body.erase("direction");
    }
    return s.set_faults(name, d, faults_from_json(body)), ok;
}

/// Routes one request. Returns the JSON answer; throws BadRequest, ProxyError or
/// FaultError for the caller's mistakes.
json::value route(FaultProxy::State& s, http::verb verb, const std::string& path, const Request& req) {
    auto q = query_of(req.target());
    json::object ok{{"ok", true}};
    if (path == "/links" && verb == http::verb::get) {
        json::array a;
        for (const auto& st : s.statuses()) a.push_back(to_json(st));
        return json::object{{"links", a}};
    }
    if (path == "/links" && verb == http::verb::post) return json::object{{"listen_port", s.add_link(link_from_json(body_object(req)))}};
    if (path == "/journal" && verb == http::verb::get) {
        json::array a;
        auto since = q.count("since") ? std::stoull(q["since"]) : 0;
        auto limit = q.count("limit") ? std::stoull(q["limit"]) : 1000;
        for (const auto& e : s.journal_since(since, limit)) a.push_back(to_json(e));
        return json::object{{"entries", a}, {"last_seq", s.journal_seq}};
    }
    if (verb != http::verb::post && verb != http::verb::delete_) throw BadRequest("use GET or POST");
    if (path == "/heal") return s.heal(), ok;
    if (path == "/clear-faults") return s.clear_faults(), ok;
    if (path == "/heal-all") return s.heal_all(), ok;
    if (path == "/partition") {
        auto body = body_object(req);
        auto* groups = body.if_contains("groups");
        if (groups == nullptr || !groups->is_array()) throw BadRequest("body must be {\"groups\": [[\"n1\"], [\"n2\",\"n3\"]]}");
        std::vector<std::vector<std::string>> lists;
        for (const auto& g : groups->as_array()) lists.push_back(string_list(g, "groups"));
        return s.partition(lists), ok;
    }
    if (path == "/cut") {
        auto body = body_object(req);
        if (!body.contains("from") || !body.contains("to")) throw BadRequest("body must be {\"from\": [...], \"to\": [...]}");
        for (const auto& a : string_list(body["from"], "from"))
            for (const auto& b : string_list(body["to"], "to")) s.add_cut(a, b);
        return s.apply_cuts(), ok;
    }
    if (path.rfind("/links/", 0) == 0) return route_link(s, verb, path.substr(7), req);
    throw BadRequest("no such control call: " + std::string(http::to_string(verb)) + " " + path +
                     " (see harness/proxy/README.md)");
}

std::string url_unescape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) && std::isxdigit(text[i + 2])) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

/// Why a request must not reach the routes, with its HTTP status; {} when it may.
/// Only this machine's own tools: see raftlab/net/loopback_http.h.
std::pair<http::status, std::string> refusal(const Request& req) {
    if (!net::loopback_host(req[http::field::host]))
        return {http::status::forbidden, "the control endpoint answers only requests addressed to 127.0.0.1 or "
                                         "localhost, not to " + std::string(req[http::field::host])};
    if (!net::loopback_origin(req[http::field::origin]))
        return {http::status::forbidden, "the control endpoint refuses calls from web pages of other sites (Origin " +
                                             std::string(req[http::field::origin]) + ")"};
    if (req.method() != http::verb::get &&
        req[http::field::content_type].find("application/json") == std::string_view::npos)
        return {http::status::unsupported_media_type, "send control calls with Content-Type: application/json"};
    return {};
}

Response handle(FaultProxy::State& s, const Request& req) {
    Response res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/json");
    if (auto [status, why] = refusal(req); !why.empty()) {
        res.result(status);
        res.body() = json::serialize(json::object{{"error", why}});
        res.prepare_payload();
        return res;
    }
    std::string target(req.target());
    std::string path = url_unescape(target.substr(0, target.find('?')));
    try {
        res.body() = json::serialize(route(s, req.method(), path, req));
        res.result(http::status::ok);
    } catch (const std::exception& e) {  // BadRequest, ProxyError, FaultError, bad numbers
        res.result(http::status::bad_request);
        res.body() = json::serialize(json::object{{"error", e.what()}});
    }
    res.prepare_payload();
    return res;
}

asio::awaitable<void> session(FaultProxy::State& s, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        stream.expires_after(std::chrono::seconds(10));
        http::request_parser<http::string_body> parser;
        parser.body_limit(1 << 20);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
        if (ec) break;  // end of stream, timeout or garbage: just close
        Response res = handle(s, parser.get());
        bool keep = res.keep_alive();
        auto [wec, w] = co_await http::async_write(stream, res, tuple_awaitable);
        if (wec || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> listen(FaultProxy::State& s, std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(tuple_awaitable);
        if (ec) {
            if (!acceptor->is_open()) co_return;
            continue;
        }
        asio::co_spawn(acceptor->get_executor(), session(s, std::move(socket)), asio::detached);
    }
}

}  // namespace

int start_control_server(FaultProxy::State& s, int port) {
    if (s.control) throw ProxyError("the control endpoint is already serving on port " +
                                    std::to_string(s.control->local_endpoint().port()));
    auto acceptor = std::make_shared<tcp::acceptor>(s.io);
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use)
        throw ProxyError("control endpoint: " + net::port_in_use_message(port) + " (or 0 for any)");
    if (ec)
        throw ProxyError("control endpoint: cannot listen on 127.0.0.1:" + std::to_string(port) + " (" + ec.message() +
                         "); choose a free port or 0");
    s.control = acceptor;
    asio::co_spawn(s.io, listen(s, acceptor), asio::detached);
    return acceptor->local_endpoint().port();
}

}  // namespace raftlab::proxy
