// tempdir.h: a temporary directory outside the repository that is removed when it
// goes out of scope, and also when the grader is interrupted.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unistd.h>

#include "child.h"

namespace raftlab::grader {

/// Removes the temporary directories of raftlab processes that are gone (a grader
/// killed with SIGKILL cannot clean up after itself): those named
/// raftlab-<tag>-p<pid>-XXXXXX in the temp folder whose process no longer exists.
/// Returns how many it removed.
int sweep_stale_temp_dirs();

class TempDir {
public:
    /// raftlab-<tag>-p<pid>-XXXXXX: the pid lets a later run remove it if this process
    /// dies without cleaning up (see sweep_stale_temp_dirs()).
    explicit TempDir(const std::string& tag) {
        std::string base = (std::filesystem::temp_directory_path() /
                            ("raftlab-" + tag + "-p" + std::to_string(::getpid()) + "-XXXXXX"))
                               .string();
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
