// cluster_state.cpp: the state file, locating things, and running the grader
// (contract in cluster_state.h).
#include "cluster_state.h"

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace raftlab::tools {
namespace fs = std::filesystem;
namespace json = boost::json;

std::vector<kv::Endpoint> ClusterState::client_endpoints() const {
    std::vector<kv::Endpoint> out;
    for (const auto& n : nodes) out.push_back({"127.0.0.1", n.client_port});
    return out;
}

std::vector<kv::Endpoint> ClusterState::direct_endpoints() const {
    std::vector<kv::Endpoint> out;
    for (const auto& n : nodes) out.push_back({"127.0.0.1", n.direct_client_port});
    return out;
}

std::optional<int> ClusterState::node_index(const std::string& name) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == name || std::to_string(i) == name) return static_cast<int>(i);
    return std::nullopt;
}

fs::path state_file(const fs::path& dir) { return dir / "state.json"; }

void write_state(const ClusterState& s) {
    json::array nodes;
    for (const auto& n : s.nodes)
        nodes.push_back({{"name", n.name}, {"client_port", n.client_port},
                         {"direct_client_port", n.direct_client_port}, {"log", n.log.string()}});
    json::object o{{"daemon_pid", s.daemon_pid}, {"control_port", s.control_port},
                   {"proxy_control_port", s.proxy_control_port}, {"impl", s.impl},
                   {"server", s.server.string()}, {"dir", s.dir.string()},
                   {"started_unix", s.started_unix}, {"nodes", nodes}};
    fs::path file = state_file(s.dir), tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp);
        if (!(out << json::serialize(o) << "\n"))
            throw std::runtime_error(tmp.string() + ": cannot be written; check that the folder is writable");
    }
    fs::rename(tmp, file);
}

namespace {

ClusterState parse_state(const std::string& text, const fs::path& file) {
    try {
        json::object o = json::parse(text).as_object();
        ClusterState s;
        s.daemon_pid = static_cast<pid_t>(o.at("daemon_pid").to_number<std::int64_t>());
        s.control_port = static_cast<int>(o.at("control_port").to_number<std::int64_t>());
        s.proxy_control_port = static_cast<int>(o.at("proxy_control_port").to_number<std::int64_t>());
        s.impl = json::value_to<std::string>(o.at("impl"));
        s.server = json::value_to<std::string>(o.at("server"));
        s.dir = json::value_to<std::string>(o.at("dir"));
        s.started_unix = o.at("started_unix").to_number<std::int64_t>();
        for (const auto& v : o.at("nodes").as_array()) {
            const auto& n = v.as_object();
            s.nodes.push_back({json::value_to<std::string>(n.at("name")),
                               static_cast<int>(n.at("client_port").to_number<std::int64_t>()),
                               static_cast<int>(n.at("direct_client_port").to_number<std::int64_t>()),
                               json::value_to<std::string>(n.at("log"))});
        }
        return s;
    } catch (const std::exception& e) {
        throw std::runtime_error(file.string() + " is not a cluster state file (" + e.what() +
                                 "); remove it if no cluster is running");
    }
}

/// The daemon is this program run as `serve` for `dir`; a reused pid belongs to
/// something else.
bool is_cluster_daemon(pid_t pid, const fs::path& dir) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    if (!in) return !fs::exists("/proc/self");  // no /proc (not Linux): trust the pid
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return cmdline.find(std::string("serve") + '\0') != std::string::npos &&
           cmdline.find("raftlab-cluster") != std::string::npos &&
           cmdline.find(dir.string() + '\0') != std::string::npos;
}

}  // namespace

std::optional<ClusterState> read_live_state(const fs::path& dir) {
    fs::path file = state_file(dir);
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    ClusterState s = parse_state(text.str(), file);
    if (process_alive(s.daemon_pid) && is_cluster_daemon(s.daemon_pid, s.dir)) return s;
    std::error_code ec;
    fs::remove(file, ec);  // stale: its daemon is gone
    return std::nullopt;
}

bool process_alive(pid_t pid) {
    if (pid <= 0) return false;
    if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
    // A zombie (exited, not yet reaped by its parent) is gone for our purposes.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

fs::path repository_root() {
    if (const char* r = std::getenv("RAFTLAB_ROOT"); r && *r) return fs::absolute(r);
    return fs::path(RAFTLAB_SOURCE_DIR);
}

fs::path cluster_dir(const std::string& flag) {
    if (!flag.empty()) return fs::absolute(flag);
    if (const char* d = std::getenv("RAFTLAB_CLUSTER_DIR"); d && *d) return fs::absolute(d);
    return repository_root() / "build" / "cluster";
}

fs::path self_executable() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw std::runtime_error("cannot find this program's own path (/proc/self/exe): " + ec.message());
    return p;
}

namespace {

void drain(int fd, std::string& into, bool& open) {
    char buf[8192];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) into.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || (errno != EINTR && errno != EAGAIN)) open = false;
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, bool pass_stderr) {
    ProgramResult r;
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
        r.err = std::string("pipe: ") + std::strerror(errno);
        return r;
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) {
        r.err = std::string("fork: ") + std::strerror(errno);
        for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
        return r;
    }
    if (pid == 0) {
        ::dup2(out[1], 1);
        if (!pass_stderr) ::dup2(err[1], 2);
        ::execv(args[0], args.data());
        ::dprintf(2, "cannot run %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
        if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (out_open && p[0].revents) drain(out[0], r.out, out_open);
        if (err_open && p[1].revents) drain(err[0], r.err, err_open);
    }
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    return r;
}

BuiltServer build_server(const std::string& impl) {
    fs::path grader;
    if (const char* g = std::getenv("RAFTLAB_GRADER"); g && *g) grader = g;
    else grader = self_executable().parent_path() / "raftlab-grader";
    if (!fs::exists(grader)) {
        std::cerr << "raftlab: the grader " << grader.string()
                  << " does not exist; run this through ./raftlab, or set RAFTLAB_GRADER to raftlab-grader\n";
        return {{}, 2};
    }
    ProgramResult r = run_program({grader.string(), "build-server", "--impl", impl}, true);
    std::string path = r.out.substr(0, r.out.find('\n'));
    if (r.exit_code != 0 || path.empty() || !fs::exists(path)) return {{}, r.exit_code > 0 ? r.exit_code : 2};
    return {path, 0};
}

}  // namespace raftlab::tools
