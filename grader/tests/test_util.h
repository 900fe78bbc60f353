// test_util.h: what the grader's end-to-end tests share: running a shell command,
// reading a whole file, and opening the way to the repository for another user.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <utility>
#include <vector>

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

/// Gives others search permission (o+x) on every folder from `path` up to /, for as
/// long as it lives, so that an unprivileged uid can reach the repository (a fresh
/// clone may sit in a private temp folder); puts the permissions back after.
class OpenedForOthers {
public:
    explicit OpenedForOthers(const std::filesystem::path& path) {
        namespace fs = std::filesystem;
        for (fs::path dir = path; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
            const fs::perms perms = fs::status(dir).permissions();
            if ((perms & fs::perms::others_exec) == fs::perms::none) {
                folders_.emplace_back(dir, perms);
                fs::permissions(dir, fs::perms::others_exec, fs::perm_options::add);
            }
        }
    }
    ~OpenedForOthers() {
        for (const auto& [dir, perms] : folders_) std::filesystem::permissions(dir, perms);
    }
    OpenedForOthers(const OpenedForOthers&) = delete;
    OpenedForOthers& operator=(const OpenedForOthers&) = delete;

private:
    std::vector<std::pair<std::filesystem::path, std::filesystem::perms>> folders_;
};

}  // namespace raftlab::grader::testing
