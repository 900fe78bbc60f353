// cluster_state.h: what `./raftlab cluster up` leaves behind for the other commands,
// and how the tools find the repository, the grader and a built server.
//
// The cluster daemon writes <dir>/state.json once its servers accept connections and
// removes it when it exits; `cluster status|down|kill ...` and `kv` read it. A state
// file whose daemon is gone (killed -9, machine rebooted) is stale: read_live_state()
// treats it as "no cluster" and removes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "raftlab/kv/system.h"

namespace raftlab::tools {

struct NodeInfo {
    std::string name;           ///< "n0", "n1", ...
    int client_port = 0;        ///< where clients reach it through the fault proxy
    int direct_client_port = 0; ///< the server's own client port
    std::filesystem::path log;  ///< its stdout and stderr
};

struct ClusterState {
    pid_t daemon_pid = 0;
    int control_port = 0;           ///< the daemon's own control port (kill, restart ...)
    int proxy_control_port = 0;     ///< the fault proxy's HTTP control (`./raftlab proxy --control`)
    std::string impl;               ///< as given to --impl
    std::filesystem::path server;   ///< the lab 10 server binary
    std::filesystem::path dir;      ///< the cluster directory (data/, logs/, state.json)
    std::int64_t started_unix = 0;
    std::vector<NodeInfo> nodes;

    std::vector<kv::Endpoint> client_endpoints() const;  ///< through the proxy
    std::vector<kv::Endpoint> direct_endpoints() const;
    /// Index of a node given as "n1" or "1"; nullopt when there is no such node.
    std::optional<int> node_index(const std::string& name) const;
};

std::filesystem::path state_file(const std::filesystem::path& dir);

/// Writes <dir>/state.json atomically (temporary file, then rename).
void write_state(const ClusterState& state);

/// The state of a running cluster in `dir`, or nullopt when none is running. A stale
/// file (daemon gone) is removed. Throws std::runtime_error for an unreadable file.
std::optional<ClusterState> read_live_state(const std::filesystem::path& dir);

/// True while `pid` exists and is not a zombie.
bool process_alive(pid_t pid);

/// The repository: $RAFTLAB_ROOT, else the source tree this program was built from.
std::filesystem::path repository_root();

/// The cluster directory: `flag` if given, else $RAFTLAB_CLUSTER_DIR, else
/// <repository>/build/cluster. Absolute.
std::filesystem::path cluster_dir(const std::string& flag);

/// This program's own executable.
std::filesystem::path self_executable();

/// What a program printed and how it ended.
struct ProgramResult {
    int exit_code = -1;         ///< -1 when it could not start or was killed by a signal
    std::string out, err;
};

/// Runs argv[0] (a path) with the rest as arguments and captures stdout and stderr.
/// With pass_stderr, its stderr goes straight to ours instead.
ProgramResult run_program(const std::vector<std::string>& argv, bool pass_stderr = false);

/// A lab 10 server, built by the grader (`raftlab-grader build-server --impl X`).
struct BuiltServer {
    std::filesystem::path path;     ///< empty on failure
    int exit_code = 0;              ///< the grader's: 1 did not compile, 2 setup error
};

/// Builds the server of `impl` with $RAFTLAB_GRADER (or raftlab-grader next to this
/// program). The grader's errors go to our stderr.
BuiltServer build_server(const std::string& impl);

}  // namespace raftlab::tools
