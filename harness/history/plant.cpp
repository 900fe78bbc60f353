// Ways to break a generated history, for the checkers' tests (see
// raftlab/history/generate.h; plant_stale_read lives in generate.cpp).
#include "raftlab/history/generate.h"

#include <algorithm>
#include <random>

namespace raftlab::history {
namespace {

bool is_read(const Operation& op) { return op.kind == OpKind::get && op.outcome == Outcome::ok; }

/// Did `read` see `write` (a put or append of the same key)?
bool saw(const Operation& read, const Operation& write) {
    if (!is_read(read) || read.key != write.key || !read.output || write.value.empty()) return false;
    return write.kind == OpKind::put ? *read.output == write.value : read.output->find(write.value) != std::string::npos;
}

/// Indices of operations matching `pick`, in a random order.
template <class Pick>
std::vector<std::size_t> shuffled(const History& h, std::mt19937_64& rng, Pick pick) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < h.size(); ++i)
        if (pick(h[i])) out.push_back(i);
    std::shuffle(out.begin(), out.end(), rng);
    return out;
}

/// A write of `kinds` that some read saw, chosen at random; -1 if none.
long observed_write(const History& h, std::mt19937_64& rng, bool puts, bool appends) {
    auto candidates = shuffled(h, rng, [&](const Operation& op) {
        return op.outcome != Outcome::failed && ((puts && op.kind == OpKind::put) || (appends && op.kind == OpKind::append));
    });
    for (std::size_t w : candidates)
        if (std::any_of(h.begin(), h.end(), [&](const Operation& r) { return saw(r, h[w]); })) return static_cast<long>(w);
    return -1;
}

}  // namespace

long plant_lost_write(History& h, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    long w = observed_write(h, rng, true, true);
    if (w < 0) return -1;
    const Operation write = h[w];
    // What the key held before the write, as far as the reads tell.
    std::optional<std::string> before;
    std::int64_t latest = INT64_MIN;
    for (const Operation& r : h)
        if (is_read(r) && r.key == write.key && r.return_us < write.invoke_us && r.return_us > latest)
            latest = r.return_us, before = r.output;
    for (Operation& r : h) {
        if (!saw(r, write)) continue;
        if (write.kind == OpKind::put) r.output = before;
        else r.output->erase(r.output->find(write.value), write.value.size());
    }
    return w;
}

long plant_duplicate_append(History& h, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    long w = observed_write(h, rng, false, true);
    if (w < 0) return -1;
    const Operation write = h[w];
    for (Operation& r : h)
        if (saw(r, write)) r.output->insert(r.output->find(write.value), write.value);
    return w;
}

long plant_time_inversion(History& h, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto candidates = shuffled(h, rng, [](const Operation& op) { return op.outcome == Outcome::ok; });
    if (candidates.empty()) return -1;
    Operation& op = h[candidates[0]];
    std::int64_t shift = std::uniform_int_distribution<std::int64_t>(1, 200)(rng);
    if (rng() % 2 == 0) shift = -std::min(shift, op.invoke_us);
    op.invoke_us += shift;
    op.return_us += shift;
    return static_cast<long>(candidates[0]);
}

long plant_unwritten_read(History& h, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    if (rng() % 2 == 0) {
        long w = observed_write(h, rng, true, true);
        if (w >= 0) {
            h[w].outcome = Outcome::failed;  // yet reads saw it
            return w;
        }
    }
    auto reads = shuffled(h, rng, is_read);
    if (reads.empty()) return -1;
    Operation& r = h[reads[0]];
    std::string never = "[nobody:" + std::to_string(seed % 1000) + "]";
    r.output = r.output && rng() % 2 == 0 ? *r.output + never : never;
    return static_cast<long>(reads[0]);
}

}  // namespace raftlab::history
