// Topological order and short cycles of the append fast path's graph (see
// precedence_graph.h).
#include "precedence_graph.h"

#include <algorithm>
#include <deque>
#include <queue>

namespace raftlab::history::unique_writes {

PrecedenceGraph::PrecedenceGraph(std::uint32_t real_nodes, std::uint32_t virtual_nodes)
    : real_nodes_(real_nodes), offsets_(real_nodes + virtual_nodes + 1, 0) {}

void PrecedenceGraph::add(std::uint32_t from, std::uint32_t to, Edge why) { pending_.push_back({from, to, why}); }

void PrecedenceGraph::finish() {
    for (const Pending& p : pending_) ++offsets_[p.from + 1];
    for (std::size_t v = 1; v < offsets_.size(); ++v) offsets_[v] += offsets_[v - 1];
    arcs_.resize(pending_.size());
    std::vector<std::uint32_t> next(offsets_.begin(), offsets_.end() - 1);
    for (const Pending& p : pending_) arcs_[next[p.from]++] = {p.to, p.why};
    pending_ = {};
}

std::vector<std::uint32_t> PrecedenceGraph::topological_order(const std::function<std::int64_t(std::uint32_t)>& time_of,
                                                              std::uint32_t removed, std::vector<char>* done) const {
    const std::uint32_t n = size();
    std::vector<std::uint32_t> indegree(n, 0);
    for (std::uint32_t v = 0; v < n; ++v)
        if (v != removed)
            for (const Arc* a = begin(v); a != end(v); ++a) ++indegree[a->to];
    using Ready = std::pair<std::int64_t, std::uint32_t>;
    std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready_real;
    std::vector<std::uint32_t> ready_virtual;  // placed at once: they stand for no operation
    auto make_ready = [&](std::uint32_t v) {
        if (v == removed) return;
        if (is_real(v)) ready_real.push({time_of(v), v});
        else ready_virtual.push_back(v);
    };
    for (std::uint32_t v = 0; v < n; ++v)
        if (indegree[v] == 0) make_ready(v);
    if (done) done->assign(n, 0);
    std::vector<std::uint32_t> order;
    while (!ready_virtual.empty() || !ready_real.empty()) {
        std::uint32_t v;
        if (!ready_virtual.empty()) {
            v = ready_virtual.back();
            ready_virtual.pop_back();
        } else {
            v = ready_real.top().second;
            ready_real.pop();
            order.push_back(v);
        }
        if (done) (*done)[v] = 1;
        for (const Arc* a = begin(v); a != end(v); ++a)
            if (--indegree[a->to] == 0) make_ready(a->to);
    }
    return order;
}

Edge PrecedenceGraph::why(std::uint32_t from, std::uint32_t to) const {
    for (const Arc* a = begin(from); a != end(from); ++a)
        if (a->to == to) return a->why;
    return Edge::real_time;
}

namespace {

/// The nodes of one strongly connected component with more than one node, among the
/// nodes not `done` (Tarjan's algorithm, iterative); empty if there is none.
std::vector<std::uint32_t> component_with_cycle(const PrecedenceGraph& g, const std::vector<char>& done) {
    constexpr std::uint32_t kUnvisited = PrecedenceGraph::kNoNode;
    const std::uint32_t n = g.size();
    std::vector<std::uint32_t> index(n, kUnvisited), low(n, 0);
    std::vector<char> on_stack(n, 0);
    std::vector<std::uint32_t> stack;
    std::vector<std::pair<std::uint32_t, const PrecedenceGraph::Arc*>> calls;  // (node, next arc)
    std::uint32_t counter = 0;
    for (std::uint32_t root = 0; root < n; ++root) {
        if (done[root] || index[root] != kUnvisited) continue;
        auto enter = [&](std::uint32_t v) {
            index[v] = low[v] = counter++;
            stack.push_back(v);
            on_stack[v] = 1;
            calls.push_back({v, g.begin(v)});
        };
        enter(root);
        while (!calls.empty()) {
            auto [v, arc] = calls.back();
            if (arc != g.end(v)) {
                ++calls.back().second;
                std::uint32_t w = arc->to;
                if (done[w]) continue;
                if (index[w] == kUnvisited) enter(w);
                else if (on_stack[w]) low[v] = std::min(low[v], index[w]);
                continue;
            }
            calls.pop_back();
            if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[v]);
            if (low[v] != index[v]) continue;
            std::vector<std::uint32_t> component;
            std::uint32_t w;
            do {
                w = stack.back();
                stack.pop_back();
                on_stack[w] = 0;
                component.push_back(w);
            } while (w != v);
            if (component.size() > 1) return component;
        }
    }
    return {};
}

/// Scratch space for repeated breadth-first searches, reset by a stamp.
struct Search {
    explicit Search(std::uint32_t n) : stamp(n, 0), closed(n, 0), dist(n, 0), parent(n, 0) {}
    std::vector<std::uint32_t> stamp, closed, dist, parent;
    std::uint32_t round = 0;
};

/// The cycle through `start` with the fewest real nodes, within `member` nodes, if it
/// has fewer than `bound` real nodes (0-1 breadth-first search: entering a real node
/// costs 1, a virtual one 0).
std::vector<std::uint32_t> cycle_through(const PrecedenceGraph& g, std::uint32_t start, const std::vector<char>& member,
                                         Search& s, std::size_t& work, std::size_t bound) {
    const std::uint32_t round = ++s.round;
    std::deque<std::uint32_t> queue{start};
    s.stamp[start] = round;
    s.dist[start] = 0;
    while (!queue.empty()) {
        std::uint32_t v = queue.front();
        queue.pop_front();
        if (s.closed[v] == round) continue;
        s.closed[v] = round;
        if (s.dist[v] + 1 >= bound) break;
        for (const PrecedenceGraph::Arc* a = g.begin(v); a != g.end(v); ++a) {
            ++work;
            std::uint32_t w = a->to;
            if (!member[w]) continue;
            if (w == start) {
                std::vector<std::uint32_t> cycle;
                for (std::uint32_t x = v; x != start; x = s.parent[x]) cycle.push_back(x);
                cycle.push_back(start);
                std::reverse(cycle.begin(), cycle.end());
                return cycle;
            }
            std::uint32_t d = s.dist[v] + (g.is_real(w) ? 1 : 0);
            if (s.stamp[w] == round && s.dist[w] <= d) continue;
            s.stamp[w] = round;
            s.dist[w] = d;
            s.parent[w] = v;
            if (g.is_real(w)) queue.push_back(w);
            else queue.push_front(w);
        }
    }
    return {};
}

}  // namespace

std::vector<std::uint32_t> PrecedenceGraph::short_cycle(const std::vector<char>& done,
                                                        const std::function<int(std::uint32_t)>& prefer,
                                                        std::size_t max_work) const {
    std::vector<std::uint32_t> component = component_with_cycle(*this, done);
    std::vector<char> member(size(), 0);
    std::vector<std::uint32_t> starts;
    for (std::uint32_t v : component) {
        member[v] = 1;
        if (is_real(v)) starts.push_back(v);
    }
    std::stable_sort(starts.begin(), starts.end(), [&](std::uint32_t a, std::uint32_t b) { return prefer(a) > prefer(b); });
    auto real_count = [&](const std::vector<std::uint32_t>& cycle) {
        return static_cast<std::size_t>(std::count_if(cycle.begin(), cycle.end(), [&](std::uint32_t v) { return is_real(v); }));
    };
    Search search(size());
    std::vector<std::uint32_t> best;
    std::size_t work = 0;
    for (std::uint32_t start : starts) {
        if (!best.empty() && (work >= max_work || real_count(best) <= 2)) break;
        auto cycle = cycle_through(*this, start, member, search, work, best.empty() ? SIZE_MAX : real_count(best));
        if (!cycle.empty()) best = std::move(cycle);
    }
    return best;
}

}  // namespace raftlab::history::unique_writes
