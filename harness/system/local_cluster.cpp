// local_cluster.cpp: a lab 10 cluster on localhost behind the fault proxy
// (contract in raftlab/kv/local_cluster.h).
#include "raftlab/kv/local_cluster.h"

#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "raftlab/kv/power_loss.h"

namespace raftlab::kv {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

struct LocalCluster::Impl {
    ClusterOptions options;
    fs::path work_dir;
    bool remove_work_dir = false;
    std::vector<int> peer_ports, client_ports;           // the servers' own ports
    std::vector<Endpoint> client_endpoints;              // through the proxy when on
    std::unique_ptr<proxy::FaultProxy> proxy;
    std::unique_ptr<proc::Supervisor> supervisor;
    std::vector<std::string> peer_rows;                  // each server's --peers
};

namespace {

fs::path make_temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/raftlab-cluster-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("cannot create a temporary directory " + pattern + "; set TMPDIR to a writable folder");
    return pattern;
}

std::string join_peers(const std::vector<int>& ports) {
    std::string out;
    for (int p : ports) out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(p);
    return out;
}

std::vector<std::string> server_args(const LocalCluster::Impl& m, int i) {
    std::vector<std::string> args{"--id", std::to_string(i), "--peers", m.peer_rows[static_cast<std::size_t>(i)],
                                  "--peer-port", "{port:peer}", "--client-port", "{port:client}", "--data",
                                  "{data_dir}", "--heartbeat-ms", std::to_string(m.options.heartbeat_ms),
                                  "--election-min-ms", std::to_string(m.options.election_min_ms),
                                  "--election-max-ms", std::to_string(m.options.election_max_ms)};
    args.insert(args.end(), m.options.server_flags.begin(), m.options.server_flags.end());
    return args;
}

}  // namespace

LocalCluster::LocalCluster(ClusterOptions options) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    if (options.nodes < 1 || options.nodes > 9)
        throw std::invalid_argument("a local cluster has 1 to 9 servers, not " + std::to_string(options.nodes));
    if (!fs::exists(options.server_binary))
        throw std::invalid_argument("server program " + options.server_binary.string() +
                                    " does not exist; build lab 10 first (./raftlab grade 10)");
    m.options = std::move(options);
    if (m.options.work_dir.empty()) {
        m.work_dir = make_temp_dir();
        m.remove_work_dir = !m.options.keep_files;
    } else {
        m.work_dir = fs::absolute(m.options.work_dir);
        fs::create_directories(m.work_dir);
        m.remove_work_dir = !m.options.keep_files;
    }
    fs::create_directories(m.work_dir / "logs");
    fs::create_directories(m.work_dir / "sync");
    const int n = m.options.nodes;
    for (int i = 0; i < n; ++i) {
        m.peer_ports.push_back(proc::pick_free_port());
        m.client_ports.push_back(proc::pick_free_port());
    }

    // Where node i reaches node j: directly, or through the link "n<i>->n<j>".
    std::vector<std::vector<int>> reach(n, m.peer_ports);
    m.client_endpoints.clear();
    if (m.options.proxy) {
        m.proxy = std::make_unique<proxy::FaultProxy>(m.options.proxy_seed);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                if (i != j)
                    reach[i][j] = m.proxy->add_link({.from = name(i), .to = name(j), .target_port = m.peer_ports[j],
                                                     .framed = true, .keep_payloads = m.options.journal_payloads});
        for (int j = 0; j < n; ++j)
            m.client_endpoints.push_back(
                {"127.0.0.1", m.proxy->add_link({.from = "client", .to = name(j), .target_port = m.client_ports[j],
                                                 .framed = true, .keep_payloads = m.options.journal_payloads})});
    } else {
        for (int j = 0; j < n; ++j) m.client_endpoints.push_back({"127.0.0.1", m.client_ports[j]});
    }

    proc::ClusterConfig config;
    config.source = "lab 10 local cluster";
    config.log_dir = m.work_dir / "logs";
    config.ready_timeout = m.options.ready_timeout;
    for (int i = 0; i < n; ++i) {
        proc::NodeSpec node;
        node.id = name(i);
        node.ports = {{"peer", m.peer_ports[i]}, {"client", m.client_ports[i]}};
        node.ready_port = "client";
        node.data_dir = m.work_dir / "data" / name(i);
        node.binary = m.options.server_binary;
        m.peer_rows.push_back(join_peers(reach[i]));
        node.args = server_args(m, i);
        node.env = m.options.env;
        if (!m.options.sync_shim.empty()) {
            node.env["LD_PRELOAD"] = fs::absolute(m.options.sync_shim).string();
            node.env[kSyncJournalEnv] = (m.work_dir / "sync" / (name(i) + ".journal")).string();
            node.env[kSyncDirEnv] = node.data_dir.string();
        }
        config.nodes.push_back(std::move(node));
    }
    m.supervisor = std::make_unique<proc::Supervisor>(std::move(config));
}

LocalCluster::~LocalCluster() {
    Impl& m = *impl_;
    m.supervisor.reset();  // kills every server
    m.proxy.reset();
    if (m.remove_work_dir) {
        std::error_code ec;
        fs::remove_all(m.work_dir, ec);
    }
}

void LocalCluster::start_all() { impl_->supervisor->start_all(); }

int LocalCluster::size() const { return impl_->options.nodes; }

std::string LocalCluster::name(NodeId id) { return "n" + std::to_string(id); }

std::vector<std::string> LocalCluster::names() const {
    std::vector<std::string> out;
    for (int i = 0; i < size(); ++i) out.push_back(name(i));
    return out;
}

const ClusterOptions& LocalCluster::options() const { return impl_->options; }

proc::Supervisor& LocalCluster::supervisor() { return *impl_->supervisor; }

proxy::FaultProxy& LocalCluster::proxy() {
    if (!impl_->proxy) throw std::logic_error("this cluster runs without the fault proxy (ClusterOptions::proxy)");
    return *impl_->proxy;
}

std::vector<Endpoint> LocalCluster::client_endpoints() const { return impl_->client_endpoints; }

Endpoint LocalCluster::direct_client_endpoint(NodeId id) const {
    return {"127.0.0.1", impl_->client_ports.at(static_cast<std::size_t>(id))};
}

Endpoint LocalCluster::direct_peer_endpoint(NodeId id) const {
    return {"127.0.0.1", impl_->peer_ports.at(static_cast<std::size_t>(id))};
}

std::optional<StatusReply> LocalCluster::status(NodeId id, milliseconds timeout) {
    if (supervisor().state(name(id)) != proc::NodeState::running) return std::nullopt;
    return query_status(direct_client_endpoint(id), timeout);
}

std::vector<std::optional<StatusReply>> LocalCluster::statuses(milliseconds timeout) {
    std::vector<std::optional<StatusReply>> out;
    for (int i = 0; i < size(); ++i) out.push_back(status(i, timeout));
    return out;
}

NodeId LocalCluster::leader() {
    NodeId best = kNoNode;
    Term best_term = 0;
    for (const auto& s : statuses())
        if (s && s->role == Role::leader && (best == kNoNode || s->term > best_term)) {
            best = s->id;
            best_term = s->term;
        }
    return best;
}

NodeId LocalCluster::wait_for_leader(milliseconds bound) {
    auto until = std::chrono::steady_clock::now() + bound;
    for (;;) {
        NodeId l = leader();
        if (l != kNoNode || std::chrono::steady_clock::now() >= until) return l;
        std::this_thread::sleep_for(milliseconds(50));
    }
}

void LocalCluster::set_timing(int heartbeat_ms, int election_min_ms, int election_max_ms) {
    if (heartbeat_ms < 1 || election_min_ms < 1 || election_max_ms < election_min_ms)
        throw std::invalid_argument("timing needs heartbeat >= 1 ms and 1 <= election min <= election max");
    impl_->options.heartbeat_ms = heartbeat_ms;
    impl_->options.election_min_ms = election_min_ms;
    impl_->options.election_max_ms = election_max_ms;
    for (int i = 0; i < size(); ++i) supervisor().set_args(name(i), server_args(*impl_, i));
}

void LocalCluster::set_server_flags(std::vector<std::string> flags) {
    impl_->options.server_flags = std::move(flags);
    for (int i = 0; i < size(); ++i) supervisor().set_args(name(i), server_args(*impl_, i));
}

void LocalCluster::start(NodeId id) { supervisor().start(name(id)); }
void LocalCluster::kill(NodeId id) { supervisor().kill(name(id)); }
void LocalCluster::restart(NodeId id) { supervisor().restart(name(id)); }
void LocalCluster::pause(NodeId id) { supervisor().pause(name(id)); }
void LocalCluster::resume(NodeId id) { supervisor().resume(name(id)); }

void LocalCluster::power_loss(NodeId id) {
    if (impl_->options.sync_shim.empty())
        throw std::logic_error("power_loss() needs ClusterOptions::sync_shim (the fsync-recording library)");
    kill(id);
    discard_unsynced(data_dir(id), impl_->work_dir / "sync" / (name(id) + ".journal"));
}

fs::path LocalCluster::data_dir(NodeId id) const { return impl_->work_dir / "data" / name(id); }

fs::path LocalCluster::log_path(NodeId id) const { return impl_->supervisor->log_path(name(id)); }

const fs::path& LocalCluster::work_dir() const { return impl_->work_dir; }

void LocalCluster::save_logs(const fs::path& dir) const {
    fs::create_directories(dir);
    for (int i = 0; i < size(); ++i) {
        std::error_code ec;
        fs::copy_file(log_path(i), dir / (name(i) + ".log"), fs::copy_options::overwrite_existing, ec);
    }
}

nemesis::Targets LocalCluster::nemesis_targets() {
    return nemesis::real_targets(impl_->proxy.get(), impl_->supervisor.get(), [this] {
        NodeId l = leader();
        return l == kNoNode ? std::string() : name(l);
    });
}

}  // namespace raftlab::kv
