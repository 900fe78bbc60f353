// bench_sim.cpp: how fast the simulator runs the reference Raft (`./raftlab bench sim`).
//
// Five servers with elections on, clients submitting to whoever leads, and faults drawn
// from the seed (partitions, crashes and restarts, lossy links), healed at the end,
// with every safety property checked after every event. Reported:
//
//   * simulated messages per wall-clock second, against the 1,000,000 target;
//   * simulated seconds per wall-clock second, against the 10,000x target;
//   * both against a baseline measured in the same run: the same scenario with every
//     message round-tripped through the JSON codec, which is what a simulator that
//     carried encoded messages would pay;
//   * events per wall second with every server in an implementation host (a process
//     of its own, as graded code runs), against the same seeds in process.
//
// Exit status 1 when a run breaks a safety property or fails to recover after the
// faults heal, so a benchmark can never report speed for a wrong answer.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "raft/server.h"
#include "raftlab/host/remote_node.h"
#include "raftlab/sim/raft_checks.h"

namespace {

using namespace raftlab;
using namespace raftlab::sim;

struct Load {
    const char* name;
    Time command_interval;  // one client command this often (virtual time)
    int seeds;
    Time seconds;           // virtual seconds per seed
};

struct Result {
    double wall_seconds = 0;
    double simulated_seconds = 0;
    std::uint64_t messages = 0;
    std::uint64_t commits = 0;
    std::uint64_t events = 0;
    std::string failure;
};

std::unique_ptr<RaftNode> make_server(const ServerConfig& c, Env& env, const PersistentState& p) {
    return std::make_unique<Server>(c, env, p);
}

/// One seed: `seconds` of virtual time under faults, then heal and demand progress.
std::string run_one(Simulation& sim, Time seconds, const Load& load) {
    Rng& rng = sim.rng();
    int next = 0;
    Time next_fault = sim.now() + rng.uniform(500, 2000) * kMillisecond;
    const Time end = sim.now() + seconds * kSecond;
    while (sim.now() < end && !sim.failed()) {
        if (auto leader = sim.leader()) sim.submit(*leader, "c" + std::to_string(next++));
        if (sim.now() >= next_fault) {
            switch (rng.uniform(0, 4)) {
                case 0: sim.isolate(static_cast<NodeId>(rng.uniform(0, 4))); break;
                case 1: sim.crash(static_cast<NodeId>(rng.uniform(0, 4))); break;
                case 2: for (NodeId n = 0; n < 5; ++n) sim.restart(n); break;
                case 3: sim.partition({{0, 1}, {2, 3, 4}}); break;
                default: sim.heal(); break;
            }
            next_fault = sim.now() + rng.uniform(500, 2000) * kMillisecond;
        }
        sim.run_for(load.command_interval);
    }
    sim.heal();
    for (NodeId n = 0; n < 5; ++n) sim.restart(n);
    if (!sim.run_until([&] { return stable_leader(sim).has_value(); }, 5 * kSecond))
        return sim.failed() ? sim.failure() : "no leader within 5 s of virtual time after the heal";
    const Index target = sim.server(*stable_leader(sim)).last_log_index();
    if (!sim.run_until([&] { return sim.all_applied(target) && !sim.committed().empty(); }, 5 * kSecond))
        return sim.failed() ? sim.failure() : "the log did not commit within 5 s after the heal";
    return {};
}

Result measure(const Load& load, bool codec, int scale, bool hosted = false, int seed_count = 0) {
    const int seeds = seed_count ? seed_count : load.seeds * scale;
    const Time seconds = load.seconds;
    Result r;
    const auto start = std::chrono::steady_clock::now();
    for (int seed = 1; seed <= seeds && r.failure.empty(); ++seed) {
        SimOptions o;
        o.seed = static_cast<std::uint64_t>(seed);
        o.codec_roundtrip = codec;
        Simulation sim(o, hosted ? ServerFactory(host::remote_servers(RAFTLAB_REFERENCE_HOST))
                                 : ServerFactory(make_server));
        std::string why = run_one(sim, seconds, load);
        if (!why.empty()) r.failure = "seed " + std::to_string(seed) + ": " + why;
        r.simulated_seconds += static_cast<double>(sim.now()) / kSecond;
        r.messages += sim.stats().messages_delivered;
        r.commits += sim.committed().size();
        r.events += sim.stats().events;
    }
    r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    // An optional argument scales the number of seeds (default 1).
    const int scale = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
    const Load loads[] = {{"light load (10 commands/s, 100 seeds x 60 s)", 100 * kMillisecond, 100, 60},
                          {"heavy load (500 commands/s, 40 seeds x 10 s)", 2 * kMillisecond, 40, 10}};
    std::printf("sim: 5 servers, elections on, faults from the seed, every safety property "
                "checked after every event\n");
    int status = 0;
    for (const Load& load : loads) {
        const Result typed = measure(load, false, scale);
        const Result codec = measure(load, true, scale);
        for (const Result* r : {&typed, &codec})
            if (!r->failure.empty()) {
                std::printf("  FAILED (%s): %s\n", load.name, r->failure.c_str());
                status = 1;
            }
        const double msg_rate = typed.messages / typed.wall_seconds;
        const double base_msg_rate = codec.messages / codec.wall_seconds;
        const double speed = typed.simulated_seconds / typed.wall_seconds;
        const double base_speed = codec.simulated_seconds / codec.wall_seconds;
        std::printf("  %s: %llu messages, %llu entries committed, %.2f s wall\n", load.name,
                    static_cast<unsigned long long>(typed.messages),
                    static_cast<unsigned long long>(typed.commits), typed.wall_seconds);
        std::printf("    messages per wall second   %12.0f  = %6.2fx the 1e6 target, %5.2fx the codec baseline (%.0f)\n",
                    msg_rate, msg_rate / 1e6, msg_rate / base_msg_rate, base_msg_rate);
        std::printf("    simulated s per wall s     %12.0f  = %6.2fx the 10,000x target, %5.2fx the codec baseline (%.0f)\n",
                    speed, speed / 1e4, speed / base_speed, base_speed);
    }
    // Graded code runs in host processes: every event is a round trip between
    // processes. The same seeds both ways, fewer of them (a host run is far slower).
    const Load& light = loads[0];
    const int host_seeds = 3 * scale;
    const Result local = measure(light, false, scale, false, host_seeds);
    const Result hosted = measure(light, false, scale, true, host_seeds);
    for (const Result* r : {&local, &hosted})
        if (!r->failure.empty()) {
            std::printf("  FAILED (hosts): %s\n", r->failure.c_str());
            status = 1;
        }
    if (local.events != hosted.events) {
        std::printf("  FAILED: %llu events in process but %llu with hosts: the runs differ\n",
                    static_cast<unsigned long long>(local.events), static_cast<unsigned long long>(hosted.events));
        status = 1;
    }
    const double local_rate = local.events / local.wall_seconds;
    const double hosted_rate = hosted.events / hosted.wall_seconds;
    std::printf("  servers in host processes (%d seeds of the light load, the same seeds both ways): %llu events\n",
                host_seeds, static_cast<unsigned long long>(hosted.events));
    std::printf("    events per wall second     %12.0f with hosts, %12.0f in process = %6.4fx the in-process baseline\n",
                hosted_rate, local_rate, hosted_rate / local_rate);
    return status;
}
