// test_util.h: what the grader's end-to-end tests share: running a shell command
// and reading a whole file.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace raftlab::grader::testing {

struct CommandRun {
    bool started = false;
    bool exited = false;  ///< false: ended by a signal
    int exit_code = -1;
    std::string output;   ///< stdout (add 2>&1 to the command for stderr too)
};

inline CommandRun run_command(const std::string& command) {
    CommandRun r;
    FILE* p = popen(command.c_str(), "r");
    if (!p) return r;
    r.started = true;
    std::array<char, 4096> buf;
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
    int status = pclose(p);
    r.exited = WIFEXITED(status);
    r.exit_code = r.exited ? WEXITSTATUS(status) : -1;
    return r;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace raftlab::grader::testing
