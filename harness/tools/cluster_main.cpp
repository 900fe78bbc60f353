// raftlab-cluster (`./raftlab cluster ...`): a lab 10 cluster of real servers, by hand.
//
//   raftlab-cluster up [--nodes 3] [--voters N] [--impl starter|solutions|PATH] [--fresh] [--proxy-control 7400] [--server BIN]
//   raftlab-cluster add NODE | remove NODE   (lab 12: membership changes through the leader)
//   raftlab-cluster status | down
//   raftlab-cluster kill|start|restart|pause|resume NODE
//   (every command takes --dir DIR; default $RAFTLAB_CLUSTER_DIR or build/cluster)
//
// `up` starts a daemon (cluster_daemon.h) and returns once a leader exists; the other
// commands find it through DIR/state.json. See harness/tools/README.md.
//
// Exit codes: 0 done; 1 it did not work (no leader in time, the server did not build,
// a node command failed); 2 usage error, or no cluster / already a cluster.
#include "cluster_daemon.h"
#include "cluster_state.h"
#include "daemon_control.h"

#include "raftlab/cli/parse_error.h"
#include "raftlab/kv/client.h"
#include "raftlab/proc/child.h"
#include "raftlab/proc/supervisor.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace raftlab;
using namespace raftlab::tools;
using std::chrono::milliseconds;

namespace {

struct Failure {
    int code;
    std::string message;
};

struct Args {
    std::string dir, impl = "starter", node;
    int nodes = 3;
    int voters = 0;  // lab 12: how many of the servers vote at first (0: all)
    int proxy_control = 7400;
    bool fresh = false;
    std::string server;  // up: a server program to run as is; serve: the one to run
    int notify_fd = -1;
};

const std::string kNotRunning = "no cluster is running";

/// The flag that points the other commands at a non-default directory, or "".
std::string dir_flag(const Args& a) { return a.dir.empty() ? "" : " --dir " + cluster_dir(a.dir).string(); }

/// The running cluster; without one, fails with `code` (status: 1, the others: 2).
ClusterState require_cluster(const Args& a, int code = 2) {
    fs::path dir = cluster_dir(a.dir);
    auto state = read_live_state(dir);
    if (!state) throw Failure{code, kNotRunning + " in " + dir.string() + "; start one with ./raftlab cluster up"};
    return *state;
}

/// The index of the node `a.node` names; fails (code 2) listing the nodes there are.
std::size_t require_node(const ClusterState& s, const Args& a) {
    auto index = s.node_index(a.node);
    if (index) return static_cast<std::size_t>(*index);
    std::string names;
    for (const auto& n : s.nodes) names += (names.empty() ? "" : ", ") + n.name;
    throw Failure{2, fmt::format("no node \"{}\" in this cluster; its nodes: {}", a.node, names)};
}

// ---- up --------------------------------------------------------------------------

/// Starts `raftlab-cluster serve` in a new session, its output in DIR/daemon.log, and
/// returns what it said on the pipe: "ok", "error: ...", or "" if it died silently.
std::string start_daemon(const Args& a, const fs::path& dir, const fs::path& server) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Failure{2, "cannot create a pipe for the daemon"};
    std::vector<std::string> argv = {self_executable().string(), "serve", "--dir", dir.string(), "--server",
                                     server.string(), "--impl", a.impl, "--nodes", std::to_string(a.nodes),
                                     "--voters", std::to_string(a.voters),
                                     "--proxy-control", std::to_string(a.proxy_control), "--notify-fd", "3"};
    std::string log = (dir / "daemon.log").string();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setsid();
        [[maybe_unused]] int in_dir = ::chdir(dir.c_str());  // do not pin the caller's working directory
        int null = ::open("/dev/null", O_RDONLY);
        int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::dup2(pipe_fds[1], 3);
        // The daemon outlives this command (no parent), and keeps nothing else of the
        // caller's (its capture pipes) open.
        if (proc::prepare_child({.keep_fd = 3}) != 0) ::_exit(127);
        std::vector<char*> args;
        for (auto& s : argv) args.push_back(s.data());
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    // The daemon writes "ok" or "error: ..." (several lines: a server's last log lines)
    // and closes the pipe.
    std::string answer;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
    for (char buf[4096];;) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        pollfd p{pipe_fds[0], POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n <= 0) break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    if (answer.empty() && pid > 0) ::kill(pid, SIGTERM);  // silent or too slow: do not leave it half started
    if (answer != "ok\n" && pid > 0) {
        // It is on its way out: wait (bounded) so that nothing of it is left when up returns.
        for (int i = 0; i < 100 && ::waitpid(pid, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(milliseconds(50));
    }
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    return answer;
}

std::string starter_hint(const Args& a) {
    if (a.impl != "starter") return "";
    return "\nhint: the starter's lab 10 server does nothing until you implement lab 10 in starter/system/ "
           "(handouts/10-system.md); `./raftlab cluster up --impl solutions` starts the reference servers";
}

/// The node reporting itself leader in the highest term, or -1, polling for `bound`.
std::pair<int, Term> wait_for_leader(const ClusterState& s, milliseconds bound) {
    auto until = std::chrono::steady_clock::now() + bound;
    auto direct = s.direct_endpoints();
    for (;;) {
        int leader = -1;
        Term term = 0;
        for (std::size_t i = 0; i < direct.size(); ++i)
            if (auto st = kv::query_status(direct[i], milliseconds(300)); st && st->role == Role::leader && st->term >= term) {
                leader = static_cast<int>(i);
                term = st->term;
            }
        if (leader >= 0 || std::chrono::steady_clock::now() >= until) return {leader, term};
        std::this_thread::sleep_for(milliseconds(100));
    }
}

void print_up(const ClusterState& s, int leader, Term term, const Args& a) {
    std::cout << fmt::format("cluster up: {} servers of {} (daemon pid {})\n", s.nodes.size(), s.impl, s.daemon_pid);
    for (const auto& n : s.nodes)
        std::cout << fmt::format("  {:<3} client 127.0.0.1:{:<5}  (direct 127.0.0.1:{:<5})  log {}\n", n.name, n.client_port,
                                 n.direct_client_port, n.log.string());
    if (leader >= 0) std::cout << fmt::format("leader: {} (term {})\n", s.nodes[static_cast<std::size_t>(leader)].name, term);
    std::cout << fmt::format("files: {} (data/ kept across down and up; logs/; daemon.log)\n", s.dir.string());
    std::string d = dir_flag(a);
    std::string victim = s.nodes[static_cast<std::size_t>(leader >= 0 ? leader : 0)].name;
    std::cout << "next:\n"
              << fmt::format("  ./raftlab kv put greeting hello{}\n  ./raftlab kv get greeting{}\n", d, d)
              << fmt::format("  ./raftlab cluster status{}\n", d)
              << fmt::format("  ./raftlab proxy --control {} partition {} {}   # cut the leader off\n", s.proxy_control_port, victim,
                             [&] {
                                 std::string rest;
                                 for (const auto& n : s.nodes)
                                     if (n.name != victim) rest += (rest.empty() ? "" : ",") + n.name;
                                 return rest;
                             }())
              << fmt::format("  ./raftlab proxy --control {} heal\n", s.proxy_control_port)
              << fmt::format("  ./raftlab cluster kill {}{}   # and: start, restart, pause, resume\n", victim, d)
              << fmt::format("  ./raftlab cluster down{}\n", d);
}

/// DIR/data is kept across down and up, so it must belong to a cluster of the same size
/// (Raft's majorities) and implementation (its file format). DIR/data/cluster.txt
/// records both; a mismatch is a usage error naming the fix.
void check_earlier_data(const Args& a, const fs::path& dir) {
    fs::path record = dir / "data" / "cluster.txt";
    std::string wanted = fmt::format("{} servers of {}", a.nodes, a.impl);
    std::ifstream in(record);
    std::string earlier;
    if (in && std::getline(in, earlier) && earlier != wanted)
        throw Failure{2, fmt::format("{} holds the data of {}, not {}; start empty with ./raftlab cluster up --nodes {} "
                                     "--impl {} --fresh{}, or use the same --nodes and --impl as before",
                                     (dir / "data").string(), earlier, wanted, a.nodes, a.impl, dir_flag(a))};
    fs::create_directories(record.parent_path());
    std::ofstream(record) << wanted << "\n";
}

int cmd_up(const Args& a) {
    if (a.nodes < 1 || a.nodes > 7) throw Failure{2, fmt::format("--nodes {}: a cluster has 1 to 7 servers", a.nodes)};
    if (a.voters < 0 || a.voters > a.nodes)
        throw Failure{2, fmt::format("--voters {}: must be 1 to --nodes ({}), or 0 for all of them", a.voters, a.nodes)};
    fs::path dir = cluster_dir(a.dir);
    if (auto s = read_live_state(dir))
        throw Failure{2, fmt::format("a cluster is already running in {} (daemon pid {}, {} servers of {}); stop it "
                                     "with ./raftlab cluster down{}", dir.string(), s->daemon_pid, s->nodes.size(), s->impl, dir_flag(a))};
    BuiltServer server;
    if (!a.server.empty()) {
        server.path = fs::absolute(a.server);
    } else {
        bool tty = ::isatty(STDERR_FILENO);  // a first build takes a minute: say so, then erase the line
        if (tty) std::cerr << "building the lab 10 server of " << a.impl << " ..." << std::flush;
        server = build_server(a.impl);
        if (tty) std::cerr << "\r\033[K" << std::flush;
    }
    if (server.path.empty())
        throw Failure{server.exit_code, "the lab 10 server of --impl " + a.impl + " did not build (the grader's errors are above)" +
                                            starter_hint(a)};
    if (a.fresh)
        for (const char* sub : {"data", "logs", "sync"}) fs::remove_all(dir / sub);
    check_earlier_data(a, dir);
    std::string answer = start_daemon(a, dir, server.path);
    if (answer != "ok") {
        std::string why = answer.rfind("error: ", 0) == 0 ? answer.substr(7)
                                                         : "the cluster daemon did not start; see " + (dir / "daemon.log").string();
        throw Failure{1, why + starter_hint(a)};
    }
    auto state = read_live_state(dir);
    if (!state) throw Failure{1, "the cluster daemon stopped right after starting; see " + (dir / "daemon.log").string()};
    auto [leader, term] = wait_for_leader(*state, std::chrono::seconds(15));
    print_up(*state, leader, term, a);
    if (leader < 0) {
        std::cerr << "raftlab cluster: no leader after 15 s; the servers keep running (see their logs above), stop them with "
                  << "./raftlab cluster down" << dir_flag(a) << starter_hint(a) << "\n";
        return 1;
    }
    return 0;
}

// ---- status ----------------------------------------------------------------------

int cmd_status(const Args& a) {
    ClusterState s = require_cluster(a, 1);
    json::object answer;
    try {
        answer = call_daemon(s.control_port, {{"op", "nodes"}}, std::chrono::seconds(5));
    } catch (const DaemonUnreachable& e) {
        throw Failure{1, e.what()};
    }
    const auto& nodes = answer.at("nodes").as_array();
    std::cout << fmt::format("cluster of {} servers of {} in {} (daemon pid {}, proxy control {})\n", s.nodes.size(), s.impl,
                             s.dir.string(), s.daemon_pid, s.proxy_control_port);
    std::cout << fmt::format("{:<5} {:<8} {:>7}  {:<10} {:>5} {:>7} {:>7} {:>7}  {:<6} {}\n", "node", "process", "pid", "role",
                             "term", "commit", "applied", "last", "leader", "client");
    int leader = -1;
    Term leader_term = 0;
    std::vector<NodeId> leader_voters, leader_learners;  // lab 12: empty unless membership changes
    auto direct = s.direct_endpoints();
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
        const auto& n = nodes.at(i).as_object();
        std::string state(n.at("state").as_string());
        auto pid = n.at("pid").to_number<std::int64_t>();
        std::string row = fmt::format("{:<5} {:<8} {:>7}  ", s.nodes[i].name, state, pid ? std::to_string(pid) : "-");
        auto st = state == "running" ? kv::query_status(direct[i], milliseconds(500)) : std::nullopt;
        if (st) {
            row += fmt::format("{:<10} {:>5} {:>7} {:>7} {:>7}  {:<6} ", role_name(st->role), st->term, st->commit_index,
                               st->last_applied, st->last_index, st->leader >= 0 ? "n" + std::to_string(st->leader) : "-");
            if (st->role == Role::leader && st->term >= leader_term) {
                leader = static_cast<int>(i);
                leader_term = st->term;
                leader_voters = st->voters;
                leader_learners = st->learners;
            }
        } else {
            row += fmt::format("{:<10} {:>5} {:>7} {:>7} {:>7}  {:<6} ", state == "running" ? "no answer" : "-", "-", "-", "-", "-", "-");
        }
        std::cout << row << "127.0.0.1:" << s.nodes[i].client_port << "\n";
    }
    if (leader >= 0) std::cout << fmt::format("leader: {} (term {})\n", s.nodes[static_cast<std::size_t>(leader)].name, leader_term);
    else std::cout << "leader: none\n";
    if (!leader_voters.empty()) {
        auto names = [](const std::vector<NodeId>& ids) {
            std::string out;
            for (NodeId id : ids) out += (out.empty() ? "n" : ", n") + std::to_string(id);
            return out.empty() ? std::string("none") : out;
        };
        std::cout << fmt::format("configuration (committed): voters {}; learners {}\n", names(leader_voters),
                                 names(leader_learners));
    }
    return 0;
}

// ---- down ------------------------------------------------------------------------

bool wait_until(const std::function<bool()>& done, milliseconds bound) {
    auto until = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(milliseconds(50));
    }
    return true;
}

int cmd_down(const Args& a) {
    fs::path dir = cluster_dir(a.dir);
    auto s = read_live_state(dir);
    if (!s) {
        std::cout << kNotRunning << " in " << dir.string() << "\n";
        return 0;
    }
    ::kill(s->daemon_pid, SIGTERM);
    if (!wait_until([&] { return !process_alive(s->daemon_pid); }, std::chrono::seconds(15))) {
        // Stuck: kill -9. The kernel then kills its servers (parent-death signal).
        ::kill(s->daemon_pid, SIGKILL);
        if (!wait_until([&] { return !process_alive(s->daemon_pid); }, std::chrono::seconds(5)))
            throw Failure{1, fmt::format("the cluster daemon (pid {}) does not exit, even after kill -9", s->daemon_pid)};
    }
    std::vector<int> ports = {s->control_port, s->proxy_control_port};
    for (const auto& n : s->nodes) ports.insert(ports.end(), {n.client_port, n.direct_client_port});
    for (int port : ports)
        if (!wait_until([port] { return !proc::port_accepts(port, milliseconds(100)); }, std::chrono::seconds(5)))
            throw Failure{1, fmt::format("port {} still accepts connections after the cluster stopped", port)};
    std::error_code ec;
    fs::remove(state_file(dir), ec);
    std::cout << fmt::format("cluster down: daemon pid {} and its {} servers are gone; data kept in {} "
                             "(`cluster up --fresh` starts empty)\n", s->daemon_pid, s->nodes.size(), (dir / "data").string());
    return 0;
}

// ---- add, remove (lab 12) -------------------------------------------------------------

int cmd_membership(bool add, const Args& a) {
    ClusterState s = require_cluster(a);
    const NodeId id = static_cast<NodeId>(require_node(s, a));
    const std::string name = s.nodes[static_cast<std::size_t>(id)].name;
    // A change that is done already would be refused until the retries run out: say so
    // at once (the leader's committed configuration tells).
    for (const auto& e : s.direct_endpoints()) {
        auto st = kv::query_status(e, milliseconds(300));
        if (!st || st->role != Role::leader || st->voters.empty()) continue;
        auto has = [&](const std::vector<NodeId>& ids) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
        if (add && has(st->voters)) throw Failure{1, name + " is a voter already"};
        if (!add && !has(st->voters) && !has(st->learners)) throw Failure{1, name + " is not a member"};
    }
    const auto start = std::chrono::steady_clock::now();
    std::string why;
    auto answer = kv::change_membership(s.direct_endpoints(), kv::MembershipRequest{add, id},
                                        std::chrono::seconds(30), &why);
    if (!answer) throw Failure{1, fmt::format("no leader answered within 30 s ({})", why)};
    if (answer->status != kv::ReplyStatus::ok)
        throw Failure{1, fmt::format("{} {}: {}", add ? "add" : "remove", name,
                                     answer->error.empty() ? std::string(kv::to_string(answer->status)) : answer->error)};
    std::cout << fmt::format("{} {}: configuration entry {} committed", add ? "add" : "remove", name,
                             answer->value.value_or("?"));
    if (add) {
        // The leader promotes the learner once it has caught up: wait to see it vote.
        std::cout << "; waiting for " << name << " to catch up and vote" << std::flush;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        bool voter = false;
        while (!voter && std::chrono::steady_clock::now() < deadline) {
            for (const auto& e : s.direct_endpoints()) {
                auto st = kv::query_status(e, milliseconds(300));
                if (st && st->role == Role::leader &&
                    std::find(st->voters.begin(), st->voters.end(), id) != st->voters.end())
                    voter = true;
            }
            if (!voter) std::this_thread::sleep_for(milliseconds(100));
        }
        if (!voter) {
            std::cout << "\n";
            throw Failure{1, name + " is still not a voter 60 s after it was added as a learner"};
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << fmt::format("{}done in {:.2f} s\n", add ? "\n" + name + " votes; " : "; ", seconds);
    return 0;
}

// ---- kill, start, restart, pause, resume ----------------------------------------------

int cmd_node(const std::string& op, const Args& a) {
    ClusterState s = require_cluster(a);
    const std::size_t index = require_node(s, a);
    json::object answer;
    try {
        answer = call_daemon(s.control_port, {{"op", op}, {"node", s.nodes[index].name}});
    } catch (const DaemonUnreachable& e) {
        throw Failure{1, e.what()};
    }
    if (!answer.at("ok").as_bool()) throw Failure{1, std::string(answer.at("error").as_string())};
    std::cout << std::string(answer.at("message").as_string()) << "\n";
    return 0;
}

void add_commands(CLI::App& app, Args& a, std::function<void(std::function<int()>)> run) {
    auto* up = app.add_subcommand("up", "start a cluster in the background and wait for a leader");
    up->add_option("--nodes", a.nodes, "number of servers, 1 to 7")->capture_default_str();
    up->add_option("--voters", a.voters, "lab 12: only n0 .. n<N-1> vote at first (0: all)")->capture_default_str();
    up->add_option("--impl", a.impl, "starter, solutions or a path to an implementation")->capture_default_str();
    up->add_flag("--fresh", a.fresh, "delete the data of earlier runs first");
    up->add_option("--server", a.server, "run this lab 10 server program instead of building --impl's")->check(CLI::ExistingFile);
    up->add_option("--proxy-control", a.proxy_control, "port of the fault proxy's control (0: any free port)")->capture_default_str();
    up->callback([&a, run] { run([&a] { return cmd_up(a); }); });
    app.add_subcommand("status", "one line per server: process, role, term, commit index")->callback([&a, run] {
        run([&a] { return cmd_status(a); });
    });
    app.add_subcommand("down", "stop the cluster and every server (data is kept)")->callback([&a, run] {
        run([&a] { return cmd_down(a); });
    });
    for (std::string op : {"kill", "start", "restart", "pause", "resume"}) {
        auto* sub = app.add_subcommand(op, op == "kill"      ? "kill -9 one server"
                                           : op == "start"   ? "start a killed server again (same data)"
                                           : op == "restart" ? "kill -9 one server and start it again"
                                           : op == "pause"   ? "SIGSTOP one server"
                                                             : "SIGCONT a paused server");
        sub->add_option("node", a.node, "n0, n1, ... (or 0, 1, ...)")->required();
        sub->callback([&a, op, run] { run([&a, op] { return cmd_node(op, a); }); });
    }
    for (bool add : {true, false}) {
        auto* sub = app.add_subcommand(add ? "add" : "remove",
                                       add ? "lab 12: add a server (a learner until it catches up, then a voter)"
                                           : "lab 12: remove a server from the configuration (the leader too)");
        sub->add_option("node", a.node, "n0, n1, ... (or 0, 1, ...)")->required();
        sub->callback([&a, add, run] { run([&a, add] { return cmd_membership(add, a); }); });
    }
    auto* serve = app.add_subcommand("serve", "");  // internal: the daemon `up` starts
    serve->group("");
    serve->add_option("--server", a.server)->required();
    serve->add_option("--impl", a.impl);
    serve->add_option("--nodes", a.nodes);
    serve->add_option("--voters", a.voters);
    serve->add_option("--proxy-control", a.proxy_control);
    serve->add_option("--notify-fd", a.notify_fd);
    serve->callback([&a, run] {
        run([&a] {
            return run_daemon({cluster_dir(a.dir), a.server, a.impl, a.nodes, a.voters, a.proxy_control, a.notify_fd});
        });
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab cluster: a lab 10 cluster of real servers behind the fault proxy"};
    app.require_subcommand(1);
    app.fallthrough();
    Args args;
    app.add_option("--dir", args.dir, "cluster directory (default: $RAFTLAB_CLUSTER_DIR or build/cluster)");
    int exit_code = 0;
    add_commands(app, args, [&exit_code](std::function<int()> command) {
        try {
            exit_code = command();
        } catch (const Failure& f) {
            std::cerr << "raftlab cluster: " << f.message << "\n";
            exit_code = f.code;
        } catch (const std::exception& e) {
            std::cerr << "raftlab cluster: " << e.what() << "\n";
            exit_code = 2;
        }
    });
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab cluster", "./raftlab cluster --help");
    }
    return exit_code;
}
