// lab10.h: what every lab 10 check shares.
//
// A check runs inside run_check(). It starts real lab10-server processes (a
// LocalCluster behind the fault proxy, with the fsync shim so power cuts can be
// simulated), drives clients against them, records the history of every operation and
// judges it. Safety is judged strictly: a history that is not linearizable, an append
// applied twice, an acknowledged write lost. Liveness only with generous bounds (a
// leader within 20 s, a read after healing within 30 s), so a correct server never
// fails on timing.
//
// When a check fails, run_check() saves what is needed to understand it in the
// check's artifacts folder (raftlab/check/check.h): history.jsonl (every operation,
// `./raftlab check` reads it), checker.html (the checker's picture of an illegal
// history), logs/n<i>.log (every server's output) and notes.txt (statuses, schedules).
// The grader prints where it copied them; run by hand, the failure message says where
// they are (raftlab-artifacts/<test>/). The message itself is one line: the grader
// shows a failure's last line as its reason.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "raftlab/history/checker.h"
#include "raftlab/history/history.h"
#include "raftlab/history/workload.h"
#include "raftlab/kv/client.h"
#include "raftlab/kv/local_cluster.h"

namespace raftlab::lab10 {

using namespace std::chrono_literals;
using FinalState = std::map<std::string, std::optional<std::string>>;

/// A check failed: the message says what was expected and what happened.
class Problem : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One running check: owns its cluster (so the logs can be saved before it is torn
/// down), its recorder, and whatever else must live until the artifacts are saved.
class CheckRun {
public:
    CheckRun();
    ~CheckRun();

    /// A cluster of `nodes` real servers with the proxy and the fsync shim, started.
    /// Throws proc::ProcessError (naming the node and its last log lines) when a
    /// server does not come up.
    kv::LocalCluster& start_cluster(int nodes = 3);
    /// The same, with options of the caller's (from cluster_options(), changed).
    kv::LocalCluster& start_cluster(const kv::ClusterOptions& options);
    kv::LocalCluster& cluster();
    bool has_cluster() const { return cluster_ != nullptr; }

    /// The recorder all of the check's operations go to (one time origin).
    history::Recorder& recorder() { return recorder_; }

    /// Keeps `thing` alive until the artifacts are saved.
    template <class T>
    T& keep(std::unique_ptr<T> thing) {
        T& ref = *thing;
        kept_.push_back(std::shared_ptr<void>(std::move(thing)));
        return ref;
    }
    /// A log file to copy into the artifacts as logs/<name>.log.
    void attach_log(const std::string& name, const std::filesystem::path& file);
    /// A line for notes.txt (schedules, statuses, seeds).
    void note(const std::string& line);
    /// The checker's verdict, for checker.html when it is illegal.
    void set_verdict(const history::LinearizabilityResult& result) { verdict_ = result; }

    /// Saves history.jsonl, checker.html, the logs and notes.txt. Returns a line
    /// saying where they are, or "" under the grader (which prints that itself).
    std::string save_artifacts();

private:
    std::unique_ptr<kv::LocalCluster> cluster_;
    history::Recorder recorder_;
    std::vector<std::shared_ptr<void>> kept_;
    std::vector<std::pair<std::string, std::filesystem::path>> logs_;
    std::vector<std::string> notes_;
    std::optional<history::LinearizabilityResult> verdict_;
};

/// Runs a check. A Problem, a proc::ProcessError or any other exception becomes one
/// GoogleTest failure, after the artifacts are saved.
void run_check(const std::function<void(CheckRun&)>& body);

/// The options every check's cluster uses (3 nodes, proxy on, fsync shim on).
kv::ClusterOptions cluster_options(int nodes = 3);

/// "n0: leader term 3 commit 12 last 12 | n1: follower ... | n2: no answer".
std::string describe_statuses(kv::LocalCluster& cluster);

/// Waits for a leader; throws Problem with every server's status after `bound`.
NodeId wait_for_leader(kv::LocalCluster& cluster, std::chrono::milliseconds bound = 20s);

/// Waits until every server reports the same last_index and commit_index as the
/// leader (all caught up), for at most `bound`; throws Problem otherwise.
void wait_until_caught_up(kv::LocalCluster& cluster, std::chrono::milliseconds bound = 20s);

/// "k0" .. "k<count-1>", the keys a workload uses.
std::vector<std::string> workload_keys(int count);

/// The workload most checks use: `clients` clients on `keys` keys for `duration`.
history::WorkloadOptions workload(int clients, int keys, std::chrono::milliseconds duration, std::uint64_t seed = 1);
/// Many clients on few keys, every write an append of a unique token: concurrent
/// operations on one key are the rule, and the linearizability check still decides
/// every history exactly (the unique-writes fast path), however contended.
history::WorkloadOptions contended_workload(int clients, int keys, std::chrono::milliseconds duration,
                                             std::uint64_t seed = 1);

/// Client options for workloads: a try waits 1 s, a request gives up after 10 s.
kv::ClientOptions workload_client_options();

/// Runs `options` against the cluster on other threads, recording into the check's
/// recorder, while `during` runs on this thread (faults, pauses...). Returns when
/// both are done; an exception from `during` is rethrown after the workload ends.
void run_workload_during(CheckRun& run, const history::WorkloadOptions& options,
                         const std::function<void()>& during = {});

/// After healing: reads every key with a fresh client (recorded as gets of client
/// "final"), each within 30 s. Throws Problem naming the key when a read gets no
/// answer.
FinalState read_back(CheckRun& run, const std::vector<std::string>& keys);

/// Judges the recorded history: linearizable (an undecided verdict is a failure),
/// appends applied exactly once, and, when `final_state` is given, durable.
/// Throws Problem with the first violation.
void verify_history(CheckRun& run, const std::optional<FinalState>& final_state);

/// One request, retried with the same (client, seq) until a server answers ok (or a
/// deadline passes): for scripted steps that must happen.
kv::Result must_execute(kv::LocalCluster& cluster, kv::Client& client, kv::Op op, const std::string& key,
                        const std::string& value = {});

/// "absent" or the value in quotes, for messages.
std::string show(const std::optional<std::string>& value);

}  // namespace raftlab::lab10
