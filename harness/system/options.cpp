// options.cpp: the lab 10 server's command line (contract in raftlab/kv/system.h).
#include "raftlab/kv/system.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace raftlab::kv {
namespace {

const char* kUsage =
    "usage: lab10-server --id N --peers H:P,H:P,... --peer-port P --client-port P --data DIR "
    "[--heartbeat-ms MS] [--election-min-ms MS] [--election-max-ms MS] [--max-entries N] [--max-inflight N] "
    "[--pre-vote on|off] [--check-quorum on|off] [--snapshot-every N] [--voters ID,ID,...]";

[[noreturn]] void fail(const std::string& what) { throw UsageError(what + "; " + kUsage); }

long long to_int(const std::string& option, const std::string& text, long long low, long long high) {
    long long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < low || v > high)
        fail(option + " \"" + text.substr(0, 40) + "\": must be a whole number from " + std::to_string(low) + " to " +
             std::to_string(high));
    return v;
}

Endpoint to_endpoint(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        fail("--peers entry \"" + text.substr(0, 60) + "\": must be HOST:PORT, e.g. 127.0.0.1:7001");
    return Endpoint{text.substr(0, colon), static_cast<int>(to_int("--peers port", text.substr(colon + 1), 1, 65535))};
}

}  // namespace

SystemOptions parse_system_options(int argc, const char* const* argv) {
    std::map<std::string, std::string> given;
    static const char* known[] = {"--id", "--peers", "--peer-port", "--client-port", "--data", "--heartbeat-ms",
                                  "--election-min-ms", "--election-max-ms", "--max-entries", "--max-inflight", "--pre-vote", "--check-quorum",
                                  "--snapshot-every", "--voters"};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        bool ok = false;
        for (const char* k : known) ok = ok || arg == k;
        if (!ok) fail("unknown option \"" + arg.substr(0, 40) + "\"");
        if (i + 1 >= argc) fail(arg + " needs a value");
        given[arg] = argv[++i];
    }
    for (const char* required : {"--id", "--peers", "--peer-port", "--client-port", "--data"})
        if (!given.count(required)) fail(std::string(required) + " is missing");

    SystemOptions o;
    std::string peers = given["--peers"];
    for (std::size_t start = 0; start <= peers.size();) {
        std::size_t comma = peers.find(',', start);
        if (comma == std::string::npos) comma = peers.size();
        o.peers.push_back(to_endpoint(peers.substr(start, comma - start)));
        start = comma + 1;
    }
    o.raft.cluster_size = static_cast<int>(o.peers.size());
    o.raft.id = static_cast<NodeId>(to_int("--id", given["--id"], 0, o.raft.cluster_size - 1));
    o.peer_port = static_cast<int>(to_int("--peer-port", given["--peer-port"], 1, 65535));
    o.client_port = static_cast<int>(to_int("--client-port", given["--client-port"], 1, 65535));
    o.data_dir = given["--data"];
    if (o.data_dir.empty()) fail("--data must name a directory");
    o.raft.elections = true;
    auto ms = [&](const char* option, Time fallback) {
        return given.count(option) ? to_int(option, given[option], 1, 3'600'000) * kMillisecond : fallback;
    };
    o.raft.heartbeat_interval = ms("--heartbeat-ms", 50 * kMillisecond);
    o.raft.election_timeout_min = ms("--election-min-ms", 300 * kMillisecond);
    o.raft.election_timeout_max = ms("--election-max-ms", 600 * kMillisecond);
    if (o.raft.election_timeout_max < o.raft.election_timeout_min)
        fail("--election-max-ms must be at least --election-min-ms");
    if (given.count("--max-entries"))
        o.raft.max_entries_per_message = static_cast<std::size_t>(to_int("--max-entries", given["--max-entries"], 1, 100000));
    // Pipelining (lab 9): a real network's round trip and a follower's fsync are worth
    // overlapping, so the server keeps several AppendEntries in flight by default.
    o.raft.max_inflight_appends = given.count("--max-inflight")
                                      ? static_cast<std::size_t>(to_int("--max-inflight", given["--max-inflight"], 1, 1000))
                                      : kDefaultMaxInflight;
    // Lab 13: PreVote and CheckQuorum, off unless asked for (labs 10's server is plain Raft).
    auto on_off = [&](const char* option) {
        if (!given.count(option)) return false;
        const std::string& v = given[option];
        if (v != "on" && v != "off") fail(std::string(option) + " \"" + v.substr(0, 40) + "\": must be on or off");
        return v == "on";
    };
    o.raft.pre_vote = on_off("--pre-vote");
    o.raft.check_quorum = on_off("--check-quorum");
    // Lab 11: a snapshot after every N entries applied; 0 (the default) never.
    if (given.count("--snapshot-every"))
        o.snapshot_every = static_cast<Index>(to_int("--snapshot-every", given["--snapshot-every"], 0, 100'000'000));
    // Lab 12: the first configuration's voters; the others start outside it. By
    // default every server votes.
    if (given.count("--voters")) {
        const std::string& text = given["--voters"];
        for (std::size_t start = 0; start <= text.size();) {
            std::size_t comma = text.find(',', start);
            if (comma == std::string::npos) comma = text.size();
            const NodeId id = static_cast<NodeId>(
                to_int("--voters id", text.substr(start, comma - start), 0, o.raft.cluster_size - 1));
            if (std::find(o.raft.voters.begin(), o.raft.voters.end(), id) != o.raft.voters.end())
                fail("--voters \"" + text.substr(0, 40) + "\": names server " + std::to_string(id) + " twice");
            o.raft.voters.push_back(id);
            start = comma + 1;
        }
        std::sort(o.raft.voters.begin(), o.raft.voters.end());
    }
    return o;
}

}  // namespace raftlab::kv
