// raftlab/host/remote_node.h: a student's Raft server in a process of its own,
// driven by the judge through the ordinary RaftNode interface.
//
// The simulator (and lab 8's probe) use a RemoteNode exactly as they used the
// student's Server: each event is one request to the host process, each Env call
// the server makes inside it is performed here, in order, on the Env the judge
// passed in. The inspection members read the state the host reported at the end of
// the last call; nothing of the judge's memory is reachable from the server, and no
// server can reach another's, because each lives in its own process. A crash in the
// simulator destroys the RemoteNode, which kills its process: nothing survives a
// crash but what the server persisted through its Env.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "raftlab/host/process.h"
#include "raftlab/raft/node.h"
#include "raftlab/sim/rng.h"

namespace raftlab::host {

class RemoteNode final : public RaftNode {
public:
    /// Starts `program` (a Raft host executable) and constructs its server from
    /// `config` and `restored`. Throws HostError when the process fails, and the
    /// server's own exception when its constructor throws.
    RemoteNode(const std::string& program, const ServerConfig& config, Env& env,
               const PersistentState& restored);

    void receive(NodeId from, const Message& message) override;
    void tick() override;
    std::optional<Index> submit(std::string command) override;
    bool read(ReadId id) override;
    void become_leader() override;
    void snapshot(Index index, std::string data) override;
    std::optional<Index> add_server(NodeId id) override;
    std::optional<Index> remove_server(NodeId id) override;

    Role role() const override;
    Term current_term() const override;
    NodeId voted_for() const override;
    NodeId leader_id() const override;
    Index commit_index() const override;
    Index last_applied() const override;
    Index last_log_index() const override;
    Index snapshot_index() const override;
    Term snapshot_term() const override;
    Configuration configuration() const override;
    const LogEntry& log_entry(Index index) const override;
    Index next_index(NodeId peer) const override;
    Index match_index(NodeId peer) const override;

private:
    struct Result {
        bool has = false;
        std::uint64_t value = 0;
    };
    /// Sends `request` and performs the host's Env frames until its end frame.
    Result call(const Writer& request, const char* what);
    void read_state(Reader& r);
    void check_inspectable() const;

    HostProcess process_;
    Env& env_;
    sim::Rng* stream_ = nullptr;  // the server's random stream, lent to the host
    int cluster_size_;
    Role role_ = Role::follower;
    Term term_ = 0;
    NodeId voted_for_ = kNoNode;
    NodeId leader_id_ = kNoNode;
    Index commit_index_ = 0;
    Index last_applied_ = 0;
    std::vector<Index> next_, match_;
    Index log_base_ = 0;          // the snapshot index; log_[0] is entry log_base_ + 1
    Term log_base_term_ = 0;      // the snapshot's term
    std::vector<LogEntry> log_;
    Configuration configuration_;  // as the server reports it
    std::string inspect_error_;
};

/// A ServerFactory (raftlab/sim/simulation.h) whose servers each run in a process of
/// their own, started from the Raft host executable `program`.
inline auto remote_servers(std::string program) {
    return [program](const ServerConfig& config, Env& env,
                     const PersistentState& restored) -> std::unique_ptr<RaftNode> {
        return std::make_unique<RemoteNode>(program, config, env, restored);
    };
}

/// The quorum arithmetic of the student's raft/quorum.h (lab 7), answered by one Raft
/// host process started on first use.
bool is_majority(const std::string& program, int count, int cluster_size);
Index majority_match(const std::string& program, const std::vector<Index>& match_indexes);

}  // namespace raftlab::host
