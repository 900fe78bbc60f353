// A smoke run of `./raftlab bench kv` with tiny durations against the solutions'
// server. etcd is not part of `./raftlab test`'s packages, so these runs measure the
// solution only: once by request (--no-etcd, exit 0) and once with etcd missing
// (exit 1 with the install line: never a silent pass).
#include "tool_test_util.h"

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

namespace raftlab::tools {
namespace {

using test::run_tool;
using test::ScratchDir;

const std::vector<std::string> kTiny = {"--warmup", "0.5", "--seconds", "1", "--clients", "8"};

std::vector<std::string> with(std::vector<std::string> args) {
    args.insert(args.end(), kTiny.begin(), kTiny.end());
    return args;
}

TEST(BenchKv, noEtcd_printsTheSolutionRowAndJson) {
    ScratchDir dir;
    std::string json_file = (dir.path() / "bench.json").string();
    auto r = run_tool(RAFTLAB_BENCH_KV_BIN, with({"--no-etcd", "--json", json_file}));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("8 closed-loop clients"), std::string::npos) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\nsystem +ops/s +p50 ms +p99 ms +max ms +errors\n"))) << r.out;
    std::smatch row;
    ASSERT_TRUE(std::regex_search(r.out, row, std::regex("\nraftlab solutions +([0-9]+) +([0-9.]+) +([0-9.]+) "))) << r.out;
    EXPECT_GT(std::stod(row[1]), 0.0);
    EXPECT_NE(r.out.find("\netcd                   not measured (--no-etcd)\n"), std::string::npos) << r.out;

    std::ifstream in(json_file);
    std::stringstream text;
    text << in.rdbuf();
    auto line = boost::json::parse(text.str()).as_object();
    EXPECT_EQ(line.at("bench").as_string(), "kv");
    EXPECT_GT(line.at("solution").at("ops").to_number<double>(), 0);
    EXPECT_TRUE(line.at("etcd").is_null());
}

TEST(BenchKv, etcdMissing_exit1WithTheInstallLine) {
    ::setenv("RAFTLAB_ETCD", "/nonexistent/etcd", 1);
    auto r = run_tool(RAFTLAB_BENCH_KV_BIN, with({}));
    ::unsetenv("RAFTLAB_ETCD");
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\nraftlab solutions +[0-9]+ "))) << r.out;
    EXPECT_NE(r.out.find("etcd                   not measured: /nonexistent/etcd ($RAFTLAB_ETCD) is missing; install it with: "
                         "apt-get install -y etcd-server etcd-client"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.err.find("etcd baseline not measured"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace raftlab::tools
