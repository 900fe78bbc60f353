// bench_search.cpp: how fast the breadth-first search explores (`./raftlab bench search`).
//
// The search replays every state's event path from a fresh cluster (servers cannot be
// copied when they live in other processes), so its cost per state is a cluster built
// and a path replayed. Reported, for the reference server with elections on, three
// servers, one command, one drop, one duplicate and one crash:
//
//   * distinct states per wall second, and events replayed per wall second;
//   * against a baseline measured in the same run: the random simulator's events per
//     wall second on the same three servers (seeds with faults, as `bench sim` runs);
//   * the same two numbers with every server in an implementation host (a process of
//     its own, as graded code runs), on a smaller budget.
//
// Longer budgets than the graded checks' live here. Exit status 1 when the search
// finds a broken property in the reference server, or the simulation does.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "raft/server.h"
#include "raftlab/host/remote_node.h"
#include "raftlab/sim/raft_checks.h"
#include "raftlab/sim/search.h"

namespace {

using namespace raftlab;
using namespace raftlab::sim;

std::unique_ptr<RaftNode> make_server(const ServerConfig& c, Env& env, const PersistentState& p) {
    return std::make_unique<Server>(c, env, p);
}

SearchOptions election_search(std::uint64_t states) {
    SearchOptions o;
    o.server.elections = true;
    o.commands = 1;
    o.max_crashes = 1;
    o.max_states = states;
    o.time_limit_seconds = 600;
    return o;
}

struct SimRate {
    double events_per_second = 0;
    std::string failure;
};

/// The random simulation of three servers with faults from the seed: events per wall
/// second over `seeds` seeds of 20 virtual seconds.
SimRate simulate(const ServerFactory& factory, int seeds) {
    SimRate r;
    std::uint64_t events = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int seed = 1; seed <= seeds && r.failure.empty(); ++seed) {
        SimOptions o;
        o.seed = static_cast<std::uint64_t>(seed);
        o.link = LinkParams{1 * kMillisecond, 20 * kMillisecond, 0.05, 0.05};
        Simulation sim(o, factory);
        int next = 0;
        while (sim.now() < 20 * kSecond && !sim.failed()) {
            if (auto leader = sim.leader()) sim.submit(*leader, "c" + std::to_string(next++));
            if (sim.rng().chance(0.02)) sim.crash(static_cast<NodeId>(sim.rng().uniform(0, 2)));
            if (sim.rng().chance(0.05)) for (NodeId n = 0; n < 3; ++n) sim.restart(n);
            sim.run_for(20 * kMillisecond);
        }
        if (sim.failed()) r.failure = "seed " + std::to_string(seed) + ": " + sim.failure();
        events += sim.stats().events;
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.events_per_second = static_cast<double>(events) / wall;
    return r;
}

int report(const char* where, const SearchResult& s, const SimRate& sim) {
    const double states = static_cast<double>(s.states) / s.seconds;
    const double events = static_cast<double>(s.events) / s.seconds;
    std::printf("  %s: %llu states (%llu replays, %llu events) in %.2f s%s\n", where,
                static_cast<unsigned long long>(s.states), static_cast<unsigned long long>(s.replays),
                static_cast<unsigned long long>(s.events), s.seconds,
                s.exhausted ? ", every state within the bounds visited" : "");
    std::printf("    states per wall second        %10.0f = %8.5fx the simulator's events per second (%.0f)\n", states,
                states / sim.events_per_second, sim.events_per_second);
    std::printf("    replayed events per wall s    %10.0f = %8.5fx the simulator's events per second\n", events,
                events / sim.events_per_second);
    int status = 0;
    if (!s.failure.empty()) {
        std::printf("  FAILED (%s): the search broke the reference server: %s\n", where, s.failure.c_str());
        status = 1;
    }
    if (!sim.failure.empty()) {
        std::printf("  FAILED (%s): the simulation broke the reference server: %s\n", where, sim.failure.c_str());
        status = 1;
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    // An optional argument scales the state budgets (default 1).
    const int scale = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
    std::printf("search: 3 servers, elections on, 1 command, 1 drop, 1 duplicate, 1 crash, terms <= 3, "
                "breadth first, every safety property checked at every state\n");
    int status = 0;
    {
        const SimRate sim = simulate(make_server, 20);
        const SearchResult s = search(election_search(20000ULL * static_cast<unsigned>(scale)), make_server);
        status |= report("in process", s, sim);
    }
    {
        const ServerFactory hosted = host::remote_servers(RAFTLAB_REFERENCE_HOST);
        const SimRate sim = simulate(hosted, 2);
        SearchOptions o = election_search(1000ULL * static_cast<unsigned>(scale));
        o.workers = 4;  // as graded: states expanded side by side while servers work
        const SearchResult s = search(o, hosted);
        status |= report("servers in host processes", s, sim);
    }
    return status;
}
