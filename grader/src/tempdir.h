// tempdir.h: a temporary directory outside the repository that is removed when it
// goes out of scope, and also when the grader is interrupted.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include "child.h"

namespace raftlab::grader {

class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        std::string base = (std::filesystem::temp_directory_path() / ("raftlab-" + tag + "-XXXXXX")).string();
        if (!mkdtemp(base.data()))
            throw std::runtime_error("cannot create a temporary directory in " +
                                     std::filesystem::temp_directory_path().string());
        path_ = base;
        register_temp_dir(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
        unregister_temp_dir(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace raftlab::grader
