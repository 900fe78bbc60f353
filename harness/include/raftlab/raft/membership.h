// raftlab/raft/membership.h: cluster configurations, as lab 12 keeps them in the log.
//
// Framework-owned. A configuration says which servers vote (count in elections and
// commit decisions) and which are learners (receive the log but count for nothing
// yet). It travels as an ordinary log entry whose command is the text
// encode_configuration() writes, so it is replicated, persisted, overwritten and
// committed exactly like any other entry. A server uses the last configuration in its
// log, committed or not; with none in its log it uses the first configuration of its
// ServerConfig (raftlab/raft/node.h).
//
// The text starts with "#config ", which no client command can: the simulator's
// commands are its own, and the lab 10 runtime's are JSON objects. The state machine
// is handed configuration entries like any other (Env::apply) and ignores them.
#pragma once

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raftlab/raft/types.h"

namespace raftlab {

/// Who votes and who only listens. Both lists are sorted and disjoint.
struct Configuration {
    std::vector<NodeId> voters;
    std::vector<NodeId> learners;

    bool is_voter(NodeId id) const { return std::binary_search(voters.begin(), voters.end(), id); }
    bool is_learner(NodeId id) const { return std::binary_search(learners.begin(), learners.end(), id); }
    bool is_member(NodeId id) const { return is_voter(id) || is_learner(id); }

    friend bool operator==(const Configuration&, const Configuration&) = default;
};

inline constexpr std::string_view kConfigurationPrefix = "#config ";

/// True when `command` is a configuration entry's command.
inline bool is_configuration(std::string_view command) { return command.starts_with(kConfigurationPrefix); }

namespace detail {
inline void write_ids(std::string& out, const std::vector<NodeId>& ids) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) out += ',';
        out += std::to_string(ids[i]);
    }
}
inline std::optional<std::vector<NodeId>> read_ids(std::string_view text) {
    std::vector<NodeId> ids;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view part = text.substr(0, comma);
        NodeId id = 0;
        auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), id);
        if (error != std::errc{} || end != part.data() + part.size() || id < 0) return std::nullopt;
        ids.push_back(id);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
        if (text.empty()) return std::nullopt;  // a trailing comma
    }
    if (!std::is_sorted(ids.begin(), ids.end()) || std::adjacent_find(ids.begin(), ids.end()) != ids.end())
        return std::nullopt;
    return ids;
}
}  // namespace detail

/// The command of a log entry that makes `config` the cluster's configuration:
/// "#config voters=0,1,2 learners=3". The lists are sorted first.
inline std::string encode_configuration(Configuration config) {
    std::sort(config.voters.begin(), config.voters.end());
    std::sort(config.learners.begin(), config.learners.end());
    std::string out(kConfigurationPrefix);
    out += "voters=";
    detail::write_ids(out, config.voters);
    out += " learners=";
    detail::write_ids(out, config.learners);
    return out;
}

/// The configuration a command stands for, or std::nullopt when it is not one (or is
/// malformed: unsorted, repeated, or a server both voter and learner).
inline std::optional<Configuration> parse_configuration(std::string_view command) {
    if (!is_configuration(command)) return std::nullopt;
    command.remove_prefix(kConfigurationPrefix.size());
    constexpr std::string_view kVoters = "voters=", kLearners = " learners=";
    if (!command.starts_with(kVoters)) return std::nullopt;
    command.remove_prefix(kVoters.size());
    const std::size_t split = command.find(kLearners);
    if (split == std::string_view::npos) return std::nullopt;
    auto voters = detail::read_ids(command.substr(0, split));
    auto learners = detail::read_ids(command.substr(split + kLearners.size()));
    if (!voters || !learners) return std::nullopt;
    Configuration config{std::move(*voters), std::move(*learners)};
    for (NodeId id : config.learners)
        if (config.is_voter(id)) return std::nullopt;
    return config;
}

/// "voters {0, 1, 2}, learners {3}": for messages.
inline std::string describe(const Configuration& config) {
    auto list = [](const std::vector<NodeId>& ids) {
        std::string out = "{";
        for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
        return out + "}";
    };
    std::string out = "voters " + list(config.voters);
    if (!config.learners.empty()) out += ", learners " + list(config.learners);
    return out;
}

}  // namespace raftlab
