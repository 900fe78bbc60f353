// The state file, and the commands' errors when no cluster runs (no server needed).
#include "tool_test_util.h"

#include <fstream>

namespace raftlab::tools {
namespace {

using test::run_tool;
using test::ScratchDir;

TEST(StateFile, pidOfAnotherProgram_isStaleAndRemoved) {
    ScratchDir dir;
    ClusterState s;
    s.daemon_pid = ::getpid();  // alive, but not a cluster daemon: treated as stale
    s.dir = dir.path();
    s.impl = "solutions";
    s.nodes = {{"n0", 1001, 2001, dir.path() / "logs/n0.log"}, {"n1", 1002, 2002, dir.path() / "logs/n1.log"}};
    write_state(s);
    EXPECT_FALSE(read_live_state(dir.path()).has_value());
    EXPECT_FALSE(std::filesystem::exists(state_file(dir.path()))) << "a stale state file is removed";
    EXPECT_EQ(s.node_index("n1"), 1);
    EXPECT_EQ(s.node_index("1"), 1);
    EXPECT_FALSE(s.node_index("n7").has_value());
    EXPECT_EQ(s.client_endpoints()[1].port, 1002);
    EXPECT_EQ(s.direct_endpoints()[0].port, 2001);
}

TEST(StateFile, garbage_namesTheFile) {
    ScratchDir dir;
    std::ofstream(state_file(dir.path())) << "{not json";
    try {
        read_live_state(dir.path());
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(state_file(dir.path()).string()), std::string::npos) << e.what();
    }
}

TEST(ClusterErrors, kvWithoutCluster_exit2WithOneLine) {
    ScratchDir dir;
    auto r = run_tool(RAFTLAB_KV_BIN, {"get", "k", "--dir", dir.str()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "raftlab kv: no cluster is running; start one with ./raftlab cluster up --dir " + dir.str() + "\n");
}

TEST(ClusterErrors, upWithZeroNodes_exit2WithOneLine) {
    ScratchDir dir;
    auto r = run_tool(RAFTLAB_CLUSTER_BIN, {"up", "--nodes", "0", "--dir", dir.str()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "raftlab cluster: --nodes 0: a cluster has 1 to 7 servers\n");
    r = run_tool(RAFTLAB_CLUSTER_BIN, {"up", "--nodes", "8", "--dir", dir.str()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "raftlab cluster: --nodes 8: a cluster has 1 to 7 servers\n");
}

TEST(ClusterErrors, commandsWithoutCluster) {
    ScratchDir dir;
    auto status = run_tool(RAFTLAB_CLUSTER_BIN, {"status", "--dir", dir.str()});
    EXPECT_EQ(status.exit_code, 1);
    EXPECT_EQ(status.err, "raftlab cluster: no cluster is running in " + dir.str() + "; start one with ./raftlab cluster up\n");
    auto down = run_tool(RAFTLAB_CLUSTER_BIN, {"down", "--dir", dir.str()});
    EXPECT_EQ(down.exit_code, 0);
    EXPECT_EQ(down.out, "no cluster is running in " + dir.str() + "\n");
    auto kill = run_tool(RAFTLAB_CLUSTER_BIN, {"kill", "n0", "--dir", dir.str()});
    EXPECT_EQ(kill.exit_code, 2);
    auto usage = run_tool(RAFTLAB_KV_BIN, {"put", "k", "--dir", dir.str()});
    EXPECT_EQ(usage.exit_code, 2) << "put needs a value";
    EXPECT_EQ(test::lines(usage.err).size(), 1u) << usage.err;
}

TEST(ClusterErrors, serverExitsAtOnce_exit1WithItsLogAndTheStarterHint) {
    ScratchDir dir;
    auto server = dir.path() / "server.sh";
    std::ofstream(server) << "#!/bin/sh\necho \"not implemented: run_system\" >&2\nexit 3\n";
    std::filesystem::permissions(server, std::filesystem::perms::owner_all);
    auto cluster_dir = (dir.path() / "cluster").string();
    auto r = run_tool(RAFTLAB_CLUSTER_BIN, {"up", "--server", server.string(), "--dir", cluster_dir, "--proxy-control", "0"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("exited with status 3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not implemented: run_system"), std::string::npos) << "the server's last log lines\n" << r.err;
    EXPECT_NE(r.err.find("\nhint: the starter's lab 10 server does nothing until you implement lab 10"), std::string::npos) << r.err;
    EXPECT_FALSE(read_live_state(cluster_dir).has_value());
    EXPECT_TRUE(test::processes_mentioning(cluster_dir).empty()) << "the daemon gave up and exited";
}

TEST(ClusterErrors, dataOfAnotherClusterSize_exit2NamingFresh) {
    ScratchDir dir;
    auto cluster_dir = (dir.path() / "cluster").string();
    std::filesystem::create_directories(cluster_dir + "/data");
    std::ofstream(cluster_dir + "/data/cluster.txt") << "3 servers of solutions\n";
    auto r = run_tool(RAFTLAB_CLUSTER_BIN, {"up", "--nodes", "5", "--impl", "solutions", "--server", "/bin/true", "--dir", cluster_dir});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "raftlab cluster: " + cluster_dir + "/data holds the data of 3 servers of solutions, not 5 servers of "
                     "solutions; start empty with ./raftlab cluster up --nodes 5 --impl solutions --fresh --dir " + cluster_dir +
                     ", or use the same --nodes and --impl as before\n");
}

}  // namespace
}  // namespace raftlab::tools
