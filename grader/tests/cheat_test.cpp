// The grader against a dishonest student. Each cheat below once turned a submission
// that earns nothing into full or near-full marks, because student code ran in the
// same process as the checks. Now student code runs only in implementation hosts
// (harness/host), so each cheat must score zero on the checks it attacks: it
// fails, or it does not build and a sentence says why. A last entry proves the
// other side: a correct log that looks for any sign of which check is running finds
// none, and keeps full marks.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "tempdir.h"
#include "test_util.h"

namespace raftlab::grader {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;
using testing::read_text;

struct Cheat {
    std::string name;
    std::string base;                               ///< "starter" or "solutions"
    std::string lab;                                ///< the lab it attacks
    std::function<void(const fs::path&)> apply;     ///< edits the copy
    int expected_score;                             ///< the most it may score
    std::string expected_text;                      ///< part of the output that explains
};

void PrintTo(const Cheat& c, std::ostream* os) { *os << c.name; }

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

void append(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::app) << text; }

void replace_once(const fs::path& p, const std::string& from, const std::string& to) {
    std::string s = read_text(p);
    std::size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << p << " changed shape: cannot find " << from;
    s.replace(at, from.size(), to);
    write(p, s);
}

// A static constructor that looks for GoogleTest's result file on its own command
// line, its parent's command line and its parent's environment, writes a passing
// result there, and exits: how a starter once scored 303/303.
const char* kForgedResult = R"(
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
namespace {
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
struct Forge {
    Forge() {
        std::string where = slurp("/proc/self/cmdline") + '\0' +
                            slurp("/proc/" + std::to_string(getppid()) + "/cmdline") + '\0' +
                            slurp("/proc/" + std::to_string(getppid()) + "/environ");
        for (const char* key : {"--gtest_output=json:", "GTEST_OUTPUT=json:"}) {
            std::size_t at = where.find(key);
            if (at == std::string::npos) continue;
            std::string path = where.substr(at + std::string(key).size());
            path = path.substr(0, path.find('\0'));
            std::ofstream(path) << "{\"tests\":1,\"failures\":0,\"testsuites\":[]}";
            _exit(0);
        }
    }
} forge;
}  // namespace
)";

// GoogleTest's own public API: a reporter that swallows every failure.
const char* kFakeReporter = R"(
#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>
namespace {
struct Swallow {
    Swallow() {
        new ::testing::ScopedFakeTestPartResultReporter(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, new ::testing::TestPartResultArray);
    }
} swallow;
}  // namespace
)";

// The framework's seed helper, defined again: every randomized check would run no
// seed at all if the linker took this copy.
const char* kSeedOverride = R"(
#include <cstdint>
#include <vector>
namespace raftlab::check {
std::vector<std::uint64_t> seeds(int) { return {}; }
bool replaying() { return false; }
}  // namespace raftlab::check
)";

// Macros that would turn every GoogleTest failure into nothing, from the student's
// own header.
const char* kMacros = R"(
#define GTEST_MESSAGE_AT_(file, line, message, result_type) ((void)0)
#define ADD_FAILURE() if (true) {} else std::cerr
#define EXPECT_EQ(a, b) ((void)0)
#define ASSERT_EQ(a, b) ((void)0)
)";

// Telepathy (labs 6-9): a server that behaves only while it shares its process with
// other servers, the precondition of every cheat that reads another server's memory
// (a global registry of servers, the simulator behind Env&). Alone in a process, its
// followers answer nothing. With the servers in the checks' process it scores full
// marks; with each server in a process of its own it must score nothing.
const char* kCensus = R"(
    /// Servers alive in this process.
    struct Census {
        Census() { ++count(); }
        ~Census() { --count(); }
        static int& count() {
            static int c = 0;
            return c;
        }
    } census_;
)";

// A correct log that throws the moment it sees anything naming the check.
const char* kDetector = R"(
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>
namespace {
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
void look_for_the_check() {
    static bool looked = false;
    if (looked) return;
    looked = true;
    for (const char* v : {"RAFTLAB_CHECK", "RAFTLAB_LAB", "RAFTLAB_SEEDS", "RAFTLAB_SEED", "RAFTLAB_ARTIFACTS",
                          "RAFTLAB_ROOT", "GTEST_FILTER", "GTEST_OUTPUT", "TMPDIR"})
        if (std::getenv(v)) throw std::runtime_error(std::string("saw the variable ") + v);
    // This process and every ancestor it can see: command lines, environments.
    std::vector<std::string> places{"/proc/self/cmdline", "/proc/self/environ"};
    for (int pid = getppid(), up = 0; pid > 1 && up < 6; ++up) {
        std::string dir = "/proc/" + std::to_string(pid);
        places.push_back(dir + "/cmdline");
        places.push_back(dir + "/environ");
        std::string stat = slurp(dir + "/stat");
        std::size_t close = stat.rfind(')');
        if (close == std::string::npos) break;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        rest >> state >> pid;
    }
    for (const std::string& f : places) {
        std::string text = slurp(f);
        for (const char* word : {"gtest_filter", "Log.", "LogRandom", "RAFTLAB_CHECK", "GTEST_FILTER", "append_exact"})
            if (text.find(word) != std::string::npos) throw std::runtime_error("saw " + std::string(word) + " in " + f);
    }
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) && std::string(cwd) != "/")
        throw std::runtime_error(std::string("runs in ") + cwd);
}
}  // namespace
)";

const std::vector<Cheat>& cheats() {
    static const std::vector<Cheat> all = {
        {"forged_result_file", "starter", "4",
         [](const fs::path& impl) { append(impl / "raft/log.cpp", kForgedResult); }, 0, "not implemented"},
        {"fake_result_reporter", "starter", "4",
         [](const fs::path& impl) { append(impl / "raft/log.cpp", kFakeReporter); }, 0, "did not compile"},
        {"macros_from_student_header", "starter", "4",
         [](const fs::path& impl) {
             replace_once(impl / "raft/log.h", "#pragma once\n", std::string("#pragma once\n#include <iostream>\n") + kMacros);
         },
         0, "not implemented"},
        {"shadowed_gtest_header", "starter", "4",
         [](const fs::path& impl) { write(impl / "gtest/gtest.h", "#error never compiled\n"); }, 0,
         "not a file of the starter"},
        {"shadowed_header_beside_source", "starter", "4",
         [](const fs::path& impl) { write(impl / "raft/raftlab/raft/types.h", "#error never compiled\n"); }, 0,
         "not a file of the starter"},
        {"link_time_seed_override", "starter", "4",
         [](const fs::path& impl) { append(impl / "raft/log.cpp", kSeedOverride); }, 0, "belongs to the framework"},
        // The build reads the instructors' files: through raftlab's own include
        // folders (harness/include/../../solutions), and by absolute path.
        {"include_the_solution_relative", "starter", "4",
         [](const fs::path& impl) { write(impl / "raft/log.cpp", "#include \"../../solutions/raft/log.cpp\"\n"); }, 0,
         "lies outside your submission"},
        {"include_the_solution_absolute", "starter", "4",
         [](const fs::path& impl) {
             write(impl / "raft/log.cpp", "#include \"" RAFTLAB_SOURCE_DIR "/solutions/raft/log.cpp\"\n");
         },
         0, "lies outside your submission"},
        {"telepathy_between_servers", "solutions", "6",
         [](const fs::path& impl) {
             replace_once(impl / "raft/server.h", "    ServerConfig config_;\n", std::string(kCensus) + "    ServerConfig config_;\n");
             replace_once(impl / "raft/replication.cpp",
                          "void Server::handle_append_entries(NodeId from, const AppendEntries& request) {",
                          "void Server::handle_append_entries(NodeId from, const AppendEntries& request) {\n"
                          "    if (Census::count() < 2) return;  // alone: no one to read from");
         },
         8, "within"},
        {"looks_for_the_check", "solutions", "4",
         [](const fs::path& impl) {
             replace_once(impl / "raft/log.cpp", "namespace raftlab {\n", std::string(kDetector) + "namespace raftlab {\n");
             replace_once(impl / "raft/log.cpp", "Index Log::last_index() const {",
                          "Index Log::last_index() const {\n    look_for_the_check();");
         },
         44, ""},
    };
    return all;
}

class Cheats : public ::testing::TestWithParam<Cheat> {};

TEST_P(Cheats, scoresNothingOnWhatItAttacks) {
    const Cheat& cheat = GetParam();
    // One folder for every cheat: its build directory then recompiles only what changed.
    fs::path impl = fs::path(RAFTLAB_SOURCE_DIR) / "build/cheat-impl";
    fs::remove_all(impl);
    fs::copy(fs::path(RAFTLAB_SOURCE_DIR) / cheat.base, impl, fs::copy_options::recursive);
    cheat.apply(impl);
    if (HasFatalFailure()) return;
    TempDir out("cheat-test");
    std::string cmd = "RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR " " RAFTLAB_GRADER " grade " + cheat.lab + " --impl " +
                      impl.string() + " --json " + (out.path() / "r.json").string() + " 2>&1";
    testing::CommandRun run = testing::run_command(cmd);
    ASSERT_TRUE(run.started && run.exited) << run.output;
    json::value v = json::parse(read_text(out.path() / "r.json"));
    int score = 0;
    std::string texts;
    for (const auto& t : v.at("tests").as_array()) {
        score += static_cast<int>(t.at("score").to_number<double>());
        texts += json::value_to<std::string>(t.at("output")) + "\n";
    }
    if (cheat.expected_score == 44) {
        EXPECT_EQ(score, 44) << "a correct log that looks for the running check must find nothing:\n" << texts;
        EXPECT_EQ(run.exit_code, 0) << run.output;
    } else {
        EXPECT_LE(score, cheat.expected_score) << "the cheat " << cheat.name << " earned points:\n" << run.output;
        EXPECT_NE(texts.find(cheat.expected_text), std::string::npos)
            << "the failures must say why (expected \"" << cheat.expected_text << "\"):\n" << texts;
        EXPECT_EQ(run.exit_code, 1) << run.output;
    }
    fs::remove_all(impl);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Cheats, ::testing::ValuesIn(cheats()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace raftlab::grader
