// Message-level faults and partitions on a framed link to an echo server.
#include "proxy_test_util.h"

#include "raftlab/proxy/fault_proxy.h"
#include "raftlab/wire/frame.h"

#include <gtest/gtest.h>

#include <set>

using namespace raftlab::proxy;
using namespace raftlab::proxy::test;
namespace wire = raftlab::wire;

namespace {

std::string message(int i) { return R"({"type":"ping","n":)" + std::to_string(i) + "}"; }

struct FrameFaultsTest : ::testing::Test {
    EchoServer echo;
    FaultProxy proxy{7};
    int port = proxy.add_link({.name = "a->b", .from = "a", .to = "b", .target_port = echo.port(), .framed = true});

    /// Sends frames 0..n-1, then collects echoed frames until `quiet` passes with nothing new.
    std::vector<std::string> round_trip(Client& c, int n, std::chrono::milliseconds quiet = 400ms) {
        std::string out;
        for (int i = 0; i < n; ++i) out += wire::encode_frame(message(i));
        c.send(out);
        wire::FrameDecoder decoder;
        std::vector<std::string> got;
        while (auto bytes = c.receive_some(quiet)) {
            decoder.feed(*bytes);
            for (auto r = decoder.next(); r.status == wire::FrameDecoder::Status::frame; r = decoder.next())
                got.push_back(r.payload);
        }
        return got;
    }
};

}  // namespace

TEST_F(FrameFaultsTest, noFaults_everyFrameInOrderAndJournaled) {
    Client c(port);
    auto got = round_trip(c, 50);
    ASSERT_EQ(got.size(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i], message(i));
    auto journal = proxy.journal();
    ASSERT_EQ(journal.size(), 100u) << "50 frames each way";
    EXPECT_EQ(journal[0].type, "ping");
    EXPECT_EQ(journal[0].fate, "delivered");
    EXPECT_EQ(journal[0].from, "a");
    EXPECT_EQ(journal[0].size, message(0).size());
    EXPECT_EQ(proxy.journal(journal[97].seq).size(), 2u) << "since= returns only newer entries";
}

TEST_F(FrameFaultsTest, drop_halfTheFramesVanish) {
    DirectionFaults f;
    f.frames.drop = 0.5;
    proxy.set_faults("a->b", Direction::forward, f);
    Client c(port);
    auto got = round_trip(c, 400);
    EXPECT_GT(got.size(), 120u);
    EXPECT_LT(got.size(), 280u);
    std::set<std::string> unique(got.begin(), got.end());
    EXPECT_EQ(unique.size(), got.size()) << "dropping never duplicates";
    EXPECT_EQ(proxy.links()[0].frames_dropped, 400u - got.size());
}

TEST_F(FrameFaultsTest, duplicate_everyFrameTwice) {
    DirectionFaults f;
    f.frames.duplicate = 1.0;
    proxy.set_faults("a->b", Direction::forward, f);
    Client c(port);
    auto got = round_trip(c, 20);
    ASSERT_EQ(got.size(), 40u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(got[2 * i], got[2 * i + 1]);
}

TEST_F(FrameFaultsTest, delay_holdsFramesBack) {
    DirectionFaults f;
    f.frames.delay_probability = 1.0;
    f.frames.delay = 150ms;
    proxy.set_faults("a->b", Direction::forward, f);
    Client c(port);
    c.send(wire::encode_frame(message(1)));
    double ms = time_ms([&] { EXPECT_TRUE(c.receive(4 + message(1).size(), 5s)); });
    EXPECT_GE(ms, 140.0);
}

TEST_F(FrameFaultsTest, reorder_allArriveSomeOutOfOrder) {
    DirectionFaults f;
    f.frames.reorder = 0.3;
    f.frames.reorder_window = 20ms;
    proxy.set_faults("a->b", Direction::forward, f);
    Client c(port);
    auto got = round_trip(c, 200);
    ASSERT_EQ(got.size(), 200u);
    std::vector<std::string> sorted_sent;
    for (int i = 0; i < 200; ++i) sorted_sent.push_back(message(i));
    std::vector<std::string> in_order = got;
    EXPECT_NE(got, sorted_sent) << "some frames must be overtaken";
    std::sort(in_order.begin(), in_order.end());
    std::sort(sorted_sent.begin(), sorted_sent.end());
    EXPECT_EQ(in_order, sorted_sent) << "but none lost";
}

TEST_F(FrameFaultsTest, partition_cutsThenHealResumesSameConnection) {
    Client c(port);
    ASSERT_EQ(round_trip(c, 3).size(), 3u);
    proxy.partition({{"a"}, {"b"}});
    EXPECT_TRUE(proxy.links()[0].cut_forward);
    EXPECT_TRUE(round_trip(c, 5, 300ms).empty());
    proxy.heal();
    auto got = round_trip(c, 4);
    ASSERT_EQ(got.size(), 4u) << "framed links keep the connection through a partition";
    EXPECT_EQ(got[0], message(0));
}

TEST_F(FrameFaultsTest, oneWayCut_requestArrivesReplyLost) {
    Client c(port);
    proxy.cut_one_way({"b"}, {"a"});
    auto links = proxy.links();
    EXPECT_FALSE(links[0].cut_forward);
    EXPECT_TRUE(links[0].cut_backward);
    EXPECT_TRUE(round_trip(c, 5, 300ms).empty());
    EXPECT_GT(echo.received(), 0u) << "the server still hears a";
    auto journal = proxy.journal();
    ASSERT_FALSE(journal.empty());
    EXPECT_EQ(journal.back().fate, "cut");
    proxy.heal();
    EXPECT_EQ(round_trip(c, 2).size(), 2u);
}

TEST_F(FrameFaultsTest, sameSeed_sameDrops) {
    auto run = [&](std::uint64_t seed) {
        EchoServer e;
        FaultProxy p{seed};
        int port = p.add_link({.name = "x", .from = "a", .to = "b", .target_port = e.port(), .framed = true});
        DirectionFaults f;
        f.frames.drop = 0.5;
        p.set_faults("x", Direction::forward, f);
        Client c(port);
        return round_trip(c, 100, 300ms);
    };
    EXPECT_EQ(run(99), run(99));
    EXPECT_NE(run(99), run(100));
}

TEST_F(FrameFaultsTest, malformedStream_closesConnectionWithReason) {
    Client c(port);
    c.send(std::string("\xff\xff\xff\xff", 4));
    EXPECT_TRUE(c.closed_within(2s));
    auto journal = proxy.journal();
    ASSERT_FALSE(journal.empty());
    EXPECT_EQ(journal.back().fate, "malformed");
    EXPECT_NE(journal.back().payload.find("above the limit"), std::string::npos);
}
