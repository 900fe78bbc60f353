// raftlab-bench-kv (`./raftlab bench kv`): the lab 10 solution against etcd, measured
// in the same run with the same load.
//
//   load:    64 closed-loop clients (one thread each), puts of 100-byte values to keys
//            drawn from 10,000, 3 s warmup + 10 s measured (closed_loop.h)
//   solution: 3 lab10-server processes on loopback, no fault proxy, raftlab::kv::Client
//            (clients follow redirects to the leader)
//   etcd:    3 members of /usr/bin/etcd (Debian's 3.4) on loopback, puts through its
//            JSON gateway, clients spread over the members
// Reported: ops/s, p50, p99 for both, and the ratios solution/etcd (targets from the
// issue: throughput >= 1.0, p99 <= 1.0). Benchmarks report; they do not assert.
// Exit codes: 0 both measured (or the solution alone with --no-etcd); 1 a side could not
// be measured (etcd missing, the server did not build, no leader); 2 usage error.
#include "closed_loop.h"
#include "cluster_state.h"
#include "etcd_baseline.h"

#include "raftlab/cli/parse_error.h"
#include "raftlab/kv/local_cluster.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace raftlab;
using namespace raftlab::tools;

namespace {

struct Args {
    std::string impl = "solutions", json_file;
    int nodes = 3;
    bool no_etcd = false;
    double warmup = 3, seconds = 10;
    LoadShape shape;
    std::string load_before = "unknown";  ///< 1-minute load average: other work skews the numbers
};

/// Set by the first Ctrl-C (SIGINT, SIGTERM, SIGHUP): the load stops, and the run
/// tears down as usual, removing its temporary directories. A second one kills the
/// process at once; the kernel then kills every server (parent-death signal).
std::atomic<bool> g_interrupted{false};

void on_stop_signal(int signal) {
    if (g_interrupted.exchange(true)) {
        std::signal(signal, SIG_DFL);
        std::raise(signal);
    }
}

/// Throws when interrupted, so the run unwinds (destructors kill and clean up).
void check_interrupted() {
    if (g_interrupted) throw std::runtime_error("interrupted; every server was stopped");
}

/// The 1-minute load average (Linux), to show how busy the machine was.
std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string first;
    return in >> first ? first : "unknown";
}

void say(const std::string& text) { std::cerr << "raftlab bench kv: " << text << std::endl; }

/// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("cannot create a temporary directory " + pattern + "; set TMPDIR to a writable folder");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

class RaftlabPutClient final : public PutClient {
public:
    RaftlabPutClient(std::vector<kv::Endpoint> servers, std::string id) : client_(std::move(servers), std::move(id), options()) {}
    bool put(const std::string& key, const std::string& value, std::string& error) override {
        kv::Result r = client_.execute(kv::Op::put, key, value);
        if (r.outcome == history::Outcome::ok) return true;
        error = r.error;
        return false;
    }

private:
    static kv::ClientOptions options() {
        kv::ClientOptions o;
        o.attempt_timeout = std::chrono::milliseconds(2000);
        o.deadline = std::chrono::milliseconds(10000);
        return o;
    }
    kv::Client client_;
};

struct Measured {
    std::string label;
    LoadResult load;
};

Measured measure_solution(const Args& a, const fs::path& server) {
    kv::ClusterOptions options;
    options.server_binary = server;
    options.nodes = a.nodes;
    options.proxy = false;  // direct loopback, as etcd runs
    kv::LocalCluster cluster(options);
    cluster.start_all();
    NodeId leader = cluster.wait_for_leader(std::chrono::seconds(15));
    if (leader == kNoNode) throw std::runtime_error("the solution's cluster elected no leader within 15 s");
    say(fmt::format("{}: {} servers up, leader n{}; running the load", a.impl, a.nodes, leader));
    auto endpoints = cluster.client_endpoints();
    auto load = run_closed_loop(a.shape, [&](int i) {
        return std::make_unique<RaftlabPutClient>(endpoints, fmt::format("bench-{}-{}", ::getpid(), i));
    });
    return {"raftlab " + a.impl, load};
}

Measured measure_etcd(const Args& a, const fs::path& etcd) {
    std::string version = etcd_version(etcd);
    TempDir dir("raftlab-bench-etcd");
    EtcdCluster cluster(etcd, a.nodes, dir.path());
    say(fmt::format("etcd {}: {} members healthy; running the load", version, a.nodes));
    const auto& ports = cluster.client_ports();
    auto load = run_closed_loop(a.shape, [&](int i) { return etcd_put_client(ports[static_cast<std::size_t>(i) % ports.size()]); });
    return {"etcd " + version, load};
}

std::string row(const Measured& m) {
    return fmt::format("{:<22} {:>9.0f} {:>8.2f} {:>8.2f} {:>8.1f} {:>7}", m.label, m.load.ops_per_second(), m.load.p50_ms,
                       m.load.p99_ms, m.load.max_ms, m.load.errors);
}

json::value to_json(const std::optional<Measured>& m) {
    if (!m) return nullptr;
    return json::object{{"system", m->label}, {"ops_per_s", m->load.ops_per_second()}, {"p50_ms", m->load.p50_ms},
                        {"p99_ms", m->load.p99_ms}, {"max_ms", m->load.max_ms}, {"ops", m->load.ops},
                        {"errors", m->load.errors}};
}

/// solution / etcd, when etcd was measured.
struct Ratios {
    bool known = false;
    double throughput = 0, p99 = 0;
};

Ratios ratios_of(const Measured& solution, const std::optional<Measured>& etcd) {
    if (!etcd || etcd->load.ops == 0 || etcd->load.p99_ms <= 0) return {};
    return {true, solution.load.ops_per_second() / etcd->load.ops_per_second(), solution.load.p99_ms / etcd->load.p99_ms};
}

void print_table(const Args& a, const Measured& solution, const std::optional<Measured>& etcd, const std::string& etcd_missing,
                 const Ratios& r) {
    const auto& s = a.shape;
    std::cout << fmt::format("kv bench: {} servers on loopback, {} closed-loop clients, puts of {}-byte values to {} random keys, "
                             "{:.1f} s warmup + {:.1f} s measured\n",
                             a.nodes, s.clients, s.value_bytes, s.key_space, a.warmup, a.seconds);
    std::cout << fmt::format("{:<22} {:>9} {:>8} {:>8} {:>8} {:>7}\n", "system", "ops/s", "p50 ms", "p99 ms", "max ms", "errors");
    std::cout << row(solution) << "\n";
    if (etcd) std::cout << row(*etcd) << "\n";
    else std::cout << fmt::format("{:<22} {}\n", "etcd", etcd_missing);
    if (r.known)
        std::cout << fmt::format("ratio solution/etcd: throughput {:.2f} (target >= 1.0: {}), p99 {:.2f} (target <= 1.0: {})\n",
                                 r.throughput, r.throughput >= 1.0 ? "met" : "MISSED", r.p99, r.p99 <= 1.0 ? "met" : "MISSED");
    for (const auto* m : {&solution, etcd ? &*etcd : nullptr})
        if (m && m->load.errors) std::cout << fmt::format("first error of {}: {}\n", m->label, m->load.first_error);
    std::cout << "notes: solution clients talk to the servers directly (no fault proxy) and follow redirects to the leader;\n"
                 "       etcd clients are spread over its members, one keep-alive HTTP/1.1 connection each to the JSON\n"
                 "       gateway (POST /v3/kv/put). Both make a put durable (fsync) on a majority before answering.\n";
    std::cout << fmt::format("machine: {} hardware threads shared by the clients and all servers; load average {} before the run\n",
                             std::thread::hardware_concurrency(), a.load_before);
}

void write_json(const Args& a, const Measured& solution, const std::optional<Measured>& etcd, const std::string& etcd_missing,
                const Ratios& r) {
    const auto& s = a.shape;
    json::object line{{"bench", "kv"}, {"nodes", a.nodes}, {"clients", s.clients}, {"value_bytes", s.value_bytes},
                      {"keys", s.key_space}, {"warmup_s", a.warmup}, {"seconds", a.seconds},
                      {"load_average_before", a.load_before}, {"solution", to_json(solution)}, {"etcd", to_json(etcd)}};
    if (r.known) line.insert({{"throughput_ratio", r.throughput}, {"p99_ratio", r.p99}});
    if (!etcd) line["etcd_not_measured"] = etcd_missing;
    std::ofstream out(a.json_file);
    if (!(out << json::serialize(line) << "\n")) throw std::runtime_error(a.json_file + ": cannot be written");
}

/// Where etcd was looked for, for the message when it is missing.
std::string etcd_wanted() {
    const char* chosen = std::getenv("RAFTLAB_ETCD");
    return chosen && *chosen ? std::string(chosen) + " ($RAFTLAB_ETCD)" : "/usr/bin/etcd";
}

int run(Args& a) {
    a.shape.warmup = std::chrono::duration<double>(a.warmup);
    a.shape.measure = std::chrono::duration<double>(a.seconds);
    a.shape.stop = &g_interrupted;
    a.load_before = load_average();
    say("building the lab 10 server of " + a.impl);
    BuiltServer server = build_server(a.impl);
    if (server.path.empty()) {
        std::cerr << "raftlab bench kv: the lab 10 server of --impl " << a.impl << " did not build (see above); nothing measured\n";
        return 1;
    }
    Measured solution = measure_solution(a, server.path);  // its servers are gone before etcd starts
    check_interrupted();
    std::optional<Measured> etcd;
    std::string etcd_missing;
    auto binary = find_etcd();
    if (a.no_etcd) etcd_missing = "not measured (--no-etcd)";
    else if (!binary)
        etcd_missing = "not measured: " + etcd_wanted() + " is missing; install it with: apt-get install -y etcd-server etcd-client";
    else
        etcd = measure_etcd(a, *binary);
    check_interrupted();
    Ratios ratios = ratios_of(solution, etcd);
    print_table(a, solution, etcd, etcd_missing, ratios);
    if (!a.json_file.empty()) write_json(a, solution, etcd, etcd_missing, ratios);
    if (!etcd && !a.no_etcd) {
        std::cerr << "raftlab bench kv: etcd baseline not measured (" << etcd_wanted()
                  << " is missing); install it with: apt-get install -y etcd-server etcd-client\n";
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab bench kv: the lab 10 solution against etcd, same load, same run"};
    Args a;
    app.add_option("--impl", a.impl, "starter, solutions or a path")->capture_default_str();
    app.add_option("--nodes", a.nodes, "servers (and etcd members)")->capture_default_str()->check(CLI::Range(1, 7));
    app.add_option("--clients", a.shape.clients, "closed-loop clients, one thread each")->capture_default_str()->check(CLI::Range(1, 1024));
    app.add_option("--warmup", a.warmup, "seconds before measuring")->capture_default_str()->check(CLI::Range(0.0, 3600.0));
    app.add_option("--seconds", a.seconds, "seconds measured")->capture_default_str()->check(CLI::Range(0.1, 3600.0));
    app.add_option("--value-bytes", a.shape.value_bytes, "bytes per value")->capture_default_str()->check(CLI::Range(1, 1 << 20));
    app.add_option("--keys", a.shape.key_space, "size of the key space")->capture_default_str()->check(CLI::Range(1, 100000000));
    app.add_flag("--no-etcd", a.no_etcd, "measure the solution only");
    app.add_option("--json", a.json_file, "also write the numbers as one JSON line to this file");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab bench kv", "--help");
    }
    for (int s : {SIGINT, SIGTERM, SIGHUP}) std::signal(s, on_stop_signal);
    try {
        return run(a);
    } catch (const std::exception& e) {
        std::cerr << "raftlab bench kv: " << e.what() << "\n";
        return 1;
    }
}
