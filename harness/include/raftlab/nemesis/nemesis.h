// raftlab/nemesis/nemesis.h: fault schedules generated from a seed, and a runner
// that plays one against a real cluster (the supervisor and the fault proxy).
//
// A schedule is plain data: timed actions, printable, the same for the same seed.
// Every schedule ends with a heal_all step, and the runner heals everything when it
// stops early too: partitions and cuts removed, link faults cleared, paused nodes
// continued, killed nodes restarted.
#pragma once

#include "raftlab/proxy/faults.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace raftlab::proc {
class Supervisor;
}
namespace raftlab::proxy {
class FaultProxy;
}

namespace raftlab::nemesis {

enum class FaultKind {
    partition_halves,   ///< two sides, a minority and a majority
    isolate_leader,     ///< the current leader alone
    majorities_ring,    ///< each node sees a majority, no two see the same one
    bridge,             ///< two halves that only one node connects
    one_way_cut,        ///< some nodes cannot send to others, replies still flow
    kill_restart,       ///< kill -9 a node, restart it on the same data later
    pause_resume,       ///< SIGSTOP a node, SIGCONT it later
    lossy_links,        ///< drop frames on a node's links
    duplicating_links,  ///< duplicate frames on a node's links
    slow_links,         ///< latency with jitter on a node's links
    random_mix,         ///< random combinations of the above, overlapping
};

std::string_view to_string(FaultKind kind);
/// Parses "partition_halves" etc.; throws std::invalid_argument listing the names.
FaultKind fault_kind_from_string(std::string_view name);

struct Action {
    enum class Kind { partition, cut_pairs, heal, kill, restart, pause, resume, link_faults, clear_faults, heal_all };
    Kind kind = Kind::heal_all;
    std::vector<std::vector<std::string>> groups;              ///< partition
    std::vector<std::pair<std::string, std::string>> pairs;    ///< cut_pairs: traffic first -> second is cut
    std::string node;                                          ///< kill/restart/pause/resume/link_faults
    bool leader = false;                                       ///< node = the leader at run time (see Targets::leader)
    proxy::DirectionFaults faults;                             ///< link_faults: on every link touching node

    std::string describe() const;
};

struct Step {
    std::chrono::milliseconds at{0};  ///< from the start of the schedule
    Action action;
};

struct Schedule {
    std::string name;
    std::uint64_t seed = 0;
    std::vector<Step> steps;  ///< sorted by time; the last one is heal_all

    /// One line per step: "  1200 ms  partition [n1 n2] [n3 n4 n5]".
    std::string describe() const;
};

struct NemesisOptions {
    std::vector<std::string> nodes;                   ///< node names, as the proxy's links use them
    std::chrono::milliseconds duration{6000};         ///< total length, heal included
    std::chrono::milliseconds fault_length{1500};     ///< how long one fault lasts
    std::chrono::milliseconds quiet{1000};            ///< healthy time between faults
    std::uint64_t seed = 1;
};

/// A schedule of one kind of fault, repeated with quiet gaps for options.duration.
/// Throws std::invalid_argument if there are fewer than 3 nodes for kinds that need
/// them (ring, bridge) or no nodes at all.
Schedule make_schedule(FaultKind kind, const NemesisOptions& options);

/// What a schedule acts on. Any callback may be empty, which makes the matching
/// actions no-ops (for example a proxy-only run has no kill).
struct Targets {
    std::function<void(const std::vector<std::vector<std::string>>&)> partition;
    std::function<void(const std::string& from, const std::string& to)> cut_one_way;
    std::function<void()> heal;
    std::function<void(const std::string&)> kill, restart, pause, resume;
    std::function<void(const std::string& node, const proxy::DirectionFaults&)> link_faults;
    std::function<void()> clear_faults;
    std::function<std::string()> leader;  ///< current leader, "" if unknown (a random node is used)
};

/// Targets wired to a real proxy and supervisor (either may be null).
Targets real_targets(proxy::FaultProxy* proxy, proc::Supervisor* supervisor, std::function<std::string()> leader = {});

/// Plays the schedule in real time on the calling thread. Returns early, healing
/// everything, if *stop becomes true. `log` is called before each action.
void run_schedule(const Schedule& schedule, const Targets& targets, const std::vector<std::string>& nodes,
                  const std::atomic<bool>* stop = nullptr, const std::function<void(const Step&)>& log = {});

}  // namespace raftlab::nemesis
