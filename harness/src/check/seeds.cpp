#include "raftlab/check/check.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace raftlab::check {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
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

}  // namespace raftlab::check
