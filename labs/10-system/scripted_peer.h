// scripted_peer.h: one real lab10-server whose two peers are played by the check.
//
// The server is started as server 0 of a 3-server cluster. Its peers 1 and 2 are
// listening sockets of the check (so everything the server sends them arrives here),
// and the check talks to the server's peer port as peer 1 or 2 would. Election
// timeouts are ten minutes, so the server never campaigns on its own: every message it
// sees is one the check wrote. A power cut (kill -9, then discard every byte not
// fsynced) and a restart on the same data directory are one call each.
//
// Its disk is slow: every fsync waits kSlowDiskMs before it takes effect (the shim's
// RAFTLAB_SYNC_DELAY_MS). A server that answers and then syncs has answered inside
// that wait, and the power cut the check makes as soon as the answer arrives loses
// what the answer promised. A server that syncs first answers a little later.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raftlab/kv/protocol.h"
#include "raftlab/proc/supervisor.h"

namespace raftlab::lab10 {

/// How long each fsync of the scripted server waits (see above).
inline constexpr int kSlowDiskMs = 600;

/// A listening socket standing in for one peer: collects the frames the server sends.
class PeerListener {
public:
    PeerListener();  ///< listens on a free 127.0.0.1 port
    ~PeerListener();
    PeerListener(const PeerListener&) = delete;
    PeerListener& operator=(const PeerListener&) = delete;

    int port() const { return port_; }
    /// The next Raft message that arrives on any connection the server opened to us,
    /// or nullopt after `timeout`. Frames that do not decode are skipped.
    std::optional<kv::PeerMessage> next(std::chrono::milliseconds timeout);

private:
    struct Connection;
    int listen_fd_ = -1;
    int port_ = 0;
    std::vector<std::unique_ptr<Connection>> connections_;
};

class ScriptedServer {
public:
    /// Creates the work directory (under TMPDIR) and the two peer listeners; does not
    /// start the server yet.
    ScriptedServer();
    ~ScriptedServer();  ///< kills the server and removes the work directory

    /// Starts (or restarts after kill/power_loss) the server on the same data
    /// directory. Throws proc::ProcessError with its log when it does not come up.
    void start();
    /// kill -9, then truncate every file of the data directory to what was fsynced.
    /// Returns the lines describing what was cut.
    std::vector<std::string> power_loss();

    /// Sends one Raft message to the server's peer port as server `from` (a fresh
    /// connection each time, so nothing is left over from before a restart).
    void send(NodeId from, const Message& message);
    /// The next message the server sends to peer `to` (1 or 2) within `timeout`.
    std::optional<kv::PeerMessage> receive(NodeId to, std::chrono::milliseconds timeout);
    /// The server's status, or nullopt.
    std::optional<kv::StatusReply> status();

    const std::filesystem::path& log_path() const { return log_; }

private:
    std::filesystem::path work_, data_, journal_, log_;
    int peer_port_ = 0, client_port_ = 0;
    std::unique_ptr<PeerListener> peers_[2];
    std::unique_ptr<proc::Supervisor> supervisor_;
    std::vector<int> sent_;  // connections we wrote on (kept open until the next restart)
};

}  // namespace raftlab::lab10
