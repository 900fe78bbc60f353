// search_checks.cpp: lab 7's search check. Instead of random seeds, every order of
// events in a three-server cluster, breadth first (harness/sim/search.h): messages
// delivered in any order and as late as you like, one lost, one duplicated,
// heartbeats in any order, a crash and restart, a change of designated leader, with
// the simulator's safety properties (state machine safety above all), the commit
// rule and the leader's bookkeeping checked at every state.
#include "lab07.h"
#include "raftlab/sim/search_properties.h"
#include "raftlab/sim/searched.h"

namespace lab07 {
namespace {

/// Three servers, elections off, server 0 designated leader of term 1, starting from
/// the opening in the test below. The state budget keeps the check to a few seconds with every server in a
/// process of its own; a budget spent without a broken rule is a pass.
SearchOptions commit_search() {
    SearchOptions o;
    o.server.elections = false;
    o.initial_leader = 0;
    o.commands = 2;
    o.max_in_flight = 5;
    o.max_crashes = 1;
    o.max_designations = 1;
    o.max_timer_fires = 3;
    o.max_states = 700;
    o.time_limit_seconds = 30;
    return o;
}

/// Every server's entries up to its commit index are the committed ones (what some
/// server applied, or will apply): a commit index only covers entries a majority
/// holds that no later leader can replace.
std::string commit_covers_committed_entries(const SearchCluster& c) {
    for (NodeId n = 0; n < c.size(); ++n) {
        if (!c.up(n)) continue;
        const RaftNode& s = c.server(n);
        const Index commit = std::min(s.commit_index(), static_cast<Index>(c.committed().size()));
        for (Index i = 1; i <= commit; ++i)
            if (!(s.log_entry(i) == c.committed()[i - 1]))
                return fmt::format("server {} has commit index {} but its entry {} (term {}) is not the one "
                                   "committed there (term {})",
                                   n, s.commit_index(), i, s.log_entry(i).term, c.committed()[i - 1].term);
    }
    return {};
}

}  // namespace

TEST(Search, commitRulesHoldInEveryOrder) {
    SearchHooks hooks;
    // The opening: server 0's first command reaches server 1, whose reply makes it
    // committed; everything for server 2 is still in flight.
    hooks.setup = [](SearchCluster& c) {
        c.take(SearchEvent{SearchStep::submit, 0, -1});
        c.settle(100, 2);
    };
    hooks.check = [](const SearchCluster& c) {
        std::string broken = commit_covers_committed_entries(c);
        return broken.empty() ? leader_bookkeeping(c) : broken;
    };
    run_search(commit_search(), make_server, hooks);
}

}  // namespace lab07
