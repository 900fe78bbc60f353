// Cluster YAML parsing (see raftlab/proc/cluster_config.h).
#include "raftlab/proc/cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace raftlab::proc {
namespace {

namespace fs = std::filesystem;

/// Builds one-line errors "FILE:LINE: FIELD: problem".
struct Reporter {
    std::string source;

    [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& problem) const {
        std::string where = source;
        if (at.IsDefined() && at.Mark().line >= 0) where += ":" + std::to_string(at.Mark().line + 1);
        throw ConfigError(where + ": " + field + ": " + problem);
    }
};

std::string scalar(const Reporter& r, const YAML::Node& node, const std::string& field) {
    if (!node.IsScalar()) r.fail(node, field, "must be a string (write it as `" + field + ": value`)");
    return node.as<std::string>();
}

long long integer(const Reporter& r, const YAML::Node& node, const std::string& field, long long lo, long long hi) {
    std::string text = scalar(r, node, field);
    try {
        std::size_t used = 0;
        long long value = std::stoll(text, &used);
        if (used == text.size() && value >= lo && value <= hi) return value;
    } catch (const std::exception&) {
    }
    r.fail(node, field, "'" + text + "' is not an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
}

fs::path resolve(const fs::path& base, const std::string& text) {
    fs::path p(text);
    return p.is_absolute() || base.empty() ? p : base / p;
}

void parse_ports(const Reporter& r, const YAML::Node& ports, NodeSpec& node, const std::string& f) {
    if (!ports.IsMap()) r.fail(ports, f + ".ports", "must be a map of name: port, e.g. {client: 7101}");
    for (const auto& kv : ports) {
        std::string name = scalar(r, kv.first, f + ".ports");
        node.ports[name] = static_cast<int>(integer(r, kv.second, f + ".ports." + name, 1, 65535));
    }
}

/// [A-Za-z0-9_-]+, checked by hand: std::regex_match recurses once per character and
/// overflows the stack on a long id.
bool is_node_id(const std::string& id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

NodeSpec parse_node(const Reporter& r, const YAML::Node& n, std::size_t index, const fs::path& base) {
    std::string f = "nodes[" + std::to_string(index) + "]";
    if (!n.IsMap()) r.fail(n, f, "must be a map with id, binary, ports, data_dir");
    NodeSpec node;
    static const std::set<std::string> known = {"id", "ports", "ready_port", "data_dir", "binary", "args", "env", "vars"};
    for (const auto& kv : n) {
        std::string key = scalar(r, kv.first, f);
        if (!known.count(key)) r.fail(kv.first, f + "." + key, "unknown field; expected one of id, ports, ready_port, data_dir, binary, args, env, vars");
    }
    if (!n["id"]) r.fail(n, f + ".id", "missing; give every node a unique id such as n1");
    node.id = scalar(r, n["id"], f + ".id");
    if (!is_node_id(node.id))
        r.fail(n["id"], f + ".id", "'" + node.id + "' must be letters, digits, '_' or '-'");
    if (!n["binary"]) r.fail(n, f + ".binary", "missing; set the server executable's path");
    node.binary = resolve(base, scalar(r, n["binary"], f + ".binary"));
    if (n["ports"]) parse_ports(r, n["ports"], node, f);
    if (n["ready_port"]) {
        node.ready_port = scalar(r, n["ready_port"], f + ".ready_port");
        if (!node.ports.count(node.ready_port))
            r.fail(n["ready_port"], f + ".ready_port", "'" + node.ready_port + "' is not one of this node's ports");
    } else if (!node.ports.empty()) {
        node.ready_port = node.ports.count("client") ? "client" : node.ports.begin()->first;
    }
    node.data_dir = n["data_dir"] ? resolve(base, scalar(r, n["data_dir"], f + ".data_dir"))
                                  : resolve(base, "data/" + node.id);
    if (n["args"]) {
        if (!n["args"].IsSequence()) r.fail(n["args"], f + ".args", "must be a list, e.g. [\"--port\", \"{port:client}\"]");
        for (const auto& a : n["args"]) node.args.push_back(scalar(r, a, f + ".args"));
    }
    if (n["vars"]) {
        if (!n["vars"].IsMap()) r.fail(n["vars"], f + ".vars", "must be a map NAME: value");
        for (const auto& kv : n["vars"]) node.vars[scalar(r, kv.first, f + ".vars")] = scalar(r, kv.second, f + ".vars");
    }
    if (n["env"]) {
        if (!n["env"].IsMap()) r.fail(n["env"], f + ".env", "must be a map NAME: value");
        for (const auto& kv : n["env"]) node.env[scalar(r, kv.first, f + ".env")] = scalar(r, kv.second, f + ".env");
    }
    return node;
}

void check_unique(const Reporter& r, const YAML::Node& nodes, const ClusterConfig& c) {
    std::map<std::string, std::size_t> ids;
    std::map<int, std::string> ports;
    for (std::size_t i = 0; i < c.nodes.size(); ++i) {
        const auto& node = c.nodes[i];
        if (!ids.emplace(node.id, i).second)
            r.fail(nodes[i]["id"], "nodes[" + std::to_string(i) + "].id", "'" + node.id + "' is used twice; ids must be unique");
        for (const auto& [name, port] : node.ports) {
            auto [it, fresh] = ports.emplace(port, node.id + "." + name);
            if (!fresh)
                r.fail(nodes[i]["ports"], "nodes[" + std::to_string(i) + "].ports." + name,
                       "port " + std::to_string(port) + " is also used by " + it->second + "; give each port once");
        }
    }
}

}  // namespace

const NodeSpec& ClusterConfig::node(const std::string& id) const {
    for (const auto& n : nodes)
        if (n.id == id) return n;
    throw std::out_of_range("no node '" + id + "' in cluster " + source);
}

ClusterConfig parse_cluster_config(const std::string& text, const std::string& source, const fs::path& base) {
    Reporter r{source};
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
    }
    if (!root.IsMap()) r.fail(root, "(top level)", "must be a map with a `nodes:` list");
    ClusterConfig c;
    c.source = source;
    for (const auto& kv : root) {
        std::string key = scalar(r, kv.first, "(top level)");
        if (key != "nodes" && key != "timing" && key != "log_dir" && key != "ready_timeout_ms")
            r.fail(kv.first, key, "unknown field; expected nodes, timing, log_dir or ready_timeout_ms");
    }
    const YAML::Node nodes = root["nodes"];
    if (!nodes || !nodes.IsSequence() || nodes.size() == 0)
        r.fail(nodes ? nodes : root, "nodes", "must be a non-empty list of nodes");
    for (std::size_t i = 0; i < nodes.size(); ++i) c.nodes.push_back(parse_node(r, nodes[i], i, base));
    check_unique(r, nodes, c);
    if (const auto timing = root["timing"]) {
        if (!timing.IsMap()) r.fail(timing, "timing", "must be a map of name: integer");
        for (const auto& kv : timing) {
            std::string name = scalar(r, kv.first, "timing");
            c.timing[name] = integer(r, kv.second, "timing." + name, 0, 1LL << 40);
        }
    }
    c.log_dir = root["log_dir"] ? resolve(base, scalar(r, root["log_dir"], "log_dir")) : resolve(base, "logs");
    if (root["ready_timeout_ms"])
        c.ready_timeout = std::chrono::milliseconds(integer(r, root["ready_timeout_ms"], "ready_timeout_ms", 1, 3600000));
    // Expand every placeholder once now, so a typo is reported before anything starts.
    for (std::size_t i = 0; i < c.nodes.size(); ++i) {
        try {
            for (const auto& a : c.nodes[i].args) expand_placeholders(a, c.nodes[i], c);
            for (const auto& [k, v] : c.nodes[i].env) expand_placeholders(v, c.nodes[i], c);
        } catch (const ConfigError& e) {
            r.fail(nodes[i]["args"] ? nodes[i]["args"] : nodes[i], "nodes[" + std::to_string(i) + "].args", e.what());
        }
    }
    return c;
}

ClusterConfig load_cluster_config(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw ConfigError(file.string() + ": cannot be read; check the path");
    std::stringstream text;
    text << in.rdbuf();
    return parse_cluster_config(text.str(), file.string(), fs::absolute(file).parent_path());
}

std::string expand_placeholders(const std::string& text, const NodeSpec& node, const ClusterConfig& cluster) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t open = text.find('{', pos);
        if (open == std::string::npos) break;
        std::size_t close = text.find('}', open);
        if (close == std::string::npos) break;
        out += text.substr(pos, open - pos);
        std::string name = text.substr(open + 1, close - open - 1);
        auto [kind, arg] = [&] {
            auto colon = name.find(':');
            return colon == std::string::npos ? std::pair{name, std::string()}
                                              : std::pair{name.substr(0, colon), name.substr(colon + 1)};
        }();
        if (kind == "id") {
            out += node.id;
        } else if (kind == "data_dir") {
            out += node.data_dir.string();
        } else if (kind == "port" && node.ports.count(arg)) {
            out += std::to_string(node.ports.at(arg));
        } else if (kind == "var" && node.vars.count(arg)) {
            out += node.vars.at(arg);
        } else if (kind == "timing" && cluster.timing.count(arg)) {
            out += std::to_string(cluster.timing.at(arg));
        } else if (kind == "peers") {
            std::string list;
            for (const auto& peer : cluster.nodes) {
                if (!peer.ports.count(arg)) throw ConfigError("{peers:" + arg + "}: node " + peer.id + " has no port '" + arg + "'");
                list += (list.empty() ? "" : ",") + peer.id + "=127.0.0.1:" + std::to_string(peer.ports.at(arg));
            }
            out += list;
        } else {
            throw ConfigError("unknown placeholder {" + name + "}; use {id}, {data_dir}, {port:NAME}, {timing:NAME}, {peers:NAME} or {var:NAME} with a defined NAME");
        }
        pos = close + 1;
    }
    out += text.substr(pos);
    return out;
}

}  // namespace raftlab::proc
