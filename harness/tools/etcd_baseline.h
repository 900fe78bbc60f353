// etcd_baseline.h: etcd, the baseline `./raftlab bench kv` measures the lab 10
// solution against: a cluster of etcd members on loopback, and a put client for its
// JSON gateway (POST /v3/kv/put over HTTP/1.1 keep-alive, the API a non-Go client
// without gRPC uses).
#pragma once

#include "closed_loop.h"

#include "raftlab/proc/supervisor.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::tools {

/// The etcd binary: $RAFTLAB_ETCD if set, else /usr/bin/etcd, else `etcd` on PATH;
/// nullopt when missing.
std::optional<std::filesystem::path> find_etcd();

/// "3.4.23" from `etcd --version`, or "unknown".
std::string etcd_version(const std::filesystem::path& etcd);

/// `members` etcd members on 127.0.0.1 with fresh data under `work_dir`, supervised
/// (own process groups, killed in the destructor or if this process dies).
class EtcdCluster {
public:
    /// Starts them and waits until every member reports healthy (a leader exists).
    /// Throws std::runtime_error naming the member and its last log lines.
    EtcdCluster(const std::filesystem::path& etcd, int members, const std::filesystem::path& work_dir);
    ~EtcdCluster();
    EtcdCluster(const EtcdCluster&) = delete;
    EtcdCluster& operator=(const EtcdCluster&) = delete;

    const std::vector<int>& client_ports() const { return client_ports_; }

private:
    void wait_healthy(std::chrono::milliseconds bound);

    std::vector<int> client_ports_;
    std::unique_ptr<proc::Supervisor> supervisor_;
};

/// A put client with one keep-alive connection to the member at 127.0.0.1:port.
std::unique_ptr<PutClient> etcd_put_client(int port);

/// Standard base64 (the gateway's encoding of keys and values).
std::string base64(const std::string& bytes);

}  // namespace raftlab::tools
