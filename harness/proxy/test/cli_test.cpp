// The raftlab-proxy command: `serve` in a real process, controlled by the CLI.
#include "proxy_test_util.h"

#include "raftlab/proc/supervisor.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace raftlab::proxy::test;

namespace {

/// Runs the CLI; returns (exit code, output).
std::pair<int, std::string> cli(const std::string& args) {
    char tmpl[] = "/tmp/raftlab-cli-XXXXXX";
    int fd = ::mkstemp(tmpl);
    ::close(fd);
    std::string cmd = std::string(RAFTLAB_PROXY_BIN) + " " + args + " > " + tmpl + " 2>&1";
    int status = std::system(cmd.c_str());
    std::ifstream in(tmpl);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    ::unlink(tmpl);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

/// `raftlab-proxy serve` as a child process, stopped (and reaped) at scope exit.
struct ServedProxy {
    pid_t pid = -1;
    int control = raftlab::proc::pick_free_port();
    int listen = raftlab::proc::pick_free_port();

    explicit ServedProxy(int target) {
        std::string link = "c:s:" + std::to_string(listen) + ":" + std::to_string(target);
        std::string port = std::to_string(control);
        pid = ::fork();
        if (pid == 0) {
            int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, 1);
            ::execl(RAFTLAB_PROXY_BIN, RAFTLAB_PROXY_BIN, "serve", "--link", link.c_str(), "--control", port.c_str(), nullptr);
            ::_exit(127);
        }
        for (int i = 0; i < 250 && !raftlab::proc::port_accepts(control); ++i) std::this_thread::sleep_for(20ms);
    }
    ~ServedProxy() {
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
};

}  // namespace

TEST(ProxyCli, serveAndControl) {
    EchoServer echo;
    ServedProxy proxy(echo.port());
    std::string control = "--control " + std::to_string(proxy.control);
    auto [code, text] = cli(control + " fault 'c->s' --direction forward --latency-ms 60");
    ASSERT_EQ(code, 0) << text;
    Client c(proxy.listen);
    std::optional<std::string> echoed;
    double ms = time_ms([&] { c.send("x"), echoed = c.receive(1); });
    EXPECT_EQ(echoed, "x");
    EXPECT_GE(ms, 60.0);
    auto [s_code, status] = cli(control + " status");
    EXPECT_EQ(s_code, 0);
    EXPECT_NE(status.find("\"latency_ms\":60"), std::string::npos) << status;
    EXPECT_EQ(cli(control + " partition c s").first, 0);
    EXPECT_NE(cli(control + " status").second.find("cut->"), std::string::npos);
    EXPECT_EQ(cli(control + " heal-all").first, 0);
    auto [bad_code, bad] = cli(control + " down nope");
    EXPECT_EQ(bad_code, 1);
    EXPECT_NE(bad.find("no link named 'nope'"), std::string::npos) << bad;
}

TEST(ProxyCli, noProxy_exit2WithHint) {
    auto [code, text] = cli("--control " + std::to_string(raftlab::proc::pick_free_port()) + " status");
    EXPECT_EQ(code, 2);
    EXPECT_NE(text.find("no proxy control endpoint"), std::string::npos) << text;
    auto [usage, usage_text] = cli("serve --link nonsense");
    EXPECT_EQ(usage, 2);
    EXPECT_NE(usage_text.find("FROM:TO:LISTEN_PORT:TARGET_PORT"), std::string::npos) << usage_text;
}
