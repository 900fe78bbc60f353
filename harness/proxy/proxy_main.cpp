// raftlab-proxy (`./raftlab proxy ...`): run the fault proxy, or control a running one
// over its loopback HTTP/JSON endpoint. See harness/proxy/README.md.
//
//   raftlab-proxy serve --link n1:n2:7012:8002 --link client:n1:7101:8101 [--framed] [--seed 1] [--control 7400]
//   raftlab-proxy status | journal [--since N]
//   raftlab-proxy fault LINK --latency-ms 50 --drop 0.1 [--direction forward]
//   raftlab-proxy partition n1,n2 n3,n4,n5 | cut --from n1 --to n2,n3 | heal | heal-all
//   raftlab-proxy reset LINK | down LINK | up LINK | clear
//
// Exit codes: 0 done, 1 the proxy refused the call (the reason is printed),
// 2 usage error or no proxy listening.
#include "raftlab/cli/parse_error.h"
#include "raftlab/proxy/fault_proxy.h"

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <iostream>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using namespace raftlab::proxy;

namespace {

struct Failure {
    int code;
    std::string message;
};

/// One HTTP call to the control endpoint, bounded by 5 s. Returns the JSON answer.
json::value call(int port, http::verb verb, const std::string& target, const json::object& body = {}) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(5));
    beast::error_code ec;
    stream.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)), ec);
    if (ec)
        throw Failure{2, "no proxy control endpoint on 127.0.0.1:" + std::to_string(port) +
                             "; start one with `raftlab proxy serve` or pass --control PORT"};
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    if (!body.empty()) req.body() = json::serialize(body);
    req.prepare_payload();
    http::write(stream, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(stream, buffer, res, ec);
    if (ec) throw Failure{2, "the proxy on port " + std::to_string(port) + " did not answer (" + ec.message() + ")"};
    json::error_code parse_error;
    json::value answer = json::parse(res.body(), parse_error);
    if (parse_error) throw Failure{1, "unexpected answer: " + res.body()};
    if (res.result() != http::status::ok) {
        auto* error = answer.is_object() ? answer.as_object().if_contains("error") : nullptr;
        throw Failure{1, error && error->is_string() ? std::string(error->as_string()) : res.body()};
    }
    return answer;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep))
        if (!part.empty()) out.push_back(part);
    return out;
}

json::array names(const std::string& list) {
    json::array a;
    for (const auto& n : split(list, ',')) a.push_back(json::string(n));
    return a;
}

/// Link names contain "->"; escape what is not safe in a URL path.
std::string url_escape(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

/// FROM:TO:LISTEN:TARGET[:framed] -> LinkSpec.
LinkSpec parse_link(const std::string& text) {
    auto parts = split(text, ':');
    if (parts.size() < 4 || parts.size() > 5 || (parts.size() == 5 && parts[4] != "framed"))
        throw Failure{2, "--link " + text + ": expected FROM:TO:LISTEN_PORT:TARGET_PORT[:framed], e.g. n1:n2:7012:8002"};
    LinkSpec s;
    s.from = parts[0];
    s.to = parts[1];
    try {
        s.listen_port = std::stoi(parts[2]);
        s.target_port = std::stoi(parts[3]);
    } catch (const std::exception&) {
        throw Failure{2, "--link " + text + ": ports must be numbers"};
    }
    s.framed = parts.size() == 5;
    return s;
}

volatile std::sig_atomic_t g_stop = 0;

int serve(const std::vector<std::string>& links, bool framed, std::uint64_t seed, int control) {
    FaultProxy proxy(seed);
    for (const auto& text : links) {
        LinkSpec spec = parse_link(text);
        spec.framed = spec.framed || framed;
        int port = proxy.add_link(spec);
        std::cout << "link " << spec.from << "->" << spec.to << ": 127.0.0.1:" << port << " -> 127.0.0.1:" << spec.target_port
                  << (spec.framed ? " (framed)" : "") << "\n";
    }
    int port = proxy.serve_control(control);
    std::cout << "control: http://127.0.0.1:" << port << "  (raftlab proxy --control " << port << " status)" << std::endl;
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return 0;
}

void print_status(const json::value& answer) {
    for (const auto& l : answer.at("links").as_array()) {
        const auto& o = l.as_object();
        std::cout << json::value_to<std::string>(o.at("name")) << "  :" << o.at("listen_port").as_int64() << " -> "
                  << json::value_to<std::string>(o.at("target")) << (o.at("down").as_bool() ? "  DOWN" : "")
                  << (o.at("cut_forward").as_bool() ? "  cut->" : "") << (o.at("cut_backward").as_bool() ? "  cut<-" : "")
                  << "  conns=" << o.at("connections").as_int64() << "  fwd=" << json::serialize(o.at("forward"))
                  << "  back=" << json::serialize(o.at("backward")) << "\n";
    }
}

/// The `fault` subcommand's options; every unset value means "off".
struct FaultArgs {
    std::string link, direction = "both";
    double latency = 0, jitter = 0, slice_delay = 0, delay = 0, reorder_window = 10;
    double drop = 0, duplicate = 0, delay_p = 0, reorder = 0;
    std::uint64_t bandwidth = 0, slice_bytes = 0;
    bool blackhole = false;

    json::object body() const {
        return {{"direction", direction}, {"latency_ms", latency}, {"jitter_ms", jitter}, {"bandwidth", bandwidth},
                {"slice_bytes", slice_bytes}, {"slice_delay_ms", slice_delay}, {"blackhole", blackhole},
                {"drop", drop}, {"duplicate", duplicate}, {"delay_ms", delay}, {"delay_probability", delay_p},
                {"reorder", reorder}, {"reorder_window_ms", reorder_window}};
    }
};

CLI::App* add_fault_command(CLI::App& app, FaultArgs& f) {
    auto* fault = app.add_subcommand("fault", "replace the faults on a link (all unset values: off)");
    fault->add_option("link", f.link, "link name")->required();
    fault->add_option("--direction", f.direction, "forward, backward or both")->check(CLI::IsMember({"forward", "backward", "both"}));
    fault->add_option("--latency-ms", f.latency);
    fault->add_option("--jitter-ms", f.jitter);
    fault->add_option("--bandwidth", f.bandwidth, "bytes per second");
    fault->add_option("--slice-bytes", f.slice_bytes);
    fault->add_option("--slice-delay-ms", f.slice_delay);
    fault->add_flag("--blackhole", f.blackhole);
    fault->add_option("--drop", f.drop, "probability per frame");
    fault->add_option("--duplicate", f.duplicate, "probability per frame");
    fault->add_option("--delay-ms", f.delay);
    fault->add_option("--delay-probability", f.delay_p);
    fault->add_option("--reorder", f.reorder, "probability per frame");
    fault->add_option("--reorder-window-ms", f.reorder_window);
    return fault;
}

/// Options shared by the subcommands; their callbacks run during parsing.
struct Args {
    int control = 7400;
    std::vector<std::string> links, groups;
    bool framed = false;
    std::uint64_t seed = 1, since = 0;
    std::size_t limit = 100;
    std::string link, from, to;
    FaultArgs fault;
    int exit_code = 0;
};

void add_commands(CLI::App& app, Args& a) {
    auto post = [&a](std::string target, json::object body = {}) {
        return [&a, target, body] { call(a.control, http::verb::post, target, body); };
    };
    auto* serve_cmd = app.add_subcommand("serve", "run a proxy until Ctrl-C");
    serve_cmd->add_option("--link", a.links, "FROM:TO:LISTEN_PORT:TARGET_PORT[:framed], repeatable");
    serve_cmd->add_flag("--framed", a.framed, "parse length-prefixed frames on every link");
    serve_cmd->add_option("--seed", a.seed, "seed for per-frame fault draws");
    serve_cmd->callback([&a] { a.exit_code = serve(a.links, a.framed, a.seed, a.control); });
    app.add_subcommand("status", "list links, faults and counters")->callback([&a] {
        print_status(call(a.control, http::verb::get, "/links"));
    });
    auto* journal = app.add_subcommand("journal", "frames seen on framed links");
    journal->add_option("--since", a.since, "only entries after this sequence number");
    journal->add_option("--limit", a.limit, "at most this many");
    journal->callback([&a] {
        auto answer = call(a.control, http::verb::get, "/journal?since=" + std::to_string(a.since) + "&limit=" + std::to_string(a.limit));
        for (const auto& e : answer.at("entries").as_array()) std::cout << json::serialize(e) << "\n";
    });
    add_fault_command(app, a.fault)->callback([&a] {
        call(a.control, http::verb::post, "/links/" + url_escape(a.fault.link) + "/faults", a.fault.body());
    });
    auto* partition = app.add_subcommand("partition", "cut traffic between groups, e.g. partition n1,n2 n3,n4,n5");
    partition->add_option("groups", a.groups, "comma-separated node names, one argument per group")->required();
    partition->callback([&a] {
        json::array g;
        for (const auto& group : a.groups) g.push_back(names(group));
        call(a.control, http::verb::post, "/partition", {{"groups", g}});
    });
    auto* cut = app.add_subcommand("cut", "one-way cut");
    cut->add_option("--from", a.from, "comma-separated node names")->required();
    cut->add_option("--to", a.to, "comma-separated node names")->required();
    cut->callback([&a] { call(a.control, http::verb::post, "/cut", {{"from", names(a.from)}, {"to", names(a.to)}}); });
    app.add_subcommand("heal", "remove every partition and cut")->callback(post("/heal"));
    app.add_subcommand("heal-all", "heal, clear faults, bring links up")->callback(post("/heal-all"));
    app.add_subcommand("clear", "remove every fault (cuts stay)")->callback(post("/clear-faults"));
    for (std::string action : {"reset", "down", "up"}) {
        auto* sub = app.add_subcommand(action, action + " a link");
        sub->add_option("link", a.link, "link name")->required();
        sub->callback([&a, action] { call(a.control, http::verb::post, "/links/" + url_escape(a.link) + "/" + action); });
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab fault proxy: run it (serve) or control a running one"};
    app.require_subcommand(1);
    app.fallthrough();  // --control may come before or after the subcommand
    Args args;
    if (const char* env = std::getenv("RAFTLAB_PROXY_CONTROL")) args.control = std::atoi(env);
    app.add_option("--control", args.control, "control port of the running proxy (env RAFTLAB_PROXY_CONTROL)")->capture_default_str();
    add_commands(app, args);
    try {
        app.parse(argc, argv);  // runs the chosen subcommand's callback
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab proxy", "./raftlab proxy --help");
    } catch (const Failure& f) {
        std::cerr << "raftlab proxy: " << f.message << "\n";
        return f.code;
    } catch (const std::exception& e) {
        std::cerr << "raftlab proxy: " << e.what() << "\n";
        return 2;
    }
    return args.exit_code;
}
