// The proxy in front of a real third-party server: redis-server from Debian,
// started by the supervisor on a free loopback port with a temporary directory.
#include "proxy_test_util.h"

#include "raftlab/proc/supervisor.h"
#include "raftlab/proxy/fault_proxy.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace raftlab::proxy;
using namespace raftlab::proxy::test;
namespace proc = raftlab::proc;
namespace fs = std::filesystem;

namespace {

fs::path find_redis() {
    for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"})
        if (fs::exists(p)) return p;
    return {};
}

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/raftlab-redis-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

/// Sends one inline command and returns the first reply line (without CRLF).
std::optional<std::string> command(Client& c, const std::string& cmd, std::chrono::milliseconds timeout = 5000ms) {
    if (!c.send(cmd + "\r\n")) return std::nullopt;
    std::string line;
    while (line.find("\r\n") == std::string::npos) {
        auto part = c.receive_some(timeout);
        if (!part) return std::nullopt;
        line += *part;
    }
    return line.substr(0, line.find("\r\n"));
}

}  // namespace

TEST(Redis, partitionAndHeal_inFrontOfRedis) {
    fs::path redis = find_redis();
    ASSERT_FALSE(redis.empty()) << "redis-server is not installed; it is listed in grader/deps/test.txt "
                                   "(apt-get install redis-server)";
    TempDir dir;
    proc::ClusterConfig cluster;
    cluster.log_dir = dir.path / "logs";
    proc::NodeSpec node;
    node.id = "redis";
    node.ports["client"] = proc::pick_free_port();
    node.ready_port = "client";
    node.data_dir = dir.path / "data";
    node.binary = redis;
    node.args = {"--port", "{port:client}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "{data_dir}"};
    cluster.nodes.push_back(node);
    proc::Supervisor supervisor(cluster);
    supervisor.start_all();

    FaultProxy proxy;
    int port = proxy.add_link({.name = "client->redis", .from = "client", .to = "redis", .target_port = node.ports["client"]});
    Client c(port);
    ASSERT_TRUE(c.connected());
    EXPECT_EQ(command(c, "PING"), "+PONG");
    EXPECT_EQ(command(c, "SET k before"), "+OK");

    proxy.partition({{"client"}, {"redis"}});
    EXPECT_EQ(command(c, "GET k", 500ms), std::nullopt) << "a partitioned client hears nothing";
    Client during(port);
    EXPECT_EQ(command(during, "PING", 300ms), std::nullopt) << "new connections are cut too";

    proxy.heal();
    EXPECT_TRUE(c.closed_within(2s)) << "a raw stream that lost bytes is reset at heal";
    Client after(port);
    EXPECT_EQ(command(after, "GET k"), "$6");
    EXPECT_EQ(command(after, "SET k after"), "+OK");

    proxy.cut_one_way({"redis"}, {"client"});
    Client one_way(port);
    EXPECT_EQ(command(one_way, "SET k cut", 500ms), std::nullopt) << "the reply is cut";
    proxy.heal();
    Client check(port);
    EXPECT_EQ(command(check, "GET k"), "$3") << "the request itself went through: k = cut";
    EXPECT_TRUE(supervisor.take_deaths().empty());
}
