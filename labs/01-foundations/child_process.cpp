// child_process.cpp: fork/exec with a log file, a process group and a guaranteed kill.
#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raftlab/proc/child.h"

#include <cstdlib>
#include <deque>
#include <sstream>
#include <system_error>

namespace raftlab::lab01 {
namespace {

/// An unnamed temporary file, open for reading and writing.
int anonymous_log() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raftlab-lab01-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw Problem("could not create a temporary log file for a check");
    ::unlink(pattern.c_str());
    return fd;
}

/// In the child, between fork and exec: own process group, output to the log, death
/// together with the check binary, and no other descriptor of the check's (its
/// sockets, other children's logs): a connection the check closes must really close.
[[noreturn]] void exec_child(const std::filesystem::path& exe, std::vector<char*>& argv, int log,
                             pid_t parent) {
    ::setpgid(0, 0);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(log, 1), ::dup2(log, 2);
    if (null >= 0) ::dup2(null, 0);
    if (proc::prepare_child({.parent = parent}) != 0) ::_exit(127);  // the parent is already gone
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
}

}  // namespace

ChildProcess::ChildProcess(std::string name, const std::filesystem::path& exe,
                           const std::vector<std::string>& args)
    : name_(std::move(name)), log_fd_(anonymous_log()) {
    std::vector<std::string> all{exe.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(log_fd_);
        throw Problem("could not start " + name_ + ": fork failed");
    }
    if (pid_ == 0) exec_child(exe, argv, log_fd_, parent);
    ::setpgid(pid_, pid_);  // also here, so the group exists before we might kill it
}

ChildProcess::~ChildProcess() {
    if (!reaped_) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
    }
    ::close(log_fd_);
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
    std::string text;
    char buffer[4096];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(log_fd_, buffer, sizeof buffer, at);
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        at += n;
        if (text.size() > (1u << 16)) text.erase(0, text.size() - (1u << 15));  // keep the end
    }
    std::istringstream in(text);
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
