// The fast path for append-only keys whose append values are unique and non-empty
// (Elle's list-append, on one key).
//
// Why this is exact. Every state of the key is the concatenation of the appends
// applied so far, each at most once, so the states a linearization passes through
// form one chain of token sequences, each extending the last. The longest read R
// splits into append values in exactly one way (else the key goes to the search), so
// the appends R saw, and their order S, are forced. Any other read must then be
// the first k appends of S: if it is not a prefix of R ending at a boundary of S, no
// linearization exists (and if it is, that split is its only one, since another
// would give R a second split). An append no read saw is linearized after every
// read (all later reads would see it), hence after S; an indeterminate one of those
// may be left out, since nothing depends on it. So a linearization is exactly a
// total order of the remaining operations that
//   - follows real time (x returned before y was invoked: x first);
//   - places the appends of S in order, and the unobserved ok appends after them;
//   - places each read after the last append it saw (read-from) and before the
//     first one it did not see (anti-dependency; after all of S: before the
//     unobserved appends).
// These are the edges of the graph below, so the key is linearizable iff the graph
// is acyclic, and a topological order is a witness. Real-time edges go through a
// chain of virtual time nodes, one per return, so the graph has O(n) edges:
// x -> time(x's return) -> ... -> time(last return before y's invoke) -> y.
#include "precedence_graph.h"
#include "unique_writes_internal.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace raftlab::history::unique_writes {
namespace {

constexpr std::uint32_t kNone = PrecedenceGraph::kNoNode;
constexpr std::size_t kCycleSearchWork = 4'000'000;  // edge visits spent looking for the shortest cycle

enum class Split { unique, none, ambiguous };

/// One key's operations, numbered locally 0..n-1 (node ids in the graph).
class AppendCheck {
public:
    AppendCheck(const History& h, const std::vector<std::size_t>& ops) : h_(h), ops_(ops), version_(ops.size(), -1) {}
    FastPathResult run();

private:
    const Operation& op(std::uint32_t local) const { return h_[ops_[local]]; }
    /// Indexes the appends, finds R; returns the reads.
    std::vector<std::uint32_t> collect();
    /// Reads the order of appends off R: a result if that already decides the key
    /// (not applicable, or R impossible), else nullopt.
    std::optional<FastPathResult> order_appends();
    /// Fills observed_ with R's only split (if it has exactly one).
    Split split_longest_read();
    /// Numbers the appends of observed_ and marks where they end in R.
    void mark_versions();
    std::string classify_read(std::uint32_t read);
    std::string why_unsplittable() const;
    PrecedenceGraph build_graph() const;
    bool kept(std::uint32_t local) const;
    std::vector<std::size_t> witness(const PrecedenceGraph& g, std::uint32_t removed, std::vector<char>* done) const;
    FastPathResult describe_cycle(const PrecedenceGraph& g, const std::vector<std::uint32_t>& cycle) const;
    std::string step(const PrecedenceGraph& g, const std::vector<std::uint32_t>& cycle, std::size_t at) const;

    const History& h_;
    const std::vector<std::size_t>& ops_;
    std::unordered_map<std::string_view, std::uint32_t> append_of_;  // value -> local index
    std::vector<std::size_t> lengths_;                               // distinct append lengths, ascending
    std::uint32_t longest_ = kNone;                                  // the longest read, R
    std::vector<std::uint32_t> observed_;                            // S: the appends R saw, in order
    std::vector<std::int32_t> boundary_;                             // length of R's prefix -> appends in it, or -1
    std::vector<std::int32_t> version_;  // read: appends it saw (0: absent); append: 1 + place in S, or 0
    std::vector<char> excluded_;         // reads no order explains
    std::string repeated_;               // why R is impossible, if it saw an append twice
};

/// Splits R into append values: counts the splits (up to 2) by dynamic programming
/// over its positions, then walks the only one back.
Split AppendCheck::split_longest_read() {
    const std::string& value = *op(longest_).output;
    const std::size_t n = value.size();
    std::vector<std::uint8_t> ways(n + 1, 0);
    std::vector<std::uint32_t> token_ending(n + 1, kNone);
    ways[0] = 1;
    for (std::size_t i = 0; i < n; ++i) {
        if (ways[i] == 0) continue;
        for (std::size_t len : lengths_) {
            if (i + len > n) break;
            auto it = append_of_.find(std::string_view(value).substr(i, len));
            if (it == append_of_.end()) continue;
            ways[i + len] = static_cast<std::uint8_t>(std::min(2, ways[i + len] + ways[i]));
            token_ending[i + len] = it->second;
        }
    }
    if (ways[n] == 0) return Split::none;
    if (ways[n] > 1) return Split::ambiguous;
    for (std::size_t end = n; end > 0; end -= op(token_ending[end]).value.size()) observed_.push_back(token_ending[end]);
    std::reverse(observed_.begin(), observed_.end());
    return Split::unique;
}

void AppendCheck::mark_versions() {
    boundary_.assign(op(longest_).output->size() + 1, -1);
    std::size_t at = 0;
    boundary_[0] = 0;
    for (std::size_t k = 0; k < observed_.size(); ++k) {
        at += op(observed_[k]).value.size();
        boundary_[at] = static_cast<std::int32_t>(k + 1);
        version_[observed_[k]] = static_cast<std::int32_t>(k + 1);
    }
}

std::string AppendCheck::why_unsplittable() const {
    const std::string& value = *op(longest_).output;
    if (append_of_.empty()) return "nothing was ever appended to key \"" + op(longest_).key + "\"";
    for (const Operation& failed : h_)
        if (failed.outcome == Outcome::failed && failed.kind == OpKind::append && failed.key == op(longest_).key &&
            !failed.value.empty() && value.find(failed.value) != std::string::npos)
            return "it contains the value of " + name(failed) + ", which failed";
    return "its value is not a sequence of values appended to key \"" + op(longest_).key + "\"";
}

/// Sets version_[read]; returns why no order explains it ("" if one may).
std::string AppendCheck::classify_read(std::uint32_t read) {
    const Operation& r = op(read);
    if (!r.output) {
        version_[read] = 0;  // before every append
        return "";
    }
    if (r.output->empty()) return "every append adds a non-empty value, so key \"" + r.key + "\" is never empty";
    const std::string& longest = *op(longest_).output;
    if (r.output->size() > longest.size() || longest.compare(0, r.output->size(), *r.output) != 0)
        return "it is not a prefix of what " + name(op(longest_)) + " read, so the two disagree on the appends";
    version_[read] = boundary_[r.output->size()];
    if (version_[read] < 0) return "it is not made of the first appends that " + name(op(longest_)) + " saw";
    return "";
}

bool AppendCheck::kept(std::uint32_t local) const {
    const Operation& o = op(local);
    if (o.kind == OpKind::get) return !excluded_[local];
    return version_[local] > 0 || o.outcome == Outcome::ok;  // an unobserved indeterminate append may never have happened
}

PrecedenceGraph AppendCheck::build_graph() const {
    const auto n = static_cast<std::uint32_t>(ops_.size());
    std::vector<std::pair<std::int64_t, std::uint32_t>> returns;  // (time, local) of kept ok operations
    for (std::uint32_t v = 0; v < n; ++v)
        if (kept(v) && op(v).outcome == Outcome::ok) returns.push_back({op(v).return_us, v});
    std::sort(returns.begin(), returns.end());
    const auto times = static_cast<std::uint32_t>(returns.size());
    const std::uint32_t end_node = n + times;  // after every read and every append of S
    PrecedenceGraph g(n, times + 1);
    for (std::uint32_t t = 0; t < times; ++t) {
        g.add(returns[t].second, n + t, Edge::real_time);
        if (t + 1 < times) g.add(n + t, n + t + 1, Edge::real_time);
    }
    const auto m = static_cast<std::int32_t>(observed_.size());
    for (std::int32_t k = 0; k < m; ++k) g.add(observed_[k], k + 1 < m ? observed_[k + 1] : end_node, Edge::version);
    for (std::uint32_t v = 0; v < n; ++v) {
        if (!kept(v)) continue;
        auto before = std::lower_bound(returns.begin(), returns.end(), std::pair(op(v).invoke_us, std::uint32_t{0}));
        if (before != returns.begin()) g.add(n + static_cast<std::uint32_t>(before - returns.begin() - 1), v, Edge::real_time);
        if (op(v).kind == OpKind::append) {
            if (version_[v] == 0) g.add(end_node, v, Edge::version);
            continue;
        }
        std::int32_t k = version_[v];
        if (k > 0) g.add(observed_[k - 1], v, Edge::read_from);
        g.add(v, k < m ? observed_[k] : end_node, Edge::anti);
    }
    g.finish();
    return g;
}

/// A topological order of the kept operations, as history indices.
std::vector<std::size_t> AppendCheck::witness(const PrecedenceGraph& g, std::uint32_t removed, std::vector<char>* done) const {
    auto time_of = [&](std::uint32_t v) { return op(v).invoke_us; };
    std::vector<std::size_t> order;
    for (std::uint32_t v : g.topological_order(time_of, removed, done))
        if (kept(v)) order.push_back(ops_[v]);
    return order;
}

std::vector<std::uint32_t> AppendCheck::collect() {
    std::vector<std::uint32_t> reads;
    for (std::uint32_t v = 0; v < ops_.size(); ++v) {
        const Operation& o = op(v);
        if (o.kind == OpKind::append) {
            version_[v] = 0;  // unobserved until the split of R says otherwise
            append_of_.emplace(o.value, v);
            lengths_.push_back(o.value.size());
        } else if (o.kind == OpKind::get) {
            reads.push_back(v);
            if (o.output && (longest_ == kNone || o.output->size() > op(longest_).output->size())) longest_ = v;
        }
    }
    std::sort(lengths_.begin(), lengths_.end());
    lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
    return reads;
}

std::optional<FastPathResult> AppendCheck::order_appends() {
    if (longest_ == kNone || op(longest_).output->empty()) return std::nullopt;  // no append was seen
    Split split = split_longest_read();
    if (split == Split::ambiguous) return FastPathResult{};
    if (split == Split::none) return impossible(h_, ops_, ops_[longest_], {}, why_unsplittable());
    std::vector<std::uint32_t> count(ops_.size(), 0);
    for (std::size_t k = 0; k < observed_.size(); ++k) {
        if (++count[observed_[k]] < 2) continue;
        // Illegal; the appends before the repeat still give the picture a valid order.
        repeated_ = "it contains " + name(op(observed_[k])) + " twice, but an append takes effect at most once";
        observed_.resize(k);
        break;
    }
    mark_versions();
    return std::nullopt;
}

FastPathResult AppendCheck::run() {
    std::vector<std::uint32_t> reads = collect();
    if (auto decided = order_appends()) return *decided;
    // Reads no order explains are left out of the graph; the earliest to return is reported.
    excluded_.assign(ops_.size(), 0);
    std::uint32_t stuck = kNone;
    std::string why;
    for (std::uint32_t r : reads) {
        std::string problem = classify_read(r);
        if (problem.empty()) continue;
        excluded_[r] = 1;
        if (stuck == kNone || op(r).return_us < op(stuck).return_us) stuck = r, why = std::move(problem);
    }
    if (!repeated_.empty()) stuck = longest_, why = repeated_;
    PrecedenceGraph g = build_graph();
    std::vector<char> done;
    std::vector<std::size_t> order = witness(g, kNone, &done);
    if (stuck != kNone) return impossible(h_, ops_, ops_[stuck], std::move(order), why);
    if (std::all_of(done.begin(), done.end(), [](char d) { return d != 0; })) {
        FastPathResult result;
        result.outcome = FastPathOutcome::ok;
        result.order = std::move(order);
        return result;
    }
    auto prefer = [&](std::uint32_t v) { return op(v).kind == OpKind::get ? 2 : op(v).outcome == Outcome::ok ? 1 : 0; };
    return describe_cycle(g, g.short_cycle(done, prefer, kCycleSearchWork));
}

/// One link of the cycle, from the real node at `at` to the next real node.
std::string AppendCheck::step(const PrecedenceGraph& g, const std::vector<std::uint32_t>& cycle, std::size_t at) const {
    std::size_t next = (at + 1) % cycle.size();
    Edge why = g.why(cycle[at], cycle[next]);
    bool through_end = false;
    while (!g.is_real(cycle[next])) {
        through_end = through_end || g.why(cycle[next], cycle[(next + 1) % cycle.size()]) == Edge::version;
        next = (next + 1) % cycle.size();
    }
    const Operation &x = op(cycle[at]), &y = op(cycle[next]);
    switch (why) {
        case Edge::real_time: return real_time_step(x, y);
        case Edge::read_from: return name(y) + " saw " + name(x);
        case Edge::anti: return name(x) + " did not see " + name(y);
        case Edge::version:
            return name(x) + " took effect before " + name(y) +
                   (through_end ? ", which no read saw" : ", as " + name(op(longest_)) + " shows");
    }
    return "";
}

FastPathResult AppendCheck::describe_cycle(const PrecedenceGraph& g, const std::vector<std::uint32_t>& cycle) const {
    std::string steps;
    std::uint32_t stuck = kNone;
    for (std::size_t at = 0; at < cycle.size(); ++at) {
        std::uint32_t v = cycle[at];
        if (!g.is_real(v)) continue;
        steps += (steps.empty() ? "" : "; ") + step(g, cycle, at);
        bool better = stuck == kNone || (op(v).kind == OpKind::get && op(stuck).kind != OpKind::get) ||
                      (op(stuck).outcome != Outcome::ok && op(v).outcome == Outcome::ok);
        if (better) stuck = v;
    }
    FastPathResult result;
    result.outcome = FastPathOutcome::illegal;
    result.failure.key = op(stuck).key;
    result.failure.ops = ops_;
    // Without the red read, the others may still be ordered; without an append, the
    // version chain would break, so then only the operations before the cycle count.
    std::uint32_t removed = op(stuck).kind == OpKind::get ? stuck : kNone;
    result.failure.linearized = longest_valid_prefix(h_, ops_, witness(g, removed, nullptr));
    result.failure.stuck_op = ops_[stuck];
    result.failure.explanation = "no order of the operations on key \"" + op(stuck).key +
                                 "\" works, because they form a cycle: " + steps;
    return result;
}

}  // namespace

FastPathResult check_append_key(const History& h, const std::vector<std::size_t>& ops) { return AppendCheck(h, ops).run(); }

}  // namespace raftlab::history::unique_writes
