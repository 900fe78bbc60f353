// random_graph_checks.cpp: lab 3's hidden check, the explorer on random graphs.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
// For a random graph the check computes the right answers itself with a plain
// breadth-first search over the adjacency lists, then compares: state count, depth,
// every deadlock with a shortest trace, and a shortest trace to a chosen target.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "models.h"
#include "raftlab/check/check.h"
#include "trace_check.h"

namespace raftlab::modelcheck {
namespace {

models::RandomGraph random_graph(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    models::RandomGraph g;
    int n = 5 + static_cast<int>(rng() % 56);
    g.edges.resize(n);
    for (auto& out : g.edges) {
        int k = static_cast<int>(rng() % 4);
        for (int i = 0; i < k; ++i) out.push_back(static_cast<int>(rng() % n));
    }
    int starts = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < starts; ++i) g.starts.push_back(static_cast<int>(rng() % n));
    return g;
}

/// The answers, by the book: distance of every reachable node (-1 if unreachable).
std::vector<int> distances(const models::RandomGraph& g) {
    std::vector<int> dist(g.edges.size(), -1);
    std::deque<int> queue;
    for (int s : g.starts)
        if (dist[s] < 0) dist[s] = 0, queue.push_back(s);
    while (!queue.empty()) {
        int s = queue.front();
        queue.pop_front();
        for (int t : g.edges[s])
            if (dist[t] < 0) dist[t] = dist[s] + 1, queue.push_back(t);
    }
    return dist;
}

bool stuck(const models::RandomGraph& g, int s) {
    for (int t : g.edges[s])
        if (t != s) return false;
    return true;
}

std::string replay(std::uint64_t seed) {
    return " Replay: " + check::replay_command(seed);
}

/// "" when the reported deadlocks are exactly the stuck reachable nodes, each with
/// a valid shortest trace, in breadth-first order.
std::string deadlock_problem(const models::RandomGraph& g, const std::vector<int>& dist,
                             const Report<models::RandomGraph>& r) {
    std::set<int> expected, reported;
    for (int s = 0; s < static_cast<int>(dist.size()); ++s)
        if (dist[s] >= 0 && stuck(g, s)) expected.insert(s);
    std::size_t last_length = 0;
    for (const auto& t : r.deadlocks) {
        std::string problem = checks::trace_problem(g, t);
        if (!problem.empty()) return "a deadlock trace is not valid: " + problem;
        int end = t.states.back();
        if (t.length() != static_cast<std::size_t>(dist[end]))
            return "the deadlock trace to state " + std::to_string(end) + " has " +
                   std::to_string(t.length()) + " events, but the shortest has " +
                   std::to_string(dist[end]);
        if (t.length() < last_length) return "the deadlocks are not in breadth-first order";
        last_length = t.length();
        reported.insert(end);
    }
    if (reported != expected || r.deadlocks.size() != expected.size())
        return std::to_string(expected.size()) + " states are deadlocked, but " +
               std::to_string(r.deadlocks.size()) + " deadlocks were reported";
    return "";
}

TEST(Explorer, randomGraphsMatchBreadthFirstSearch) {
    for (std::uint64_t seed : check::seeds(300)) {
        models::RandomGraph g = random_graph(seed);
        std::vector<int> dist = distances(g);
        int target = static_cast<int>(seed % g.edges.size());
        Invariant<models::RandomGraph> avoid{"never reach " + std::to_string(target),
                                             [target](const int& s) { return s != target; }};
        auto r = explore(g, {avoid});
        std::size_t count = 0, depth = 0;
        for (int d : dist)
            if (d >= 0) ++count, depth = std::max(depth, static_cast<std::size_t>(d));
        if (!(r.complete && r.state_count == count && r.depth == depth))
            FAIL() << "seed " << seed << ": the random graph has " << count
                   << " reachable states and depth " << depth << ", but the explorer reported "
                   << r.state_count << " states and depth " << r.depth << "." << replay(seed);
        std::string problem = deadlock_problem(g, dist, r);
        if (problem.empty() && dist[target] < 0 && !r.violations.empty())
            problem =
                "state " + std::to_string(target) + " is unreachable, yet a violation was reported";
        if (problem.empty() && dist[target] >= 0 && r.violations.size() != 1)
            problem = "state " + std::to_string(target) + " is reachable, but " +
                      std::to_string(r.violations.size()) +
                      " violations were reported instead of 1";
        if (problem.empty() && dist[target] >= 0)
            problem = checks::violation_problem(g, avoid, r.violations[0], dist[target]);
        if (!problem.empty()) FAIL() << "seed " << seed << ": " << problem << "." << replay(seed);
    }
}

}  // namespace
}  // namespace raftlab::modelcheck
