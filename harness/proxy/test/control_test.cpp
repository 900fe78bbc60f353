// The HTTP/JSON control endpoint, driven with raw HTTP requests.
#include "proxy_test_util.h"

#include "raftlab/proxy/fault_proxy.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <unistd.h>
#include <gtest/gtest.h>

using namespace raftlab::proxy;
using namespace raftlab::proxy::test;
namespace json = boost::json;

namespace {

/// One HTTP request, with `headers` ("Name: value\r\n" each) or, by default, what the
/// proxy's own command line sends; returns "STATUS BODY".
std::pair<int, std::string> http(int port, const std::string& method, const std::string& target, const std::string& body = "",
                                 std::string headers = "") {
    Client c(port);
    if (!c.connected()) return {0, "connect failed"};
    if (headers.empty()) headers = "Host: 127.0.0.1\r\n" + std::string(method == "GET" ? "" : "Content-Type: application/json\r\n");
    c.send(method + " " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
    std::string response;
    while (auto part = c.receive_some(5s)) response += *part;
    auto space = response.find(' ');
    auto start = response.find("\r\n\r\n");
    if (space == std::string::npos || start == std::string::npos) return {0, response};
    return {std::atoi(response.c_str() + space + 1), response.substr(start + 4)};
}

}  // namespace

// A web page the presenter opens must not be able to drive the proxy: not by DNS
// rebinding (a foreign Host), not by a cross-site request (a foreign Origin, or a
// "simple" content type that needs no CORS preflight).
TEST(ControlHttp, refusesOtherSites) {
    EchoServer echo;
    FaultProxy proxy;
    int control = proxy.serve_control();
    const std::string link = R"({"name":"c->s","from":"c","to":"s","target_port":)" + std::to_string(echo.port()) + "}";
    auto [host_status, host_body] = http(control, "POST", "/links", link,
                                         "Host: attacker.example:8080\r\nContent-Type: application/json\r\n");
    EXPECT_EQ(host_status, 403) << host_body;
    EXPECT_NE(host_body.find("attacker.example"), std::string::npos) << host_body;
    auto [origin_status, origin_body] = http(control, "POST", "/links", link,
                                             "Host: 127.0.0.1\r\nOrigin: http://attacker.example\r\n"
                                             "Content-Type: application/json\r\n");
    EXPECT_EQ(origin_status, 403) << origin_body;
    auto [type_status, type_body] = http(control, "POST", "/links", link, "Host: 127.0.0.1\r\nContent-Type: text/plain\r\n");
    EXPECT_EQ(type_status, 415) << type_body;
    auto [links_status, links_body] = http(control, "GET", "/links");
    ASSERT_EQ(links_status, 200) << links_body;
    EXPECT_EQ(json::parse(links_body).at("links").as_array().size(), 0u) << "a refused call created a link";
    // The proxy's own tools, and a page served from loopback, still get through.
    auto [ok_status, ok_body] = http(control, "POST", "/links", link,
                                     "Host: localhost:9\r\nOrigin: http://127.0.0.1:8080\r\nContent-Type: application/json\r\n");
    EXPECT_EQ(ok_status, 200) << ok_body;
}

TEST(ControlHttp, faultsAndPartitions_viaHttp) {
    EchoServer echo;
    FaultProxy proxy;
    int control = proxy.serve_control();
    auto [status, body] = http(control, "POST", "/links",
                               R"({"name":"c->s","from":"c","to":"s","target_port":)" + std::to_string(echo.port()) + "}");
    ASSERT_EQ(status, 200) << body;
    int port = static_cast<int>(json::parse(body).at("listen_port").as_int64());

    auto [s2, b2] = http(control, "POST", "/links/c->s/faults", R"({"direction":"forward","latency_ms":60})");
    ASSERT_EQ(s2, 200) << b2;
    Client c(port);
    std::optional<std::string> echoed;
    double ms = time_ms([&] { c.send("x"), echoed = c.receive(1); });
    EXPECT_EQ(echoed, "x");
    EXPECT_GE(ms, 60.0);

    auto [s3, b3] = http(control, "GET", "/links");
    ASSERT_EQ(s3, 200);
    auto link = json::parse(b3).at("links").as_array().at(0).as_object();
    EXPECT_EQ(link.at("forward").as_object().at("latency_ms").as_int64(), 60);

    EXPECT_EQ(http(control, "POST", "/partition", R"({"groups":[["c"],["s"]]})").first, 200);
    EXPECT_TRUE(proxy.links()[0].cut_forward);
    EXPECT_EQ(http(control, "POST", "/heal-all").first, 200);
    EXPECT_FALSE(proxy.links()[0].cut_forward);
    EXPECT_FALSE(proxy.links()[0].forward.any());
}

TEST(ControlHttp, badRequests_answer400WithReason) {
    FaultProxy proxy;
    int control = proxy.serve_control();
    auto [s1, b1] = http(control, "POST", "/links/nope/faults", R"({"drop":0.5})");
    EXPECT_EQ(s1, 400);
    EXPECT_NE(b1.find("no link named 'nope'"), std::string::npos) << b1;
    proxy.add_link({.name = "l", .from = "a", .to = "b", .target_port = 9});
    auto [s2, b2] = http(control, "POST", "/links/l/faults", R"({"drop":2})");
    EXPECT_EQ(s2, 400);
    EXPECT_NE(b2.find("[0, 1]"), std::string::npos) << b2;
    auto [s3, b3] = http(control, "POST", "/links/l/faults", R"({"dorp":0.1})");
    EXPECT_NE(b3.find("unknown fault field 'dorp'"), std::string::npos) << b3;
    auto [s4, b4] = http(control, "POST", "/links", "{not json");
    EXPECT_EQ(s4, 400);
    auto [s5, b5] = http(control, "GET", "/nowhere");
    EXPECT_EQ(s5, 400);
}

TEST(ControlHttp, garbageAndSilence_doNotBlockOthers) {
    FaultProxy proxy;
    int control = proxy.serve_control();
    Client silent(control);  // connects and says nothing
    Client garbage(control);
    garbage.send("\x01\x02 not http at all\r\n\r\n");
    double ms = time_ms([&] { EXPECT_EQ(http(control, "GET", "/links").first, 200); });
    EXPECT_LT(ms, 2000.0);
    EXPECT_TRUE(garbage.closed_within(2s));
}

TEST(FaultProxyApi, invalidArguments_throwNamingTheProblem) {
    FaultProxy proxy;
    EXPECT_THROW(proxy.set_faults("none", DirectionFaults{}), ProxyError);
    proxy.add_link({.name = "l", .from = "a", .to = "b", .target_port = 9});
    EXPECT_THROW(proxy.add_link({.name = "l", .from = "a", .to = "b", .target_port = 9}), ProxyError);
    EXPECT_THROW(proxy.add_link({.name = "m", .from = "a", .to = "b", .target_port = 0}), ProxyError);
    DirectionFaults bad;
    bad.frames.drop = -0.1;
    EXPECT_THROW(proxy.set_faults("l", bad), FaultError);
    EXPECT_THROW(proxy.partition({{"a"}, {"a", "b"}}), ProxyError);
}

TEST(FaultProxyApi, addMeshLinks_everyPairRoutesToItsTarget) {
    EchoServer e1, e2, e3;
    std::map<std::string, EchoServer*> servers = {{"n1", &e1}, {"n2", &e2}, {"n3", &e3}};
    std::map<std::string, int> ports;
    for (auto& [name, server] : servers) ports[name] = server->port();
    FaultProxy proxy;
    MeshPorts mesh = add_mesh_links(proxy, ports, {{"n1", e1.port()}}, false);
    EXPECT_EQ(proxy.links().size(), 6u + 1u);
    Client to_n2(mesh.peer["n1"]["n2"]);
    to_n2.send("hi");
    EXPECT_EQ(to_n2.receive(2), "hi");
    EXPECT_EQ(e2.received(), 2u);
    EXPECT_EQ(e1.received() + e3.received(), 0u);
    proxy.partition({{"n1"}, {"n2", "n3"}});
    Client cut(mesh.peer["n1"]["n3"]);
    cut.send("x");
    EXPECT_FALSE(cut.receive_some(300ms)) << "n1 -> n3 is cut";
    Client client(mesh.client["n1"]);
    client.send("c");
    EXPECT_EQ(client.receive(1), "c") << "the client is in no group, so it still reaches n1";
}

TEST(FaultProxyApi, portInUse_namesTheProcessHoldingIt) {
    // Hold a port with a listening socket of this very process.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor holder(io, {boost::asio::ip::address_v4::loopback(), 0});
    int port = holder.local_endpoint().port();
    FaultProxy proxy;
    try {
        proxy.add_link({.name = "l", .from = "a", .to = "b", .listen_port = port, .target_port = 9});
        FAIL() << "listening on a port in use must throw";
    } catch (const ProxyError& e) {
        std::string want = "port " + std::to_string(port) + " is in use by pid " + std::to_string(getpid());
        EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
}
