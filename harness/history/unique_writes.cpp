// The unique-writes fast path: which keys it decides, and the helpers both of its
// cases share (see raftlab/history/unique_writes.h).
#include "unique_writes_internal.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace raftlab::history {
namespace unique_writes {

std::string quote(const std::string& value) {
    constexpr std::size_t kHead = 16, kTail = 28;
    if (value.size() <= kHead + kTail + 8) return "\"" + value + "\"";
    return "\"" + value.substr(0, kHead) + "..." + value.substr(value.size() - kTail) + "\" (" +
           std::to_string(value.size()) + " bytes)";
}

std::string name(const Operation& op) {
    std::string text = op.client + " #" + std::to_string(op.seq) + " " + std::string(to_string(op.kind));
    if (op.kind == OpKind::put || op.kind == OpKind::append) return text + " " + quote(op.value);
    if (op.kind == OpKind::get) return text + " -> " + (op.output ? quote(*op.output) : std::string("absent"));
    return text;
}

std::string real_time_step(const Operation& x, const Operation& y) {
    return name(x) + " returned at " + std::to_string(x.return_us) + " us before " + name(y) + " was invoked at " +
           std::to_string(y.invoke_us) + " us";
}

namespace {

/// Counts inserted return times below a bound (a Fenwick tree over sorted times).
class ReturnCounter {
public:
    explicit ReturnCounter(std::vector<std::int64_t> times) : times_(std::move(times)), tree_(times_.size() + 1, 0) {
        std::sort(times_.begin(), times_.end());
    }
    /// How many of all the times are < t.
    std::size_t total_before(std::int64_t t) const {
        return static_cast<std::size_t>(std::lower_bound(times_.begin(), times_.end(), t) - times_.begin());
    }
    /// How many inserted times are < t.
    std::size_t inserted_before(std::int64_t t) const {
        std::size_t sum = 0;
        for (std::size_t i = total_before(t); i > 0; i -= i & (~i + 1)) sum += tree_[i];
        return sum;
    }
    void insert(std::int64_t t) {
        for (std::size_t i = total_before(t) + 1; i < tree_.size(); i += i & (~i + 1)) ++tree_[i];
    }

private:
    std::vector<std::int64_t> times_;
    std::vector<std::size_t> tree_;
};

}  // namespace

std::vector<std::size_t> longest_valid_prefix(const History& h, const std::vector<std::size_t>& ops,
                                              std::vector<std::size_t> order) {
    std::vector<std::int64_t> returns;
    for (std::size_t i : ops)
        if (h[i].outcome == Outcome::ok) returns.push_back(h[i].return_us);
    ReturnCounter counter(std::move(returns));
    for (std::size_t k = 0; k < order.size(); ++k) {
        const Operation& op = h[order[k]];
        // Every operation that returned before this one was invoked must already be in.
        if (counter.inserted_before(op.invoke_us) < counter.total_before(op.invoke_us)) {
            order.resize(k);
            break;
        }
        if (op.outcome == Outcome::ok) counter.insert(op.return_us);
    }
    return order;
}

FastPathResult impossible(const History& h, const std::vector<std::size_t>& ops, std::size_t stuck,
                          std::vector<std::size_t> linearized, const std::string& why) {
    FastPathResult result;
    result.outcome = FastPathOutcome::illegal;
    result.failure.key = h[stuck].key;
    result.failure.ops = ops;
    result.failure.linearized = longest_valid_prefix(h, ops, std::move(linearized));
    result.failure.stuck_op = stuck;
    result.failure.explanation =
        "no order of the operations on key \"" + h[stuck].key + "\" explains " + name(h[stuck]) + ": " + why;
    return result;
}

const Operation* failed_write_of(const History& h, const std::string& key, const std::string& value) {
    for (const Operation& op : h)
        if (op.outcome == Outcome::failed && op.kind != OpKind::get && op.key == key && op.value == value) return &op;
    return nullptr;
}

}  // namespace unique_writes

FastPathResult check_unique_writes(const History& history, const std::vector<std::size_t>& ops) {
    bool any_put = false, any_append = false;
    std::unordered_set<std::string_view> values;
    for (std::size_t i : ops) {
        const Operation& op = history[i];
        if (op.kind == OpKind::get) continue;
        if (op.kind == OpKind::del) return {};
        any_put = any_put || op.kind == OpKind::put;
        any_append = any_append || op.kind == OpKind::append;
        // A repeated value could come from either write, and an empty append leaves
        // no trace in what is read: the search handles those.
        if (!values.insert(op.value).second || (op.kind == OpKind::append && op.value.empty())) return {};
    }
    if (any_put && any_append) return {};
    return any_put ? unique_writes::check_register_key(history, ops) : unique_writes::check_append_key(history, ops);
}

}  // namespace raftlab::history
