// raftlab-kv (`./raftlab kv ...`): one request to the cluster `./raftlab cluster up`
// started, through the fault proxy (so partitions apply to it).
//
//   raftlab-kv put KEY VALUE | get KEY | append KEY VALUE | delete KEY [--timeout 5] [--direct] [--dir DIR]
//
// stdout carries the result only: the value for get, "ok" for the others, so
// `v=$(./raftlab kv get k)` works; stderr says which server answered.
// Exit codes: 0 done; 1 get of an absent key (stdout empty, like `git config --get`),
// or no answer before the timeout (the last error is printed; a write may or may
// not have happened); 2 usage error or no cluster running.
#include "cluster_state.h"

#include "raftlab/cli/parse_error.h"
#include "raftlab/kv/client.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace raftlab;
using namespace raftlab::tools;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::string dir, key, value;
    double timeout_s = 5;
    bool direct = false;
};

/// Unique across processes and runs, so the servers' exactly-once tables never
/// mistake this request for another client's.
std::string client_id() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    return fmt::format("cli-{}-{}", ::getpid(), std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

int run(kv::Op op, const Args& a) {
    fs::path dir = cluster_dir(a.dir);
    auto state = read_live_state(dir);
    if (!state) {
        std::cerr << "raftlab kv: no cluster is running; start one with ./raftlab cluster up"
                  << (a.dir.empty() ? "" : " --dir " + dir.string()) << "\n";
        return 2;
    }
    if (!(a.timeout_s > 0)) {
        std::cerr << "raftlab kv: --timeout " << a.timeout_s << ": must be a positive number of seconds\n";
        return 2;
    }
    kv::ClientOptions options;
    options.deadline = std::chrono::milliseconds(static_cast<long long>(a.timeout_s * 1000));
    options.attempt_timeout = std::min(options.attempt_timeout, options.deadline);
    kv::Client client(a.direct ? state->direct_endpoints() : state->client_endpoints(), client_id(), options);
    auto start = Clock::now();
    kv::Result r = client.execute(op, a.key, a.value);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    if (r.outcome == history::Outcome::failed) {
        std::cerr << "raftlab kv: refused: " << r.error << "\n";
        return 1;
    }
    if (r.outcome != history::Outcome::ok) {
        std::cerr << fmt::format("raftlab kv: no reply within {} s; last error: {}{}\n", a.timeout_s, r.error,
                                 op == kv::Op::get ? "" : fmt::format("; the {} may or may not have happened", kv::to_string(op)));
        return 1;
    }
    std::string who = fmt::format("{} answered ({} attempt{}, {} ms)", state->nodes[static_cast<std::size_t>(r.served_by)].name,
                                  r.attempts, r.attempts == 1 ? "" : "s", ms);
    if (op == kv::Op::get && !r.value) {
        std::cerr << "raftlab kv: \"" << a.key << "\" is absent; " << who << "\n";
        return 1;
    }
    std::cout << (op == kv::Op::get ? *r.value : "ok") << "\n";
    std::cerr << "raftlab kv: " << who << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab kv: one request to the cluster started by ./raftlab cluster up"};
    app.require_subcommand(1);
    app.fallthrough();
    Args a;
    app.add_option("--dir", a.dir, "cluster directory (default: $RAFTLAB_CLUSTER_DIR or build/cluster)");
    app.add_option("--timeout", a.timeout_s, "seconds to keep retrying")->capture_default_str();
    app.add_flag("--direct", a.direct, "talk to the servers directly, not through the fault proxy");
    kv::Op op = kv::Op::get;
    for (kv::Op o : {kv::Op::put, kv::Op::get, kv::Op::append, kv::Op::del}) {
        std::string name(kv::to_string(o));
        auto* sub = app.add_subcommand(name, o == kv::Op::get      ? "print a key's value"
                                             : o == kv::Op::put    ? "set a key"
                                             : o == kv::Op::append ? "append to a key's value"
                                                                   : "remove a key");
        sub->add_option("key", a.key, "the key")->required();
        if (o == kv::Op::put || o == kv::Op::append) sub->add_option("value", a.value, "the value")->required();
        sub->callback([&op, o] { op = o; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab kv", "./raftlab kv --help");
    }
    try {
        return run(op, a);
    } catch (const std::exception& e) {
        std::cerr << "raftlab kv: " << e.what() << "\n";
        return 2;
    }
}
