// search_checks.cpp: lab 6's search check. Instead of random seeds, every order of
// events in a three-server cluster, breadth first (harness/sim/search.h): messages
// delivered in any order and as late as you like, one lost, one duplicated,
// heartbeats in any order, a follower crash and restart, a change of designated
// leader, with the simulator's safety properties and the leader's bookkeeping
// checked at every state.
#include "lab06.h"
#include "raftlab/sim/search_properties.h"
#include "raftlab/sim/searched.h"

namespace lab06 {
namespace {

/// Three servers, elections off, server 0 designated leader of term 1 (its first
/// heartbeats in flight) when the search starts. The state budget keeps the check to
/// a few seconds with every server in a process of its own; a budget spent without a
/// broken rule is a pass.
SearchOptions replication_search() {
    SearchOptions o;
    o.server.elections = false;
    o.initial_leader = 0;
    o.commands = 2;
    o.max_crashes = 1;
    o.max_designations = 1;
    o.max_timer_fires = 3;
    o.max_states = 400;
    o.time_limit_seconds = 30;
    return o;
}

SearchHooks with_the_leaders_bookkeeping() {
    SearchHooks hooks;
    hooks.attach = [](SearchCluster&) { thread_match_history().reset(); };
    hooks.check = [](const SearchCluster& c) {
        std::string broken = leader_bookkeeping(c);
        return broken.empty() ? thread_match_history().check(c) : broken;
    };
    return hooks;
}

}  // namespace

TEST(Search, replicationRulesHoldInEveryOrder) {
    run_search(replication_search(), make_server, with_the_leaders_bookkeeping());
}

}  // namespace lab06
