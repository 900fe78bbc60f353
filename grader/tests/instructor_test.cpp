// The instructors' commands, end to end: the student export, the Gradescope
// autograder run in a recreated /autograder, and batch grading of a class with an
// interruption in the middle. They grade cheap labs (4 and 5) to stay fast.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <fcntl.h>
#include <map>
#include <regex>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "batch.h"
#include "catalog.h"
#include "export.h"
#include "tempdir.h"
#include "test_util.h"

extern char** environ;

namespace raftlab::grader {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

using testing::read_text;
using testing::run_command;

const fs::path kRoot = RAFTLAB_SOURCE_DIR;

/// The copies these tests build (an export, an autograder) compile the same framework
/// files as this repository's builds: they share its compiler cache, which hashes paths
/// relative to each copy (see CMakeLists.txt), so only what differs is compiled again.
void share_compiler_cache() { setenv("RAFTLAB_CCACHE_DIR", (kRoot / "build/ccache").c_str(), 1); }

std::string grader(const std::string& args) {
    return "RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR " " RAFTLAB_GRADER " " + args + " 2>&1";
}

/// Every file under `dir`, relative, sorted.
std::vector<fs::path> tree(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir));
    std::sort(out.begin(), out.end());
    return out;
}

/// Files under `dir` whose text contains `needle`.
std::vector<fs::path> files_containing(const fs::path& dir, const std::string& needle) {
    std::vector<fs::path> out;
    for (const auto& f : tree(dir))
        if (read_text(dir / f).find(needle) != std::string::npos) out.push_back(f);
    return out;
}

json::object parse_object(const fs::path& file) {
    boost::system::error_code ec;
    json::value v = json::parse(read_text(file), ec);
    EXPECT_FALSE(ec) << file << " is not JSON: " << read_text(file);
    return !ec && v.is_object() ? v.as_object() : json::object{};
}

/// Gradescope's format: score, and tests[] with name, score, max_score, visibility
/// and output; the score is the sum of the tests' scores. Returns the tests by id.
std::map<std::string, json::object> expect_gradescope_results(const json::object& r) {
    std::map<std::string, json::object> by_id;
    EXPECT_TRUE(r.contains("score") && r.contains("tests")) << json::serialize(r);
    if (!r.contains("tests")) return by_id;
    int sum = 0;
    static const std::regex id_re(".*\\[([a-z0-9_]+)\\]$");
    for (const auto& t : r.at("tests").as_array()) {
        const json::object& o = t.as_object();
        for (const char* f : {"name", "score", "max_score", "visibility", "output"})
            EXPECT_TRUE(o.contains(f)) << "a test lacks " << f << ": " << json::serialize(o);
        sum += json::value_to<int>(o.at("score"));
        std::smatch m;
        std::string name(o.at("name").as_string());
        if (std::regex_match(name, m, id_re)) by_id[m[1]] = o;
    }
    EXPECT_EQ(json::value_to<int>(r.at("score")), sum) << "the score is not the sum of the tests' scores";
    return by_id;
}

const Lab& real_lab(const std::vector<Lab>& catalog, const std::string& name) { return find_lab(catalog, name); }

// ---- the pieces of the export, on made-up input ---------------------------------

TEST(ExportUnit, hiddenChecksAreCutOutWithCommentsKept) {
    std::string yaml =
        "# rubric\nnumber: 4\nslug: 04-log\nchecks:\n"
        "  - {id: a, name: A, test: A.a, points: 1, visibility: visible, timeout: 5}\n"
        "  # b is a block item\n"
        "  - id: b\n    name: B\n    test: A.b\n    points: 2\n    visibility: visible\n    timeout: 5\n"
        "  - {id: c, name: C, test: A.c, points: 1, visibility: hidden, timeout: 5}\n"
        "  - id: d\n    name: D\n    test: A.d\n    points: 2\n    visibility: hidden\n    timeout: 5\n";
    std::string out = strip_hidden_checks(yaml, "labs/04-log/lab.yaml");
    // What was cut is counted (c and d: 2 checks, 3 points), for the student's table.
    EXPECT_EQ(out,
              "# rubric\nnumber: 4\nslug: 04-log\n"
              "# Hidden checks run when your instructor grades; they are counted here, not listed.\n"
              "hidden: {checks: 2, points: 3}\nchecks:\n"
              "  - {id: a, name: A, test: A.a, points: 1, visibility: visible, timeout: 5}\n"
              "  # b is a block item\n"
              "  - id: b\n    name: B\n    test: A.b\n    points: 2\n    visibility: visible\n    timeout: 5\n");
    EXPECT_EQ(strip_hidden_checks("number: 10\nchecks: []\n", "x"), "number: 10\nchecks: []\n");
}

// A stage whose checks are all hidden is cut with them (its title would tell of
// them); a stage with a visible check stays, and so does everything around it.
TEST(ExportUnit, aStageOfHiddenChecksOnlyIsCutOut) {
    std::string yaml =
        "number: 4\nstages:\n"
        "  - {id: a, title: A}\n"
        "  # the secret stage\n"
        "  - id: secret\n    title: Secret\n"
        "  - {id: b, title: B}\n"
        "checks:\n"
        "  - {id: x, points: 1, visibility: visible, stage: a}\n"
        "  - {id: y, points: 1, visibility: visible, stage: b}\n"
        "  - {id: z, points: 2, visibility: hidden, stage: b}\n"
        "  - {id: w, points: 3, visibility: hidden, stage: secret}\n";
    EXPECT_EQ(strip_hidden_checks(yaml, "labs/04-log/lab.yaml"),
              "number: 4\nstages:\n"
              "  - {id: a, title: A}\n"
              "  - {id: b, title: B}\n"
              "# Hidden checks run when your instructor grades; they are counted here, not listed.\n"
              "hidden: {checks: 2, points: 5}\n"
              "checks:\n"
              "  - {id: x, points: 1, visibility: visible, stage: a}\n"
              "  - {id: y, points: 1, visibility: visible, stage: b}\n");
    // Written inline, the stages cannot be cut line by line: refused, not leaked.
    std::string inline_stages = "stages: [{id: a, title: A}, {id: secret, title: Secret}]\n"
                                "checks:\n"
                                "  - {id: x, points: 1, visibility: visible, stage: a}\n"
                                "  - {id: w, points: 3, visibility: hidden, stage: secret}\n";
    EXPECT_THROW(strip_hidden_checks(inline_stages, "labs/04-log/lab.yaml"), ConfigError);
}

TEST(ExportUnit, hiddenCheckBeforeVisibleOneIsRefusedWithItsLine) {
    std::string yaml = "checks:\n  - {id: c, visibility: hidden}\n  - {id: a, visibility: visible}\n";
    try {
        strip_hidden_checks(yaml, "labs/04-log/lab.yaml");
        FAIL() << "a visible check after a hidden one was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("labs/04-log/lab.yaml:3: a visible check comes after a hidden one"),
                  std::string::npos)
            << e.what();
    }
}

TEST(ExportUnit, instructorPartsOfTheReadmeAreCut) {
    std::string md = "# raftlab\n\nfor all\n\n<!-- instructors-only -->\nsecret\n<!-- /instructors-only -->\n\nmore\n";
    EXPECT_EQ(strip_instructor_parts(md, "README.md"), "# raftlab\n\nfor all\n\nmore\n");
    EXPECT_THROW(strip_instructor_parts("<!-- instructors-only -->\nnever closed\n", "README.md"), ConfigError);
    EXPECT_THROW(strip_instructor_parts("<!-- /instructors-only -->\n", "README.md"), ConfigError);
}

TEST(ExportUnit, everyRealLabYamlListsHiddenChecksLast) {
    for (const auto& lab : load_catalog(kRoot)) {
        std::string text = read_text(lab.yaml);
        EXPECT_NO_THROW(strip_hidden_checks(text, lab.slug)) << lab.slug;
    }
}

// What export-student makes of every real lab.yaml still loads, with no hidden check
// and no stage left without one.
TEST(ExportUnit, everyRealLabYamlStillLoadsWithoutItsHiddenChecks) {
    TempDir student("export-unit");
    for (const auto& lab : load_catalog(kRoot)) {
        fs::path yaml = student.path() / "labs" / lab.slug / "lab.yaml";
        fs::create_directories(yaml.parent_path());
        fs::create_directories((student.path() / lab.handout).parent_path());
        std::ofstream(student.path() / lab.handout) << "x\n";
        std::ofstream(yaml) << strip_hidden_checks(read_text(lab.yaml), lab.slug);
        try {
            Lab cut = load_lab(yaml, student.path());
            for (const auto& c : cut.checks) EXPECT_EQ(c.visibility, Visibility::visible) << lab.slug << " " << c.id;
            EXPECT_EQ(cut.max_points() + cut.hidden_points, lab.max_points()) << lab.slug;
        } catch (const ConfigError& e) {
            ADD_FAILURE() << lab.slug << ": " << e.what();
        }
    }
}

// The student repository names no hidden check's file (a name tells what the check
// does) and holds none of the grader's own tests, which grade solutions/.
TEST(ExportUnit, theExportNamesNoHiddenCheckFile) {
    std::vector<std::string> hidden;
    for (const auto& lab : fs::directory_iterator(kRoot / "labs"))
        if (fs::is_directory(lab.path() / "hidden"))
            for (const auto& f : fs::directory_iterator(lab.path() / "hidden")) hidden.push_back(f.path().filename().string());
    ASSERT_GE(hidden.size(), 8u);
    for (const auto& f : export_files(kRoot, {})) {
        EXPECT_NE(f.path.string().rfind("grader/tests/", 0), 0u) << f.path;
        for (const auto& name : hidden)
            EXPECT_EQ(f.content.find(name), std::string::npos) << f.path << " names the hidden check file " << name;
        if (f.path == "README.md")
            EXPECT_EQ(f.content.find("solutions"), std::string::npos) << "the student README mentions solutions";
    }
}

// ---- export-student --------------------------------------------------------------

TEST(Instructor, exportIsRepeatableBuildsGradesAndHasNoSolution) {
    share_compiler_cache();
    TempDir work("export-test");
    fs::path a = work.path() / "a", b = work.path() / "b";
    auto first = run_command(grader("export-student " + a.string() + " --check-labs 4"));
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("the export works"), std::string::npos) << first.output;
    auto second = run_command(grader("export-student " + b.string() + " --no-check"));
    ASSERT_EQ(second.exit_code, 0) << second.output;

    // Same input, same output, byte for byte.
    std::vector<fs::path> files = tree(a);
    ASSERT_EQ(files, tree(b));
    for (const auto& f : files) EXPECT_TRUE(read_text(a / f) == read_text(b / f)) << f << " differs between exports";

    // No solution file: none carries the marker every solutions/ file has.
    EXPECT_EQ(files_containing(a, solution_marker()), std::vector<fs::path>{});
    int solution_files = 0;
    for (const auto& e : fs::recursive_directory_iterator(kRoot / "solutions"))
        if (e.is_regular_file()) {
            ++solution_files;
            EXPECT_NE(read_text(e.path()).find(solution_marker()), std::string::npos) << e.path() << " lacks the marker";
        }
    EXPECT_GT(solution_files, 0);
    for (const auto& f : files) {
        std::string s = f.string();
        EXPECT_NE(s.rfind("solutions/", 0), 0u) << s;
        EXPECT_EQ(s.find("/hidden/"), std::string::npos) << s;
        EXPECT_EQ(s.find("/broken/"), std::string::npos) << s;
    }
    EXPECT_TRUE(fs::exists(a / ".github/workflows/raftlab-grade.yml"));
    EXPECT_TRUE(fs::exists(a / "starter") && fs::exists(a / "handouts") && fs::exists(a / "raftlab"));
    EXPECT_TRUE(fs::status(a / "raftlab").permissions() != fs::perms::none &&
                (fs::status(a / "raftlab").permissions() & fs::perms::owner_exec) != fs::perms::none);

    // Every visible check is still in lab.yaml, and no hidden one.
    std::vector<Lab> mine = load_catalog(kRoot), theirs = load_catalog(a);
    ASSERT_EQ(mine.size(), theirs.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
        std::vector<std::string> visible, exported;
        for (const auto& c : mine[i].checks)
            if (c.visibility == Visibility::visible) visible.push_back(c.id);
        for (const auto& c : theirs[i].checks) exported.push_back(c.id);
        EXPECT_EQ(visible, exported) << mine[i].slug;
        // What was cut is counted, so the student's table can say what else is graded.
        int hidden = 0, hidden_points = 0;
        for (const auto& c : mine[i].checks)
            if (c.visibility == Visibility::hidden) ++hidden, hidden_points += c.points;
        EXPECT_EQ(theirs[i].hidden_checks, hidden) << mine[i].slug;
        EXPECT_EQ(theirs[i].hidden_points, hidden_points) << mine[i].slug;
        EXPECT_EQ(theirs[i].max_points() + theirs[i].hidden_points, mine[i].max_points()) << mine[i].slug;
    }
    std::string readme = read_text(a / "README.md");
    EXPECT_EQ(readme.find("instructors-only"), std::string::npos);
    EXPECT_EQ(readme.find("## For instructors"), std::string::npos);

    // Its entry script lists only the students' commands and explains why `test`
    // cannot run there, in one line.
    auto help = run_command((a / "raftlab").string() + " help 2>&1");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_NE(help.output.find("grade [LAB"), std::string::npos) << help.output;
    EXPECT_EQ(help.output.find("export-student"), std::string::npos) << help.output;
    auto test = run_command((a / "raftlab").string() + " test 2>&1 </dev/null");
    EXPECT_EQ(test.exit_code, 2) << test.output;
    EXPECT_NE(test.output.find("run ./raftlab grade"), std::string::npos) << test.output;
    EXPECT_EQ(std::count(test.output.begin(), test.output.end(), '\n'), 1) << test.output;

    // Exporting over it again is refused in one line.
    auto again = run_command(grader("export-student " + a.string() + " --no-check"));
    EXPECT_EQ(again.exit_code, 2) << again.output;
    EXPECT_EQ(std::count(again.output.begin(), again.output.end(), '\n'), 1) << again.output;
}

// ---- Gradescope --------------------------------------------------------------------

/// /autograder recreated in a temporary folder, as Gradescope lays it out.
struct Autograder {
    TempDir dir{"autograder"};
    fs::path root() const { return dir.path(); }
    std::string env() const { return "RAFTLAB_AUTOGRADER_ROOT=" + root().string() + " "; }

    void submit(const fs::path& from, const std::string& as) const {
        fs::remove_all(root() / "submission");
        fs::remove_all(root() / "results");
        fs::create_directories(root() / "submission" / as);
        if (!from.empty()) fs::copy(from, root() / "submission" / as, fs::copy_options::recursive);
    }
    testing::CommandRun run() const {
        return run_command(env() + "bash " + (root() / "source/run_autograder").string() + " 2>&1");
    }
    json::object results() const { return parse_object(root() / "results/results.json"); }
};

TEST(Instructor, gradescopeAutograderGradesSolutionsAndStarter) {
    share_compiler_cache();
    Autograder ag;
    fs::path zip = ag.root() / "autograder.zip", again = ag.root() / "again.zip";
    auto built = run_command(grader("gradescope " + zip.string() + " 5"));
    ASSERT_EQ(built.exit_code, 0) << built.output;
    ASSERT_EQ(run_command(grader("gradescope " + again.string() + " 5")).exit_code, 0);
    EXPECT_TRUE(read_text(zip) == read_text(again)) << "the same repository gave two different archives";

    fs::create_directories(ag.root() / "source");
    auto unzip = run_command("unzip -q " + zip.string() + " -d " + (ag.root() / "source").string() + " 2>&1");
    ASSERT_EQ(unzip.exit_code, 0) << unzip.output;
    EXPECT_TRUE(fs::exists(ag.root() / "source/raftlab/labs/05-network/hidden"));
    EXPECT_FALSE(fs::exists(ag.root() / "source/raftlab/solutions"));
    EXPECT_EQ(files_containing(ag.root() / "source", solution_marker()), std::vector<fs::path>{});

    auto setup = run_command(ag.env() + "bash " + (ag.root() / "source/setup.sh").string() + " 2>&1");
    ASSERT_EQ(setup.exit_code, 0) << setup.output;

    std::vector<Lab> catalog = load_catalog(kRoot);
    const Lab& lab5 = real_lab(catalog, "5");

    // A submission holding starter/, filled in with the solutions: full marks.
    ag.submit(kRoot / "solutions", "starter");
    auto solved = ag.run();
    ASSERT_EQ(solved.exit_code, 0) << solved.output;
    json::object r = ag.results();
    auto tests = expect_gradescope_results(r);
    EXPECT_EQ(json::value_to<int>(r.at("score")), lab5.max_points()) << solved.output;
    ASSERT_EQ(tests.size(), lab5.checks.size());
    for (const auto& c : lab5.checks)
        EXPECT_EQ(tests[c.id].at("visibility").as_string(),
                  c.visibility == Visibility::hidden ? "hidden" : "visible") << c.id;

    // A submission whose top level is the starter tree itself: zero, every check listed.
    ag.submit(kRoot / "starter", "");
    auto starter = ag.run();
    ASSERT_EQ(starter.exit_code, 0) << starter.output;
    json::object s = ag.results();
    EXPECT_EQ(expect_gradescope_results(s).size(), lab5.checks.size());
    EXPECT_EQ(json::value_to<int>(s.at("score")), 0);

    // A whole repository uploaded as one folder (GitHub's Download ZIP): its starter/
    // is found one level down, and graded.
    ag.submit(kRoot / "solutions", "myrepo-main/starter");
    auto nested = ag.run();
    ASSERT_EQ(nested.exit_code, 0) << nested.output;
    json::object n = ag.results();
    EXPECT_EQ(json::value_to<int>(n.at("score")), lab5.max_points()) << nested.output;

    // An empty submission: score 0 and a sentence that says what to upload.
    ag.submit({}, "");
    ASSERT_EQ(ag.run().exit_code, 0);
    json::object e = ag.results();
    expect_gradescope_results(e);
    EXPECT_NE(std::string(e.at("output").as_string()).find("no starter files"), std::string::npos);
}

// ---- batch grading ---------------------------------------------------------------

/// Starts the grader in its own process group, output to `log`; returns its pid.
pid_t spawn_grader(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv{RAFTLAB_GRADER};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    setenv("RAFTLAB_ROOT", RAFTLAB_SOURCE_DIR, 1);
    pid_t pid = -1;
    posix_spawn(&pid, RAFTLAB_GRADER, &actions, &attr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int finished_students(const fs::path& out) {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(out, ec))
        n += e.path().extension() == ".json" && e.path().string().find(".partial") == std::string::npos;
    return n;
}

/// Processes whose command line mentions `needle`, other than this test.
std::string processes_with(const std::string& needle) {
    return run_command("ps -eo pid,args | grep -F -- '" + needle + "' | grep -v -e grep -e ps -e raftlab-test-grader")
        .output;
}

void apply_patch(const fs::path& patch, const fs::path& dir) {
    auto r = run_command("patch -p1 -s --no-backup-if-mismatch -d " + dir.string() + " -i " + patch.string() + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << patch << ": " << r.output;
}

TEST(Instructor, batchGradesAClassResumesAfterCtrlCAndWritesTheGradebook) {
    TempDir work("batch-test");
    fs::path subs = work.path() / "submissions";
    std::map<std::string, std::string> expect_fail;  // student -> the check that must fail
    auto copy_to = [&](const fs::path& from, const std::string& student, bool nested) {
        fs::path dest = subs / student / (nested ? "starter" : "");
        fs::create_directories(dest);
        fs::copy(from, dest, fs::copy_options::recursive);
        return dest;
    };
    for (int i = 1; i <= 6; ++i) copy_to(kRoot / "solutions", "solved" + std::to_string(i), i % 2 == 0);
    for (int i = 1; i <= 6; ++i) copy_to(kRoot / "starter", "starter" + std::to_string(i), i % 2 == 1);
    int v = 0;
    // Three of lab 4's broken variants, two copies each: 20 submissions in all.
    for (const char* name : {"no-gap-check", "no-truncate-on-conflict", "truncate-always"}) {
        const fs::directory_entry p(kRoot / "labs/04-log/broken" / (std::string(name) + ".patch"));
        std::string first = read_text(p.path()).substr(0, read_text(p.path()).find('\n'));
        std::string check = first.substr(first.find(':') + 2);
        check = check.substr(0, check.find(' '));
        for (int copy = 1; copy <= 2; ++copy) {
            std::string student = "variant" + std::to_string(++v) + "-" + p.path().stem().string();
            apply_patch(p.path(), copy_to(kRoot / "solutions", student, true));
            expect_fail[student] = check;
        }
    }
    fs::create_directories(subs / "empty-handed/notes");  // no starter files
    fs::path broken = copy_to(kRoot / "solutions", "does-not-compile", true);
    std::ofstream(broken / "raft/log.cpp", std::ios::app) << "\nthis is not C++;\n";
    ASSERT_GE(std::distance(fs::directory_iterator(subs), fs::directory_iterator()), 20);

    fs::path csv = work.path() / "gradebook.csv", out = work.path() / "gradebook";
    std::vector<std::string> args{"grade", "4", "--submissions", subs.string(), "--jobs", "2", "--out", csv.string()};
    if (geteuid() != 0) args.push_back("--trust-submissions");  // the test's own copies of solutions/ and starter/

    // Interrupt the first run once a few students are done.
    pid_t first = spawn_grader(args, work.path() / "first.log");
    ASSERT_GT(first, 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (finished_students(out) < 5 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(-first, SIGINT);
    EXPECT_EQ(wait_exit(first), 130) << read_text(work.path() / "first.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(processes_with(work.path().string()), "") << "Ctrl-C left processes behind";
    std::map<fs::path, fs::file_time_type> done_before;
    for (const auto& e : fs::directory_iterator(out))
        if (e.path().extension() == ".json") done_before[e.path()] = fs::last_write_time(e.path());
    EXPECT_GE(done_before.size(), 5u);
    EXPECT_LT(done_before.size(), 20u) << "the interruption came too late to test resuming";
    EXPECT_FALSE(fs::exists(csv)) << "an interrupted batch must not write a gradebook";

    // The rerun grades only the rest.
    pid_t second = spawn_grader(args, work.path() / "second.log");
    int code = wait_exit(second);
    std::string log = read_text(work.path() / "second.log");
    EXPECT_EQ(code, 1) << "one submission has no starter files\n" << log;
    EXPECT_NE(log.find(std::to_string(done_before.size()) + " already graded"), std::string::npos) << log;
    for (const auto& [path, time] : done_before)
        EXPECT_EQ(fs::last_write_time(path), time) << path << " was graded again";

    // The gradebook: solutions full, starter zero, each variant loses its check.
    std::vector<Lab> catalog = load_catalog(kRoot);
    const int full = real_lab(catalog, "4").max_points();
    std::map<std::string, std::vector<std::string>> rows;
    std::istringstream in(read_text(csv));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "student,lab04,total,status");
    while (std::getline(in, line)) {
        std::vector<std::string> cells;  // student, lab04, total, then the status (may be quoted)
        std::size_t at = 0;
        for (int i = 0; i < 3 && line.find(',', at) != std::string::npos; ++i) {
            cells.push_back(line.substr(at, line.find(',', at) - at));
            at = line.find(',', at) + 1;
        }
        std::string status = line.substr(at);
        if (status.size() >= 2 && status.front() == '"') status = status.substr(1, status.size() - 2);
        cells.push_back(status);
        rows[cells[0]] = cells;
    }
    ASSERT_EQ(rows.size(), 20u) << read_text(csv);
    for (auto& [student, cells] : rows) {
        ASSERT_EQ(cells.size(), 4u) << line;
        int total = std::stoi(cells[2]);
        bool solved = student.rfind("solved", 0) == 0, untouched = student.rfind("starter", 0) == 0;
        if (solved || untouched) {
            EXPECT_EQ(total, solved ? full : 0) << student;
        }
        if (student == "does-not-compile") {
            EXPECT_EQ(total, 0) << student;
        }
        std::string status = student == "empty-handed" ? "not graded: no starter files" : "graded";
        EXPECT_EQ(cells[3].substr(0, status.size()), status) << student;
        if (!expect_fail.count(student)) continue;
        EXPECT_LT(total, full) << student;
        auto tests = expect_gradescope_results(parse_object(out / (student + ".json")));
        EXPECT_EQ(json::value_to<int>(tests[expect_fail[student]].at("score")), 0)
            << student << " should fail " << expect_fail[student];
    }
    std::string summary = read_text(out / "summary.md");
    EXPECT_NE(summary.find("## Checks nobody passed"), std::string::npos) << summary;
    EXPECT_NE(summary.find("empty-handed: no starter files"), std::string::npos) << summary;
    EXPECT_TRUE(fs::exists(out / "solved1.log"));
    EXPECT_EQ(processes_with(work.path().string()), "");
}

// A class graded as three shards (as three machines would) and merged gives the
// gradebook of one unsharded run, byte for byte, and the same results per student.
TEST(Instructor, shardsMergeToTheUnshardedGradebook) {
    TempDir work("batch-shards");
    fs::path subs = work.path() / "submissions";
    auto copy_to = [&](const fs::path& from, const std::string& student) {
        fs::create_directories(subs / student);
        fs::copy(from, subs / student, fs::copy_options::recursive);
        return subs / student;
    };
    copy_to(kRoot / "solutions", "ada");
    copy_to(kRoot / "solutions", "grace");
    copy_to(kRoot / "starter", "alan");
    apply_patch(kRoot / "labs/04-log/broken/no-gap-check.patch", copy_to(kRoot / "solutions", "barbara"));
    std::ofstream(copy_to(kRoot / "solutions", "edsger") / "raft/log.cpp", std::ios::app) << "\nthis is not C++;\n";
    fs::create_directories(subs / "leslie/notes");  // no starter files
    const std::vector<std::string> students{"ada", "alan", "barbara", "edsger", "grace", "leslie"};

    auto grade = [&](const std::string& extra, const fs::path& csv) {
        // The test's own copies of solutions/ and starter/, trusted when not root.
        const std::string trust = geteuid() != 0 ? " --trust-submissions" : "";
        return run_command(grader("grade 4 --submissions " + subs.string() + " --jobs 2 --out " + csv.string() + extra +
                                  trust));
    };
    auto whole = grade("", work.path() / "whole.csv");
    EXPECT_EQ(whole.exit_code, 1) << "leslie has no starter files\n" << whole.output;
    std::vector<std::string> shard_csvs;
    std::set<std::string> seen;
    int non_empty = 0;
    for (int i = 1; i <= 3; ++i) {
        fs::path csv = work.path() / ("shard-" + std::to_string(i) + ".csv");
        auto r = grade(" --shard " + std::to_string(i) + "/3", csv);
        EXPECT_NE(r.output.find("shard " + std::to_string(i) + "/3"), std::string::npos) << r.output;
        std::istringstream rows(read_text(csv));
        std::string row;
        std::getline(rows, row);
        EXPECT_EQ(row, "student,lab04,total,status");
        int here = 0;
        while (std::getline(rows, row)) {
            std::string name = row.substr(0, row.find(','));
            EXPECT_TRUE(seen.insert(name).second) << name << " was graded by two shards";
            EXPECT_EQ(shard_of(name, 3), i) << name;
            ++here;
        }
        non_empty += here > 0;
        shard_csvs.push_back(csv.string());
    }
    EXPECT_EQ(seen, std::set<std::string>(students.begin(), students.end())) << "every student in exactly one shard";
    EXPECT_GE(non_empty, 2) << "the split put everyone in one shard";

    fs::path merged = work.path() / "merged.csv";
    auto m = run_command(grader("gradebook merge " + shard_csvs[0] + " " + shard_csvs[1] + " " + shard_csvs[2] +
                                " --out " + merged.string()));
    EXPECT_EQ(m.exit_code, 1) << m.output;
    EXPECT_EQ(read_text(merged), read_text(work.path() / "whole.csv")) << "the merged gradebook differs";
    for (const auto& student : students) {
        auto a = parse_object(work.path() / "whole" / (student + ".json"));
        auto b = parse_object(work.path() / "merged" / (student + ".json"));
        EXPECT_EQ(a.at("score"), b.at("score")) << student;
        EXPECT_TRUE(fs::exists(work.path() / "merged" / (student + ".log"))) << student;
    }
    EXPECT_NE(read_text(work.path() / "merged/summary.md").find("Merged from the gradebooks of 3 shards"),
              std::string::npos);
    // A compile error names the student's own file, not the copy in a batch slot.
    const std::string broken = read_text(work.path() / "whole/edsger.json");
    EXPECT_NE(broken.find("raft/log.cpp:"), std::string::npos) << broken;
    EXPECT_EQ(broken.find("build/batch/slot-"), std::string::npos) << broken;

    // A student in two gradebooks, and a shard out of range: one line each, exit 2.
    std::string full_shard = shard_of("ada", 3) == 1 ? shard_csvs[0] : shard_of("ada", 3) == 2 ? shard_csvs[1]
                                                                                                 : shard_csvs[2];
    auto twice = run_command(grader("gradebook merge " + full_shard + " " + full_shard + " --out " +
                                    (work.path() / "twice.csv").string()));
    EXPECT_EQ(twice.exit_code, 2) << twice.output;
    EXPECT_NE(twice.output.find("ada is also in"), std::string::npos) << twice.output;
    EXPECT_EQ(std::count(twice.output.begin(), twice.output.end(), '\n'), 1) << twice.output;
    auto bad = grade(" --shard 4/3", work.path() / "bad.csv");
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_EQ(bad.output, "raftlab: --shard 4/3: give I/N with 1 <= I <= N, e.g. --shard 2/3 for the second of three "
                          "shards\n");
}

TEST(Instructor, batchBadInputIsOneLineAndExit2) {
    TempDir work("batch-bad");
    for (const std::string& args : std::vector<std::string>{
             "grade --submissions /no/such/folder", "grade 4 --submissions " + work.path().string() + " --jobs 0",
          "grade 4 --submissions " + work.path().string(), "grade 4 --jobs 2",
          "grade 4 --submissions " + work.path().string() + " --out grades.txt",
          "grade 4 --impl " + work.path().string()}) {
        auto r = run_command(grader(args));
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
        EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
    }
}

/// Grading a class without root would run every check as the instructor's own user,
/// which owns the grader, the check binaries and the other students' results: the
/// grader refuses, in one line, unless told to trust the submissions.
TEST(Instructor, batchBadInputNotRootIsRefused) {
    if (geteuid() != 0 || !fs::exists("/usr/bin/setpriv"))
        GTEST_SKIP() << "not run: needs root (to become another user) and setpriv; this test runs as uid "
                     << getuid();
    TempDir work("batch-not-root");
    fs::permissions(work.path(), fs::perms::others_exec | fs::perms::others_read, fs::perm_options::add);
    testing::OpenedForOthers opened(RAFTLAB_SOURCE_DIR);
    auto r = run_command("setpriv --reuid=65534 --regid=65534 --clear-groups env " +
                         grader("grade 4 --submissions " + work.path().string()));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find("not running as root"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--trust-submissions"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace raftlab::grader
