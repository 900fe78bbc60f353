// search_reference_test.cpp: the breadth-first search (search.h) finds nothing wrong
// with the reference server, in the configurations labs 6-8 search, and more.
#include <gtest/gtest.h>

#include "raft/server.h"
#include "raftlab/sim/search.h"

namespace raftlab::sim {
namespace {

std::unique_ptr<RaftNode> reference(const ServerConfig& c, Env& env, const PersistentState& p) {
    return std::make_unique<Server>(c, env, p);
}

SearchOptions faults(bool elections) {
    SearchOptions o;
    o.servers = 3;
    o.server.elections = elections;
    if (!elections) o.initial_leader = 0;
    o.commands = 2;
    o.max_drops = 1;
    o.max_duplicates = 1;
    o.max_crashes = 1;
    o.max_designations = elections ? 0 : 1;
    o.max_states = 3000;
    o.time_limit_seconds = 600;  // the state budget decides
    return o;
}

TEST(SearchReference, noBrokenPropertyWithElections) {
    const SearchResult r = search(faults(true), reference);
    EXPECT_TRUE(r.failure.empty()) << r.failure << " after " << describe_path(r.path_text);
    EXPECT_EQ(r.states, 3000u);
}

TEST(SearchReference, noBrokenPropertyWithADesignatedLeader) {
    const SearchResult r = search(faults(false), reference);
    EXPECT_TRUE(r.failure.empty()) << r.failure << " after " << describe_path(r.path_text);
    EXPECT_EQ(r.states, 3000u);
}

}  // namespace
}  // namespace raftlab::sim
