// child_process.cpp: fork/exec with a log file, a process group and a guaranteed kill.
#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cstdlib>
#include <deque>
#include <fstream>
#include <system_error>

namespace raftlab::lab01 {
namespace {

std::filesystem::path make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raftlab-lab01-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw Problem("could not create a temporary directory for a check");
    return pattern;
}

/// In the child, between fork and exec: own process group, output to the log, and
/// (Linux) die together with the check binary.
[[noreturn]] void exec_child(const std::filesystem::path& exe, std::vector<char*>& argv,
                             const std::string& log, pid_t parent) {
    ::setpgid(0, 0);
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
#endif
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    if (null >= 0) ::dup2(null, 0);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
}

}  // namespace

ChildProcess::ChildProcess(std::string name, const std::filesystem::path& exe,
                           const std::vector<std::string>& args)
    : name_(std::move(name)), dir_(make_temp_dir()) {
    std::vector<std::string> all{exe.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log = (dir_ / "output.log").string();
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        std::filesystem::remove_all(dir_);
        throw Problem("could not start " + name_ + ": fork failed");
    }
    if (pid_ == 0) exec_child(exe, argv, log, parent);
    ::setpgid(pid_, pid_);  // also here, so the group exists before we might kill it
}

ChildProcess::~ChildProcess() {
    if (!reaped_) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

bool ChildProcess::running() {
    if (reaped_) return false;
    pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
        reaped_ = true;
        ::kill(-pid_, SIGKILL);  // anything it left behind in its group
    }
    return !reaped_;
}

std::string ChildProcess::last_output(std::size_t lines) const {
    std::ifstream in(dir_ / "output.log");
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
        tail.push_back(line);
        if (tail.size() > lines) tail.pop_front();
    }
    std::string out;
    for (const auto& l : tail) out += (out.empty() ? "" : " | ") + l;
    return out.size() > 600 ? out.substr(out.size() - 600) : out;
}

std::string ChildProcess::describe() {
    if (running()) return name_ + " is still running";
    std::string how = WIFSIGNALED(status_)
                          ? "was killed by signal " + std::to_string(WTERMSIG(status_)) +
                                (WTERMSIG(status_) == SIGPIPE ? " (SIGPIPE: it wrote to a closed connection)" : "")
                          : "exited with status " + std::to_string(WEXITSTATUS(status_));
    if (WIFEXITED(status_) && WEXITSTATUS(status_) == 127) how += " (could it be started at all?)";
    std::string output = last_output(5);
    return name_ + " " + how + (output.empty() ? "" : "; its last output: " + output);
}

void ChildProcess::require_running(const std::string& when) {
    if (!running()) throw Problem(when + ", " + describe() + ".");
}

}  // namespace raftlab::lab01
