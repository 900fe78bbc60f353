// search_checks.cpp: lab 11's search check. Instead of random seeds, every order of
// events around a snapshot in a three-server cluster, breadth first
// (harness/sim/search.h): the state machines may ask for a snapshot at any moment, a
// follower holds none of what the leader compacted, and messages arrive in any order,
// late, twice or never, with a crash and restart, the probe (lab 8) and the watch
// (lab11.h) on and the simulator's safety properties checked at every state.
#include "lab11.h"
#include "raftlab/sim/searched.h"

namespace lab11 {
namespace {

/// Three servers with server 0 designated leader (elections off keep the space small:
/// every event is about the log, snapshots and InstallSnapshot). The state budget keeps
/// the check to seconds with every server in a process of its own; a budget spent
/// without a broken rule is a pass.
SearchOptions compaction_search() {
    SearchOptions o;
    o.server.elections = false;
    o.initial_leader = 0;
    o.commands = 2;
    o.max_snapshots = 2;
    o.max_in_flight = 5;
    o.max_crashes = 1;
    o.max_timer_fires = 3;
    o.max_states = 1500;
    o.time_limit_seconds = 30;
    return o;
}

/// The opening: the first command commits on servers 0 and 1 while everything to
/// server 2 stays in flight, so server 2 needs what a snapshot of server 0 covers.
SearchHooks watched_around_a_snapshot() {
    SearchHooks hooks;
    hooks.attach = [](SearchCluster& c) {
        probe::thread_probe().attach(c);
        thread_watch().attach(c);
    };
    hooks.setup = [](SearchCluster& c) {
        c.take(SearchEvent{SearchStep::submit, 0, -1});
        c.settle(100, 2);
    };
    return hooks;
}

sim::ServerFactory watched_servers() {
    return [](const ServerConfig& config, Env& env, const PersistentState& restored) {
        return std::make_unique<WatchedCompaction>(config, env, restored, thread_watch());
    };
}

}  // namespace

TEST(Search, snapshotRulesHoldInEveryOrder) {
    run_search(compaction_search(), watched_servers(), watched_around_a_snapshot());
}

}  // namespace lab11
