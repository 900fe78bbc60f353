// The JSON-lines format and the raftlab-check command.
#include "raftlab/history/checker.h"
#include "raftlab/history/generate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

using namespace raftlab::history;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/raftlab-history-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

/// Runs raftlab-check with arguments; returns (exit code, stdout + stderr).
std::pair<int, std::string> run_check(const std::string& args, const fs::path& dir) {
    fs::path out = dir / "out.txt";
    std::string cmd = std::string(RAFTLAB_CHECK_BIN) + " " + args + " > " + out.string() + " 2>&1";
    int status = std::system(cmd.c_str());
    std::ifstream in(out);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, {std::istreambuf_iterator<char>(in), {}}};
}

}  // namespace

TEST(HistoryFormat, roundTrip) {
    History h = generate_history({.operations = 200, .clients = 4, .keys = 3, .seed = 2});
    h[0].outcome = Outcome::indeterminate;
    h[1].outcome = Outcome::failed;
    for (const auto& op : h) {
        Operation back = parse_json_line(to_json_line(op));
        EXPECT_EQ(to_json_line(back), to_json_line(op));
    }
}

TEST(HistoryFormat, badLines_nameTheProblem) {
    auto error = [](const std::string& line) {
        try {
            parse_json_line(line);
        } catch (const HistoryFormatError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(error("{").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error(R"({"client":"a","seq":1,"op":"cas","key":"k","invoke":1,"return":2,"outcome":"ok"})").find("\"cas\""),
              std::string::npos);
    EXPECT_NE(error(R"({"client":"a","seq":1,"op":"get","key":"k","invoke":1,"return":2,"outcome":"ok"})").find("\"output\""),
              std::string::npos);
    EXPECT_NE(error(R"({"client":"a","seq":1,"op":"put","key":"k","value":"v","invoke":5,"return":2,"outcome":"ok"})")
                  .find("before"),
              std::string::npos);
}

TEST(RaftlabCheck, exitCodes) {
    TempDir dir;
    History h = generate_history({.operations = 2000, .clients = 5, .keys = 4, .seed = 4});
    save_history(h, dir.path / "ok.jsonl");
    auto [ok_code, ok_text] = run_check((dir.path / "ok.jsonl").string(), dir.path);
    EXPECT_EQ(ok_code, 0) << ok_text;
    EXPECT_EQ(ok_text.substr(0, 3), "ok\n");

    ASSERT_GE(plant_stale_read(h, 1), 0);
    save_history(h, dir.path / "bad.jsonl");
    fs::path html = dir.path / "bad.html";
    auto [bad_code, bad_text] = run_check((dir.path / "bad.jsonl").string() + " --html " + html.string(), dir.path);
    EXPECT_EQ(bad_code, 1) << bad_text;
    EXPECT_EQ(bad_text.substr(0, 8), "illegal\n");
    ASSERT_TRUE(fs::exists(html));
    EXPECT_GT(fs::file_size(html), 1000u);

    std::ofstream(dir.path / "broken.jsonl") << to_json_line(h[0]) << "\n{\"client\": 3}\n";
    auto [broken_code, broken_text] = run_check((dir.path / "broken.jsonl").string(), dir.path);
    EXPECT_EQ(broken_code, 2);
    EXPECT_NE(broken_text.find("broken.jsonl:2:"), std::string::npos) << broken_text;

    auto [missing_code, missing_text] = run_check((dir.path / "none.jsonl").string(), dir.path);
    EXPECT_EQ(missing_code, 2) << missing_text;

    // A folder, or a file with no operation in it, is a mistake, not an "ok".
    auto [dir_code, dir_text] = run_check(dir.path.string(), dir.path);
    EXPECT_EQ(dir_code, 2) << dir_text;
    EXPECT_NE(dir_text.find("is a folder"), std::string::npos) << dir_text;
    std::ofstream(dir.path / "empty.jsonl") << "\n";
    auto [empty_code, empty_text] = run_check((dir.path / "empty.jsonl").string(), dir.path);
    EXPECT_EQ(empty_code, 2) << empty_text;
    EXPECT_NE(empty_text.find("empty.jsonl: holds no operations"), std::string::npos) << empty_text;
    EXPECT_EQ(std::count(empty_text.begin(), empty_text.end(), '\n'), 1) << empty_text;
}

TEST(RaftlabCheck, budgetExhausted_exits3) {
    TempDir dir;
    History h = generate_history({.operations = 30000, .clients = 10, .keys = 1, .seed = 4});
    plant_stale_read(h, 2);
    save_history(h, dir.path / "big.jsonl");
    auto [code, text] = run_check((dir.path / "big.jsonl").string() + " --budget-ms 1", dir.path);
    EXPECT_EQ(code, 3) << text;
    EXPECT_EQ(text.substr(0, 8), "unknown\n");
}
