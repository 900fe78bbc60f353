#include "gradescope.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "child.h"
#include "export.h"
#include "tempdir.h"

namespace raftlab::grader {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A script of grader/gradescope/ with the labs to grade filled in.
ExportedFile script(const fs::path& root, const std::string& name, const std::string& labs) {
    fs::path source = root / "grader/gradescope" / name;
    std::error_code ec;
    if (!fs::is_regular_file(source, ec))
        throw ConfigError(source.string() + ": missing; it is part of the Gradescope autograder");
    std::string text = read_file(source);
    const std::string placeholder = "@RAFTLAB_LABS@";
    for (std::size_t at; (at = text.find(placeholder)) != std::string::npos;) text.replace(at, placeholder.size(), labs);
    return {name, text, true};
}

}  // namespace

GradescopeArchive build_gradescope_archive(const fs::path& root, const fs::path& zip_path,
                                           const std::vector<const Lab*>& labs) {
    std::string lab_list;
    for (const Lab* lab : labs) {
        if (!lab_list.empty()) lab_list += ' ';
        lab_list += std::to_string(lab->number);
    }

    std::vector<ExportedFile> files;
    for (auto& f : export_files(root, {.keep_hidden = true, .add_workflow = false})) {
        f.path = "raftlab" / f.path;
        files.push_back(std::move(f));
    }
    files.push_back(script(root, "setup.sh", lab_list));
    files.push_back(script(root, "run_autograder", lab_list));
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });

    TempDir staging("gradescope");
    write_tree(files, staging.path() / "tree");
    fs::path out = fs::absolute(zip_path);
    std::error_code ec;
    if (!fs::is_directory(out.parent_path(), ec))
        throw ConfigError(zip_path.string() + ": its folder " + out.parent_path().string() +
                          " does not exist; create it or name another file");
    fs::path partial = staging.path() / "autograder.zip";
    // -X: no extra attributes (owner, access times); -D: no folder entries. The files
    // are named in sorted order and all have the same time: the same bytes each time.
    ChildSpec spec;
    spec.program = "/usr/bin/env";
    spec.args = {"zip", "-q", "-X", "-D", "-9", partial.string()};
    for (const auto& f : files) spec.args.push_back(f.path.string());
    spec.cwd = staging.path() / "tree";
    spec.env_overrides["TZ"] = "UTC";  // zip stores local times
    spec.limits.resource_limits = false;
    spec.limits.wall = std::chrono::minutes(10);
    ChildResult r = run_child(spec);
    if (r.exit_code == 127 || (r.exit_code != 0 && r.output.find("No such file") != std::string::npos &&
                               r.output.find("zip") != std::string::npos))
        throw ConfigError("zip is not installed; install it with: sudo apt-get install zip");
    if (r.exit_code != 0)
        throw ConfigError("zip could not write the archive: " + r.output);
    fs::copy_file(partial, out, fs::copy_options::overwrite_existing, ec);
    if (ec) throw ConfigError(zip_path.string() + ": cannot be written (" + ec.message() + ")");
    return {files.size(), fs::file_size(out, ec)};
}

}  // namespace raftlab::grader
