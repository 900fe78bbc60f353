// gradescope.h: the autograder archive Gradescope runs.
//
// The archive holds, at its root, setup.sh and run_autograder (from
// grader/gradescope/, with the labs to grade filled in), and raftlab/: the framework
// with its hidden checks but without solutions/ or the broken variants (see
// export.h). Gradescope unpacks it into /autograder/source, runs setup.sh once, and
// run_autograder once per submission; RAFTLAB_AUTOGRADER_ROOT moves /autograder
// elsewhere, so a local test can recreate the layout in a temporary folder.
#pragma once

#include <filesystem>
#include <vector>

#include "catalog.h"

namespace raftlab::grader {

struct GradescopeArchive {
    std::size_t files = 0;
    std::uintmax_t bytes = 0;
};

/// Writes the archive to `zip_path` (replacing it). `labs` empty: every lab. The
/// same repository gives a byte-identical archive. Throws ConfigError when `zip` is
/// missing or the archive cannot be written.
GradescopeArchive build_gradescope_archive(const std::filesystem::path& root, const std::filesystem::path& zip_path,
                                           const std::vector<const Lab*>& labs);

}  // namespace raftlab::grader
