// network_checks.cpp: lab 5, the rules of the simulated network, one at a time.
#include <gtest/gtest.h>

#include "network_under_test.h"

namespace raftlab {
namespace {

/// Receives everything waiting at `node`.
std::vector<Envelope> drain(Network& net, NodeId node) {
    std::vector<Envelope> out;
    while (auto e = net.receive(node)) out.push_back(std::move(*e));
    return out;
}

TEST(Network, deliversAfterTheDelay) {
    Network net(3, 1);
    net.set_delay(5, 5);
    net.send(0, 2, "hello");
    net.advance(4);
    ASSERT_EQ(net.waiting(2), 0u) << "a message with delay 5 was receivable after 4 ticks";
    net.advance(1);
    auto e = net.receive(2);
    ASSERT_TRUE(e) << "a message with delay 5 was not receivable after 5 ticks";
    EXPECT_EQ(e->from, 0);
    EXPECT_EQ(e->to, 2);
    EXPECT_EQ(e->payload, "hello");
    EXPECT_EQ(e->sent_at, 0);
    EXPECT_EQ(e->arrived_at, 5);
    EXPECT_FALSE(net.receive(2)) << "the message could be received twice";
}

TEST(Network, sendIsAsynchronous) {
    Network net(2, 1);
    net.send(0, 1, "x");
    EXPECT_FALSE(net.receive(1)) << "send() delivered before the clock moved: sending must only schedule";
    EXPECT_EQ(net.sent(), 1u);
    net.advance(1);
    EXPECT_TRUE(net.receive(1)) << "with the default delay of 1 the message should arrive after one tick";
}

TEST(Network, fixedDelayKeepsSendingOrder) {
    Network net(2, 7);
    net.set_delay(3, 3);
    for (int i = 0; i < 50; ++i) {
        net.send(0, 1, std::to_string(i));
        if (i % 7 == 0) net.advance(1);
    }
    net.advance(10);
    auto got = drain(net, 1);
    ASSERT_EQ(got.size(), 50u) << "on a reliable network every message must arrive";
    for (int i = 0; i < 50; ++i)
        ASSERT_EQ(got[static_cast<std::size_t>(i)].payload, std::to_string(i))
            << "with one fixed delay messages must be received in the order they were sent";
}

TEST(Network, messageToDownNodeIsDropped) {
    Network net(3, 1);
    net.set_up(2, false);
    EXPECT_FALSE(net.is_up(2));
    net.send(0, 2, "lost");
    net.set_up(2, true);
    net.advance(5);
    EXPECT_FALSE(net.receive(2)) << "a message sent to a down node must be dropped, not queued until it returns";
    // In flight when the receiver goes down: dropped too.
    net.send(0, 2, "in flight");
    net.set_up(2, false);
    net.advance(5);
    net.set_up(2, true);
    EXPECT_FALSE(net.receive(2)) << "a message arriving while its receiver is down must be dropped";
    // Waiting in the inbox when the node goes down: gone.
    net.send(0, 2, "waiting");
    net.advance(1);
    net.set_up(2, false);
    net.set_up(2, true);
    EXPECT_FALSE(net.receive(2)) << "a node that goes down loses its inbox";
    EXPECT_EQ(net.dropped(), 3u);
}

TEST(Network, downNodeSendsNothing) {
    Network net(2, 1);
    net.set_up(0, false);
    net.send(0, 1, "ghost");
    net.advance(3);
    EXPECT_FALSE(net.receive(1)) << "a down node cannot send";
}

TEST(Network, killedLinkIsOneWay) {
    Network net(2, 1);
    net.kill_link(0, 1);
    net.send(0, 1, "blocked");
    net.send(1, 0, "open");
    net.advance(2);
    EXPECT_FALSE(net.receive(1)) << "a message crossed a killed link";
    EXPECT_TRUE(net.receive(0)) << "killing 0->1 must leave 1->0 working";
    net.restore_link(0, 1);
    net.send(0, 1, "again");
    net.advance(2);
    EXPECT_TRUE(net.receive(1)) << "a restored link must carry messages again";
}

TEST(Network, partitionSeparatesGroups) {
    Network net(5, 3);
    net.partition({{0, 1}, {2, 3, 4}});
    for (NodeId a = 0; a < 5; ++a)
        for (NodeId b = 0; b < 5; ++b)
            if (a != b) net.send(a, b, std::to_string(a));
    net.advance(2);
    for (NodeId b = 0; b < 5; ++b)
        for (const Envelope& e : drain(net, b)) {
            const bool same = (e.from < 2) == (b < 2);
            EXPECT_TRUE(same) << "node " << e.from << " reached node " << b << " across the partition";
        }
    EXPECT_EQ(net.delivered(), 2u + 6u) << "inside each group every message must arrive";
    net.heal();
    net.send(0, 4, "healed");
    net.advance(2);
    EXPECT_TRUE(net.receive(4)) << "after heal() the groups must reach each other again";
}

TEST(Network, nodeInNoGroupIsIsolated) {
    Network net(3, 3);
    net.partition({{0, 1}});
    net.send(0, 2, "a");
    net.send(2, 1, "b");
    net.send(0, 1, "c");
    net.advance(2);
    EXPECT_FALSE(net.receive(2));
    EXPECT_EQ(drain(net, 1).size(), 1u) << "node 2 is in no group, so only 0->1 may arrive";
}

TEST(Network, inFlightMessagesDieWithTheLink) {
    Network net(2, 1);
    net.set_delay(10, 10);
    net.send(0, 1, "slow");
    net.advance(5);
    net.partition({{0}, {1}});
    net.advance(10);
    EXPECT_FALSE(net.receive(1)) << "a message must be dropped when a partition cuts its link before it arrives";
}

TEST(Network, badArgumentsAreRefused) {
    Network net(2, 1);
    EXPECT_THROW(net.send(0, 5, "x"), std::out_of_range);
    EXPECT_THROW(net.send(-1, 0, "x"), std::out_of_range);
    EXPECT_THROW(net.set_delay(5, 2), std::invalid_argument);
    EXPECT_THROW(net.set_delay(-1, 3), std::invalid_argument)
        << "set_delay(-1, 3) must throw std::invalid_argument: a delay is never negative (0 <= min_delay <= max_delay)";
    EXPECT_THROW(net.set_loss(1.5), std::invalid_argument);
    EXPECT_THROW(net.set_loss(-0.5), std::invalid_argument)
        << "set_loss(-0.5) must throw std::invalid_argument: a probability is between 0 and 1";
    EXPECT_THROW(Network(0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace raftlab
