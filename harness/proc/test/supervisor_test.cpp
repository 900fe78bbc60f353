// Tests of the process supervisor with real processes (raftlab/proc/supervisor.h).
#include "raftlab/proc/supervisor.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace raftlab::proc;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// A temporary directory removed at the end of the test, even on failure.
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/raftlab-proc-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

/// True while the process exists and is not a zombie.
bool alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return ::kill(pid, 0) == 0;
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

bool gone_within(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alive(pid)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

ClusterConfig echo_cluster(const TempDir& dir, int nodes, const std::vector<std::string>& extra = {}) {
    ClusterConfig c;
    c.log_dir = dir.path / "logs";
    c.ready_timeout = 10s;
    for (int i = 0; i < nodes; ++i) {
        NodeSpec n;
        n.id = "n" + std::to_string(i + 1);
        n.ports["client"] = pick_free_port();
        n.ready_port = "client";
        n.data_dir = dir.path / n.id;
        n.binary = RAFTLAB_ECHO_SERVER;
        n.args = {"--port", "{port:client}", "--data", "{data_dir}", "--max-seconds", "60"};
        n.args.insert(n.args.end(), extra.begin(), extra.end());
        c.nodes.push_back(n);
    }
    return c;
}

/// Sends "ping" and expects it back within `timeout`.
bool echoes(int port, std::chrono::milliseconds timeout) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect({asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)}, ec);
    if (ec) return false;
    asio::write(s, asio::buffer("ping", 4), ec);
    char buf[4];
    bool got = false;
    asio::async_read(s, asio::buffer(buf), [&](auto e, std::size_t) { got = !e; });
    io.run_for(timeout);
    return got && std::string(buf, 4) == "ping";
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(Supervisor, startAll_readyAndLogged) {
    TempDir dir;
    Supervisor s(echo_cluster(dir, 3));
    s.start_all();
    for (const auto& n : s.config().nodes) {
        EXPECT_EQ(s.state(n.id), NodeState::running);
        EXPECT_TRUE(echoes(n.ports.at("client"), 5s)) << n.id;
        // The server prints just after it starts listening: wait (bounded) for the line.
        bool logged = false;
        for (int i = 0; i < 250 && !logged; ++i) {
            logged = read_file(s.log_path(n.id)).find("listening on") != std::string::npos;
            if (!logged) std::this_thread::sleep_for(20ms);
        }
        EXPECT_TRUE(logged) << n.id << " log: " << read_file(s.log_path(n.id));
    }
}

// Asio opens its sockets without close-on-exec, so a node started while the harness
// holds a socket would keep a copy of it: closing or resetting it in the harness then
// did nothing while the node lived. The fault proxy met exactly this: a connection it
// reset at start-up stayed open inside a server process, and the link that used it was
// silently dead. A socket the harness closes must really close.
TEST(Supervisor, start_nodesDoNotInheritHarnessSockets) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::acceptor held(io, {asio::ip::address_v4::loopback(), 0});
    const int port = held.local_endpoint().port();
    ASSERT_EQ(::fcntl(held.native_handle(), F_GETFD) & FD_CLOEXEC, 0) << "the premise: asio sets no FD_CLOEXEC";
    TempDir dir;
    Supervisor s(echo_cluster(dir, 1));
    s.start_all();
    held.close();
    EXPECT_FALSE(port_accepts(port, 1s)) << "port " << port << " still accepts after the harness closed it: node n1 "
                                         << "inherited the listening socket";
    // And the node itself is fine.
    EXPECT_TRUE(echoes(s.config().nodes[0].ports.at("client"), 5s));
}

TEST(Supervisor, killAndRestart_sameDataDir) {
    TempDir dir;
    Supervisor s(echo_cluster(dir, 1));
    s.start_all();
    pid_t first = s.pid("n1");
    s.kill("n1");
    EXPECT_EQ(s.state("n1"), NodeState::stopped);
    EXPECT_TRUE(gone_within(first, 5s));
    EXPECT_FALSE(port_accepts(s.config().nodes[0].ports.at("client")));
    s.restart("n1");
    EXPECT_NE(s.pid("n1"), first);
    EXPECT_TRUE(echoes(s.config().nodes[0].ports.at("client"), 5s));
    std::string starts = read_file(dir.path / "n1" / "starts");
    EXPECT_EQ(std::count(starts.begin(), starts.end(), '\n'), 2) << starts;
    EXPECT_TRUE(s.take_deaths().empty()) << "a kill on purpose is not a death";
}

TEST(Supervisor, pauseResume_stopsAnswering) {
    TempDir dir;
    Supervisor s(echo_cluster(dir, 1));
    s.start_all();
    int port = s.config().nodes[0].ports.at("client");
    s.pause("n1");
    EXPECT_EQ(s.state("n1"), NodeState::paused);
    EXPECT_FALSE(echoes(port, 300ms)) << "a stopped process must not answer";
    s.resume("n1");
    EXPECT_TRUE(echoes(port, 5s));
}

TEST(Supervisor, takeDeaths_reportsStatusAndLog) {
    TempDir dir;
    Supervisor s(echo_cluster(dir, 1, {"--exit-after-ms", "300", "--exit-code", "3"}));
    s.start_all();
    std::vector<DeathReport> deaths;
    for (int i = 0; i < 250 && deaths.empty(); ++i) {
        std::this_thread::sleep_for(20ms);
        deaths = s.take_deaths();
    }
    ASSERT_EQ(deaths.size(), 1u);
    EXPECT_EQ(deaths[0].id, "n1");
    EXPECT_FALSE(deaths[0].status.signaled);
    EXPECT_EQ(deaths[0].status.code, 3);
    std::string text = deaths[0].describe();
    EXPECT_NE(text.find("node n1 exited with status 3"), std::string::npos) << text;
    EXPECT_NE(text.find("exiting with code 3 as asked"), std::string::npos) << text;
    EXPECT_EQ(s.state("n1"), NodeState::dead);
    EXPECT_TRUE(s.take_deaths().empty()) << "each death is reported once";
}

TEST(Supervisor, start_failingBinaryNamesNode) {
    TempDir dir;
    auto c = echo_cluster(dir, 1, {"--bogus"});
    Supervisor s(c);
    try {
        s.start_all();
        FAIL() << "expected ProcessError";
    } catch (const ProcessError& e) {
        std::string text = e.what();
        EXPECT_NE(text.find("node n1 exited with status 2"), std::string::npos) << text;
        EXPECT_NE(text.find("unknown argument --bogus"), std::string::npos) << text;
    }
}

TEST(Supervisor, kill_reachesForkedHelpers) {
    TempDir dir;
    Supervisor s(echo_cluster(dir, 1, {"--fork-helper"}));
    s.start_all();
    pid_t helper = 0;
    for (int i = 0; i < 100 && helper == 0; ++i) {
        std::string log = read_file(s.log_path("n1"));
        auto at = log.find("helper ");
        if (at != std::string::npos) helper = std::atoi(log.c_str() + at + 7);
        else std::this_thread::sleep_for(20ms);
    }
    ASSERT_GT(helper, 0);
    s.kill("n1");
    EXPECT_TRUE(gone_within(helper, 5s)) << "the whole process group must die";
}

TEST(Supervisor, restart_fromShortLivedThreadSurvivesIt) {
    TempDir dir;
    Supervisor s(echo_cluster(dir, 1));
    s.start_all();
    std::thread([&] { s.restart("n1"); }).join();  // the thread is gone now
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(s.state("n1"), NodeState::running);
    EXPECT_TRUE(echoes(s.config().nodes[0].ports.at("client"), 5s));
    EXPECT_TRUE(s.take_deaths().empty());
}

/// Starts the stand-in harness, waits for its children, then signals it.
void harness_dies_children_die(int signal) {
    TempDir dir;
    auto c = echo_cluster(dir, 3);
    std::ofstream yaml(dir.path / "cluster.yaml");
    yaml << "log_dir: " << c.log_dir.string() << "\nnodes:\n";
    for (const auto& n : c.nodes)
        yaml << "  - {id: " << n.id << ", binary: " << RAFTLAB_ECHO_SERVER << ", ports: {client: " << n.ports.at("client")
             << "}, data_dir: " << n.data_dir.string() << ", args: [--port, \"{port:client}\", --fork-helper]}\n";
    yaml.close();
    fs::path pidfile = dir.path / "pids";
    pid_t host = ::fork();
    if (host == 0) {
        ::execl(RAFTLAB_SUPERVISOR_HOST, RAFTLAB_SUPERVISOR_HOST, (dir.path / "cluster.yaml").c_str(), pidfile.c_str(), nullptr);
        ::_exit(127);
    }
    for (int i = 0; i < 500 && !fs::exists(pidfile); ++i) std::this_thread::sleep_for(20ms);
    std::vector<pid_t> children;
    std::ifstream in(pidfile);
    for (pid_t p; in >> p;) children.push_back(p);
    ::kill(host, signal);
    int status = 0;
    ::waitpid(host, &status, 0);
    ASSERT_EQ(children.size(), 3u) << "the host did not start its cluster";
    for (pid_t child : children) EXPECT_TRUE(gone_within(child, 10s)) << "child " << child << " outlived its harness";
}

TEST(Supervisor, noOrphans_harnessKilledWith9) { harness_dies_children_die(SIGKILL); }

TEST(Supervisor, noOrphans_harnessGetsSigterm) { harness_dies_children_die(SIGTERM); }
