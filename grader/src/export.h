// export.h: the repositories raftlab hands out, made from the instructor's one.
//
// The instructor's repository holds everything: solutions/, hidden checks
// (labs/NN-slug/hidden/ and the lab.yaml entries with visibility: hidden) and the
// broken variants (labs/NN-slug/broken/). Two trees are made from it:
//
//   * the student repository (`./raftlab export-student DIR`): starter/, labs/
//     without hidden checks or variants, grader/, harness/, handouts/, the README
//     without its instructor-only parts, the entry script, and a GitHub Actions
//     workflow that grades a push;
//   * the Gradescope framework (`./raftlab gradescope OUT.zip`): the same, but with
//     the hidden checks, which Gradescope runs and hides from students.
//
// Neither ever contains solutions/: a file carrying the solutions' marker comment
// stops the export. The same input always gives byte-identical output: files are
// taken from git (tracked and untracked-but-not-ignored, so build/ and local junk
// stay behind), in sorted order, with fixed permissions and modification times.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "catalog.h"

namespace raftlab::grader {

struct ExportOptions {
    bool keep_hidden = false;     ///< true: the Gradescope framework
    bool add_workflow = true;     ///< add .github/workflows/raftlab-grade.yml
};

struct ExportedFile {
    std::filesystem::path path;   ///< relative to the tree's root
    std::string content;
    bool executable = false;
};

/// The files of the tree, sorted by path. Throws ConfigError naming the file when
/// something cannot be exported as it is (a hidden check listed before a visible
/// one, unbalanced instructor-only markers in README.md, a solution file).
std::vector<ExportedFile> export_files(const std::filesystem::path& root, const ExportOptions& options);

/// Writes `files` under `dir`, which must not exist or be empty (ConfigError
/// otherwise). Every file and folder gets the same fixed modification time.
void write_tree(const std::vector<ExportedFile>& files, const std::filesystem::path& dir);

/// lab.yaml without its hidden checks, comments and layout kept. `file` is used in
/// errors. Hidden checks must come after every visible one, so that a check has the
/// same number in both trees. A stage whose checks are all hidden goes too (its title
/// would tell of them); what the cut checks were worth is counted under hidden:.
std::string strip_hidden_checks(const std::string& yaml, const std::string& file);

/// README.md without the parts between <!-- instructors-only --> and
/// <!-- /instructors-only -->.
std::string strip_instructor_parts(const std::string& markdown, const std::string& file);

/// The marker comment every file of solutions/ carries ("raftlab-solution" then
/// "-marker"), built at run time so that no exported source file contains it.
std::string solution_marker();

struct StudentTreeCheck {
    std::string problem;      ///< "" when all is well
    int visible = 0;          ///< visible checks graded in the tree
    int hidden_left_out = 0;  ///< hidden checks of the instructor's labs not in the tree
    int score = 0;            ///< the starter's score (0 unless starter/ was filled in)
    double seconds = 0;
};

/// After an export: builds the tree in a temporary copy with its own entry script,
/// grades `labs` (from the instructor's catalogue) on its starter/, and checks that
/// every visible check, and no hidden one, is listed.
StudentTreeCheck check_student_tree(const std::filesystem::path& dir, const std::vector<const Lab*>& labs);

}  // namespace raftlab::grader
