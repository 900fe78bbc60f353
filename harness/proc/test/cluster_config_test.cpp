// Tests of the cluster YAML parser (raftlab/proc/cluster_config.h).
#include "raftlab/proc/cluster_config.h"

#include <gtest/gtest.h>

using namespace raftlab::proc;

namespace {

std::string error_of(const std::string& yaml) {
    try {
        parse_cluster_config(yaml, "cluster.yaml", "/base");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(ClusterConfig, parse_fullExample) {
    auto c = parse_cluster_config(R"(
log_dir: logs
ready_timeout_ms: 5000
timing: {election_timeout_ms: 300}
nodes:
  - id: n1
    ports: {raft: 7001, client: 7101}
    data_dir: d1
    binary: bin/server
    args: ["--id", "{id}", "--port", "{port:client}", "--data", "{data_dir}", "--et", "{timing:election_timeout_ms}", "--peers", "{peers:raft}"]
    env: {MODE: "{id}-x"}
    vars: {via: "127.0.0.1:9000"}
  - id: n2
    ports: {raft: 7002, client: 7102}
    binary: /abs/server
)",
                                  "cluster.yaml", "/base");
    ASSERT_EQ(c.nodes.size(), 2u);
    EXPECT_EQ(c.log_dir, "/base/logs");
    EXPECT_EQ(c.ready_timeout.count(), 5000);
    EXPECT_EQ(c.nodes[0].binary, "/base/bin/server");
    EXPECT_EQ(c.nodes[1].binary, "/abs/server");
    EXPECT_EQ(c.nodes[0].ready_port, "client");
    EXPECT_EQ(c.nodes[1].data_dir, "/base/data/n2");
    std::vector<std::string> args;
    for (const auto& a : c.nodes[0].args) args.push_back(expand_placeholders(a, c.nodes[0], c));
    EXPECT_EQ(args[1], "n1");
    EXPECT_EQ(args[3], "7101");
    EXPECT_EQ(args[5], "/base/d1");
    EXPECT_EQ(args[7], "300");
    EXPECT_EQ(args[9], "n1=127.0.0.1:7001,n2=127.0.0.1:7002");
    EXPECT_EQ(expand_placeholders(c.nodes[0].env.at("MODE"), c.nodes[0], c), "n1-x");
    EXPECT_EQ(expand_placeholders("--peer={var:via}", c.nodes[0], c), "--peer=127.0.0.1:9000");
    EXPECT_THROW(expand_placeholders("{var:via}", c.nodes[1], c), ConfigError) << "vars are per node";
}

TEST(ClusterConfig, parse_missingIdNamesLineAndField) {
    std::string e = error_of("nodes:\n  - binary: x\n    ports: {client: 7000}\n");
    EXPECT_NE(e.find("cluster.yaml:2"), std::string::npos) << e;
    EXPECT_NE(e.find("nodes[0].id"), std::string::npos) << e;
}

TEST(ClusterConfig, parse_badPortNamesValue) {
    std::string e = error_of("nodes:\n  - id: a\n    binary: x\n    ports: {client: 70000}\n");
    EXPECT_NE(e.find("cluster.yaml:4"), std::string::npos) << e;
    EXPECT_NE(e.find("70000"), std::string::npos) << e;
    EXPECT_NE(e.find("1..65535"), std::string::npos) << e;
}

TEST(ClusterConfig, parse_duplicatePortAndId) {
    std::string ports = error_of("nodes:\n  - {id: a, binary: x, ports: {client: 7000}}\n  - {id: b, binary: x, ports: {client: 7000}}\n");
    EXPECT_NE(ports.find("port 7000 is also used by a.client"), std::string::npos) << ports;
    std::string ids = error_of("nodes:\n  - {id: a, binary: x}\n  - {id: a, binary: x}\n");
    EXPECT_NE(ids.find("'a' is used twice"), std::string::npos) << ids;
}

TEST(ClusterConfig, parse_unknownPlaceholderAndField) {
    std::string ph = error_of("nodes:\n  - {id: a, binary: x, args: [\"{port:nope}\"]}\n");
    EXPECT_NE(ph.find("{port:nope}"), std::string::npos) << ph;
    std::string field = error_of("nodes:\n  - {id: a, binary: x, colour: red}\n");
    EXPECT_NE(field.find("nodes[0].colour"), std::string::npos) << field;
    std::string yaml = error_of("nodes: [\n");
    EXPECT_NE(yaml.find("not valid YAML"), std::string::npos) << yaml;
}

TEST(ClusterConfig, load_missingFileNamesIt) {
    try {
        load_cluster_config("/nonexistent/raftlab/cluster.yaml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/raftlab/cluster.yaml"), std::string::npos);
    }
}
