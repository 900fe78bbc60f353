// raftlab/history/workload.h: concurrent clients that drive a key/value service
// and record what they saw.
//
// The service is reached through KvClient, which a lab (or an instructor pointing
// the harness at another service) implements. Each logical client gets its own
// KvClient object and a unique id; every request carries (client id, sequence
// number) so a server can make retries exactly-once.
#pragma once

#include "raftlab/history/history.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace raftlab::history {

/// One request as the workload issues it.
struct Request {
    std::string client;        ///< unique client id
    std::uint64_t seq = 0;     ///< 1, 2, 3 ... per client
    OpKind kind = OpKind::get;
    std::string key;
    std::string value;         ///< put / append argument
};

/// What the client learned.
struct Reply {
    Outcome outcome = Outcome::indeterminate;
    std::optional<std::string> output;  ///< get result (nullopt: key absent)
    std::string error;                  ///< why, when not ok (for logs)
};

/// A connection to the service under test, used by one workload thread only.
class KvClient {
public:
    virtual ~KvClient() = default;
    /// Performs the request and must return within a bounded time: a request whose
    /// answer did not come back in time is Outcome::indeterminate. Must not throw
    /// for service errors (an exception is recorded as indeterminate).
    virtual Reply execute(const Request& request) = 0;
};

using KvClientFactory = std::function<std::unique_ptr<KvClient>(const std::string& client_id)>;

struct WorkloadOptions {
    int clients = 5;
    int keys = 5;                       ///< keys are "k0" .. "k<keys-1>"
    std::chrono::milliseconds duration{2000};  ///< run time, bounded
    std::size_t max_ops_per_client = 0; ///< 0 = no limit (stop at duration)
    double get_ratio = 0.5;             ///< the rest split between put and append...
    double delete_ratio = 0.05;         ///< ...minus this share of deletes
    /// Writes::appends or Writes::puts: every write is of that kind (no deletes), so
    /// the linearizability check takes its fast path at any contention.
    Writes writes = Writes::mixed;
    std::uint64_t seed = 1;
    std::chrono::milliseconds think_time{0};  ///< pause between a client's requests
    std::string client_prefix = "c";    ///< ids are "<prefix><n>"
};

/// Runs `options.clients` threads, each with its own client from `factory`, until
/// `options.duration` has passed (or max_ops_per_client). Put and append values are
/// unique: "[<client>:<seq>]". Returns the history, time origin = workload start.
History run_workload(const WorkloadOptions& options, const KvClientFactory& factory);

/// Same, recording into an existing recorder (to share one time origin).
void run_workload(const WorkloadOptions& options, const KvClientFactory& factory, Recorder& recorder);

/// A correct, linearizable in-memory key/value store with a KvClient front end,
/// for tests and benchmarks. Thread-safe.
class InMemoryKv {
public:
    Reply apply(const Request& request);
    KvClientFactory factory();

private:
    std::mutex mutex_;
    std::map<std::string, std::string> data_;
};

}  // namespace raftlab::history
