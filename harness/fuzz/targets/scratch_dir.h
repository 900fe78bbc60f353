// scratch_dir.h: one private temporary directory per fuzzer process, for targets
// whose code under test reads a file. Created on first use, removed at exit.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace raftlab::fuzz {

class ScratchDir {
public:
    /// `name` keeps the directories of different targets apart in /tmp.
    explicit ScratchDir(std::string_view name)
        : path_(std::filesystem::temp_directory_path() /
                ("raftlab-fuzz-" + std::string(name) + "-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// Replaces the contents of `file` with the fuzz input.
inline void write_file(const std::filesystem::path& file, const unsigned char* data, std::size_t size) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace raftlab::fuzz
