// raftlab/proc/cluster_config.h: the cluster description the supervisor starts.
//
// A cluster YAML file looks like this (every field is documented in
// harness/proc/README.md):
//
//   log_dir: /tmp/run/logs          # one <id>.log per node (default: <file dir>/logs)
//   ready_timeout_ms: 10000         # how long start() waits for the ready port
//   timing:                         # free-form integer parameters, passed to args
//     election_timeout_ms: 300
//     heartbeat_ms: 50
//   nodes:
//     - id: n1
//       ports: {raft: 7001, client: 7101}
//       ready_port: client          # which port must accept before n1 is "ready"
//       data_dir: /tmp/run/n1
//       binary: ./build/impl/bin/kvserver
//       args: ["--id", "{id}", "--port", "{port:client}", "--data", "{data_dir}",
//              "--election-timeout", "{timing:election_timeout_ms}"]
//       env: {RUST_LOG: debug}
//
// Placeholders in args and env values: {id}, {data_dir}, {port:NAME},
// {timing:NAME}, {peers:NAME} (comma list of "id=127.0.0.1:port" of every node's
// port NAME) and {var:NAME} (the node's `vars` map: set from YAML or by a harness,
// e.g. the proxy ports this node should use to reach its peers). Relative paths are
// resolved against the YAML file's directory.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace raftlab::proc {

/// One server process.
struct NodeSpec {
    std::string id;                            ///< unique, non-empty, [A-Za-z0-9_-]
    std::map<std::string, int> ports;          ///< named loopback ports, 1..65535
    std::string ready_port;                    ///< key of `ports` probed for readiness ("" = no probe)
    std::filesystem::path data_dir;            ///< created if missing; survives restarts
    std::filesystem::path binary;              ///< executable to run
    std::vector<std::string> args;             ///< arguments, placeholders expanded at start
    std::map<std::string, std::string> env;    ///< added to the inherited environment
    std::map<std::string, std::string> vars;   ///< {var:NAME} values, e.g. peer addresses through the proxy
};

/// A whole cluster.
struct ClusterConfig {
    std::vector<NodeSpec> nodes;
    std::map<std::string, long long> timing;   ///< free-form integer parameters
    std::filesystem::path log_dir;             ///< per-node logs: <log_dir>/<id>.log
    std::chrono::milliseconds ready_timeout{10000};
    std::string source = "<memory>";           ///< where it came from, for messages

    /// The node with this id; throws std::out_of_range naming the id when unknown.
    const NodeSpec& node(const std::string& id) const;
};

/// A configuration error. what() is one line: "FILE:LINE: FIELD: problem; fix".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses a cluster YAML file. Throws ConfigError naming the file, the line, the
/// field and the fix for every problem (missing field, wrong type, duplicate id or
/// port, unknown placeholder, ready_port not among ports).
ClusterConfig load_cluster_config(const std::filesystem::path& file);

/// Parses cluster YAML text; `source` names it in errors and relative paths are
/// resolved against `base_dir`.
ClusterConfig parse_cluster_config(const std::string& yaml_text, const std::string& source,
                                   const std::filesystem::path& base_dir);

/// Expands the placeholders of one argument for `node`. Throws ConfigError for an
/// unknown placeholder.
std::string expand_placeholders(const std::string& text, const NodeSpec& node,
                                const ClusterConfig& cluster);

}  // namespace raftlab::proc
