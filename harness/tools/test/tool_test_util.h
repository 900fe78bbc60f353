// tool_test_util.h: running the tool programs from tests, and looking for processes
// they may have left behind.
#pragma once

#include "../cluster_state.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace raftlab::tools::test {

/// Runs one of the tool programs with the grader they need in the environment.
inline ProgramResult run_tool(const std::string& binary, std::vector<std::string> args) {
    ::setenv("RAFTLAB_GRADER", RAFTLAB_GRADER_BIN, 1);
    args.insert(args.begin(), binary);
    return run_program(args);
}

/// A fresh directory, removed at the end of the test.
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "raftlab-tools-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

/// Live processes whose command line contains `text` (zombies excluded).
inline std::vector<pid_t> processes_mentioning(const std::string& text) {
    std::vector<pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        pid_t pid = std::stoi(name);
        if (pid != ::getpid() && cmdline.find(text) != std::string::npos && process_alive(pid)) out.push_back(pid);
    }
    return out;
}

/// The lines of `text`.
inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace raftlab::tools::test
