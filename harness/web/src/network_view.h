// network_view.h: what the page shows of the network, read from the fault proxy's links
// at every frame. The proxy is the only source: a partition or a fault set with
// `./raftlab proxy ...`, through the proxy's HTTP control or by a scenario shows on the
// page exactly like one set with the page's own buttons.
#pragma once

#include "raftlab/proxy/fault_proxy.h"

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::web {

/// The server number of a proxy node name: "n2" -> 2; "client" (or anything else) -> -1.
int node_index(const std::string& name);

/// Faults on the links between servers (client links are left out: the page's client
/// box keeps working), summed up the way the page's controls set them: on every link,
/// or on every link of one server. Link "ni->nj" carries i's requests to j forward and
/// j's replies backward, so a pair of servers has four directions.
struct FaultSummary {
    /// Every direction of every link between servers carries exactly these faults.
    std::optional<proxy::DirectionFaults> all;
    /// Server -> the faults every direction of each of its links carries, for servers
    /// whose links all carry the same faults (empty when `all` is set).
    std::map<int, proxy::DirectionFaults> nodes;

    /// One pair of servers with faults on at least one of its four directions.
    struct Pair {
        int a = 0, b = 0;        ///< a < b
        double drop = 0;         ///< the largest drop probability of the four directions
        int latency_ms = 0;      ///< the largest added latency
        bool uniform = true;     ///< the four directions carry the same faults
        bool other = false;      ///< some direction has a fault besides drop and latency (jitter, duplicate, ...)
    };
    std::vector<Pair> pairs;     ///< ordered by (a, b)
};

/// Reads the summary off the proxy's links for servers n0 .. n<n-1>.
FaultSummary summarize_faults(const std::vector<proxy::LinkStatus>& links, int n);

/// The frame's "faults": {"all": F|null, "nodes": {"<i>": F}, "pairs": [{"a","b","drop",
/// "latency_ms","uniform","other"}]}, where F is {"drop" (0..1), "latency_ms", "other"}.
boost::json::object to_json(const FaultSummary& summary);

/// One line for the event log, e.g. "every link between servers: drop 20 %, latency
/// 100 ms", "links of n1: drop 50 %, latency 0 ms; n0-n2: drop 10 %, latency 0 ms (not
/// the same in every direction)" or "no faults on the links between servers".
std::string describe(const FaultSummary& summary);

/// The frame's "blocked" and "client_blocked": blocked[i][j] is true when messages from
/// server i to server j are cut (link "ni->nj" forward, or the replies on "nj->ni");
/// client_blocked[j] when clients cannot reach server j.
void add_cuts(const std::vector<proxy::LinkStatus>& links, int n, boost::json::object& frame);

}  // namespace raftlab::web
