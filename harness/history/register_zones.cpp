// The fast path for put-only keys whose put values are unique: a register in which
// every value read names the put that wrote it.
//
// A cluster is a put and the gets that returned its value (the reads of absent form
// the initial cluster, whose "put" happened before everything). In any linearization
// a cluster is contiguous: its put, then its reads, before the next put. So the
// question is only in which order the clusters go. Placing cluster A before B is
// impossible exactly when some operation of B returned before some operation of A
// was invoked, i.e. when first_return(B) < last_invoke(A). Conversely, if no read
// returned before its own put was invoked, any order of clusters that avoids those
// pairs gives a linearization (each cluster's put first, then its reads by return
// time), because then every real-time constraint is respected.
//
// Zones (Gibbons and Korach; Anderson et al. 2010): a cluster spans from its first
// return to its last invoke. If first_return < last_invoke the zone is forward,
// else backward. Two clusters can be ordered neither way exactly when two forward
// zones overlap, or a backward zone lies strictly inside a forward one. When no such
// pair exists, sorting the clusters by the lower end of their zone (backward ones
// first on ties) gives a valid order; checking that order against the running
// maximum of last_invoke therefore decides the key, and a failure names a pair that
// can be ordered neither way. This is exact, including indeterminate puts: one that
// was read took effect (its zone just has no return of its own); one nobody read can
// be left out, since no read depends on it and leaving it out removes constraints.
#include "unique_writes_internal.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace raftlab::history::unique_writes {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

struct Cluster {
    std::size_t put = kNone;  // history index; kNone for the initial absent value
    std::vector<std::size_t> reads;
    std::int64_t first_return = kNever;
    std::size_t first_returner = kNone;
    std::int64_t last_invoke = std::numeric_limits<std::int64_t>::min();
    std::size_t last_invoker = kNone;

    void add(std::size_t i, const Operation& op) {
        if (returned_at(op) < first_return) first_return = returned_at(op), first_returner = i;
        if (op.invoke_us > last_invoke) last_invoke = op.invoke_us, last_invoker = i;
    }
    bool forward() const { return first_return < last_invoke; }
    std::int64_t zone_start() const { return std::min(first_return, last_invoke); }
};

/// A read no cluster can hold: it read a value no put wrote (put == kNone), or it
/// returned before its put was invoked.
struct BadRead {
    std::size_t read = kNone;
    std::size_t put = kNone;
};

struct Clusters {
    Cluster initial;
    std::vector<Cluster> puts;  // in zone order once sorted
    BadRead bad;                // the earliest-returning read no put explains
};

void note_bad(BadRead& bad, const History& h, std::size_t read, std::size_t put) {
    if (bad.read == kNone || h[read].return_us < h[bad.read].return_us) bad = {read, put};
}

std::string why_bad(const History& h, const BadRead& bad) {
    const Operation& read = h[bad.read];
    if (bad.put != kNone)
        return "it returned at " + std::to_string(read.return_us) + " us, before " + name(h[bad.put]) + " was invoked at " +
               std::to_string(h[bad.put].invoke_us) + " us";
    if (const Operation* failed = failed_write_of(h, read.key, *read.output))
        return "the only write of that value, " + name(*failed) + ", failed";
    return "no put of key \"" + read.key + "\" wrote that value";
}

/// Groups the key's operations into clusters, leaving out `skip` (kNone: none).
Clusters build_clusters(const History& h, const std::vector<std::size_t>& ops, std::size_t skip) {
    Clusters c;
    std::unordered_map<std::string_view, std::size_t> cluster_of;
    for (std::size_t i : ops) {
        if (i == skip || h[i].kind != OpKind::put) continue;
        cluster_of.emplace(h[i].value, c.puts.size());
        c.puts.emplace_back().put = i;
        c.puts.back().add(i, h[i]);
    }
    for (std::size_t i : ops) {
        const Operation& read = h[i];
        if (i == skip || read.kind != OpKind::get) continue;
        if (!read.output) {
            c.initial.reads.push_back(i);
            c.initial.add(i, read);
            continue;
        }
        auto it = cluster_of.find(*read.output);
        if (it == cluster_of.end()) {
            note_bad(c.bad, h, i, kNone);
            continue;
        }
        Cluster& cluster = c.puts[it->second];
        if (precedes(read, h[cluster.put])) {
            note_bad(c.bad, h, i, cluster.put);
            continue;
        }
        cluster.reads.push_back(i);
        cluster.add(i, read);
    }
    // An indeterminate put nobody read may never have happened: leave it out.
    std::erase_if(c.puts, [&](const Cluster& k) { return h[k.put].outcome != Outcome::ok && k.reads.empty(); });
    std::sort(c.puts.begin(), c.puts.end(), [](const Cluster& a, const Cluster& b) {
        if (a.zone_start() != b.zone_start()) return a.zone_start() < b.zone_start();
        return !a.forward() && b.forward();
    });
    return c;
}

/// The clusters' operations in their current order: each put, then its reads by return time.
std::vector<std::size_t> flatten(const History& h, Clusters& c) {
    auto by_return = [&](std::size_t a, std::size_t b) { return h[a].return_us < h[b].return_us; };
    std::vector<std::size_t> order;
    std::sort(c.initial.reads.begin(), c.initial.reads.end(), by_return);
    order.insert(order.end(), c.initial.reads.begin(), c.initial.reads.end());
    for (Cluster& cluster : c.puts) {
        order.push_back(cluster.put);
        std::sort(cluster.reads.begin(), cluster.reads.end(), by_return);
        order.insert(order.end(), cluster.reads.begin(), cluster.reads.end());
    }
    return order;
}

/// The longest order that works once `stuck` is taken out (for the picture).
std::vector<std::size_t> order_without(const History& h, const std::vector<std::size_t>& ops, std::size_t stuck) {
    Clusters c = build_clusters(h, ops, stuck);
    return flatten(h, c);
}

/// Of the operations that make two clusters unorderable, the one to show in red: a
/// read if there is one, else the one that returned last.
std::size_t pick_stuck(const History& h, std::initializer_list<std::size_t> candidates) {
    std::size_t best = kNone;
    auto rank = [&](std::size_t i) { return std::pair(h[i].kind == OpKind::get, returned_at(h[i]) != kNever); };
    for (std::size_t i : candidates)
        if (best == kNone || rank(i) > rank(best) ||
            (rank(i) == rank(best) && returned_at(h[i]) != kNever && h[i].return_us > h[best].return_us))
            best = i;
    return best;
}

/// Clusters a and b can be ordered neither way.
FastPathResult conflict(const History& h, const std::vector<std::size_t>& ops, const Cluster& a, const Cluster& b) {
    const Operation &a_put = h[a.put], &b_put = h[b.put];
    std::size_t stuck = pick_stuck(h, {a.last_invoker, b.first_returner, b.last_invoker, a.first_returner});
    FastPathResult result;
    result.outcome = FastPathOutcome::illegal;
    result.failure.key = a_put.key;
    result.failure.ops = ops;
    result.failure.linearized = longest_valid_prefix(h, ops, order_without(h, ops, stuck));
    result.failure.stuck_op = stuck;
    result.failure.explanation =
        "no order of the operations on key \"" + a_put.key + "\" works: " +
        real_time_step(h[b.first_returner], h[a.last_invoker]) + ", so " + name(b_put) + " took effect before " +
        name(a_put) + ", yet " + real_time_step(h[a.first_returner], h[b.last_invoker]) + ", so " + name(a_put) +
        " took effect before " + name(b_put);
    return result;
}

}  // namespace

FastPathResult check_register_key(const History& h, const std::vector<std::size_t>& ops) {
    Clusters c = build_clusters(h, ops, kNone);
    if (c.bad.read != kNone) return impossible(h, ops, c.bad.read, order_without(h, ops, c.bad.read), why_bad(h, c.bad));
    // Reads of absent come before every put takes effect.
    if (!c.initial.reads.empty()) {
        const Cluster* earliest = nullptr;
        for (const Cluster& k : c.puts)
            if (!earliest || k.first_return < earliest->first_return) earliest = &k;
        if (earliest && earliest->first_return < c.initial.last_invoke) {
            std::size_t read = c.initial.last_invoker;
            return impossible(h, ops, read, order_without(h, ops, read),
                              real_time_step(h[earliest->first_returner], h[read]) + ", so " + name(h[earliest->put]) +
                                  " had taken effect and the key was no longer absent");
        }
    }
    const Cluster* latest = nullptr;  // the cluster placed so far with the largest last invoke
    for (const Cluster& k : c.puts) {
        if (latest && latest->last_invoke > k.first_return) return conflict(h, ops, *latest, k);
        if (!latest || k.last_invoke > latest->last_invoke) latest = &k;
    }
    FastPathResult result;
    result.outcome = FastPathOutcome::ok;
    result.order = flatten(h, c);
    return result;
}

}  // namespace raftlab::history::unique_writes
