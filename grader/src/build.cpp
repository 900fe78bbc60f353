#include "build.h"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "child.h"

namespace raftlab::grader {
namespace fs = std::filesystem;
namespace {

std::string short_hash(const std::string& s) {
    std::size_t h = std::hash<std::string>{}(s);
    std::ostringstream out;
    out << std::hex << (h & 0xffffffffu);
    return out.str();
}

/// Makes compiler paths readable: /work/main/starter/raft/log.cpp -> starter/raft/log.cpp.
/// The compiler cache hands the compiler paths relative to the build folder `base`
/// (CCACHE_BASEDIR), so ../../starter/raft/log.cpp becomes starter/raft/log.cpp too;
/// a relative path is rewritten only when it names a file that exists.
std::string relative_paths(std::string text, const fs::path& root, const fs::path& base) {
    std::string prefix = root.string() + "/";
    for (std::size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
    if (base.empty()) return text;
    static const std::regex up(R"((?:\.\./)+[A-Za-z0-9_+\-][A-Za-z0-9_+.\-/]*)");
    std::string out;
    std::size_t last = 0;
    std::error_code ec;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), up); it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        out.append(text, last, static_cast<std::size_t>(m.position(0)) - last);
        fs::path full = (base / m.str(0)).lexically_normal();
        std::string shown = m.str(0);
        if (fs::exists(full, ec)) {
            fs::path rel = full.lexically_relative(root);
            shown = !rel.empty() && *rel.begin() != ".." ? rel.string() : full.string();
        }
        out += shown;
        last = static_cast<std::size_t>(m.position(0) + m.length(0));
    }
    out.append(text, last, std::string::npos);
    return out;
}

/// The lines a student needs from a failed build: each "error:" line with the two
/// lines after it (the code and the caret), at most `max_errors` errors.
std::string first_errors(const std::string& log, int max_errors) {
    std::istringstream in(log);
    std::string line, out;
    int errors = 0, context = 0;
    while (std::getline(in, line) && errors <= max_errors) {
        bool cmake_error = line.rfind("CMake Error", 0) == 0;
        bool is_error = cmake_error || line.find("error:") != std::string::npos ||
                        line.find("undefined reference") != std::string::npos;
        if (is_error) {
            if (++errors > max_errors) break;
            out += line + "\n";
            context = cmake_error ? 4 : 2;
        } else if (context > 0) {
            out += line + "\n";
            --context;
        }
    }
    if (out.empty()) {  // no recognisable error line: show the end of the log
        std::string tail = log.size() > 1500 ? log.substr(log.size() - 1500) : log;
        return tail;
    }
    return out;
}

BuildProgress& build_progress() {
    static BuildProgress progress;
    return progress;
}

/// Reads ninja's "[done/total] ..." lines out of a build's output as it arrives.
class ProgressReader {
public:
    explicit ProgressReader(std::string what) : what_(std::move(what)) {}
    void add(const char* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            if (data[i] != '\n') {
                if (line_.size() < 64) line_ += data[i];  // "[123/456]" is all that is read
                continue;
            }
            int done = 0, total = 0;
            if (std::sscanf(line_.c_str(), "[%d/%d]", &done, &total) == 2 && total > 0)
                build_progress()(what_, done, total);
            line_.clear();
        }
    }

private:
    std::string what_;
    std::string line_;
};

BuildOutcome run_tool(const fs::path& root, std::vector<std::string> args, const fs::path& submission = {}) {
    ChildSpec spec;
    spec.program = "/usr/bin/env";
    std::string what;  // the target; "" when configuring
    for (std::size_t k = 0; k + 1 < args.size(); ++k)
        if (args[k] == "--target") what = args[k + 1];
    ProgressReader progress(what.empty() ? "the build" : what);
    if (build_progress()) spec.on_output = [&](const char* data, std::size_t size) { progress.add(data, size); };
    args.insert(args.begin(), "cmake");
    spec.args = std::move(args);
    spec.cwd = root;
    spec.limits.wall = std::chrono::minutes(30);
    spec.limits.resource_limits = false;
    spec.limits.output_keep = 512 * 1024;
    const bool tell = build_progress() && !what.empty();
    if (tell) build_progress()(what, 0, 0);
    ChildResult r = run_child(spec);
    if (tell) build_progress()(what, -1, 0);
    BuildOutcome b;
    b.ok = r.started && !r.timed_out && r.exit_code == 0;
    fs::path base;  // the build folder, where the compiler runs
    for (std::size_t k = 0; k + 1 < spec.args.size(); ++k)
        if (spec.args[k] == "--build" || spec.args[k] == "-B") base = spec.args[k + 1];
    // A batch grades a copy of each submission in its slot (build/batch/slot-N/student):
    // the student's files are named as in their own folder, not by the slot's path.
    b.log = relative_paths(r.output, root, base);
    if (!submission.empty()) {
        const std::string prefix = submission.lexically_relative(root).string() + "/";
        for (std::size_t at; (at = b.log.find(prefix)) != std::string::npos;) b.log.erase(at, prefix.size());
    }
    b.errors = b.ok ? "" : first_errors(b.log, 5);
    b.seconds = r.seconds;
    return b;
}

bool same_content(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (!fs::exists(b, ec) || fs::file_size(a, ec) != fs::file_size(b, ec)) return false;
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    return std::equal(std::istreambuf_iterator<char>(fa), {}, std::istreambuf_iterator<char>(fb));
}

}  // namespace

void sync_tree(const fs::path& src, const fs::path& dst) {
    fs::create_directories(dst);
    std::set<fs::path> wanted;
    for (const auto& e : fs::recursive_directory_iterator(src)) {
        fs::path rel = fs::relative(e.path(), src);
        wanted.insert(rel);
        if (e.is_directory()) {
            fs::create_directories(dst / rel);
        } else if (!same_content(e.path(), dst / rel)) {
            fs::create_directories((dst / rel).parent_path());
            std::error_code ec;
            fs::remove(dst / rel, ec);  // even a read-only copy is replaced
            fs::copy_file(e.path(), dst / rel, fs::copy_options::overwrite_existing);
        }
    }
    std::vector<fs::path> extra;
    for (const auto& e : fs::recursive_directory_iterator(dst))
        if (!wanted.count(fs::relative(e.path(), dst))) extra.push_back(e.path());
    for (const auto& p : extra) fs::remove_all(p);
}

Impl resolve_impl(const fs::path& root, const std::string& arg) {
    Impl impl;
    fs::path source = (arg == "starter" || arg == "solutions") ? root / arg : fs::path(arg);
    std::error_code ec;
    if (!fs::is_directory(source, ec))
        throw ConfigError("--impl " + arg + ": no such directory; give starter, solutions or a path to an "
                          "implementation folder laid out like starter/");
    impl.source = fs::canonical(source);
    // A path must be laid out like starter/: at least one of its folders.
    std::vector<std::string> folders;
    for (const auto& e : fs::directory_iterator(root / "starter", ec))
        if (e.is_directory()) folders.push_back(e.path().filename().string());
    std::sort(folders.begin(), folders.end());
    bool laid_out = folders.empty() || arg == "starter" || arg == "solutions";
    for (const auto& f : folders) laid_out |= fs::is_directory(impl.source / f, ec);
    if (!laid_out) {
        std::string list;
        for (const auto& f : folders) list += (list.empty() ? "" : ", ") + f + "/";
        throw ConfigError("--impl " + arg + ": has none of starter/'s folders (" + list +
                          "); give the folder that holds them, e.g. " + (fs::path(arg) / "starter").string());
    }
    impl.name = (arg == "starter" || arg == "solutions") ? arg
                : impl.source.filename().string() + "-" + short_hash(impl.source.string());
    impl.build_dir = root / "build" / ("impl-" + impl.name);
    impl.isolated = !(arg == "starter" || arg == "solutions");
    return impl;
}

BuildOutcome configure(const fs::path& root, const Impl& impl) {
    std::error_code ec;
    fs::create_directories(impl.build_dir, ec);
    if (ec || access(impl.build_dir.c_str(), W_OK) != 0)
        throw ConfigError("build directory " + impl.build_dir.string() + " is not writable (" +
                          (ec ? ec.message() : "permission denied") +
                          "); fix its permissions or remove it");
    if (fs::exists(impl.build_dir / "build.ninja") || fs::exists(impl.build_dir / "Makefile")) {
        std::ifstream cache(impl.build_dir / "CMakeCache.txt");
        std::string line, want = "RAFTLAB_IMPL:PATH=" + impl.source.string();
        while (std::getline(cache, line))
            if (line == want) return BuildOutcome{true, "", "", 0};
    }
    // RAFTLAB_IMPL_BUILD_TYPE (./raftlab test sets Release): implementations built
    // only to be tested need no debug info; a student's own builds keep it.
    const char* type = std::getenv("RAFTLAB_IMPL_BUILD_TYPE");
    const std::string build_type = type && (std::string(type) == "Release" || std::string(type) == "Debug")
                                       ? type : "RelWithDebInfo";
    std::vector<std::string> args{"-S", root.string(), "-B", impl.build_dir.string(), "-DRAFTLAB_MODE=impl",
                                  "-DRAFTLAB_IMPL=" + impl.source.string(), "-DCMAKE_BUILD_TYPE=" + build_type};
    if (!fs::exists(impl.build_dir / "CMakeCache.txt")) {
        args.push_back("-G");
        args.push_back("Ninja");
    }
    return run_tool(root, args);
}

namespace {

/// Runs ninja in the build folder and returns its output, or nullopt when it failed.
std::optional<std::string> ninja_tool(const Impl& impl, std::vector<std::string> args) {
    ChildSpec spec;
    spec.program = "/usr/bin/env";
    spec.args = {"ninja", "-C", impl.build_dir.string()};
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    spec.limits.wall = std::chrono::minutes(2);
    spec.limits.resource_limits = false;
    spec.limits.output_keep = 256 * 1024 * 1024;
    ChildResult r = run_child(spec);
    if (!r.started || r.timed_out || r.exit_code != 0 || r.output_truncated) return std::nullopt;
    return r.output;
}

bool within(const fs::path& p, const fs::path& dir) {
    auto rel = p.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

std::string check_includes(const fs::path& root, const Impl& impl, const std::string& target) {
    if (!fs::exists(impl.build_dir / "build.ninja")) return "";  // another generator: nothing recorded to read
    std::optional<std::string> inputs = ninja_tool(impl, {"-t", "inputs", target});
    if (!inputs) return "";  // an old ninja without -t inputs: nothing to prove with
    std::vector<std::string> objects;
    std::istringstream in(*inputs);
    for (std::string line; std::getline(in, line);)
        if (line.size() > 2 && line.compare(line.size() - 2, 2, ".o") == 0) objects.push_back(line);
    if (objects.empty()) return "";
    std::vector<std::string> args{"-t", "deps"};
    args.insert(args.end(), objects.begin(), objects.end());
    std::optional<std::string> deps = ninja_tool(impl, args);
    if (!deps) return "the grader could not read the compiler's record of the files your code includes (ninja -t deps "
                      "failed in " + impl.build_dir.string() + "); delete that folder and grade again";

    std::error_code ec;
    const fs::path source = fs::weakly_canonical(impl.source, ec);
    const fs::path solutions = fs::weakly_canonical(root / "solutions", ec);
    const fs::path labs = fs::weakly_canonical(root / "labs", ec);
    const fs::path public_headers = fs::weakly_canonical(root / "harness" / "include", ec);
    const fs::path build = fs::weakly_canonical(impl.build_dir, ec);
    auto shown = [&](const fs::path& p) {
        if (within(p, source)) return p.lexically_relative(source).string();
        return within(p, root) ? p.lexically_relative(root).string() : p.string();
    };
    // The hidden/ folder a path lies in ("" when none): labs/NN/hidden.
    auto hidden_dir = [&](const fs::path& p) -> fs::path {
        if (!within(p, labs)) return {};
        fs::path rel = p.lexically_relative(labs);
        auto it = rel.begin();
        if (it == rel.end() || ++it == rel.end() || *it != "hidden") return {};
        return labs / *rel.begin() / "hidden";
    };

    std::istringstream records(*deps);
    fs::path object_source;  // the first dependency of the current object: its source file
    bool first = false;
    for (std::string line; std::getline(records, line);) {
        if (line.empty()) continue;
        if (line[0] != ' ') {  // "obj.o: #deps 385, deps mtime ... (VALID)" or "obj.o: deps not found"
            first = true;
            object_source.clear();
            continue;
        }
        fs::path dep = line.substr(line.find_first_not_of(' '));
        dep = fs::weakly_canonical(dep.is_absolute() ? dep : impl.build_dir / dep, ec);
        if (first) {
            object_source = dep;
            first = false;
        }
        const bool student = within(object_source, source);
        // solutions/, unless it is what is graded, is never read, whoever includes it.
        const bool instructors = within(dep, solutions) && !within(source, solutions) && source != solutions;
        bool allowed;
        if (student) {
            // The student's own files, raftlab's public headers and the system's
            // headers: nothing else of the repository's.
            allowed = within(dep, source) || within(dep, public_headers) || (within(dep, "/usr") && !within(dep, root));
        } else {
            // The framework's own sources may read the repository, but a hidden check
            // only from its own folder.
            fs::path hidden = hidden_dir(dep);
            allowed = (within(dep, root) || within(dep, source) || within(dep, build) || within(dep, "/usr")) &&
                      (hidden.empty() || hidden_dir(object_source) == hidden);
        }
        allowed = allowed && !instructors;
        if (allowed) continue;
        std::string who = student ? shown(object_source) + " (or a header it includes)"
                                  : "a header of your submission, included by " + shown(object_source) + ",";
        return who + " reads " + shown(dep) + ", which lies outside your submission: your code may include only its "
               "own files, raftlab's public headers (harness/include) and the system's headers, so this lab "
               "scores zero";
    }
    return "";
}

BuildOutcome build_lab(const fs::path& root, const Impl& impl, const Lab& lab) {
    const std::string target = lab.target() + (impl.isolated ? "" : "_fast");
    BuildOutcome built = build_target(root, impl, target);
    if (!built.ok) return built;
    if (std::string refused = check_includes(root, impl, target); !refused.empty()) {
        built.ok = false;
        built.errors = refused + "\n";
        built.log += refused + "\n";
    }
    return built;
}

void set_build_progress(BuildProgress progress) { build_progress() = std::move(progress); }

BuildOutcome build_target(const fs::path& root, const Impl& impl, const std::string& target) {
    const bool slot_copy = within(impl.source, root / "build");
    return run_tool(root, {"--build", impl.build_dir.string(), "--target", target}, slot_copy ? impl.source : fs::path());
}

fs::path server_binary(const Impl& impl) { return impl.build_dir / "labs" / "10-system" / "lab10-server"; }

fs::path check_binary(const Impl& impl, const Lab& lab) {
    fs::path isolated = impl.build_dir / "labs" / lab.slug / lab.target();
    if (impl.isolated) return isolated;
    fs::path fast = impl.build_dir / "labs" / lab.slug / (lab.target() + "_fast");
    std::error_code ec;
    return fs::exists(fast, ec) ? fast : isolated;  // labs without hosts have one binary
}

}  // namespace raftlab::grader
