#include "raftlab/check/check.h"

#include <climits>
#include <cstdlib>
#include <map>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif
#include <stdexcept>
#include <string>

namespace raftlab::check {
namespace {

/// The grader's variables, taken out of the environment by hide_environment().
std::map<std::string, std::string>& saved() {
    static std::map<std::string, std::string> values;
    return values;
}
bool& hidden() {
    static bool h = false;
    return h;
}

std::string env_or(const char* name, const std::string& fallback) {
    if (hidden()) {
        auto it = saved().find(name);
        return it != saved().end() && !it->second.empty() ? it->second : fallback;
    }
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    std::string v = env_or(name, "");
    if (v.empty()) return fallback;
    try {
        std::size_t used = 0;
        unsigned long long n = std::stoull(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
        return n;
    } catch (const std::exception&) {
        throw std::invalid_argument(std::string(name) + "=" + v +
                                    ": expected a whole number; unset it or fix the value");
    }
}

}  // namespace

std::string variable(const char* name) { return env_or(name, ""); }

void hide_environment() {
    std::vector<std::string> names;
    for (char** e = environ; e && *e; ++e) {
        std::string entry = *e;
        std::size_t eq = entry.find('=');
        if (eq == std::string::npos) continue;
        std::string name = entry.substr(0, eq);
        if (name.rfind("RAFTLAB_", 0) == 0 || name.rfind("GTEST_", 0) == 0) {
            saved()[name] = entry.substr(eq + 1);
            names.push_back(name);
        }
    }
    for (const auto& n : names) unsetenv(n.c_str());
    hidden() = true;
}

std::vector<std::uint64_t> seeds(int default_count) {
    if (replaying()) return {env_number("RAFTLAB_SEED", 1)};
    std::uint64_t count = env_number("RAFTLAB_SEEDS", static_cast<std::uint64_t>(default_count));
    std::vector<std::uint64_t> out;
    out.reserve(count);
    for (std::uint64_t s = 1; s <= count; ++s) out.push_back(s);
    return out;
}

bool replaying() { return !env_or("RAFTLAB_SEED", "").empty(); }

bool timeline_wanted() { return !env_or("RAFTLAB_TIMELINE", "").empty(); }

std::optional<std::filesystem::path> html_path() {
    std::string p = env_or("RAFTLAB_HTML", "");
    if (p.empty()) return std::nullopt;
    return std::filesystem::path(p);
}

std::string lab() { return env_or("RAFTLAB_LAB", ""); }
std::string check_id() { return env_or("RAFTLAB_CHECK", ""); }

std::string replay_command(std::uint64_t seed) {
    std::string l = lab(), c = check_id();
    if (l.empty()) l = "<lab>";
    if (c.empty()) c = "<check>";
    if (l.size() > 1 && l[0] == '0') l = l.substr(1);
    return "./raftlab replay " + l + " " + c + " --seed " + std::to_string(seed);
}

std::filesystem::path artifacts_dir() {
    std::filesystem::path p = env_or("RAFTLAB_ARTIFACTS", "raftlab-artifacts");
    std::filesystem::create_directories(p);
    return p;
}

std::string built_file(const char* relative) {
    std::filesystem::path p(relative);
    if (p.is_absolute()) return p.string();
    static const std::filesystem::path folder = [] {
        char buf[PATH_MAX];
#ifdef __APPLE__
        uint32_t size = sizeof buf;
        if (_NSGetExecutablePath(buf, &size) != 0) throw std::runtime_error("cannot find the check binary's own path");
        return std::filesystem::weakly_canonical(buf).parent_path();
#else
        ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
        if (n <= 0) throw std::runtime_error("cannot read /proc/self/exe to find the check binary's own folder");
        return std::filesystem::path(std::string(buf, static_cast<std::size_t>(n))).parent_path();
#endif
    }();
    return (folder / p).lexically_normal().string();
}

}  // namespace raftlab::check
