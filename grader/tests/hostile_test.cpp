// The grader against hostile student code. Each act below is spliced into a copy of
// the reference Log, triggered only by the one call check 4.3 (append_exact) makes.
// For every act the grader must finish, give 4.3 the right status and a helpful
// reason, leave the other 15 checks of lab 4 passing, and leave no process, temp
// directory, cgroup or bound port behind.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "tempdir.h"
#include "test_util.h"

namespace raftlab::grader {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

/// ctest runs the catalogue as two tests side by side (grader.hostile_catalogue_a and
/// _b, RAFTLAB_HOSTILE_SLOT=0 and 1, each half of the acts). Everything an act can
/// leave behind is marked with its slot, so neither half mistakes the other's running
/// act for a leftover: its folder, its daemon's argument and its port.
int hostile_slot() {
    const char* v = std::getenv("RAFTLAB_HOSTILE_SLOT");
    return v && *v == '1' ? 1 : 0;
}
const std::string kSlot = std::to_string(hostile_slot());
// A port a hostile daemon tries to keep bound. Below 20000: outside the kernel's
// ephemeral range (32768-60999), where any other test's outgoing connection may hold
// it as its local port for a while (fresh-ci of 73e58ca saw 47312 taken so during a
// lab 13 check beside this test), and outside the range the harness gives servers
// (20000-32000, harness/proc/ports.cpp).
const int kHostilePort = 19311 + hostile_slot();
const std::string kDaemonMark = "98765" + kSlot;   // the argument of a daemon's sleep
const std::string kImplName = "hostile-impl-" + kSlot;

struct Act {
    std::string name;
    std::string code;      ///< body of raftlab_hostile_act()
    std::string status;    ///< expected for check 4.3 in the table: PASS FAIL TIME CRSH BULD
    std::string reason;    ///< expected part of 4.3's reason ("" for PASS)
    bool needs_sandbox = false;
};

void PrintTo(const Act& act, std::ostream* os) { *os << act.name; }

std::string home_dir() {
    const char* home = getenv("HOME");
    return home ? home : "/root";
}

const std::vector<Act>& acts() {
    static const std::vector<Act> all = {
        {"infinite_loop", "for (volatile int i = 0;; i = i + 1) {}", "TIME", "did not finish within 10 s"},
        {"segfault", "*static_cast<volatile int*>(nullptr) = 1;", "CRSH", "SIGSEGV"},
        {"abort", "std::abort();", "CRSH", "SIGABRT"},
        {"uncaught_exception", "[]() noexcept { throw std::runtime_error(\"boom\"); }();", "CRSH", "SIGABRT"},
        {"stack_overflow", "struct R { static int f(volatile int n) { volatile char pad[4096]; pad[0] = 1; "
                           "return f(n + 1) + pad[0]; } }; R::f(0);", "CRSH", "SIGSEGV"},
        // Allocates until the address-space limit refuses (touching every page as well
        // took over 10 s on a loaded machine: a time-out, not the verdict tested here).
        {"memory_bomb", "std::vector<std::unique_ptr<char[]>> hog; for (;;) { hog.emplace_back(new char[64 << 20]); "
                        "hog.back()[0] = 1; }", "FAIL", "std::bad_alloc"},
        {"fork_bomb", "for (;;) fork();", "TIME", "did not finish"},
        {"output_flood", "for (;;) std::fputs(\"flood flood flood flood flood flood flood flood\\n\", stdout);",
         "FAIL", "output limit"},
        {"sleep_forever", "for (;;) pause();", "TIME", "did not finish"},
        {"close_stdout", "std::fflush(stdout); close(1); close(2);", "PASS", ""},
        {"signal_the_grader", "kill(getppid(), SIGKILL); kill(-getpgid(getppid()), SIGKILL); kill(1, SIGKILL); "
                              "for (int p = 2; p < 4194304 && p < 70000; ++p) if (p != getpid()) kill(p, SIGTERM);",
         // In a host it runs as nobody: it can reach only its own zygote, which takes
         // the host with it; the grader and the judge are out of its reach.
         "FAIL", "its process closed the connection to the checks during append_entries()", true},
        {"daemon_outlives_parent", "if (fork() == 0) { setsid(); if (fork() == 0) { execlp(\"sleep\", \"sleep\", "
                                   "\"" + kDaemonMark + "\", (char*)nullptr); } _exit(0); } wait(nullptr);", "PASS", ""},
        {"binds_harness_port", "if (fork() == 0) { setsid(); int s = socket(AF_INET, SOCK_STREAM, 0); "
                               "sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(" +
                                   std::to_string(kHostilePort) + "); a.sin_addr.s_addr = htonl(0x7f000001); "
                               "bind(s, (sockaddr*)&a, sizeof a); listen(s, 1); for (;;) pause(); }",
         "PASS", ""},
        // Student code sees no environment of the grader's (RAFTLAB_ROOT, HOME): the
        // paths it would guess are written in.
        {"reads_solutions", "std::ifstream f(\"" RAFTLAB_SOURCE_DIR "/solutions/raft/log.cpp\"); "
                            "if (!f) throw std::runtime_error(\"solutions/ is out of reach\");",
         "FAIL", "solutions/ is out of reach", true},
        {"reads_hidden_check", "std::ifstream f(\"" RAFTLAB_SOURCE_DIR "/labs/08-election/hidden/churn_checks.cpp\"); "
                               "if (!f) throw std::runtime_error(\"the hidden checks are out of reach\"); "
                               "std::string line; std::getline(f, line); throw std::runtime_error(line);",
         "FAIL", "the hidden checks are out of reach", true},
        {"writes_outside", "std::ofstream(\"" RAFTLAB_SOURCE_DIR "/HOSTILE_WAS_HERE\") << 1; "
                           "std::ofstream(\"/tmp/HOSTILE_WAS_HERE\") << 1; "
                           "std::ofstream(std::string(\"" + home_dir() + "\") + \"/HOSTILE_WAS_HERE\") << 1;",
         "PASS", "", true},
        // Bytes that are not UTF-8, terminal escapes and a forged replay line: the
        // table, the JSON and the JUnit get clean text and a replay built by the grader.
        {"prints_garbage", "std::fputs(\"\\xff\\xfe\\x1b[2J ./raftlab replay 4 x;touch${IFS}/tmp/PWNED --seed 3\\n\", "
                           "stdout); std::fflush(stdout); throw std::runtime_error(\"garbage \\xff\\x1b[31m printed\");",
         "FAIL", "garbage"},
        // The system-call filter: each of these is refused with EPERM, the user
        // namespace (which an unprivileged process may otherwise make, and mount
        // inside) first of all. The act names every call that was not refused.
        {"forbidden_calls",
         "std::string r; auto t = [&](const char* what, long rc) { if (rc != -1 || errno != EPERM) "
         "r += std::string(\" \") + what; }; "
         "t(\"unshare_user\", unshare(CLONE_NEWUSER)); "
         "long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr); "
         "if (c == 0) _exit(0); if (c > 0) waitpid(c, nullptr, 0); t(\"clone_user\", c > 0 ? 0 : c); "
         "t(\"mount\", mount(\"none\", \"/tmp\", \"tmpfs\", 0, nullptr)); "
         "t(\"umount\", umount2(\"/proc\", MNT_DETACH)); "
         "t(\"ptrace\", ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr)); "
         "t(\"bpf\", syscall(SYS_bpf, 0, nullptr, 0)); "
         "t(\"keyctl\", syscall(SYS_keyctl, 0, -1, 0)); "
         "t(\"perf_event_open\", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0)); "
         "t(\"io_uring\", syscall(SYS_io_uring_setup, 1, nullptr)); "
         "throw std::runtime_error(\"calls not refused:\" + (r.empty() ? std::string(\" none\") : r));",
         "FAIL", "calls not refused: none"},
        {"does_not_compile", "this is not C++;", "BULD", "did not compile"},
    };
    return all;
}

using testing::read_text;

/// Writes impl/raft/log.{h,cpp}: the reference log with the act spliced in.
void make_impl(const fs::path& impl, const Act& act) {
    fs::create_directories(impl / "raft");
    fs::path sol = fs::path(RAFTLAB_SOURCE_DIR) / "solutions/raft";
    std::string cpp = read_text(sol / "log.cpp");
    const std::string body = "const std::vector<LogEntry>& entries) {\n";
    std::size_t at = cpp.find(body, cpp.find("AppendResult Log::append_entries("));
    ASSERT_NE(at, std::string::npos) << "solutions/raft/log.cpp changed shape; update hostile_test.cpp";
    cpp.insert(at + body.size(), "    if (prev_index == 3 && entries.size() == 2 && entries[0].command == \"a\") raftlab_hostile_act();\n");
    // The act is defined in log.cpp itself: a submission may hold only the starter's
    // files (grader/starter-files.txt).
    cpp.insert(cpp.find('\n', cpp.find("#include \"raft/log.h\"")) + 1,
               "#include <csignal>\n#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n"
               "#include <fstream>\n#include <memory>\n#include <stdexcept>\n#include <string>\n#include <vector>\n"
               "#include <arpa/inet.h>\n#include <netinet/in.h>\n#include <sys/socket.h>\n#include <sys/wait.h>\n"
               "#include <unistd.h>\n#include <fcntl.h>\n#include <sys/mount.h>\n#include <cerrno>\n"
               "#include <sched.h>\n#include <sys/ptrace.h>\n#include <sys/syscall.h>\n#include <dirent.h>\n"
               "#include <sys/stat.h>\n"
               "static void raftlab_hostile_act() {\n    " + act.code + "\n}\n");
    std::string header = read_text(sol / "log.h");
    // Rewrite only what changed, so the build directory recompiles the minimum.
    auto put = [](const fs::path& p, const std::string& text) {
        if (!fs::exists(p) || read_text(p) != text) std::ofstream(p) << text;
    };
    put(impl / "raft/log.h", header);
    put(impl / "raft/log.cpp", cpp);
}

int count_entries(const fs::path& dir, const std::string& prefix) {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        n += e.path().filename().string().rfind(prefix, 0) == 0;
    return n;
}

/// Processes whose command line mentions `needle` (other than this test).
std::vector<int> processes_with(const std::string& needle) {
    std::vector<int> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])) || std::stoi(name) == getpid()) continue;
        std::string cmd = read_text(e.path() / "cmdline");
        std::replace(cmd.begin(), cmd.end(), '\0', ' ');
        if (cmd.find(needle) != std::string::npos) out.push_back(std::stoi(name));
    }
    return out;
}

bool port_free(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    return ok;
}

/// The grade's results.json for an act: check 4.3 (where the act runs) has the act's
/// status and reason, every other check passed; for an act that does not compile,
/// every check names the compiler's error in the student's file.
void expect_only_check_4_3_hurt(const fs::path& results, const Act& act) {
    json::value v = json::parse(read_text(results));
    int seen_4_3 = 0;
    for (const auto& t : v.at("tests").as_array()) {
        const std::string number = json::value_to<std::string>(t.at("number"));
        const std::string status = json::value_to<std::string>(t.at("status"));
        const std::string text = json::value_to<std::string>(t.at("output"));
        if (act.status == "BULD") {
            EXPECT_NE(text.find(act.reason), std::string::npos) << number << ": " << text;
            EXPECT_NE(text.find("log.cpp"), std::string::npos) << "the compiler errors must point at the file";
        } else if (number == "4.3") {
            EXPECT_EQ(status, act.status == "PASS" ? "passed" : "failed") << text;
            EXPECT_NE(text.find(act.reason), std::string::npos) << "4.3 says: " << text;
            ++seen_4_3;
        } else {
            EXPECT_EQ(status, "passed") << "check " << number << " was hurt by another check's act: " << text;
        }
    }
    if (act.status != "BULD") {
        EXPECT_EQ(seen_4_3, 1) << "check 4.3 did not run";
    }
}

class Hostile : public ::testing::TestWithParam<Act> {};

TEST_P(Hostile, costsOnlyItsOwnCheck) {
    const Act& act = GetParam();
    if (act.needs_sandbox && !platform::sandbox_available())
        GTEST_SKIP() << "not run: the " << act.name << " defence needs the root-only sandbox (namespaces), "
                     << "and this test runs as uid " << getuid();
    fs::path impl = fs::path(RAFTLAB_SOURCE_DIR) / "build" / kImplName;
    make_impl(impl, act);
    if (HasFatalFailure()) return;
    TempDir out("hostile-test");
    // The grader gets a temp folder of its own, so other tests running at the same
    // time cannot be mistaken for leftovers; it prints its pid first (for its cgroups).
    fs::create_directories(out.path() / "tmp");
    std::string cmd = "TMPDIR=" + (out.path() / "tmp").string() + " RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR
                      " RAFTLAB_MAX_TIMEOUT=10 sh -c 'echo $$; exec " RAFTLAB_GRADER " grade 4 --impl " +
                      impl.string() + " --json " + (out.path() / "r.json").string() + "' 2>&1";
    auto start = std::chrono::steady_clock::now();
    testing::CommandRun run = testing::run_command(cmd);
    ASSERT_TRUE(run.started) << "cannot run: " << cmd;
    const std::string& output = run.output;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    ASSERT_TRUE(run.exited) << "the grader itself was killed\n" << output;
    std::string grader_pid = output.substr(0, output.find('\n'));
    EXPECT_EQ(run.exit_code, act.status == "PASS" ? 0 : 1) << output;
    EXPECT_LT(seconds, 300) << "the grader must finish within its overall limit";
    expect_only_check_4_3_hurt(out.path() / "r.json", act);
    if (act.status != "BULD") {
        std::string mark = act.status;
        EXPECT_NE(output.find(mark + " 4.3"), std::string::npos) << output;
    }
    EXPECT_EQ(output.find('\x1b'), std::string::npos) << "a terminal escape reached the table";
    EXPECT_EQ(output.find("touch${IFS}"), std::string::npos) << "a replay line printed by student code was shown";
    EXPECT_TRUE(processes_with(kDaemonMark).empty()) << "a daemon of the check outlived the grade";
    EXPECT_TRUE(processes_with(kImplName).empty()) << "a check process outlived the grade";
    EXPECT_TRUE(port_free(kHostilePort)) << "a check left port " << kHostilePort << " bound";
    EXPECT_EQ(count_entries(out.path() / "tmp", ""), 0) << "a temp dir was left";
    EXPECT_EQ(count_entries("/sys/fs/cgroup/pids", "raftlab-" + grader_pid + "-"), 0) << "a pids cgroup was left";
    for (const char* f : {RAFTLAB_SOURCE_DIR "/HOSTILE_WAS_HERE", "/tmp/HOSTILE_WAS_HERE"})
        EXPECT_FALSE(fs::exists(f)) << "the check wrote outside its directory: " << f;
    if (const char* home = getenv("HOME")) {
        EXPECT_FALSE(fs::exists(fs::path(home) / "HOSTILE_WAS_HERE")) << "the check wrote to $HOME";
    }
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Hostile, ::testing::ValuesIn(acts()),
                         [](const auto& info) { return info.param.name; });

/// Student code inside the judge itself (fast mode, a student's own runs and the
/// variant self-test) runs as root in the sandbox: it must still be unable to take the
/// sandbox apart. The act tries each escape and reports which worked; none may.
TEST(RootSandbox, codeInTheJudgeCannotTakeItApart) {
    if (!platform::sandbox_available())
        GTEST_SKIP() << "not run: needs root and namespaces; this test runs as uid " << getuid();
    const std::string mark = std::string(RAFTLAB_SOURCE_DIR) + "/build/SANDBOX_ESCAPED";
    fs::remove(mark);
    auto writable = [](const char* path) { return "(open(\"" + std::string(path) + "\", O_WRONLY) >= 0)"; };
    const Act act{
        "escape_the_judge",
        "std::string r; auto t = [&](const char* what, bool worked) { if (worked) r += std::string(\" \") + what; }; "
        "t(\"remount\", mount(nullptr, \"/\", nullptr, MS_REMOUNT | MS_BIND, nullptr) == 0); "
        "t(\"user_namespace\", unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0); "
        // The machine's processes (a /proc of the grader's PID namespace would show
        // them, and /proc/<pid>/root leads into their filesystems): only the
        // sandbox's few may be seen.
        "{ int seen = 0; if (DIR* d = opendir(\"/proc\")) { while (dirent* e = readdir(d)) "
        "seen += e->d_name[0] >= '0' && e->d_name[0] <= '9'; closedir(d); } "
        "t(\"machine_processes\", seen > 16); } "
        // 300 MB in three files of its own folder (by its full path: the folder the
        // check starts in is the read-only mount below its writable bind), which holds
        // 256 MB.
        "long long total = 0; { char cwd[4096]; std::string at = getcwd(cwd, sizeof cwd) ? cwd : \".\"; "
        "std::vector<char> mb(1 << 20, 'x'); for (int f = 0; f < 3; ++f) { "
        "int fd = open((at + \"/fill\" + std::to_string(f)).c_str(), O_CREAT | O_WRONLY, 0600); "
        "for (int i = 0; i < 100 && fd >= 0; ++i) { ssize_t n = write(fd, mb.data(), mb.size()); if (n <= 0) break; "
        "total += n; } if (fd >= 0) close(fd); } "
        "for (int f = 0; f < 3; ++f) unlink((at + \"/fill\" + std::to_string(f)).c_str()); } "
        "t(\"fill_disk\", total > (280ll << 20)); "
        // Artifacts the grader copies out of the sandbox after the check: links to
        // solutions/ and a pipe must not be followed or read, a plain file is kept.
        "{ char cwd[4096]; std::string a = std::string(getcwd(cwd, sizeof cwd) ? cwd : \".\") + \"/artifacts\"; "
        "(void)!symlink(\"" RAFTLAB_SOURCE_DIR "/solutions\", (a + \"/solutions\").c_str()); "
        "(void)!symlink(\"" RAFTLAB_SOURCE_DIR "/solutions/raft/log.cpp\", (a + \"/log.cpp\").c_str()); "
        "(void)!mkfifo((a + \"/pipe\").c_str(), 0600); std::ofstream(a + \"/note.txt\") << \"plain\"; } "
        "t(\"umount_solutions\", umount2(\"" RAFTLAB_SOURCE_DIR "/solutions\", MNT_DETACH) == 0); "
        "t(\"write_repository\", open(\"" + mark + "\", O_CREAT | O_WRONLY, 0644) >= 0); "
        "t(\"core_pattern\", " + writable("/proc/sys/kernel/core_pattern") + "); "
        "t(\"sysrq\", " + writable("/proc/sysrq-trigger") + "); "
        "t(\"cgroup\", " + writable("/sys/fs/cgroup/pids/cgroup.procs") + " || " +
            writable("/sys/fs/cgroup/cgroup.procs") + "); "
        "t(\"disk\", access(\"/dev/sda\", F_OK) == 0 || access(\"/dev/vda\", F_OK) == 0 || "
        "access(\"/dev/nvme0n1\", F_OK) == 0); "
        "int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); sockaddr_in a{}; a.sin_family = AF_INET; "
        "a.sin_port = htons(9); a.sin_addr.s_addr = htonl(0xc0000201); "
        "t(\"network\", connect(s, (sockaddr*)&a, sizeof a) == 0 || errno != ENETUNREACH); "
        "throw std::runtime_error(\"escapes that worked:\" + (r.empty() ? std::string(\" none\") : r));",
        "FAIL", "escapes that worked: none"};
    const fs::path impl = fs::path(RAFTLAB_SOURCE_DIR) / "build/root-sandbox-impl";
    make_impl(impl, act);
    if (HasFatalFailure()) return;
    TempDir out("root-sandbox-test");
    testing::CommandRun run = testing::run_command("RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR " " RAFTLAB_GRADER
                                                   " grade 4 --fast --impl " + impl.string() + " --json " +
                                                   (out.path() / "r.json").string() + " 2>&1");
    ASSERT_TRUE(run.exited) << run.output;
    expect_only_check_4_3_hurt(out.path() / "r.json", act);
    EXPECT_FALSE(fs::exists(mark)) << "the judge's code wrote into the repository";
    fs::remove(mark);
    // The artifacts copied out: the plain file, and nothing the links or the pipe led to.
    int plain = 0;
    for (const auto& dir : fs::directory_iterator(fs::path(RAFTLAB_SOURCE_DIR) / "build/artifacts")) {
        if (dir.path().filename().string().rfind("root-sandbox-impl-", 0) != 0) continue;
        const fs::path check = dir.path() / "04-log/append_exact";
        std::error_code ec;
        for (const auto& f : fs::recursive_directory_iterator(check, ec)) {
            EXPECT_TRUE(f.is_regular_file() || f.is_directory()) << f.path() << " is neither a file nor a folder";
            EXPECT_NE(f.path().filename(), "log.cpp") << "a link into solutions/ was followed: " << f.path();
            EXPECT_NE(f.path().filename(), "solutions") << "a link to solutions/ was followed: " << f.path();
            EXPECT_NE(f.path().filename(), "pipe") << "a pipe was copied: " << f.path();
            plain += f.path().filename() == "note.txt" && testing::read_text(f.path()) == "plain";
        }
    }
    EXPECT_EQ(plain, 1) << "the check's plain artifact was not copied out";
}

/// Root without CAP_SYS_ADMIN (Docker's default, and likely an autograder's): the
/// kernel refuses namespaces, and the grader must still grade right, running each
/// check as an unprivileged uid. capsh drops the capability for the grader and all
/// it starts.
TEST(NoNamespaces, gradesRightAndKeepsSolutionsOutOfReach) {
    if (geteuid() != 0 || (!fs::exists("/usr/sbin/capsh") && !fs::exists("/sbin/capsh")))
        GTEST_SKIP() << "not run: needs root and capsh (Debian's libcap2-bin, which ./raftlab test installs); "
                     << "this test runs as uid " << getuid();
    auto grade = [](const std::string& impl, const fs::path& json) {
        return testing::run_command("capsh --drop=cap_sys_admin -- -c 'RAFTLAB_ROOT=" RAFTLAB_SOURCE_DIR " " RAFTLAB_GRADER
                                    " grade 4 --isolated --impl " + impl + " --json " + json.string() + "' 2>&1");
    };
    TempDir out("no-namespaces-test");
    // Without namespaces /tmp is shared with every test running beside this one, so
    // the act leaves a mark under a name of its own: the catalogue's acts look for
    // theirs (HOSTILE_WAS_HERE) at the same time.
    fs::remove("/tmp/NO_NAMESPACES_WAS_HERE");
    // The checks run as an unprivileged uid, which must be able to enter the folders
    // on the way to the build.
    testing::OpenedForOthers opened(RAFTLAB_SOURCE_DIR);
    // The solutions: full marks, and one line says which isolation is in force.
    testing::CommandRun full = grade("solutions", out.path() / "solutions.json");
    ASSERT_TRUE(full.exited) << full.output;
    EXPECT_EQ(full.exit_code, 0) << full.output;
    EXPECT_NE(full.output.find("Total 44/44"), std::string::npos) << full.output;
    EXPECT_NE(full.output.find("does not let root create namespaces"), std::string::npos)
        << "capsh did not take CAP_SYS_ADMIN away, or the grader did not say how it isolates checks:\n" << full.output;

    // A submission that writes outside its folder and reads the solutions: the writes
    // fail, solutions/ is unreadable, and only check 4.3 (where the act runs) fails.
    const Act act{"escape", "std::ofstream(\"" RAFTLAB_SOURCE_DIR "/NO_NAMESPACES_WAS_HERE\") << 1; "
                            "std::ofstream(\"/tmp/NO_NAMESPACES_WAS_HERE\") << 1; "
                            "if (unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) "
                            "throw std::runtime_error(\"made a user namespace to mount in\"); "
                            "std::ifstream f(\"" RAFTLAB_SOURCE_DIR "/solutions/raft/log.cpp\"); "
                            "if (!f) throw std::runtime_error(\"solutions/ is out of reach\");",
                  "FAIL", "solutions/ is out of reach"};
    const fs::path impl = fs::path(RAFTLAB_SOURCE_DIR) / "build/no-namespaces-impl";
    make_impl(impl, act);
    if (HasFatalFailure()) return;
    testing::CommandRun run = grade(impl.string(), out.path() / "r.json");
    ASSERT_TRUE(run.exited) << run.output;
    EXPECT_EQ(run.exit_code, 1) << run.output;
    expect_only_check_4_3_hurt(out.path() / "r.json", act);
    EXPECT_FALSE(fs::exists(RAFTLAB_SOURCE_DIR "/NO_NAMESPACES_WAS_HERE")) << "the check wrote into the repository";
    // Without namespaces /tmp stays shared (world-writable): what the act left there
    // shows it ran as the sandbox uid, not as root.
    struct stat st {};
    ASSERT_EQ(::stat("/tmp/NO_NAMESPACES_WAS_HERE", &st), 0) << "the act did not run";
    EXPECT_EQ(st.st_uid, 61000u) << "the check did not run as the sandbox uid";
    fs::remove("/tmp/NO_NAMESPACES_WAS_HERE");
    EXPECT_TRUE(processes_with("no-namespaces-impl").empty()) << "a check process outlived the grade";
}

}  // namespace
}  // namespace raftlab::grader
