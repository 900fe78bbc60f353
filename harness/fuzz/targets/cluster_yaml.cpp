// Fuzz target: the cluster YAML (raftlab/proc/cluster_config.h).
//
// Input: the YAML text, given to parse_cluster_config() as the file "cluster.yaml"
// in /fuzz/base (nothing is read from or written to disk).
//
// Properties checked (from the header's contract):
//   * a bad file throws ConfigError naming the source first; no other exception
//     escapes and nothing crashes;
//   * an accepted cluster has at least one node, unique non-empty ids, ports in
//     1..65535 used once each, a ready_port among the node's ports, and every
//     placeholder of every argument and environment value expands.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "raftlab/proc/cluster_config.h"

namespace {

namespace proc = raftlab::proc;

void expect_valid(const proc::ClusterConfig& c) {
    FUZZ_EXPECT(!c.nodes.empty(), "a cluster has nodes");
    FUZZ_EXPECT(c.ready_timeout.count() >= 1, "ready_timeout_ms is positive");
    std::set<std::string> ids;
    std::set<int> ports;
    for (const auto& node : c.nodes) {
        FUZZ_EXPECT(!node.id.empty() && ids.insert(node.id).second, "ids are non-empty and unique");
        FUZZ_EXPECT(node.ready_port.empty() || node.ports.count(node.ready_port), "ready_port is one of the ports");
        for (const auto& [name, port] : node.ports)
            FUZZ_EXPECT(port >= 1 && port <= 65535 && ports.insert(port).second, "ports are valid and used once");
        for (const auto& arg : node.args) (void)proc::expand_placeholders(arg, node, c);  // must not throw
        for (const auto& [name, value] : node.env) (void)proc::expand_placeholders(value, node, c);
        FUZZ_EXPECT(&c.node(node.id) == &node, "node(id) finds the node");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        expect_valid(proc::parse_cluster_config(text, "cluster.yaml", "/fuzz/base"));
    } catch (const proc::ConfigError& e) {
        FUZZ_EXPECT(std::string(e.what()).rfind("cluster.yaml", 0) == 0, "an error names the file first");
    }
    return 0;
}
