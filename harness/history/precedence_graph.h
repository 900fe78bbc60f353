// A directed graph of operations and virtual nodes for the append fast path: built
// once, then sorted topologically or searched for a short cycle. Not a public header.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace raftlab::history::unique_writes {

/// Why one node must come before another.
enum class Edge : std::uint8_t {
    real_time,  ///< returned before the other was invoked (through virtual time nodes)
    version,    ///< an append before the next one in the order the reads show
    read_from,  ///< an append before a read that saw it
    anti,       ///< a read before the first append it did not see
};

class PrecedenceGraph {
public:
    /// Nodes [0, real_nodes) are operations, the rest are virtual.
    PrecedenceGraph(std::uint32_t real_nodes, std::uint32_t virtual_nodes);

    void add(std::uint32_t from, std::uint32_t to, Edge why);
    /// Call once after the last add().
    void finish();

    std::uint32_t size() const { return static_cast<std::uint32_t>(offsets_.size() - 1); }
    bool is_real(std::uint32_t node) const { return node < real_nodes_; }

    struct Arc {
        std::uint32_t to;
        Edge why;
    };
    const Arc* begin(std::uint32_t node) const { return arcs_.data() + offsets_[node]; }
    const Arc* end(std::uint32_t node) const { return arcs_.data() + offsets_[node + 1]; }

    /// Kahn's algorithm: the real nodes in an order that follows every edge, earliest
    /// `time_of` first where there is a choice. Nodes on a cycle, or after one, are
    /// left out, and so is `removed` (with its edges). `done`, if given, receives
    /// which nodes were placed.
    std::vector<std::uint32_t> topological_order(const std::function<std::int64_t(std::uint32_t)>& time_of,
                                                 std::uint32_t removed, std::vector<char>* done = nullptr) const;

    /// A cycle with the fewest real nodes (at most `max_work` edge visits are spent;
    /// past that, the shortest found), as the nodes in edge order, starting with a
    /// real node and including the virtual nodes passed through. Empty if there is
    /// no cycle among the nodes not `done`. `prefer` ranks start nodes (higher first).
    std::vector<std::uint32_t> short_cycle(const std::vector<char>& done, const std::function<int(std::uint32_t)>& prefer,
                                           std::size_t max_work) const;

    /// The edge from `from` to `to` (they must be joined).
    Edge why(std::uint32_t from, std::uint32_t to) const;

    static constexpr std::uint32_t kNoNode = static_cast<std::uint32_t>(-1);

private:
    std::uint32_t real_nodes_;
    std::vector<std::uint32_t> offsets_;
    std::vector<Arc> arcs_;
    struct Pending {
        std::uint32_t from, to;
        Edge why;
    };
    std::vector<Pending> pending_;
};

}  // namespace raftlab::history::unique_writes
