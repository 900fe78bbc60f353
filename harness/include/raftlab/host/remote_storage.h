// raftlab/host/remote_storage.h: the student's lab 10 Storage, seen from the judge.
//
// A StorageBoot is one boot of one server's storage: a process of the storage host
// (harness/host/storage_host_main.cpp) that constructs the student's Storage on a
// data directory and then saves and syncs as the check asks. The check binary holds
// no student code. A power cut is kill() followed by raftlab::kv::discard_unsynced()
// on the directory and the journal (raftlab/kv/power_loss.h): the fsync shim is
// linked into the host and records every sync of a file under the directory there.
//
// Errors come in two kinds. StorageThrew: the student's code threw (what() is its
// message and call() names the member); the host goes on. host::HostError: the host
// crashed, hung or broke the protocol (what() is one sentence), and every later call
// throws it again.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"

namespace raftlab::host {

class HostProcess;

/// Student code threw: `what()` is its message, `call()` the member that threw.
class StorageThrew : public std::runtime_error {
public:
    StorageThrew(std::string call, const std::string& what) : std::runtime_error(what), call_(std::move(call)) {}
    const std::string& call() const { return call_; }

private:
    std::string call_;
};

/// What Storage's constructor recovered.
struct Recovered {
    PersistentState state;
    std::string summary;  ///< recovery_summary()
};

class StorageBoot {
public:
    /// Starts a storage host (`program`, the built host) without opening anything yet.
    explicit StorageBoot(const std::string& program,
                         std::chrono::milliseconds call_timeout = std::chrono::seconds(30));
    ~StorageBoot();  ///< kills the host (like kill())
    StorageBoot(const StorageBoot&) = delete;
    StorageBoot& operator=(const StorageBoot&) = delete;

    /// Storage(data_dir), with the shim journaling syncs of files under data_dir to
    /// `journal`, which must be reachable from data_dir by a relative path. The host
    /// gets the directory as a descriptor and constructs Storage(".") in it.
    Recovered open(const std::filesystem::path& data_dir, const std::filesystem::path& journal);
    void save_term_and_vote(Term term, NodeId vote);
    void save_log(Index first, const std::vector<LogEntry>& entries);
    void sync();
    bool dirty();
    std::uint64_t sync_count();
    /// Destroys the Storage: a clean shutdown (its destructor runs).
    void close();
    /// SIGKILL: what the kernel holds of the files stays, nothing else runs.
    void kill();

private:
    template <class Read>
    auto call(const char* what, const std::string& request, Read read);
    std::unique_ptr<HostProcess> process_;
};

}  // namespace raftlab::host
