// The process supervisor (see raftlab/proc/supervisor.h).
#include "raftlab/proc/supervisor.h"

#include "platform.h"
#include "spawn_thread.h"

#include <boost/asio/io_context.hpp>
// Boost 1.81's Process v2 on std::filesystem forgets this include. Its
// environment.hpp does not compile in that mode, so the environment is passed
// through the launcher directly (ChildSetup::on_setup).
#include <boost/optional.hpp>  // (harmless when Boost.Filesystem is used)
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace raftlab::proc {
namespace bp = boost::process::v2;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kTailLines = 20;

/// Boost.Process initializer: sets the environment (in the parent), then runs the
/// platform setup in the child between fork and exec.
struct ChildSetup {
    pid_t parent;
    const char* const* env;
    // bp::filesystem is std::filesystem or boost::filesystem depending on how
    // Boost.Process is configured; a mismatched signature would be silently ignored.
    bp::error_code on_setup(bp::posix::default_launcher& launcher, const bp::filesystem::path&, const char* const*&) const {
        launcher.env = env;
        return {};
    }
    bp::error_code on_exec_setup(bp::posix::default_launcher&, const bp::filesystem::path&, const char* const*&) const {
        platform::in_child_after_fork(parent);
        return {};
    }
};

std::vector<std::string> child_environment(const NodeSpec& node, const ClusterConfig& cluster) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : node.env) env[k] = expand_placeholders(v, node, cluster);
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

fs::path resolve_binary(const fs::path& binary) {
    if (binary.has_parent_path()) return binary;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t pos = 0; pos <= dirs.size();) {
        std::size_t end = std::min(dirs.find(':', pos), dirs.size());
        fs::path candidate = fs::path(dirs.substr(pos, end - pos)) / binary;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        pos = end + 1;
    }
    return binary;
}

}  // namespace

std::string ExitStatus::describe() const {
    if (signaled) return "was killed by signal " + std::to_string(code) + " (" + platform::signal_name(code) + ")";
    return "exited with status " + std::to_string(code);
}

std::string DeathReport::describe() const {
    std::string text = "node " + id + " " + status.describe();
    if (last_log_lines.empty()) return text + "; its log is empty";
    text += "; last lines of its log:";
    for (const auto& line : last_log_lines) text += "\n    " + line;
    return text;
}

struct Supervisor::Impl {
    struct Node {
        pid_t pid = 0;
        NodeState state = NodeState::stopped;
    };

    ClusterConfig config;
    std::mutex mutex;
    std::map<std::string, Node> nodes;
    std::vector<DeathReport> deaths;
    boost::asio::io_context context;  // Boost.Process wants an executor; never run
    SpawnThread spawner;              // every fork happens here (see spawn_thread.h)

    Node& node(const std::string& id) {
        auto it = nodes.find(id);
        if (it == nodes.end()) throw std::out_of_range("no node '" + id + "' in cluster " + config.source);
        return it->second;
    }

    fs::path log_path(const std::string& id) const { return config.log_dir / (id + ".log"); }

    /// Notices nodes that exited on their own. Caller holds the mutex.
    void refresh() {
        for (auto& [id, n] : nodes) {
            if (n.state != NodeState::running && n.state != NodeState::paused) continue;
            if (auto status = platform::try_reap(n.pid)) {
                platform::signal_group(n.pid, SIGKILL);  // helpers it may have forked
                platform::forget_group(n.pid);
                n.state = NodeState::dead;
                n.pid = 0;
                deaths.push_back({id, *status, tail_lines(log_path(id), kTailLines)});
            }
        }
    }

    void spawn(const std::string& id) {
        Node& n = node(id);
        if (n.state == NodeState::running || n.state == NodeState::paused) return;
        const NodeSpec& spec = config.node(id);
        std::error_code fs_error;
        fs::create_directories(spec.data_dir, fs_error);
        fs::create_directories(config.log_dir, fs_error);
        int log_fd = ::open(log_path(id).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) throw ProcessError("node " + id + ": cannot open log file " + log_path(id).string());
        std::vector<std::string> args;
        for (const auto& a : spec.args) args.push_back(expand_placeholders(a, spec, config));
        std::vector<std::string> env = child_environment(spec, config);
        std::vector<const char*> env_pointers;
        for (const auto& e : env) env_pointers.push_back(e.c_str());
        env_pointers.push_back(nullptr);
        bp::error_code ec;
        bp::process child(context);
        try {
            child = bp::process(context, bp::filesystem::path(resolve_binary(spec.binary).string()), args, bp::process_stdio{nullptr, log_fd, log_fd},
                                ChildSetup{::getpid(), env_pointers.data()});
        } catch (const std::exception& e) {
            ::close(log_fd);
            throw ProcessError("node " + id + ": cannot start " + spec.binary.string() + " (" + e.what() +
                               "); check `binary` in " + config.source);
        }
        ::close(log_fd);
        n.pid = child.id();
        platform::in_parent_after_fork(n.pid);
        child.detach();
        n.state = NodeState::running;
    }

    void kill(const std::string& id) {
        Node& n = node(id);
        if (n.state != NodeState::running && n.state != NodeState::paused) {
            if (n.state == NodeState::dead) n.state = NodeState::stopped;
            return;
        }
        platform::signal_group(n.pid, SIGKILL);
        platform::reap(n.pid);
        platform::signal_group(n.pid, SIGKILL);
        platform::forget_group(n.pid);
        n.pid = 0;
        n.state = NodeState::stopped;
    }
};

Supervisor::Supervisor(ClusterConfig config) : impl_(std::make_unique<Impl>()) {
    impl_->config = std::move(config);
    for (const auto& spec : impl_->config.nodes) impl_->nodes[spec.id] = {};
    // A harness killed by a broken pipe must still clean up, not die silently.
    std::signal(SIGPIPE, SIG_IGN);
}

Supervisor::~Supervisor() { kill_all(); }

const ClusterConfig& Supervisor::config() const { return impl_->config; }

void Supervisor::set_args(const std::string& id, std::vector<std::string> args) {
    std::lock_guard lock(impl_->mutex);
    for (auto& spec : impl_->config.nodes)
        if (spec.id == id) {
            spec.args = std::move(args);
            return;
        }
    throw std::out_of_range("no node '" + id + "' in cluster " + impl_->config.source);
}

void Supervisor::start_all() {
    for (const auto& spec : impl_->config.nodes) spawn(spec.id);
    for (const auto& spec : impl_->config.nodes) {
        if (!wait_ready(spec.id, impl_->config.ready_timeout)) {
            throw ProcessError("node " + spec.id + " did not accept connections on port " +
                               std::to_string(spec.ports.count(spec.ready_port) ? spec.ports.at(spec.ready_port) : 0) +
                               " within " + std::to_string(impl_->config.ready_timeout.count()) +
                               " ms; check its log " + impl_->log_path(spec.id).string());
        }
    }
}

void Supervisor::start(const std::string& id) {
    spawn(id);
    if (!wait_ready(id, impl_->config.ready_timeout))
        throw ProcessError("node " + id + " was not ready within " + std::to_string(impl_->config.ready_timeout.count()) +
                           " ms; check its log " + impl_->log_path(id).string());
}

void Supervisor::spawn(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    impl_->refresh();
    impl_->spawner.run([this, &id] { impl_->spawn(id); });
}

bool Supervisor::wait_ready(const std::string& id, std::chrono::milliseconds timeout) {
    const NodeSpec& spec = impl_->config.node(id);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        {
            std::lock_guard lock(impl_->mutex);
            impl_->refresh();
            if (impl_->node(id).state == NodeState::dead) {
                for (auto it = impl_->deaths.rbegin(); it != impl_->deaths.rend(); ++it)
                    if (it->id == id) throw ProcessError(it->describe());
            }
            if (impl_->node(id).state != NodeState::running)
                throw ProcessError("node " + id + " is not running, so it cannot become ready");
        }
        if (spec.ready_port.empty()) return true;
        if (port_accepts(spec.ports.at(spec.ready_port), 100ms)) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

void Supervisor::kill(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    impl_->refresh();
    impl_->kill(id);
}

void Supervisor::stop(const std::string& id, std::chrono::milliseconds grace) {
    pid_t pid = 0;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->refresh();
        auto& n = impl_->node(id);
        if (n.state != NodeState::running && n.state != NodeState::paused) return;
        pid = n.pid;
        platform::signal_group(pid, SIGCONT);
        platform::signal_group(pid, SIGTERM);
    }
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(impl_->mutex);
            auto& n = impl_->node(id);
            if (n.pid != pid) return;
            if (platform::try_reap(pid)) {
                platform::signal_group(pid, SIGKILL);
                platform::forget_group(pid);
                n.pid = 0;
                n.state = NodeState::stopped;
                return;
            }
        }
        std::this_thread::sleep_for(10ms);
    }
    kill(id);
}

void Supervisor::pause(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    impl_->refresh();
    auto& n = impl_->node(id);
    if (n.state != NodeState::running) return;
    platform::signal_group(n.pid, SIGSTOP);
    n.state = NodeState::paused;
}

void Supervisor::resume(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    auto& n = impl_->node(id);
    if (n.state != NodeState::paused) return;
    platform::signal_group(n.pid, SIGCONT);
    n.state = NodeState::running;
}

void Supervisor::restart(const std::string& id) {
    kill(id);
    start(id);
}

void Supervisor::kill_all() {
    std::lock_guard lock(impl_->mutex);
    for (auto& [id, n] : impl_->nodes) impl_->kill(id);
}

NodeState Supervisor::state(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    impl_->refresh();
    return impl_->node(id).state;
}

pid_t Supervisor::pid(const std::string& id) {
    std::lock_guard lock(impl_->mutex);
    impl_->refresh();
    return impl_->node(id).pid;
}

fs::path Supervisor::log_path(const std::string& id) const { return impl_->log_path(id); }

std::vector<DeathReport> Supervisor::take_deaths() {
    std::lock_guard lock(impl_->mutex);
    impl_->refresh();
    return std::exchange(impl_->deaths, {});
}

void Supervisor::install_signal_cleanup() { platform::install_cleanup_handlers(); }

}  // namespace raftlab::proc
