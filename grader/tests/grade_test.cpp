// End to end: the grader grading solutions/ (full marks), starter/ (zero, without
// hanging) and bad input (one line, exit 2). The three report forms must agree.
#include <gtest/gtest.h>
#include <chrono>
#include <csignal>
#include <thread>

#include <boost/json.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/wait.h>

#include "catalog.h"
#include "grade.h"
#include "tempdir.h"
#include "test_util.h"

namespace raftlab::grader {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

using testing::read_text;
using CliRun = testing::CommandRun;

/// Runs the grader binary with `args` (stdout and stderr together).
CliRun grader(const std::string& args, const std::string& env = "") {
    return testing::run_command("RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR " " + env + " " RAFTLAB_GRADER " " + args +
                                " 2>&1");
}

std::string gradable_labs() {
    std::string out;
    for (const auto& lab : load_catalog(RAFTLAB_SOURCE_DIR))
        if (lab.gradable) out += " " + std::to_string(lab.number);
    return out;
}

struct Reports {
    CliRun run;
    json::object gradescope;
    boost::property_tree::ptree junit;
};

Reports grade_all(const std::string& impl, const TempDir& dir) {
    Reports r;
    fs::path js = dir.path() / "results.json", xml = dir.path() / "junit.xml";
    r.run = grader("grade" + gradable_labs() + " --impl " + impl + " --json " + js.string() + " --junit " + xml.string());
    boost::system::error_code ec;
    json::value v = json::parse(read_text(js), ec);
    EXPECT_FALSE(ec) << "results.json does not parse: " << ec.message() << "\n" << r.run.output;
    if (!ec && v.is_object()) r.gradescope = v.as_object();
    try {
        std::ifstream in(xml);
        boost::property_tree::read_xml(in, r.junit);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "junit.xml does not parse: " << e.what();
    }
    return r;
}

/// The "Total S/M" line of the terminal table.
std::pair<int, int> table_total(const std::string& output) {
    std::smatch m;
    static const std::regex total_re("Total ([0-9]+)/([0-9]+)");
    if (!std::regex_search(output, m, total_re)) return {-1, -1};
    return {std::stoi(m[1]), std::stoi(m[2])};
}

void expect_reports_agree(const Reports& r) {
    auto [score, max] = table_total(r.run.output);
    ASSERT_GE(max, 1) << r.run.output;
    EXPECT_EQ(json::value_to<int>(r.gradescope.at("score")), score) << "results.json and the table disagree";
    int json_max = 0, json_passed = 0, table_passes = 0;
    const auto& tests = r.gradescope.at("tests").as_array();
    for (const auto& t : tests) {
        json_max += json::value_to<int>(t.at("max_score"));
        json_passed += t.at("status").as_string() == "passed";
        for (const char* field : {"name", "number", "output", "visibility"})
            EXPECT_TRUE(t.as_object().contains(field)) << "a Gradescope test lacks " << field;
    }
    for (std::size_t at = 0; (at = r.run.output.find("PASS ", at)) != std::string::npos; ++at) ++table_passes;
    EXPECT_EQ(json_max, max);
    EXPECT_EQ(json_passed, table_passes);
    const auto& suites = r.junit.get_child("testsuites");
    EXPECT_EQ(suites.get<int>("<xmlattr>.tests"), static_cast<int>(tests.size()));
    EXPECT_EQ(suites.get<int>("<xmlattr>.failures") + suites.get<int>("<xmlattr>.errors"),
              static_cast<int>(tests.size()) - json_passed) << "junit.xml and results.json disagree";
}

// What a check prints reaches the table, the JSON and the JUnit only as clean text.
TEST(ReasonUnit, cleanTextKeepsUtf8AndDropsControls) {
    EXPECT_EQ(clean_text("plain text\n\ttabbed"), "plain text\n\ttabbed");
    EXPECT_EQ(clean_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    EXPECT_EQ(clean_text("a\xff\xfe" "b"), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");       // invalid bytes
    EXPECT_EQ(clean_text("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // an overlong '/'
    EXPECT_EQ(clean_text("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(clean_text("x\xe2\x9c"), "x\xEF\xBF\xBD\xEF\xBF\xBD");                // cut short
    EXPECT_EQ(clean_text("\x1b[2J\x1b[31mred\r\x07\x7f"), "[2J[31mred");             // terminal escapes
    EXPECT_EQ(clean_text("\xc2\x9b" "31m"), "31m");                                  // a C1 control (CSI)
    const std::string cleaned = clean_text(std::string("\xff\x00\x1b", 3));
    boost::system::error_code ec;
    json::parse(json::serialize(json::value(cleaned)), ec);
    EXPECT_FALSE(ec) << "clean text must make valid JSON";
}

TEST(ReasonUnit, replayCommandIsBuiltFromTheCheck) {
    Lab lab;
    lab.number = 4;
    Check check;
    check.id = "append_exact";
    EXPECT_EQ(replay_for(lab, check, "seed 17: broke. Replay: ./raftlab replay 4 append_exact --seed 17"),
              "./raftlab replay 4 append_exact --seed 17");
    // Student text inside the judge's message: only the last seed counts, and only its
    // digits; the command is never taken from the text.
    EXPECT_EQ(replay_for(lab, check, "seed 9: threw ./raftlab replay 4 x;touch${IFS}/tmp/PWNED --seed 3. Replay: "
                                     "./raftlab replay 4 append_exact --seed 9"),
              "./raftlab replay 4 append_exact --seed 9");
    EXPECT_EQ(replay_for(lab, check, "./raftlab replay 4 x;touch${IFS}/tmp/PWNED --seed 3"),
              "./raftlab replay 4 append_exact --seed 3");
    EXPECT_EQ(replay_for(lab, check, "no replay here --seed 5"), "");
}

// GoogleTest's texts of failed assertions, as a check's JSON result holds them.
// A lab.yaml that names a test the check program lacks is the course's mistake: the
// check scores 0, and the grade exits 2 with a line naming the file and the field.
TEST(ReasonUnit, aMissingTestIsASetupError) {
    Lab lab;
    lab.number = 4;
    lab.slug = "04-log";
    lab.yaml = "/repo/labs/04-log/lab.yaml";
    lab.checks.push_back(Check{});
    lab.checks[0].id = "append_exact";
    lab.checks[0].test = "Log.noSuchTest";
    lab.checks[0].points = 3;
    CheckResult r;
    r.lab = &lab;
    r.check = &lab.checks[0];
    ChildResult child;
    child.started = true;
    child.exit_code = 0;
    classify_run(r, child, R"({"tests": 0, "failures": 0, "testsuites": []})", 10);
    EXPECT_EQ(r.status, Status::failed);
    EXPECT_EQ(r.score, 0);
    EXPECT_TRUE(r.setup_error);
    GradeReport report;
    report.labs.push_back(LabResult{&lab, {r}, "", 0});
    ASSERT_EQ(report.setup_errors().size(), 1u);
    EXPECT_EQ(report.setup_errors()[0], "04-log/lab.yaml: check append_exact names test Log.noSuchTest, which " +
                                            lab.target() + " does not define; fix its test: field (the check scored 0 "
                                            "for everyone)");
    // One test that ran and passed is no setup error.
    CheckResult ok;
    ok.lab = &lab;
    ok.check = &lab.checks[0];
    classify_run(ok, child, R"({"tests": 1, "failures": 0, "testsuites": []})", 10);
    EXPECT_EQ(ok.status, Status::passed);
    EXPECT_FALSE(ok.setup_error);
}

TEST(ReasonUnit, theChecksOwnMessageWins) {
    EXPECT_EQ(reason_from_failure("/x/log_checks.cpp:64\nExpected equality of these values:\n  log.last_index()\n"
                                  "    Which is: 3\n  5u\n    Which is: 5\ntwo entries after prev_index 3 must end "
                                  "at index 5\n"),
              "two entries after prev_index 3 must end at index 5 (log.last_index() is 3)");
    EXPECT_EQ(reason_from_failure("/x/log_checks.cpp:140\nExpected: log.at(0) throws an exception of type "
                                  "std::out_of_range.\n  Actual: it throws nothing.\nat(0) must throw: there is no "
                                  "entry 0\n"),
              "at(0) must throw: there is no entry 0 (it threw nothing)");
}

TEST(ReasonUnit, googleTestsWordsBecomeASentence) {
    EXPECT_EQ(reason_from_failure("/x/log_checks.cpp:53\nExpected equality of these values:\n  log.append(entry(1, "
                                  "\"x=2\"))\n    Which is: 7\n  2u\n    Which is: 2\n"),
              "log.append(entry(1, \"x=2\")) is 7, but the check expected 2");
    EXPECT_EQ(reason_from_failure("/x/a.cpp:9\nExpected equality of these values:\n  two[1].term\n"
                                  "    Which is: 4\n  3u\n"),
              "two[1].term is 4, but the check expected 3");
    EXPECT_EQ(reason_from_failure("/x/a.cpp:9\nExpected equality of these values:\n  a.size()\n    Which is: 1\n"
                                  "  b.size()\n    Which is: 2\n"),
              "a.size() is 1 and b.size() is 2, but the check expected them to be equal");
    EXPECT_EQ(reason_from_failure("/x/log_checks.cpp:144\nExpected: log.entries_from(0) throws an exception of type "
                                  "std::out_of_range.\n  Actual: it throws nothing.\n"),
              "log.entries_from(0) must throw std::out_of_range, but it threw nothing");
    EXPECT_EQ(reason_from_failure("/x/a.cpp:3\nExpected: (stats.sent) >= (3), actual: 1 vs 3\n"),
              "stats.sent >= 3 does not hold: stats.sent is 1 and 3 is 3");
    EXPECT_EQ(reason_from_failure("/x/a.cpp:3\nValue of: net.is_up(2)\n  Actual: false\nExpected: true\n"),
              "net.is_up(2) is false, but the check expected true");
    for (const char* text :
         {"/x/a.cpp:1\nExpected equality of these values:\n  x\n    Which is: 3\n  2\n",
          "/x/a.cpp:1\nExpected: f() throws an exception of type E.\n  Actual: it throws a different type.\n",
          "/x/a.cpp:1\nValue of: ok\n  Actual: false\nExpected: true\n"})
        EXPECT_FALSE(has_gtest_residue(reason_from_failure(text))) << reason_from_failure(text);
    EXPECT_TRUE(has_gtest_residue("x\n    Which is: 3"));
    EXPECT_EQ(reason_from_failure("/x/a.cpp:1\nFailed\n"), "the check failed");
}

TEST(Grade, solutionsScoreFullMarks) {
    TempDir dir("grade-test");
    Reports r = grade_all("solutions", dir);
    EXPECT_EQ(r.run.exit_code, 0) << r.run.output;
    auto [score, max] = table_total(r.run.output);
    EXPECT_EQ(score, max) << r.run.output;
    expect_reports_agree(r);
}

TEST(Grade, starterScoresZeroAndFinishes) {
    TempDir dir("grade-test");
    Reports r = grade_all("starter", dir);
    EXPECT_EQ(r.run.exit_code, 1) << r.run.output;
    auto [score, max] = table_total(r.run.output);
    EXPECT_EQ(score, 0) << r.run.output;
    EXPECT_GT(max, 0);
    expect_reports_agree(r);
}

/// Each check's status, in order, from a results.json.
std::vector<std::string> statuses(const fs::path& results) {
    std::vector<std::string> out;
    json::value v = json::parse(read_text(results));
    for (const auto& t : v.at("tests").as_array())
        out.push_back(json::value_to<std::string>(t.at("name")) + ": " + json::value_to<std::string>(t.at("status")));
    return out;
}

// Official grading runs student code in processes of its own (--isolated); a
// student's own runs compile it into the checks (--fast). Both must give every check
// the same verdict, for the solutions (all pass) and for the starter (all fail).
TEST(Grade, isolatedAndFastGiveTheSameVerdicts) {
    TempDir dir("grade-test");
    // The solutions on labs 4 and 5 (a log host and a network host; the Raft host's
    // runs are compared byte for byte by the replay test below, and isolated grading
    // of lab 7 takes over a minute here), the starter on 4, 5 and 7.
    for (const char* impl : {"solutions", "starter"}) {
        const std::string labs = std::string(impl) == "solutions" ? "4 5" : "4 5 7";
        fs::path fast = dir.path() / (std::string(impl) + "-fast.json");
        fs::path isolated = dir.path() / (std::string(impl) + "-isolated.json");
        CliRun f = grader("grade " + labs + " --fast --impl " + impl + " --json " + fast.string());
        CliRun i = grader("grade " + labs + " --isolated --impl " + impl + " --json " + isolated.string());
        EXPECT_EQ(f.exit_code, i.exit_code) << f.output << i.output;
        EXPECT_EQ(f.exit_code, std::string(impl) == "solutions" ? 0 : 1) << f.output;
        EXPECT_NE(f.output.find("fast mode"), std::string::npos) << "fast mode must say so:\n" << f.output;
        EXPECT_EQ(i.output.find("fast mode"), std::string::npos) << i.output;
        EXPECT_EQ(statuses(fast), statuses(isolated)) << f.output << i.output;
        EXPECT_FALSE(statuses(fast).empty());
    }
}

// A replay shows the same run, byte for byte, whether the servers run in the check or
// each in a process of its own (every Env call comes back in the order it was made),
// and so does its HTML page, with every server's state after each event.
TEST(Grade, replayIsIdenticalIsolatedAndFast) {
    TempDir dir("replay-test");
    const fs::path fast_page = dir.path() / "fast.html", isolated_page = dir.path() / "isolated.html";
    const std::string replay = "replay 8 crash_restart_every_server --seed 3 --impl solutions";
    CliRun fast = grader(replay + " --html " + fast_page.string());
    CliRun isolated = grader(replay + " --isolated --html " + isolated_page.string());
    EXPECT_EQ(fast.exit_code, 0) << fast.output;
    EXPECT_NE(fast.output.find("timeline of seed 3"), std::string::npos) << fast.output;
    EXPECT_GT(fast.output.size(), 10000u) << "a replay of a whole run: " << fast.output;
    // GoogleTest's own summary carries the wall time; everything else must be equal.
    auto without_times = [](const std::string& text) {
        std::istringstream in(text);
        std::string line, out;
        while (std::getline(in, line))
            if (line.find(" ms total)") == std::string::npos && line.find("written to ") == std::string::npos)
                out += line + "\n";
        return out;
    };
    EXPECT_EQ(without_times(fast.output), without_times(isolated.output));
    const std::string page = read_text(fast_page);
    EXPECT_NE(page.find("\"states\":[["), std::string::npos) << "the page should carry the servers' states";
    EXPECT_TRUE(page == read_text(isolated_page)) << "the fast and isolated replays drew different pages";
}

TEST(Grade, plannedLabsAreListedAndNotCountedAsPassed) {
    // Every real project is gradable now, so a repository of one planned project.
    TempDir root("grade-test-root");
    fs::create_directories(root.path() / "labs/11-extra");
    fs::create_directories(root.path() / "handouts");
    fs::create_directories(root.path() / "starter/raft");
    std::ofstream(root.path() / "handouts/11-extra.md") << "x\n";
    std::ofstream(root.path() / "labs/11-extra/lab.yaml")
        << "number: 11\nslug: 11-extra\ntitle: A planned project\nhandout: handouts/11-extra.md\n"
           "status: planned\nchecks: []\n";
    CliRun r = grader("grade 11", "RAFTLAB_ROOT=" + root.path().string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("Lab 11 A planned project"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not yet gradable"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Total 0/0"), std::string::npos) << r.output;
}

/// Starts the grader in the background with its own TMPDIR; returns its pid.
pid_t start_grader(const std::string& args, const fs::path& tmp, const fs::path& log) {
    const fs::path pid_file = tmp.parent_path() / "grader.pid";
    fs::remove(pid_file);
    const std::string cmd = "TMPDIR=" + tmp.string() + " RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR " sh -c 'echo $$ > " +
                            pid_file.string() + "; exec " RAFTLAB_GRADER " " + args + "' > " + log.string() +
                            " 2>&1 &";
    if (std::system(cmd.c_str()) != 0) return -1;
    for (int i = 0; i < 2000 && (!fs::exists(pid_file) || fs::file_size(pid_file) == 0); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pid_t pid = -1;
    std::ifstream(pid_file) >> pid;
    return pid;
}

/// Waits (60 s at most) until `dir` holds an entry whose name starts with `prefix`.
bool wait_for_entry(const fs::path& dir, const std::string& prefix) {
    for (int i = 0; i < 6000; ++i) {
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

/// True once `pid` has ended (30 s at most): no such process, or a zombie waiting for
/// whichever process adopted it.
bool gone(pid_t pid) {
    auto ended = [pid] {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(stat, line)) return true;
        const auto close = line.rfind(')');
        return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
    };
    for (int i = 0; i < 3000 && !ended(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return ended();
}

// Ctrl-C says what happened and leaves nothing; a SIGKILL cannot be cleaned up after,
// so the next run removes what the killed grader left.
TEST(Grade, interruptedOrKilledLeavesNothingBehind) {
    TempDir work("interrupt-test");
    fs::path tmp = work.path() / "tmp";
    fs::create_directories(tmp);
    pid_t pid = start_grader("grade 4 --impl solutions --isolated", tmp, work.path() / "int.log");
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_entry(tmp, "raftlab-grade-p")) << read_text(work.path() / "int.log");
    ::kill(pid, SIGINT);
    ASSERT_TRUE(gone(pid));
    EXPECT_NE(read_text(work.path() / "int.log").find("raftlab: interrupted"), std::string::npos)
        << read_text(work.path() / "int.log");
    EXPECT_TRUE(fs::is_empty(tmp)) << "Ctrl-C left a temporary folder";

    pid = start_grader("grade 4 --impl solutions --isolated", tmp, work.path() / "kill.log");
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_entry(tmp, "raftlab-grade-p")) << read_text(work.path() / "kill.log");
    ::kill(pid, SIGKILL);
    ASSERT_TRUE(gone(pid));
    EXPECT_FALSE(fs::is_empty(tmp)) << "nothing was left to clean up: the test proves nothing";
    CliRun next = grader("grade 99", "TMPDIR=" + tmp.string());
    EXPECT_EQ(next.exit_code, 2) << next.output;
    std::string left;
    for (const auto& e : fs::directory_iterator(tmp)) left += " " + e.path().filename().string();
    EXPECT_TRUE(fs::is_empty(tmp)) << "the next run did not remove what the killed grader left:" << left;
}

TEST(Grade, unknownLabIsOneLineAndExit2) {
    CliRun r = grader("grade 99");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find("unknown lab \"99\""), std::string::npos) << r.output;
}

TEST(Grade, missingImplIsOneLineAndExit2) {
    CliRun r = grader("grade 4 --impl /no/such/dir");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find("/no/such/dir"), std::string::npos) << r.output;
}

TEST(Grade, badLabYamlIsOneLineNamingFileLineAndField) {
    TempDir root("grade-test-root");
    fs::create_directories(root.path() / "labs/04-log");
    fs::create_directories(root.path() / "handouts");
    std::ofstream(root.path() / "handouts/04-log.md") << "x\n";
    std::ofstream(root.path() / "labs/04-log/lab.yaml")
        << "number: 4\nslug: 04-log\ntitle: T\nhandout: handouts/04-log.md\nstatus: gradable\nchecks:\n"
           "  - {id: a, name: A, test: A.a, points: lots, visibility: visible, timeout: 5}\n";
    CliRun r = grader("grade 4", "RAFTLAB_ROOT=" + root.path().string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output, "raftlab: labs/04-log/lab.yaml:7: checks[0].points must be a whole number from 1 to 1000, "
                        "got \"lots\"\n");
}

TEST(Grade, badLabYamlStageIsOneLineNamingFileLineAndFix) {
    TempDir root("grade-test-root");
    fs::create_directories(root.path() / "labs/04-log");
    fs::create_directories(root.path() / "handouts");
    std::ofstream(root.path() / "handouts/04-log.md") << "x\n";
    std::ofstream(root.path() / "labs/04-log/lab.yaml")
        << "number: 4\nslug: 04-log\ntitle: T\nhandout: handouts/04-log.md\nstatus: gradable\n"
           "stages:\n  - {id: first, title: First}\n  - {id: second, title: Second}\nchecks:\n"
           "  - {id: a, name: A, test: A.a, points: 1, visibility: visible, timeout: 5, stage: first}\n";
    CliRun r = grader("grade 4", "RAFTLAB_ROOT=" + root.path().string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output, "raftlab: labs/04-log/lab.yaml:8: stages[1].id \"second\" has no check; give a check "
                        "stage: second, or remove the stage\n");
}

// A rule in labs/NN/broken/rules.yaml that no caught variant breaks fails the
// self-test; a rule that names no check of the lab is a one-line error.
TEST(Grade, badLabYamlRulesNeedACaughtVariant) {
    TempDir root("grade-test-root");
    fs::create_directories(root.path() / "labs/04-log/broken");
    fs::create_directories(root.path() / "handouts");
    fs::create_directories(root.path() / "solutions");
    std::ofstream(root.path() / "handouts/04-log.md") << "x\n";
    std::ofstream(root.path() / "labs/04-log/lab.yaml")
        << "number: 4\nslug: 04-log\ntitle: T\nhandout: handouts/04-log.md\nstatus: gradable\nchecks:\n"
           "  - {id: a, name: A, test: A.a, points: 1, visibility: visible, timeout: 5}\n";
    std::ofstream(root.path() / "labs/04-log/broken/rules.yaml") << "- {rule: Entries are kept., checks: [a]}\n";
    CliRun r = grader("selftest 4", "RAFTLAB_ROOT=" + root.path().string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("rule: Entries are kept."), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("NO CAUGHT VARIANT BREAKS IT"), std::string::npos) << r.output;

    std::ofstream(root.path() / "labs/04-log/broken/rules.yaml") << "- {rule: Entries are kept., checks: [b]}\n";
    r = grader("selftest 4", "RAFTLAB_ROOT=" + root.path().string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output, "raftlab: labs/04-log/broken/rules.yaml:1: names \"b\", which is not a check of 04-log\n");
}

// An output file that cannot be written is refused before anything is built or run
// (it used to fail only after the whole grade).
TEST(Grade, usageErrorUnwritableJsonBeforeGrading) {
    auto start = std::chrono::steady_clock::now();
    CliRun r = grader("grade 4 --impl solutions --json /nonexistent-raftlab-dir/x.json");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output, "raftlab: --json /nonexistent-raftlab-dir/x.json: the folder /nonexistent-raftlab-dir does not "
                        "exist; create it first or write the file elsewhere\n");
    EXPECT_LT(seconds, 5) << "the grade ran before the path was checked";
}

TEST(Grade, usageErrorIsExit2) {
    CliRun r = grader("grade --no-such-flag");
    EXPECT_EQ(r.exit_code, 2) << r.output;
}

// Only the simulated projects (and checks) draw a timeline: elsewhere --html is refused
// in one line (it used to write nothing and say nothing), and the table does not
// suggest it.
TEST(Grade, usageErrorHtmlWhereNoTimelineIsDrawn) {
    CliRun r = grader("replay 4 random_sequences --seed 1 --html t.html");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find("draw no timeline"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists("t.html"));
    std::vector<Lab> catalog = load_catalog(RAFTLAB_SOURCE_DIR);
    for (const auto& lab : catalog)
        EXPECT_EQ(lab.timeline, (lab.number >= 6 && lab.number <= 9) || (lab.number >= 11 && lab.number <= 13)) << lab.slug;
    // Lab 13 draws timelines, but not for its check of real processes.
    CliRun real = grader("replay 13 system_partial_partition --seed 1 --html t.html");
    EXPECT_EQ(real.exit_code, 2) << real.output;
    EXPECT_EQ(std::count(real.output.begin(), real.output.end(), '\n'), 1) << real.output;
    EXPECT_NE(real.output.find("runs real processes and draws no timeline"), std::string::npos) << real.output;
    EXPECT_FALSE(fs::exists("t.html"));
}

}  // namespace
}  // namespace raftlab::grader
