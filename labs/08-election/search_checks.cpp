// search_checks.cpp: lab 8's search check. Instead of random seeds, every order of
// events in a three-server cluster, breadth first (harness/sim/search.h): messages
// delivered in any order and as late as you like, one lost, one duplicated, timers
// firing in any order, one crash and restart, with the probe (probe.h) and the
// simulator's safety properties checked at every state.
#include "lab08.h"
#include "raftlab/sim/search_properties.h"
#include "raftlab/sim/searched.h"

namespace lab08 {
namespace {

using raftlab::probe::ProbedServer;
using raftlab::probe::thread_probe;

ServerFactory probed_servers() {
    return [](const ServerConfig& config, Env& env, const PersistentState& restored) {
        return std::make_unique<ProbedServer>(config, env, restored, thread_probe());
    };
}

/// Three servers, elections on, starting from the opening below. The state budget keeps the check to
/// a few seconds with every server in a process of its own; a budget spent without a
/// broken rule is a pass.
SearchOptions election_search() {
    SearchOptions o;
    o.server.elections = true;
    o.commands = 1;
    o.max_in_flight = 5;
    o.max_crashes = 1;
    o.max_timer_fires = 3;
    o.max_states = 700;
    o.time_limit_seconds = 30;
    return o;
}

/// The opening: server 0's timer starts an election, both requests arrive, server 1's
/// vote makes server 0 leader of term 1. Server 2's vote and the first AppendEntries
/// are still in flight.
SearchHooks probed_from_a_fresh_leader() {
    SearchHooks hooks;
    hooks.attach = [](SearchCluster& c) {
        thread_probe().attach(c);
        thread_match_history().reset();
    };
    hooks.setup = [](SearchCluster& c) {
        c.take(SearchEvent{SearchStep::timer, 0, -1});    // in flight: RequestVote to 1, to 2
        c.take(SearchEvent{SearchStep::deliver, kNoNode, 0});  // to 1; its vote is in flight
        c.take(SearchEvent{SearchStep::deliver, kNoNode, 0});  // to 2; its vote is in flight
        c.take(SearchEvent{SearchStep::deliver, kNoNode, 0});  // 1's vote: 0 leads
    };
    hooks.check = [](const SearchCluster& c) { return thread_match_history().check(c); };
    return hooks;
}

}  // namespace

TEST(Search, electionRulesHoldInEveryOrder) {
    run_search(election_search(), probed_servers(), probed_from_a_fresh_leader());
}

}  // namespace lab08
