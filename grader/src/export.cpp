#include "export.h"

#include <boost/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "child.h"
#include "tempdir.h"

namespace raftlab::grader {
namespace fs = std::filesystem;
namespace json = boost::json;
namespace {

/// What the trees are made of: top-level entries of the instructor's repository.
/// solutions/, .ci/ and anything else is never exported.
const std::set<std::string> kExported{".clang-format", ".gitignore", "CMakeLists.txt", "CMakePresets.json",
                                      "README.md",     "raftlab",    "starter",        "labs",
                                      "grader",        "harness",    "handouts"};

/// 2020-01-01 00:00:00 UTC: every exported file and folder gets this time.
constexpr time_t kFixedTime = 1577836800;

const std::string kInstructorsOnly = "<!-- instructors-only -->";
const std::string kInstructorsOnlyEnd = "<!-- /instructors-only -->";

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

std::vector<std::string> slice(const std::vector<std::string>& lines, std::size_t first, std::size_t end) {
    return {lines.begin() + static_cast<long>(first), lines.begin() + static_cast<long>(end)};
}

/// A top-level YAML block list of lab.yaml ("key:", then items that start with "- ",
/// each on one line or more), found line by line so that items can be cut out with the
/// comments and layout around them kept.
struct ListLines {
    std::size_t key_line = std::string::npos;  ///< npos: no such key, or its list is inline
    /// Each item's first line and one past its last (0-based). Comments and blank
    /// lines between two items belong to the one after (they are usually about it),
    /// those after the last item to it, and those before the first to no item.
    std::vector<std::pair<std::size_t, std::size_t>> items;
};

ListLines find_list_lines(const std::vector<std::string>& lines, const std::string& key) {
    ListLines list;
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (lines[i].rfind(key + ":", 0) == 0) list.key_line = i;
    if (list.key_line == std::string::npos) return list;
    std::string after = trim(lines[list.key_line].substr(key.size() + 1));
    if (!after.empty() && after[0] != '#') return {};
    std::size_t item_indent = std::string::npos;
    std::size_t pending = std::string::npos;  // first of the comments and blank lines since the last item's text
    std::size_t end = lines.size();
    for (std::size_t i = list.key_line + 1; i < lines.size(); ++i) {
        std::string t = trim(lines[i]);
        std::size_t ind = indent_of(lines[i]);
        bool starts_item = t.rfind("- ", 0) == 0 && (item_indent == std::string::npos || ind == item_indent);
        if (starts_item) {
            item_indent = ind;
            list.items.emplace_back(list.items.empty() || pending == std::string::npos ? i : pending, i + 1);
            pending = std::string::npos;
        } else if (!t.empty() && t[0] != '#' && (list.items.empty() || ind <= item_indent)) {
            end = i;  // the next top-level field: the list has ended
            break;
        } else if (!list.items.empty() && (t.empty() || t[0] == '#')) {
            if (pending == std::string::npos) pending = i;
        } else if (!list.items.empty()) {
            list.items.back().second = i + 1;  // more of the item (a block map's fields)
            pending = std::string::npos;
        }
    }
    if (pending != std::string::npos) list.items.back().second = end;
    return list;
}

/// Files of the repository as git sees them (tracked, plus untracked files that are
/// not ignored), or, outside a git checkout, every file except build output.
std::vector<fs::path> source_files(const fs::path& root) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::exists(root / ".git", ec)) {
        ChildSpec spec;
        spec.program = "/usr/bin/env";
        spec.args = {"git", "-C", root.string(), "ls-files", "-z", "--cached", "--others", "--exclude-standard"};
        spec.limits.resource_limits = false;
        spec.limits.output_keep = 64 * 1024 * 1024;
        ChildResult r = run_child(spec);
        if (r.exit_code == 0 && !r.output_truncated) {
            std::string name;
            for (char c : r.output) {
                if (c != '\0') {
                    name += c;
                    continue;
                }
                if (!name.empty()) files.emplace_back(name);
                name.clear();
            }
            std::sort(files.begin(), files.end());
            files.erase(std::unique(files.begin(), files.end()), files.end());
            return files;
        }
    }
    for (const auto& top : kExported) {
        fs::path start = root / top;
        if (fs::is_regular_file(start, ec)) files.emplace_back(top);
        if (!fs::is_directory(start, ec)) continue;
        for (auto it = fs::recursive_directory_iterator(start); it != fs::recursive_directory_iterator(); ++it) {
            std::string name = it->path().filename().string();
            if (it->is_directory() && (name == "build" || name == "node_modules" || name[0] == '.')) {
                it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file()) files.push_back(fs::relative(it->path(), root));
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// labs/NN-slug/<part>/...: true when the file is inside that lab subfolder.
bool in_lab_folder(const fs::path& rel, const std::string& folder) {
    std::vector<std::string> parts;
    for (const auto& p : rel) parts.push_back(p.string());
    return parts.size() >= 4 && parts[0] == "labs" && parts[2] == folder;
}

bool is_lab_yaml(const fs::path& rel) {
    std::vector<std::string> parts;
    for (const auto& p : rel) parts.push_back(p.string());
    return parts.size() == 3 && parts[0] == "labs" && parts[2] == "lab.yaml";
}

bool executable(const fs::path& p) {
    std::error_code ec;
    auto perms = fs::status(p, ec).permissions();
    return !ec && (perms & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::string solution_marker() { return std::string("raftlab-solution") + "-marker"; }

std::string strip_hidden_checks(const std::string& yaml, const std::string& file) {
    std::vector<std::string> lines = split_lines(yaml);
    ListLines checks = find_list_lines(lines, "checks");
    if (checks.key_line == std::string::npos) return yaml;  // no checks, or "checks: []": nothing to strip

    std::vector<bool> dropped(lines.size(), false);
    static const std::regex hidden_re("visibility:\\s*[\"']?hidden\\b");
    bool seen_hidden = false;
    for (const auto& [first, end] : checks.items) {
        bool hidden = std::regex_search(join_lines(slice(lines, first, end)), hidden_re);
        std::size_t dash = first;  // the item's "- " line, after any comment of its own
        while (trim(lines[dash]).rfind("- ", 0) != 0) ++dash;
        if (seen_hidden && !hidden)
            throw ConfigError(file + ":" + std::to_string(dash + 1) +
                              ": a visible check comes after a hidden one; list hidden checks last, so that "
                              "every check has the same number for students and on Gradescope");
        seen_hidden |= hidden;
        if (hidden) std::fill(dropped.begin() + static_cast<long>(first), dropped.begin() + static_cast<long>(end), true);
    }
    // The checks and stages as YAML reads them: what is cut is counted, and what is
    // kept must be exactly the visible checks, in order, and the stages that still have
    // one (a stage of hidden checks only is left out: its title would tell of them).
    int hidden_checks = 0, hidden_points = 0;
    std::vector<std::string> want, want_stages, all_stages;
    try {
        YAML::Node doc = YAML::Load(yaml);
        std::set<std::string> with_visible_check;
        for (const auto& c : doc["checks"]) {
            if (c["visibility"].as<std::string>("visible") == "hidden") {
                ++hidden_checks;
                hidden_points += c["points"].as<int>(0);
            } else {
                want.push_back(c["id"].as<std::string>(""));
                with_visible_check.insert(c["stage"].as<std::string>(""));
            }
        }
        for (const auto& s : doc["stages"]) {
            all_stages.push_back(s["id"].as<std::string>(""));
            if (with_visible_check.count(all_stages.back())) want_stages.push_back(all_stages.back());
        }
    } catch (const YAML::Exception& e) {
        throw ConfigError(file + ": cannot be read: " + e.msg);
    }
    if (want_stages != all_stages)
        for (const auto& [first, end] : find_list_lines(lines, "stages").items) {
            std::string id;
            try {
                id = YAML::Load(join_lines(slice(lines, first, end)))[0]["id"].as<std::string>("");
            } catch (const YAML::Exception&) {
                // left as it is; the comparison below says the stages could not be cut
            }
            if (std::find(want_stages.begin(), want_stages.end(), id) == want_stages.end())
                std::fill(dropped.begin() + static_cast<long>(first), dropped.begin() + static_cast<long>(end), true);
        }

    std::vector<std::string> out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        // What was cut, counted, so that a student's table can say what else is graded.
        if (i == checks.key_line && hidden_checks > 0)
            out.insert(out.end(), {"# Hidden checks run when your instructor grades; they are counted here, not listed.",
                                   "hidden: {checks: " + std::to_string(hidden_checks) + ", points: " +
                                       std::to_string(hidden_points) + "}"});
        if (!dropped[i]) out.push_back(lines[i]);
    }
    std::string stripped = join_lines(out);

    std::vector<std::string> got, got_stages;
    try {
        YAML::Node doc = YAML::Load(stripped);
        for (const auto& c : doc["checks"]) got.push_back(c["id"].as<std::string>(""));
        for (const auto& s : doc["stages"]) got_stages.push_back(s["id"].as<std::string>(""));
    } catch (const YAML::Exception& e) {
        throw ConfigError(file + ": cannot be read: " + e.msg);
    }
    if (want != got)
        throw ConfigError(file + ": the hidden checks could not be cut out line by line; start every check "
                          "with \"- \" under checks: and indent its other fields further");
    if (want_stages != got_stages)
        throw ConfigError(file + ": a stage whose checks are all hidden could not be cut out line by line; start "
                          "every stage with \"- \" under stages: and indent its other fields further");
    return stripped;
}

std::string strip_instructor_parts(const std::string& markdown, const std::string& file) {
    std::vector<std::string> out;
    std::size_t open_at = 0, n = 0;
    bool inside = false, skip_blank = false;
    for (const auto& line : split_lines(markdown)) {
        ++n;
        std::string t = trim(line);
        if (t == kInstructorsOnly) {
            if (inside)
                throw ConfigError(file + ":" + std::to_string(n) + ": " + kInstructorsOnly + " inside another (opened at line " +
                                  std::to_string(open_at) + "); close the first with " + kInstructorsOnlyEnd);
            inside = true;
            open_at = n;
            continue;
        }
        if (t == kInstructorsOnlyEnd) {
            if (!inside)
                throw ConfigError(file + ":" + std::to_string(n) + ": " + kInstructorsOnlyEnd +
                                  " without an opening " + kInstructorsOnly);
            inside = false;
            skip_blank = !out.empty() && trim(out.back()).empty();
            continue;
        }
        if (inside) continue;
        if (skip_blank && t.empty()) {
            skip_blank = false;
            continue;
        }
        skip_blank = false;
        out.push_back(line);
    }
    if (inside)
        throw ConfigError(file + ":" + std::to_string(open_at) + ": " + kInstructorsOnly + " is never closed; add " +
                          kInstructorsOnlyEnd + " where the instructors' part ends");
    return join_lines(out);
}

std::vector<ExportedFile> export_files(const fs::path& root, const ExportOptions& options) {
    std::vector<ExportedFile> files;
    std::error_code ec;
    for (const fs::path& rel : source_files(root)) {
        if (rel.empty() || !kExported.count(rel.begin()->string())) continue;
        if (in_lab_folder(rel, "broken")) continue;
        // The grader's own tests grade solutions/ and name hidden checks: not for students.
        if (rel.string().rfind("grader/tests/", 0) == 0) continue;
        if (in_lab_folder(rel, "hidden") && !options.keep_hidden) continue;
        fs::path source = root / rel;
        if (!fs::is_regular_file(source, ec)) continue;  // deleted, or not a file
        ExportedFile f{rel, read_file(source), executable(source)};
        if (is_lab_yaml(rel)) {
            std::string stripped = strip_hidden_checks(f.content, rel.string());
            if (!options.keep_hidden) f.content = stripped;
        }
        if (rel == "README.md") f.content = strip_instructor_parts(f.content, rel.string());
        files.push_back(std::move(f));
    }
    if (options.add_workflow) {
        fs::path workflow = root / "grader/classroom/raftlab-grade.yml";
        if (!fs::is_regular_file(workflow, ec))
            throw ConfigError(workflow.string() + ": missing; it is the GitHub workflow the student repository gets");
        files.push_back({".github/workflows/raftlab-grade.yml", read_file(workflow), false});
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    const std::string marker = solution_marker();
    for (const auto& f : files)
        if (f.content.find(marker) != std::string::npos)
            throw ConfigError(f.path.string() + ": contains \"" + marker +
                              "\", the comment every solution file carries; it must never be exported, so "
                              "move the file to solutions/ or remove the comment if it is not a solution");
    return files;
}

void write_tree(const std::vector<ExportedFile>& files, const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
        throw ConfigError(dir.string() + ": exists and is not empty; name a new folder (an export never "
                          "overwrites files)");
    fs::create_directories(dir, ec);
    if (ec) throw ConfigError(dir.string() + ": cannot be created (" + ec.message() + "); check the parent folder");
    std::set<fs::path> folders{dir};
    for (const auto& f : files) {
        fs::path target = dir / f.path;
        for (fs::path p = f.path.parent_path(); !p.empty(); p = p.parent_path()) folders.insert(dir / p);
        fs::create_directories(target.parent_path());
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        if (!out || !(out << f.content) || !(out.flush()))
            throw ConfigError(target.string() + ": cannot be written; check the disk and the folder's permissions");
        out.close();
        ::chmod(target.c_str(), f.executable ? 0755 : 0644);
    }
    const timespec times[2] = {{kFixedTime, 0}, {kFixedTime, 0}};
    for (const auto& f : files) ::utimensat(AT_FDCWD, (dir / f.path).c_str(), times, 0);
    // Deepest folders first: setting a folder's time does not touch its parent's.
    for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
        ::chmod(it->c_str(), 0755);
        ::utimensat(AT_FDCWD, it->c_str(), times, 0);
    }
}

StudentTreeCheck check_student_tree(const fs::path& dir, const std::vector<const Lab*>& labs) {
    StudentTreeCheck result;
    TempDir work("export-check");
    fs::path copy = work.path() / "repository";
    std::error_code ec;
    fs::copy(dir, copy, fs::copy_options::recursive, ec);
    if (ec) {
        result.problem = "cannot copy " + dir.string() + " to " + copy.string() + ": " + ec.message();
        return result;
    }
    fs::path results = work.path() / "results.json";
    ChildSpec spec;
    spec.program = copy / "raftlab";
    spec.args = {"grade"};
    for (const Lab* lab : labs) spec.args.push_back(std::to_string(lab->number));
    spec.args.insert(spec.args.end(), {"--json", results.string()});
    spec.cwd = copy;
    spec.limits.resource_limits = false;
    spec.limits.wall = std::chrono::hours(2);
    spec.limits.output_keep = 1024 * 1024;
    ChildResult r = run_child(spec);
    result.seconds = r.seconds;
    if (!r.started || r.timed_out || !r.exit_code || *r.exit_code > 1) {
        std::string tail = r.output.size() > 3000 ? r.output.substr(r.output.size() - 3000) : r.output;
        result.problem = "./raftlab grade failed in the exported repository (" +
                         (r.exit_code ? "exit " + std::to_string(*r.exit_code) : std::string("killed")) +
                         "); its output ends with:\n" + tail;
        return result;
    }
    boost::system::error_code jec;
    json::value v = json::parse(read_file(results), jec);
    if (jec || !v.is_object() || !v.as_object().contains("tests")) {
        result.problem = "./raftlab grade in the exported repository wrote no readable results.json";
        return result;
    }
    std::set<std::string> listed;
    static const std::regex name_re("^Lab ([0-9]+): .* \\[([a-z0-9_]+)\\]$");
    for (const auto& t : v.as_object().at("tests").as_array()) {
        std::smatch m;
        std::string name(t.as_object().at("name").as_string());
        if (std::regex_match(name, m, name_re)) listed.insert(std::string(m[1]) + "/" + std::string(m[2]));
        if (t.as_object().at("visibility").as_string() != "visible") result.problem += "hidden check listed: " + name + "\n";
    }
    for (const Lab* lab : labs)
        for (const auto& c : lab->checks) {
            bool here = listed.count(std::to_string(lab->number) + "/" + c.id) > 0;
            if (c.visibility == Visibility::visible && !here)
                result.problem += "visible check " + lab->padded_number() + " " + c.id + " is missing\n";
            if (c.visibility == Visibility::hidden && here)
                result.problem += "hidden check " + lab->padded_number() + " " + c.id + " was graded\n";
            result.visible += c.visibility == Visibility::visible && here;
            result.hidden_left_out += c.visibility == Visibility::hidden && !here;
        }
    result.score = json::value_to<int>(v.as_object().at("score"));
    return result;
}

}  // namespace raftlab::grader
