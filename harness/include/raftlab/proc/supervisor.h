// raftlab/proc/supervisor.h: starts, stops, kills, pauses and restarts the server
// processes of a cluster, and never leaves one behind.
//
// No orphans, by three layers:
//   1. each child runs in its own process group, and every signal the supervisor
//      sends goes to the whole group (so helpers a server forks die with it);
//   2. each child asks the kernel for SIGKILL when the thread that started it dies
//      (parent-death signal, Linux), so children die even when the harness is
//      killed with -9. The signal is tied to the forking thread, so the supervisor
//      forks every child from one thread of its own: start() and restart() may be
//      called from any thread, even one that exits right after;
//   3. the supervisor kills every group it owns in its destructor, and
//      install_signal_cleanup() does the same on SIGINT, SIGTERM and SIGHUP.
// Limit: after a kill -9 of the harness only layer 2 acts, and it reaches the
// direct children only; a helper a server forks must watch its own parent.
//
// Thread safety: one Supervisor may be used from several threads; calls are
// serialized by an internal mutex.
//
// Side effect: constructing a Supervisor sets SIGPIPE to "ignore" in the harness
// process (children get the default back), so a write to a dead server's socket
// is an error to handle, not the harness's death.
#pragma once

#include "raftlab/proc/cluster_config.h"

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace raftlab::proc {

/// How a process ended.
struct ExitStatus {
    bool signaled = false;  ///< true: killed by `code` as a signal; false: exited with `code`
    int code = 0;

    /// "exited with status 3" or "was killed by signal 9 (SIGKILL)".
    std::string describe() const;
};

/// A node that died without the supervisor asking it to.
struct DeathReport {
    std::string id;
    ExitStatus status;
    std::vector<std::string> last_log_lines;

    /// "node n2 exited with status 3; last lines of its log (/tmp/x/n2.log): ..."
    std::string describe() const;
};

/// Failure to start a process or to see it become ready.
class ProcessError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class NodeState {
    stopped,  ///< never started, killed, or stopped on purpose
    running,
    paused,   ///< SIGSTOP'ed
    dead,     ///< died unexpectedly (see take_deaths())
};

class Supervisor {
public:
    explicit Supervisor(ClusterConfig config);
    ~Supervisor();  ///< kills every process it started (SIGKILL to each group)
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    const ClusterConfig& config() const;

    /// Replaces a node's arguments (placeholders allowed); they take effect at its next
    /// start or restart. Throws std::out_of_range for an unknown id.
    void set_args(const std::string& id, std::vector<std::string> args);

    /// Starts every node, then waits until each is ready. Throws ProcessError naming
    /// the node (with the last lines of its log) if one fails to start, exits, or is
    /// not ready within config().ready_timeout.
    void start_all();

    /// Starts one node (no-op if it is running) and waits until it is ready.
    /// Its data directory and log file are created if missing; the log is appended.
    void start(const std::string& id);

    /// Starts one node without waiting for readiness.
    void spawn(const std::string& id);

    /// Waits until the node's ready port accepts a connection. Returns false on
    /// timeout. Throws ProcessError if the node exits while waiting.
    bool wait_ready(const std::string& id, std::chrono::milliseconds timeout);

    /// SIGKILL to the node's process group, then reaps it. No-op if not running.
    void kill(const std::string& id);

    /// Graceful stop: SIGTERM, then SIGKILL after `grace`.
    void stop(const std::string& id, std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

    /// SIGSTOP / SIGCONT to the node's process group.
    void pause(const std::string& id);
    void resume(const std::string& id);

    /// kill() then start() on the same data directory.
    void restart(const std::string& id);

    /// Kills every node. Safe to call twice.
    void kill_all();

    NodeState state(const std::string& id);
    /// The node's pid (0 when not running).
    pid_t pid(const std::string& id);
    std::filesystem::path log_path(const std::string& id) const;

    /// Nodes that died since the last call (each reported once), with exit status
    /// and the last lines of their logs.
    std::vector<DeathReport> take_deaths();

    /// Kill every supervised process group on SIGINT, SIGTERM and SIGHUP, then die
    /// of that signal. Idempotent; covers every Supervisor in the process.
    static void install_signal_cleanup();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The last `count` lines of a text file (fewer if it is shorter; empty if missing).
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t count);

/// True if something accepts TCP connections on 127.0.0.1:port right now.
bool port_accepts(int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(200));

/// A loopback port that was free a moment ago. Ports come from below the kernel's
/// ephemeral range (so no outgoing connection or port-0 listener can take one between
/// this call and the server's bind), from a per-process sequence that never hands out
/// the same port twice in a row of 12,000, and that no other raftlab process on the
/// machine holds (each picked port is claimed until the picking process exits).
/// A claim is an abstract Unix socket ("raftlab-port-N") that stays open for the rest
/// of the process: one descriptor per picked port, so a process that picks thousands
/// of ports needs a descriptor limit to match. Thread-safe.
int pick_free_port();

}  // namespace raftlab::proc
