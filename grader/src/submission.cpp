#include "submission.h"

#include <fstream>
#include <set>

#include "catalog.h"

namespace raftlab::grader {
namespace fs = std::filesystem;

namespace {

std::set<std::string> starter_files(const fs::path& root) {
    const fs::path list = root / "grader" / "starter-files.txt";
    std::ifstream in(list);
    if (!in)
        throw ConfigError(list.string() + ": missing; it lists the starter's files (restore it from the repository)");
    std::set<std::string> files;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') files.insert(line);
    return files;
}

bool ignored(const fs::path& name) {
    const std::string n = name.string();
    return n.empty() || n[0] == '.' || n == "build";
}

}  // namespace

std::string check_submission_files(const fs::path& root, const fs::path& impl, const std::string& shown_as) {
    const std::set<std::string> allowed = starter_files(root);
    std::error_code ec;
    fs::recursive_directory_iterator it(impl, fs::directory_options::none, ec), end;
    if (ec) return shown_as + ": cannot be read (" + ec.message() + ")";
    for (; it != end; it.increment(ec)) {
        if (ec) return shown_as + ": cannot be read (" + ec.message() + ")";
        const fs::path rel = fs::relative(it->path(), impl, ec);
        if (ignored(it->path().filename())) {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        const std::string shown = (fs::path(shown_as) / rel).string();
        if (it->is_symlink(ec))
            return shown + ": is a symbolic link; a submission holds the starter's files themselves (replace the "
                           "link with the file)";
        if (it->is_directory(ec)) continue;
        if (!allowed.count(rel.generic_string()))
            return shown + ": not a file of the starter; a submission may change only the starter's files (move "
                           "its code into one of them and remove it)";
    }
    return "";
}

}  // namespace raftlab::grader
