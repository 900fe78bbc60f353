// `cluster up|status|kill|start|pause|resume|down` and `kv` against the solutions'
// lab 10 server (built by the grader; ctest builds it first, see CMakeLists.txt).
#include "tool_test_util.h"

#include "raftlab/proc/supervisor.h"

#include <algorithm>
#include <csignal>
#include <regex>
#include <set>
#include <thread>

namespace raftlab::tools {
namespace {

using test::processes_mentioning;
using test::run_tool;
using test::ScratchDir;

class ClusterCli : public ::testing::Test {
protected:
    ProgramResult cluster(std::vector<std::string> args) { return timed(RAFTLAB_CLUSTER_BIN, std::move(args)); }
    /// kv with a generous timeout (unless the test sets one): a busy machine may hold an election.
    ProgramResult kv(std::vector<std::string> args) {
        if (std::find(args.begin(), args.end(), "--timeout") == args.end()) args.insert(args.end(), {"--timeout", "20"});
        return timed(RAFTLAB_KV_BIN, std::move(args));
    }
    /// Runs a command on this cluster; a slow one is reported, to explain a slow test.
    ProgramResult timed(const std::string& binary, std::vector<std::string> args) {
        args.insert(args.end(), {"--dir", dir_.str()});
        auto start = std::chrono::steady_clock::now();
        ProgramResult r = run_tool(binary, args);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s > 3) std::cerr << "slow: " << binary << " " << args.front() << " took " << s << " s; stderr: " << r.err << "\n";
        return r;
    }
    void up() {
        auto r = cluster({"up", "--nodes", "3", "--impl", "solutions", "--proxy-control", "0"});
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        EXPECT_NE(r.out.find("cluster up: 3 servers of solutions"), std::string::npos) << r.out;
        EXPECT_TRUE(std::regex_search(r.out, std::regex("\nleader: n[0-2] \\(term [0-9]+\\)\n"))) << r.out;
        auto state = read_live_state(dir_.path());
        ASSERT_TRUE(state.has_value());
        state_ = *state;
    }
    /// The role column of `cluster status`, by node.
    std::map<std::string, std::string> roles(const std::string& status) {
        std::map<std::string, std::string> out;
        std::regex row("^(n[0-9]) +([a-z]+) +([0-9-]+) +([a-z-]+( answer)?) ");
        for (const auto& line : test::lines(status)) {
            std::smatch m;
            if (std::regex_search(line, m, row)) out[m[1]] = m[2].str() + "/" + m[4].str();
        }
        return out;
    }
    /// After `down` (or the daemon's death): no process of this cluster, no port open.
    /// Polled for a while: a process killed with -9 closes its sockets a moment after
    /// its command line has gone from /proc.
    void expect_all_gone() {
        std::vector<int> ports = {state_.control_port, state_.proxy_control_port};
        for (const auto& n : state_.nodes) ports.insert(ports.end(), {n.client_port, n.direct_client_port});
        std::vector<pid_t> left;
        std::vector<int> open;
        for (int i = 0; i < 100; ++i) {
            left = processes_mentioning(dir_.str());
            if (process_alive(state_.daemon_pid)) left.push_back(state_.daemon_pid);
            open.clear();
            for (int port : ports)
                if (proc::port_accepts(port)) open.push_back(port);
            if (left.empty() && open.empty()) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << left.size() << " processes of " << dir_.str() << " and " << open.size() << " open ports left after 5 s";
    }

    ScratchDir dir_;
    ClusterState state_;
};

TEST_F(ClusterCli, upKvStatusKillDown) {
    up();
    ASSERT_EQ(state_.nodes.size(), 3u);
    EXPECT_TRUE(proc::port_accepts(state_.proxy_control_port)) << "the fault proxy's control is served";

    auto again = cluster({"up", "--impl", "solutions"});
    EXPECT_EQ(again.exit_code, 2);
    EXPECT_EQ(test::lines(again.err).size(), 1u) << again.err;
    EXPECT_EQ(again.err.rfind("raftlab cluster: a cluster is already running in " + dir_.str(), 0), 0u) << again.err;

    auto put = kv({"put", "k", "v1"});
    EXPECT_EQ(put.exit_code, 0) << put.err;
    EXPECT_EQ(put.out, "ok\n");
    EXPECT_TRUE(std::regex_search(put.err, std::regex("^raftlab kv: n[0-2] answered \\([0-9]+ attempts?, [0-9]+ ms\\)\n$"))) << put.err;
    EXPECT_EQ(kv({"get", "k"}).out, "v1\n");
    EXPECT_EQ(kv({"append", "k", "+x"}).out, "ok\n");
    EXPECT_EQ(kv({"get", "k"}).out, "v1+x\n");
    EXPECT_EQ(kv({"delete", "k"}).out, "ok\n");
    auto absent = kv({"get", "k"});
    EXPECT_EQ(absent.exit_code, 1);
    EXPECT_EQ(absent.out, "");
    EXPECT_NE(absent.err.find("raftlab kv: \"k\" is absent; n"), std::string::npos) << absent.err;

    auto status = cluster({"status"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    auto before = roles(status.out);
    ASSERT_EQ(before.size(), 3u) << status.out;
    // The leader is the one `status` names (highest term). An old leader that has not
    // yet heard of a newer term may still call itself leader, but never in the same term.
    std::smatch named;
    ASSERT_TRUE(std::regex_search(status.out, named, std::regex("\nleader: (n[0-2]) \\(term ([0-9]+)\\)\n"))) << status.out;
    std::string leader = named[1];
    EXPECT_EQ(before[leader], "running/leader") << status.out;
    std::set<std::string> leader_terms;
    for (const auto& line : test::lines(status.out)) {
        std::smatch m;
        if (std::regex_search(line, m, std::regex("^n[0-9] +running +[0-9]+ +leader +([0-9]+) "))) {
            EXPECT_TRUE(leader_terms.insert(m[1]).second) << "two leaders in term " << m[1] << ":\n" << status.out;
        }
    }

    auto killed = cluster({"kill", leader});
    EXPECT_EQ(killed.exit_code, 0) << killed.err;
    EXPECT_EQ(killed.out.rfind(leader + " stopped (was pid ", 0), 0u) << killed.out;
    auto after_kill = kv({"put", "k2", "v2"});
    EXPECT_EQ(after_kill.exit_code, 0) << "a put after the leader's death: " << after_kill.err;
    EXPECT_EQ(roles(cluster({"status"}).out)[leader], "stopped/-");
    EXPECT_EQ(cluster({"start", leader}).exit_code, 0);
    EXPECT_EQ(kv({"get", "k2"}).out, "v2\n");

    std::string follower = leader == "n0" ? "n1" : "n0";
    auto paused = cluster({"pause", follower});
    EXPECT_EQ(paused.exit_code, 0) << paused.err;
    EXPECT_EQ(paused.out.rfind(follower + " paused (pid ", 0), 0u) << paused.out;
    EXPECT_EQ(roles(cluster({"status"}).out)[follower], "paused/-");
    EXPECT_EQ(cluster({"resume", follower}).exit_code, 0);

    // No majority (two of three paused): a put times out with the last error, exit 1.
    std::vector<std::string> others;
    for (const auto& n : state_.nodes)
        if (n.name != leader) others.push_back(n.name);
    for (const auto& n : others) EXPECT_EQ(cluster({"pause", n}).exit_code, 0);
    auto stuck = kv({"put", "k3", "v3", "--timeout", "1"});
    EXPECT_EQ(stuck.exit_code, 1);
    EXPECT_EQ(stuck.out, "");
    EXPECT_TRUE(std::regex_search(stuck.err, std::regex("^raftlab kv: no reply within 1 s; last error: .*gave up after [0-9]+ attempts\\); "
                                                        "the put may or may not have happened\n$")))
        << stuck.err;
    for (const auto& n : others) EXPECT_EQ(cluster({"resume", n}).exit_code, 0);
    auto unknown = cluster({"kill", "n9"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_EQ(unknown.err, "raftlab cluster: no node \"n9\" in this cluster; its nodes: n0, n1, n2\n");

    auto down = cluster({"down"});
    EXPECT_EQ(down.exit_code, 0) << down.err;
    EXPECT_EQ(down.out.rfind("cluster down: daemon pid " + std::to_string(state_.daemon_pid) + " and its 3 servers are gone", 0), 0u)
        << down.out;
    expect_all_gone();
    EXPECT_FALSE(std::filesystem::exists(state_file(dir_.path())));
    EXPECT_EQ(cluster({"down"}).out, "no cluster is running in " + dir_.str() + "\n");
    EXPECT_EQ(cluster({"status"}).exit_code, 1);
}

// Lab 12: five servers of which three vote; add n3 (a learner, then a voter), then
// remove the leader; the data written before is still there, and status shows the
// committed configuration.
TEST_F(ClusterCli, addAndRemoveServers) {
    auto r = cluster({"up", "--nodes", "5", "--voters", "3", "--impl", "solutions", "--proxy-control", "0"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    state_ = *read_live_state(dir_.path());
    ASSERT_EQ(kv({"put", "greeting", "hello"}).exit_code, 0);
    auto status = cluster({"status"});
    EXPECT_NE(status.out.find("configuration (committed): voters n0, n1, n2; learners none"), std::string::npos)
        << status.out;
    auto add = cluster({"add", "n3"});
    ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
    EXPECT_TRUE(std::regex_search(add.out, std::regex("^add n3: configuration entry [0-9]+ committed; waiting for n3 "
                                                      "to catch up and vote\nn3 votes; done in [0-9.]+ s\n$")))
        << add.out;
    auto again = cluster({"add", "n3"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_EQ(again.err, "raftlab cluster: n3 is a voter already\n");
    std::smatch m;
    status = cluster({"status"});
    ASSERT_TRUE(std::regex_search(status.out, m, std::regex("\nleader: (n[0-4]) "))) << status.out;
    const std::string leader = m[1];
    auto remove = cluster({"remove", leader});
    ASSERT_EQ(remove.exit_code, 0) << remove.out << remove.err;
    EXPECT_TRUE(std::regex_search(remove.out, std::regex("^remove " + leader + ": configuration entry [0-9]+ committed; "
                                                         "done in [0-9.]+ s\n$")))
        << remove.out;
    auto get = kv({"get", "greeting"});
    EXPECT_EQ(get.exit_code, 0) << get.err;
    EXPECT_EQ(get.out, "hello\n");
    std::string voters;
    for (std::string n : {"n0", "n1", "n2", "n3"})
        if (n != leader) voters += (voters.empty() ? "" : ", ") + n;
    for (int i = 0; i < 50; ++i) {  // a new leader reports the committed configuration
        status = cluster({"status"});
        if (status.out.find("configuration (committed): voters " + voters + "; learners none") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(status.out.find("configuration (committed): voters " + voters + "; learners none"), std::string::npos)
        << status.out;
    EXPECT_EQ(roles(status.out)[leader], "running/follower") << status.out;
    auto bad = cluster({"add", "n9"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_EQ(bad.err, "raftlab cluster: no node \"n9\" in this cluster; its nodes: n0, n1, n2, n3, n4\n");
    EXPECT_EQ(cluster({"down"}).exit_code, 0);
    expect_all_gone();
}

TEST_F(ClusterCli, daemonKilledWithSignal9_takesItsServersAlong) {
    up();
    ASSERT_EQ(processes_mentioning(dir_.str()).size(), 4u) << "the daemon and its 3 servers";
    ::kill(state_.daemon_pid, SIGKILL);
    expect_all_gone();
    EXPECT_EQ(cluster({"status"}).exit_code, 1) << "a stale state file means no cluster";
    EXPECT_FALSE(std::filesystem::exists(state_file(dir_.path())));
}

}  // namespace
}  // namespace raftlab::tools
