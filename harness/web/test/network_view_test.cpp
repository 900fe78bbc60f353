// What the page shows of the network, from the proxy's links (network_view.h): the
// summary behind the fault sliders, the amber links and the event log.
#include "network_view.h"

#include <gtest/gtest.h>

namespace raftlab::web {
namespace {

using proxy::DirectionFaults;
using proxy::LinkStatus;

/// The links LocalCluster creates for n servers: "ni->nj" for every ordered pair, and
/// "client->ni".
std::vector<LinkStatus> mesh(int n) {
    std::vector<LinkStatus> links;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            if (i != j) {
                LinkStatus l;
                l.spec = {.name = "n" + std::to_string(i) + "->n" + std::to_string(j),
                          .from = "n" + std::to_string(i), .to = "n" + std::to_string(j)};
                links.push_back(l);
            }
    for (int j = 0; j < n; ++j) {
        LinkStatus l;
        l.spec = {.name = "client->n" + std::to_string(j), .from = "client", .to = "n" + std::to_string(j)};
        links.push_back(l);
    }
    return links;
}

DirectionFaults faults(double drop, int latency_ms) {
    DirectionFaults f;
    f.frames.drop = drop;
    f.bytes.latency = std::chrono::milliseconds(latency_ms);
    return f;
}

/// Sets both directions of every link between servers that touches `node` (-1: all),
/// as the page's "Apply faults" and `./raftlab proxy fault LINK --direction both` do.
void set(std::vector<LinkStatus>& links, int node, const DirectionFaults& f) {
    const std::string name = "n" + std::to_string(node);
    for (auto& l : links) {
        if (l.spec.from == "client") continue;
        if (node >= 0 && l.spec.from != name && l.spec.to != name) continue;
        l.forward = l.backward = f;
    }
}

TEST(FaultSummary, cleanNetworkHasNone) {
    auto s = summarize_faults(mesh(3), 3);
    EXPECT_FALSE(s.all);
    EXPECT_TRUE(s.nodes.empty());
    EXPECT_TRUE(s.pairs.empty());
    EXPECT_EQ(describe(s), "no faults on the links between servers");
}

TEST(FaultSummary, everyLinkIsAll) {
    auto links = mesh(3);
    set(links, -1, faults(0.25, 200));
    auto s = summarize_faults(links, 3);
    ASSERT_TRUE(s.all);
    EXPECT_DOUBLE_EQ(s.all->frames.drop, 0.25);
    EXPECT_TRUE(s.nodes.empty());
    EXPECT_EQ(s.pairs.size(), 3u);
    EXPECT_EQ(describe(s), "every link between servers: drop 25 %, latency 200 ms");
    auto j = to_json(s);
    EXPECT_DOUBLE_EQ(j["all"].as_object()["drop"].as_double(), 0.25);
    EXPECT_EQ(j["all"].as_object()["latency_ms"].as_int64(), 200);
}

TEST(FaultSummary, linksOfOneServer) {
    auto links = mesh(5);
    set(links, 2, faults(0.5, 0));
    auto s = summarize_faults(links, 5);
    EXPECT_FALSE(s.all);
    ASSERT_EQ(s.nodes.size(), 1u);
    EXPECT_DOUBLE_EQ(s.nodes.at(2).frames.drop, 0.5);
    EXPECT_EQ(s.pairs.size(), 4u);  // n2 with each of the four others
    EXPECT_EQ(describe(s), "links of n2: drop 50 %, latency 0 ms");
    EXPECT_EQ(to_json(s)["nodes"].as_object()["2"].as_object()["latency_ms"].as_int64(), 0);
}

TEST(FaultSummary, clientLinksAreLeftOut) {
    auto links = mesh(3);
    for (auto& l : links)
        if (l.spec.from == "client") l.forward = faults(1, 0);
    EXPECT_EQ(describe(summarize_faults(links, 3)), "no faults on the links between servers");
}

TEST(FaultSummary, oneDirectionOfOneLinkIsAPairNotUniform) {
    auto links = mesh(3);
    for (auto& l : links)
        if (l.spec.name == "n0->n1") l.forward = faults(0.3, 50);
    auto s = summarize_faults(links, 3);
    EXPECT_FALSE(s.all);
    EXPECT_TRUE(s.nodes.empty());
    ASSERT_EQ(s.pairs.size(), 1u);
    EXPECT_EQ(s.pairs[0].a, 0);
    EXPECT_EQ(s.pairs[0].b, 1);
    EXPECT_DOUBLE_EQ(s.pairs[0].drop, 0.3);
    EXPECT_EQ(s.pairs[0].latency_ms, 50);
    EXPECT_FALSE(s.pairs[0].uniform);
    EXPECT_EQ(describe(s), "n0-n1: drop 30 %, latency 50 ms (not the same in every direction)");
}

TEST(FaultSummary, otherFaultsAreFlagged) {
    auto links = mesh(3);
    DirectionFaults f;
    f.frames.duplicate = 0.1;
    set(links, -1, f);
    auto s = summarize_faults(links, 3);
    ASSERT_TRUE(s.all);
    EXPECT_TRUE(to_json(s)["all"].as_object()["other"].as_bool());
    EXPECT_NE(describe(s).find("and more"), std::string::npos);
}

TEST(NodeIndex, namesOfServersOnly) {
    EXPECT_EQ(node_index("n0"), 0);
    EXPECT_EQ(node_index("n12"), 12);
    EXPECT_EQ(node_index("client"), -1);
    EXPECT_EQ(node_index("n"), -1);
    EXPECT_EQ(node_index("n1x"), -1);
}

TEST(Cuts, partitionAndOneWayCut) {
    auto links = mesh(3);
    for (auto& l : links) {
        if (l.spec.name == "n0->n1") l.cut_forward = true;   // n0's requests to n1 are cut
        if (l.spec.name == "n2->n0") l.cut_backward = true;  // n0's replies to n2 are cut
        if (l.spec.name == "client->n2") l.cut_forward = true;
    }
    boost::json::object frame;
    add_cuts(links, 3, frame);
    auto& blocked = frame["blocked"].as_array();
    EXPECT_TRUE(blocked[0].as_array()[1].as_bool());
    EXPECT_FALSE(blocked[1].as_array()[0].as_bool());
    EXPECT_TRUE(blocked[0].as_array()[2].as_bool());
    EXPECT_FALSE(blocked[2].as_array()[0].as_bool());
    EXPECT_TRUE(frame["client_blocked"].as_array()[2].as_bool());
    EXPECT_FALSE(frame["client_blocked"].as_array()[0].as_bool());
}

}  // namespace
}  // namespace raftlab::web
