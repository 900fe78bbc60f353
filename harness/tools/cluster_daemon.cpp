// cluster_daemon.cpp: the cluster daemon (see cluster_daemon.h).
//
// One thread does everything: it waits in poll() on the control socket and a
// signalfd (stop signals are blocked and read from it), so a signal can never
// interrupt a supervisor call half way, and shutdown is ordinary destruction.
#include "cluster_daemon.h"

#include "cluster_state.h"
#include "daemon_control.h"

#include "raftlab/kv/local_cluster.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>

namespace raftlab::tools {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

void log_line(const std::string& text) {
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%F %T", std::localtime(&now));
    std::cout << stamp << "  " << text << std::endl;
}

void notify(int& fd, const std::string& line) {
    if (fd < 0) return;
    std::string text = line + "\n";
    [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
    ::close(fd);
    fd = -1;
}

std::string state_name(proc::NodeState s) {
    switch (s) {
        case proc::NodeState::stopped: return "stopped";
        case proc::NodeState::running: return "running";
        case proc::NodeState::paused: return "paused";
        case proc::NodeState::dead: return "dead";
    }
    return "?";
}

/// Serves the proxy's HTTP control on the preferred port, or any port if it is taken.
int serve_proxy_control(proxy::FaultProxy& proxy, int preferred) {
    if (preferred != 0) {
        try {
            return proxy.serve_control(preferred);
        } catch (const std::exception& e) {
            log_line("proxy control port " + std::to_string(preferred) + " unavailable (" + e.what() + "); using a free port");
        }
    }
    return proxy.serve_control(0);
}

/// The answer to one control request.
json::object handle(kv::LocalCluster& cluster, const json::object& request) {
    auto& sup = cluster.supervisor();
    std::string op = request.contains("op") && request.at("op").is_string() ? std::string(request.at("op").as_string()) : "";
    if (op == "nodes") {
        json::array nodes;
        for (const auto& name : cluster.names())
            nodes.push_back({{"name", name}, {"state", state_name(sup.state(name))}, {"pid", sup.pid(name)}});
        return {{"ok", true}, {"nodes", nodes}};
    }
    std::string node = request.contains("node") && request.at("node").is_string() ? std::string(request.at("node").as_string()) : "";
    int id = -1;
    for (int i = 0; i < cluster.size(); ++i)
        if (kv::LocalCluster::name(i) == node) id = i;
    if (id < 0) return {{"ok", false}, {"error", "no node \"" + node + "\" in this cluster"}};
    pid_t before = sup.pid(node);
    try {
        if (op == "kill") cluster.kill(id);
        else if (op == "start") cluster.start(id);
        else if (op == "restart") cluster.restart(id);
        else if (op == "pause") cluster.pause(id);
        else if (op == "resume") cluster.resume(id);
        else return {{"ok", false}, {"error", "unknown operation \"" + op + "\""}};
    } catch (const std::exception& e) {
        log_line(op + " " + node + " failed: " + e.what());
        return {{"ok", false}, {"error", e.what()}};
    }
    std::string message = node + " " + state_name(sup.state(node));
    if (sup.pid(node) != 0) message += " (pid " + std::to_string(sup.pid(node)) + ")";
    else if (before != 0) message += " (was pid " + std::to_string(before) + ")";
    log_line(op + ": " + message);
    return {{"ok", true}, {"message", message}};
}

/// Holds DIR/daemon.lock for the daemon's lifetime, so two `up`s racing in one
/// directory cannot both start a cluster. Throws when another daemon holds it.
void lock_directory(const fs::path& dir) {
    fs::path lock = dir / "daemon.lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0)
        throw std::runtime_error("another cluster daemon holds " + lock.string() + "; stop it with ./raftlab cluster down");
    // The descriptor stays open (and the lock held) until the process exits.
}

/// Blocks the stop signals (before any thread exists, so every thread inherits the
/// mask; the supervisor unblocks them in its children) and returns a signalfd.
int stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    return ::signalfd(-1, &set, SFD_CLOEXEC);
}

/// Starts the servers and both control endpoints and writes state.json. Throws.
std::unique_ptr<kv::LocalCluster> start_cluster(const DaemonOptions& options, int& control_fd) {
    lock_directory(options.dir);
    kv::ClusterOptions cluster_options;
    cluster_options.server_binary = options.server;
    cluster_options.nodes = options.nodes;
    cluster_options.work_dir = options.dir;
    cluster_options.keep_files = true;  // data survives down and up; logs stay readable
    cluster_options.proxy = true;
    if (options.voters > 0) {  // lab 12: the others start outside the configuration
        std::string ids;
        for (int i = 0; i < options.voters; ++i) ids += (i ? "," : "") + std::to_string(i);
        cluster_options.server_flags = {"--voters", ids};
    }
    auto cluster = std::make_unique<kv::LocalCluster>(cluster_options);
    cluster->start_all();
    ClusterState state;
    state.daemon_pid = ::getpid();
    state.impl = options.impl;
    state.server = options.server;
    state.dir = options.dir;
    state.started_unix = std::time(nullptr);
    state.proxy_control_port = serve_proxy_control(cluster->proxy(), options.proxy_control_port);
    control_fd = listen_control(state.control_port);
    auto through_proxy = cluster->client_endpoints();
    for (int i = 0; i < cluster->size(); ++i)
        state.nodes.push_back({kv::LocalCluster::name(i), through_proxy[static_cast<std::size_t>(i)].port,
                               cluster->direct_client_endpoint(i).port, cluster->log_path(i)});
    write_state(state);
    return cluster;
}

/// Answers control requests and logs unexpected deaths until a stop signal arrives.
void serve_until_signal(kv::LocalCluster& cluster, int control_fd, int signal_fd) {
    for (;;) {
        pollfd p[2] = {{signal_fd, POLLIN, 0}, {control_fd, POLLIN, 0}};
        if (::poll(p, 2, 1000) < 0 && errno != EINTR) return;
        if (p[0].revents) {
            signalfd_siginfo info{};
            [[maybe_unused]] auto n = ::read(signal_fd, &info, sizeof info);
            log_line("stopping on signal " + std::to_string(info.ssi_signo));
            return;
        }
        if (p[1].revents) {
            int fd = ::accept4(control_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) serve_one(fd, [&](const json::object& request) { return handle(cluster, request); });
        }
        for (const auto& death : cluster.supervisor().take_deaths()) log_line(death.describe());
    }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    int notify_fd = options.notify_fd;
    if (notify_fd >= 0) ::fcntl(notify_fd, F_SETFD, FD_CLOEXEC);
    int signal_fd = stop_signals();
    log_line("daemon " + std::to_string(::getpid()) + " starting " + std::to_string(options.nodes) + " servers of " +
             options.impl + " (" + options.server.string() + ")");
    std::unique_ptr<kv::LocalCluster> cluster;
    int control_fd = -1;
    try {
        cluster = start_cluster(options, control_fd);
    } catch (const std::exception& e) {
        log_line(std::string("could not start: ") + e.what());
        notify(notify_fd, std::string("error: ") + e.what());
        return 1;
    }
    log_line("ready");
    notify(notify_fd, "ok");
    serve_until_signal(*cluster, control_fd, signal_fd);
    ::close(control_fd);
    cluster.reset();  // kills every server and closes the proxy
    std::error_code ec;
    fs::remove(state_file(options.dir), ec);
    log_line("stopped; every server killed");
    return 0;
}

}  // namespace raftlab::tools
