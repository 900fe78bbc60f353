// Byte-level faults on an echo server, each with its effect measured.
#include "proxy_test_util.h"

#include "raftlab/proxy/fault_proxy.h"

#include <gtest/gtest.h>

using namespace raftlab::proxy;
using namespace raftlab::proxy::test;

namespace {

struct ByteFaultsTest : ::testing::Test {
    EchoServer echo;
    FaultProxy proxy{42};
    int port = proxy.add_link({.name = "c->s", .from = "c", .to = "s", .target_port = echo.port()});
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
    return s;
}

}  // namespace

TEST_F(ByteFaultsTest, passthrough_megabyteRoundTrips) {
    Client c(port);
    ASSERT_TRUE(c.connected());
    std::string data = pattern(1 << 20);
    std::thread sender([&] { c.send(data); });
    auto back = c.receive(data.size(), 10s);
    sender.join();
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, data);
    // The proxy counts a write when it completes, which may be just after the
    // client has read the bytes: wait (bounded) for the counters to settle.
    auto links = proxy.links();
    for (int i = 0; i < 100 && links[0].bytes_backward < data.size(); ++i) {
        std::this_thread::sleep_for(20ms);
        links = proxy.links();
    }
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].bytes_forward, data.size());
    EXPECT_EQ(links[0].bytes_backward, data.size());
}

TEST_F(ByteFaultsTest, latency_addsConfiguredDelay) {
    Client c(port);
    ASSERT_TRUE(c.connected());
    double base = time_ms([&] { c.send("x"), c.receive(1); });
    DirectionFaults f;
    f.bytes.latency = 80ms;
    proxy.set_faults("c->s", Direction::forward, f);
    std::optional<std::string> echoed;
    double slow = time_ms([&] { c.send("y"), echoed = c.receive(1); });
    EXPECT_EQ(echoed, "y");
    EXPECT_GE(slow, 80.0);
    EXPECT_LT(slow, 80.0 + 1000.0) << "generous upper bound";
    EXPECT_LT(base, 80.0);
}

TEST_F(ByteFaultsTest, jitter_keepsByteOrder) {
    DirectionFaults f;
    f.bytes.latency = 10ms;
    f.bytes.jitter = 10ms;
    proxy.set_faults("c->s", f);
    Client c(port);
    std::string sent;
    for (int i = 0; i < 100; ++i) {
        std::string piece = std::to_string(1000 + i);
        sent += piece;
        c.send(piece);
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(c.receive(sent.size(), 10s), sent);
}

TEST_F(ByteFaultsTest, bandwidth_limitsRate) {
    DirectionFaults f;
    f.bytes.bandwidth = 200000;  // 200 kB/s
    proxy.set_faults("c->s", Direction::forward, f);
    Client c(port);
    std::string data = pattern(100000);
    double ms = time_ms([&] {
        std::thread sender([&] { c.send(data); });
        EXPECT_EQ(c.receive(data.size(), 10s), data);
        sender.join();
    });
    EXPECT_GE(ms, 400.0) << "100 kB at 200 kB/s takes about 500 ms";
    EXPECT_LT(ms, 5000.0);
}

TEST_F(ByteFaultsTest, slicing_deliversInSmallPieces) {
    DirectionFaults f;
    f.bytes.slice_bytes = 2;
    f.bytes.slice_delay = 5ms;
    proxy.set_faults("c->s", Direction::backward, f);
    Client c(port);
    c.send("0123456789abcdefghij");
    int reads = 0;
    double ms = time_ms([&] { reads = c.reads_for(20, 5s); });
    EXPECT_GE(reads, 5) << "20 bytes in 2-byte slices";
    EXPECT_GE(ms, 40.0) << "9 pauses of 5 ms";
}

TEST_F(ByteFaultsTest, blackhole_swallowsButStaysOpen) {
    DirectionFaults f;
    f.bytes.blackhole = true;
    proxy.set_faults("c->s", Direction::forward, f);
    Client c(port);
    c.send("lost");
    EXPECT_FALSE(c.receive_some(300ms));
    EXPECT_EQ(echo.received(), 0u);
    EXPECT_EQ(proxy.links()[0].connections, 1u);
    proxy.clear_faults();
    c.send("back");
    EXPECT_EQ(c.receive(4), "back");
}

TEST_F(ByteFaultsTest, reset_closesOpenConnectionsOnly) {
    Client c(port);
    c.send("a");
    ASSERT_EQ(c.receive(1), "a");
    proxy.reset("c->s");
    EXPECT_TRUE(c.closed_within(2s));
    Client fresh(port);
    fresh.send("b");
    EXPECT_EQ(fresh.receive(1), "b");
}

TEST_F(ByteFaultsTest, down_refusesAndClosesThenUp) {
    Client c(port);
    c.send("a");
    ASSERT_EQ(c.receive(1), "a");
    proxy.set_down("c->s", true);
    EXPECT_TRUE(c.closed_within(2s));
    EXPECT_FALSE(Client(port).connected()) << "a down link refuses connections";
    proxy.set_down("c->s", false);
    Client again(port);
    ASSERT_TRUE(again.connected());
    again.send("z");
    EXPECT_EQ(again.receive(1), "z");
}

TEST_F(ByteFaultsTest, targetDown_clientSeesClose) {
    int dead = proxy.add_link({.name = "c->nowhere", .from = "c", .to = "x", .target_port = 1});
    Client c(dead);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST(ProxyStreams, serverResetsMidStream_clientSeesCloseAndProxySurvives) {
    asio::io_context io;
    tcp::acceptor server(io, {asio::ip::address_v4::loopback(), 0});
    FaultProxy proxy;
    int port = proxy.add_link({.name = "x", .from = "a", .to = "b", .target_port = server.local_endpoint().port()});
    for (int round = 0; round < 5; ++round) {
        tcp::socket client(io);
        client.connect({asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)});
        tcp::socket accepted = server.accept();
        std::atomic<bool> writer_done{false};
        std::thread writer([&] {
            std::vector<char> chunk(1 << 20, 'x');
            boost::system::error_code ec;
            for (int i = 0; i < 200 && !ec; ++i) asio::write(client, asio::buffer(chunk), ec);
            writer_done = true;
        });
        char some[1000];
        accepted.read_some(asio::buffer(some));
        accepted.set_option(asio::socket_base::linger(true, 0));
        accepted.close();  // RST while the proxy is forwarding
        for (int i = 0; i < 500 && !writer_done; ++i) std::this_thread::sleep_for(10ms);
        EXPECT_TRUE(writer_done) << "the proxy must close the client side when the server resets";
        if (!writer_done) client.close();
        writer.join();
    }
    EXPECT_EQ(proxy.links().size(), 1u) << "the proxy still answers";
}

// Frame faults on a raw link would be accepted and do nothing: refused, naming the
// link and the faults that do work there. The link keeps its old faults.
TEST_F(ByteFaultsTest, frameFaultsOnARawLinkAreRefused) {
    DirectionFaults drop;
    drop.frames.drop = 0.3;
    try {
        proxy.set_faults("c->s", drop);
        FAIL() << "drop 0.3 on a raw link was accepted";
    } catch (const FaultError& e) {
        EXPECT_NE(std::string(e.what()).find("link c->s carries a raw byte stream"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("latency_ms"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(proxy.links()[0].forward.any());
    DirectionFaults slow;
    slow.bytes.latency = std::chrono::milliseconds(5);
    EXPECT_NO_THROW(proxy.set_faults("c->s", slow));
}
