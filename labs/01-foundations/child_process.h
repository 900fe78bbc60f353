// child_process.h: the student's programs as real processes, for lab 1's checks.
//
// A ChildProcess starts an executable with arguments, sends its stdout and stderr
// to an anonymous log file (created and unlinked at once, so it vanishes with the
// last descriptor, even if the check binary is killed), and on destruction kills it
// (SIGKILL to its whole process group) and reaps it. So a check that fails halfway,
// by an assertion or an exception, still leaves no process, file or port behind.
// On Linux the child is also killed if the check binary itself dies (the grader's
// time limit), via PR_SET_PDEATHSIG.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace raftlab::lab01 {

/// A check's verdict in one sentence; the check runner reports what() as the reason.
class Problem : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ChildProcess {
public:
    /// Starts `exe` with `args`. `name` is how messages refer to it ("kv_server").
    /// Throws Problem if the program cannot be started at all.
    ChildProcess(std::string name, const std::filesystem::path& exe, const std::vector<std::string>& args);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// True while the process has not exited (reaps it if it has).
    bool running();

    /// "kv_server exited with status 1; its last output: ..." (or "is still running").
    std::string describe();

    /// Throws Problem with describe() when the process is no longer running.
    void require_running(const std::string& when);

    const std::string& name() const { return name_; }

private:
    std::string last_output(std::size_t lines) const;

    std::string name_;
    int log_fd_ = -1;
    pid_t pid_ = -1;
    int status_ = 0;
    bool reaped_ = false;
};

}  // namespace raftlab::lab01
