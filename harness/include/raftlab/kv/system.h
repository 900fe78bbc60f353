// raftlab/kv/system.h: how the lab 10 server process starts.
//
// Framework-owned. The framework's main() (harness/system/server_main.cpp) parses the
// command line into SystemOptions and calls run_system(), which the student writes
// (starter/system/runtime.cpp). Every tool starts servers the same way:
//
//   lab10-server --id 0 --peers 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003
//                --peer-port 7001 --client-port 7101 --data /tmp/run/n0
//                [--heartbeat-ms 50] [--election-min-ms 300] [--election-max-ms 600]
//                [--max-entries 64] [--max-inflight 4]
//                [--pre-vote on|off] [--check-quorum on|off]      (lab 13; off by default)
//                [--snapshot-every N]                             (lab 11; 0, never, by default)
//
// --peers lists, for every server id in order, the address at which THIS server
// reaches that server (through the fault proxy, in the harness); the entry at its own
// id is ignored. The cluster size is the length of the list.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "raftlab/raft/node.h"

namespace raftlab::kv {

struct Endpoint {
    std::string host = "127.0.0.1";
    int port = 0;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// The lab 10 server's ServerConfig::max_inflight_appends unless --max-inflight says
/// otherwise.
inline constexpr std::size_t kDefaultMaxInflight = 4;

struct SystemOptions {
    ServerConfig raft;                 ///< id, cluster_size and timing (elections on)
    std::vector<Endpoint> peers;       ///< peers[j]: where this server reaches server j
    int peer_port = 0;                 ///< listen here (127.0.0.1) for other servers
    int client_port = 0;               ///< listen here (127.0.0.1) for clients
    std::filesystem::path data_dir;    ///< this server's files; exists, survives restarts
    /// Lab 11: the state machine asks for a snapshot (RaftNode::snapshot) once it has
    /// applied this many entries since the last one; 0 never.
    Index snapshot_every = 0;
};

/// A bad command line. what() is one line naming the option, the value and the fix.
class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Parses the command line above. Throws UsageError.
SystemOptions parse_system_options(int argc, const char* const* argv);

/// The server process: recover from data_dir, listen on both ports, run until SIGTERM
/// or SIGINT, and return the process exit status (0 after a signal). Throws
/// std::exception with a one-line what() for anything it cannot recover from (for
/// example corrupt storage); main() prints it and exits with status 1.
/// Implemented by the student in system/runtime.cpp.
int run_system(const SystemOptions& options);

}  // namespace raftlab::kv
