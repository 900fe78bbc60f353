// The unique-writes fast path (raftlab/history/unique_writes.h): the same verdicts
// as the search on thousands of small random histories, witnesses that replay, and
// the search's time and memory budgets.
#include "raftlab/history/checker.h"
#include "raftlab/history/generate.h"
#include "raftlab/history/report.h"
#include "raftlab/history/unique_writes.h"
#include "raftlab/history/workload.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace raftlab::history;
using Clock = std::chrono::steady_clock;

namespace {

/// A random history: legal as generated, then broken 0, 1 or 2 times. Small ones
/// have 4-33 operations of 2-6 clients; long ones 60-179 operations of 2-3 clients.
History random_history(std::uint64_t seed, bool long_ones = false) {
    std::mt19937_64 rng(seed);
    GenerateOptions o;
    o.operations = long_ones ? 60 + rng() % 120 : 4 + rng() % 30;
    o.clients = 2 + static_cast<int>(long_ones ? rng() % 2 : rng() % 5);
    o.keys = 1 + static_cast<int>(rng() % 2);
    o.get_ratio = 0.3 + static_cast<double>(rng() % 5) / 10;
    o.seed = seed;
    const Writes kinds[] = {Writes::appends, Writes::appends, Writes::puts, Writes::puts, Writes::mixed};
    o.writes = kinds[rng() % 5];
    o.indeterminate_ratio = rng() % 3 == 0 ? 0.25 : 0;
    o.failed_ratio = rng() % 4 == 0 ? 0.1 : 0;
    History h = generate_history(o);
    if (rng() % 3 == 0) {
        // Coarse clocks: many operations touch (one returns when another is invoked).
        for (Operation& op : h) op.invoke_us -= op.invoke_us % 25, op.return_us -= op.return_us % 25;
    }
    for (int breaks = static_cast<int>(rng() % 3); breaks > 0; --breaks) {
        std::uint64_t s = rng();
        switch (rng() % 5) {
            case 0: plant_stale_read(h, s); break;
            case 1: plant_lost_write(h, s); break;
            case 2: plant_duplicate_append(h, s); break;
            case 3: plant_time_inversion(h, s); break;
            default: plant_unwritten_read(h, s); break;
        }
    }
    return h;
}

std::string dump(const History& h) {
    std::ostringstream out;
    write_history(h, out);
    return out.str();
}

/// The operations check_linearizable hands to a key's checker.
std::map<std::string, std::vector<std::size_t>> ops_by_key(const History& h) {
    std::map<std::string, std::vector<std::size_t>> by_key;
    for (std::size_t i = 0; i < h.size(); ++i)
        if (h[i].outcome == Outcome::ok || (h[i].outcome == Outcome::indeterminate && h[i].kind != OpKind::get))
            by_key[h[i].key].push_back(i);
    return by_key;
}

/// Why `order` is not a valid start of a linearization of `ops` ("" if it is): each
/// operation must give what was observed on a single copy, come after every
/// operation that returned before it was invoked, and occur once. With `complete`,
/// every ok operation must be in it.
std::string replay(const History& h, const std::vector<std::size_t>& ops, const std::vector<std::size_t>& order, bool complete) {
    std::set<std::size_t> allowed(ops.begin(), ops.end()), placed;
    std::optional<std::string> state;
    for (std::size_t i : order) {
        const Operation& op = h[i];
        if (!allowed.count(i) || !placed.insert(i).second) return "operation " + std::to_string(i) + " is foreign or repeated";
        for (std::size_t j : ops)
            if (h[j].outcome == Outcome::ok && h[j].return_us < op.invoke_us && !placed.count(j))
                return "operation " + std::to_string(i) + " is placed before " + std::to_string(j) + ", which returned before it began";
        if (op.kind == OpKind::get && op.output != state) return "get " + std::to_string(i) + " would read something else";
        if (op.kind == OpKind::put) state = op.value;
        if (op.kind == OpKind::append) state = state.value_or("") + op.value;
        if (op.kind == OpKind::del) state.reset();
    }
    if (complete)
        for (std::size_t j : ops)
            if (h[j].outcome == Outcome::ok && !placed.count(j)) return "ok operation " + std::to_string(j) + " is missing";
    return "";
}

/// Does the search (fast path off) accept `order` run one operation after another?
/// That checks, with the search's own model, that the order gives every read its value.
bool search_accepts(const History& h, const std::vector<std::size_t>& order) {
    History sequential;
    for (std::size_t i : order) {
        Operation op = h[i];
        op.invoke_us = static_cast<std::int64_t>(10 * sequential.size());
        op.return_us = op.invoke_us + 5;
        op.outcome = Outcome::ok;  // an indeterminate write in the witness took effect
        sequential.push_back(op);
    }
    CheckOptions o;
    o.fast_path = false;
    return check_linearizable(sequential, o).verdict == Verdict::ok;
}

std::set<std::string> failing_keys(const LinearizabilityResult& r) {
    std::set<std::string> keys;
    for (const auto& f : r.failures) keys.insert(f.key);
    return keys;
}

const char* kReplay = "replay: raftlab-test-history --gtest_filter=FastPath.* (the seed is printed above)";

struct Tally {
    std::size_t compared = 0, fast_keys = 0, searched_keys = 0, illegal = 0, fast_illegal = 0;
};

/// Checks `count` random histories with and without the fast path; the verdicts and
/// the failing keys must agree wherever the search finishes.
void compare_both_ways(std::uint64_t first_seed, std::uint64_t count, bool long_ones, Tally& t) {
    CheckOptions search;
    search.time_budget = std::chrono::milliseconds(250);  // a few of the searches explode; those are skipped
    search.fast_path = false;
    CheckOptions fast;  // its search (for keys the fast path leaves) must finish wherever the reference did
    fast.time_budget = std::chrono::milliseconds(20000);
    for (std::uint64_t seed = first_seed; seed < first_seed + count; ++seed) {
        History h = random_history(seed, long_ones);
        auto reference = check_linearizable(h, search);
        if (!reference.unknown_keys.empty()) continue;  // (an illegal key elsewhere would still say illegal)
        auto quick = check_linearizable(h, fast);
        ++t.compared;
        ASSERT_EQ(quick.verdict, reference.verdict)
            << (long_ones ? "long history, seed " : "seed ") << seed
            << "; search: " << (reference.failures.empty() ? "" : reference.failures[0].explanation)
            << "; fast: " << (quick.failures.empty() ? "" : quick.failures[0].explanation) << "\n"
            << dump(h) << kReplay;
        ASSERT_EQ(failing_keys(quick), failing_keys(reference)) << "seed " << seed << "\n" << dump(h) << kReplay;
        t.fast_keys += quick.fast_keys;
        t.searched_keys += quick.searched_keys;
        t.illegal += quick.verdict == Verdict::illegal;
        t.fast_illegal += quick.verdict == Verdict::illegal && quick.searched_keys == 0;
    }
    std::printf("compared %zu histories: %zu keys by the fast path, %zu searched; %zu illegal, %zu of them by the fast path alone\n",
                t.compared, t.fast_keys, t.searched_keys, t.illegal, t.fast_illegal);
}

}  // namespace

TEST(FastPath, sameVerdictsAsTheSearch_onRandomHistories) {
    Tally t;
    compare_both_ways(1, 4000, false, t);
    if (HasFatalFailure()) return;
    EXPECT_GT(t.compared, 3900u) << "too many searches ran out of time";
    EXPECT_GT(t.fast_keys, 3000u) << "the fast path must really decide keys";
    EXPECT_GT(t.searched_keys, 300u) << "mixed keys must fall back to the search";
    EXPECT_GT(t.illegal, 800u) << "the generators must really break histories";
    EXPECT_GT(t.fast_illegal, 500u) << "the fast path must really find illegal histories";
}

TEST(FastPath, sameVerdictsAsTheSearch_onLongerLowContentionHistories) {
    Tally t;
    compare_both_ways(1, 200, true, t);  // the search gives up on about 1 in 20 (indeterminate appends)
    if (HasFatalFailure()) return;
    EXPECT_GT(t.compared, 180u) << "too many searches ran out of time";
    EXPECT_GT(t.fast_keys, 150u);
    EXPECT_GT(t.illegal, 50u);
    EXPECT_GT(t.fast_illegal, 40u);
}

TEST(FastPath, witnessesAndLongestOrders_replayOnTheModel) {
    std::size_t witnesses = 0, failures = 0;
    for (std::uint64_t seed = 1; seed <= 1500; ++seed) {
        History h = random_history(seed);
        for (const auto& [key, ops] : ops_by_key(h)) {
            FastPathResult r = check_unique_writes(h, ops);
            if (r.outcome == FastPathOutcome::ok) {
                ++witnesses;
                ASSERT_EQ(replay(h, ops, r.order, true), "") << "seed " << seed << " key " << key << "\n" << dump(h) << kReplay;
                ASSERT_TRUE(search_accepts(h, r.order)) << "seed " << seed << " key " << key << "\n" << dump(h) << kReplay;
            } else if (r.outcome == FastPathOutcome::illegal) {
                ++failures;
                const KeyFailure& f = r.failure;
                ASSERT_EQ(replay(h, ops, f.linearized, false), "") << "seed " << seed << " key " << key << "\n" << dump(h);
                ASSERT_TRUE(search_accepts(h, f.linearized)) << "seed " << seed << " key " << key << "\n" << dump(h);
                EXPECT_EQ(f.key, key);
                EXPECT_EQ(f.ops, ops);
                EXPECT_TRUE(std::count(ops.begin(), ops.end(), f.stuck_op)) << "seed " << seed;
                EXPECT_FALSE(std::count(f.linearized.begin(), f.linearized.end(), f.stuck_op)) << "seed " << seed;
                EXPECT_EQ(f.explanation.rfind("no order of the operations on key \"" + key + "\"", 0), 0u) << f.explanation;
            }
        }
    }
    EXPECT_GT(witnesses, 800u);
    EXPECT_GT(failures, 200u);
}

TEST(FastPath, witnessOfAContendedKey_replaysOnTheModel) {
    for (Writes writes : {Writes::puts, Writes::appends}) {
        History h = generate_history(
            {.operations = 2000, .clients = 30, .keys = 1, .seed = 8, .writes = writes, .indeterminate_ratio = 0.1, .failed_ratio = 0.05});
        auto ops = ops_by_key(h).at("k0");
        FastPathResult r = check_unique_writes(h, ops);
        ASSERT_EQ(r.outcome, FastPathOutcome::ok);
        EXPECT_EQ(replay(h, ops, r.order, true), "");
        EXPECT_TRUE(search_accepts(h, r.order));
    }
}

TEST(FastPath, appliesOnlyToUniqueWrites) {
    auto op = [](OpKind kind, const std::string& value, std::int64_t at) {
        Operation o;
        o.client = "c";
        o.kind = kind;
        o.key = "x";
        o.value = value;
        o.invoke_us = at;
        o.return_us = at + 5;
        return o;
    };
    auto applies = [](const History& h) {
        std::vector<std::size_t> ops(h.size());
        for (std::size_t i = 0; i < h.size(); ++i) ops[i] = i;
        return check_unique_writes(h, ops).outcome != FastPathOutcome::not_applicable;
    };
    EXPECT_TRUE(applies({op(OpKind::put, "1", 0), op(OpKind::put, "2", 10)}));
    EXPECT_FALSE(applies({op(OpKind::put, "1", 0), op(OpKind::put, "1", 10)})) << "a repeated value";
    EXPECT_FALSE(applies({op(OpKind::put, "1", 0), op(OpKind::append, "2", 10)})) << "puts mixed with appends";
    EXPECT_FALSE(applies({op(OpKind::append, "1", 0), op(OpKind::del, "", 10)})) << "a delete";
    EXPECT_FALSE(applies({op(OpKind::append, "", 0)})) << "an empty append";
    Operation read = op(OpKind::get, "", 20);
    read.output = "abc";
    EXPECT_FALSE(applies({op(OpKind::append, "a", 0), op(OpKind::append, "ab", 0), op(OpKind::append, "bc", 0),
                          op(OpKind::append, "c", 0), read}))
        << "\"abc\" splits as a|bc and ab|c";
    read.output = "abbc";
    EXPECT_TRUE(applies({op(OpKind::append, "a", 0), op(OpKind::append, "ab", 0), op(OpKind::append, "bc", 0), read}));
}

TEST(FastPath, touchingZones_backwardOneFirst) {
    // put b [10, 15] touches put a's return at 10, so b, a, get -> a is an order.
    auto at = [](OpKind kind, const std::string& arg, std::int64_t invoke, std::int64_t ret) {
        Operation o;
        o.client = arg + std::to_string(invoke);
        o.kind = kind;
        o.key = "x";
        if (kind == OpKind::get) o.output = arg;
        else o.value = arg;
        o.invoke_us = invoke;
        o.return_us = ret;
        return o;
    };
    History h = {at(OpKind::put, "a", 0, 10), at(OpKind::get, "a", 20, 30), at(OpKind::put, "b", 10, 15)};
    EXPECT_EQ(check_linearizable(h).verdict, Verdict::ok);
    EXPECT_EQ(check_linearizable(h).fast_keys, 1u);
    h.push_back(at(OpKind::get, "b", 31, 40));
    EXPECT_EQ(check_linearizable(h).verdict, Verdict::illegal);
}

TEST(FastPath, staleRegisterRead_namesBothWritesAndTheRead) {
    History h = generate_history({.operations = 3000, .clients = 8, .keys = 1, .seed = 11, .writes = Writes::puts});
    ASSERT_GE(plant_stale_read(h, 3), 0);
    auto r = check_linearizable(h);
    ASSERT_EQ(r.verdict, Verdict::illegal);
    EXPECT_EQ(r.fast_keys, 1u);
    EXPECT_EQ(r.searched_keys, 0u);
    const KeyFailure& f = r.failures.at(0);
    EXPECT_NE(f.explanation.find("took effect before"), std::string::npos) << f.explanation;
    EXPECT_GT(f.linearized.size(), 0u);
    std::string page = render_html(h, r, "stale");
    EXPECT_NE(page.find("class=\"stuck"), std::string::npos);
}

TEST(FastPath, staleAppendRead_isACycle) {
    History h = generate_history({.operations = 3000, .clients = 8, .keys = 1, .seed = 12, .writes = Writes::appends});
    ASSERT_GE(plant_stale_read(h, 4), 0);
    auto r = check_linearizable(h);
    ASSERT_EQ(r.verdict, Verdict::illegal);
    EXPECT_EQ(r.fast_keys, 1u);
    const KeyFailure& f = r.failures.at(0);
    EXPECT_NE(f.explanation.find("cycle"), std::string::npos) << f.explanation;
    EXPECT_NE(f.explanation.find("did not see"), std::string::npos) << f.explanation;
    EXPECT_LT(f.explanation.size(), 1500u) << "long values are shortened: " << f.explanation;
}

TEST(FastPath, largeSingleKeyHistories_decidedInUnderASecond) {
    for (Writes writes : {Writes::puts, Writes::appends}) {
        std::size_t ops = writes == Writes::puts ? 100000 : 5000;
        History h = generate_history({.operations = ops, .clients = 50, .keys = 1, .seed = 5, .writes = writes});
        auto ok = check_linearizable(h);
        EXPECT_EQ(ok.verdict, Verdict::ok);
        EXPECT_LT(ok.elapsed.count(), 1000);
        ASSERT_GE(plant_stale_read(h, 6), 0);
        auto bad = check_linearizable(h);
        EXPECT_EQ(bad.verdict, Verdict::illegal);
        EXPECT_LT(bad.elapsed.count(), 1000);
    }
}

TEST(FastPath, contendedWorkloadOnInMemoryKv_decidedWithoutSearch) {
    for (Writes writes : {Writes::appends, Writes::puts}) {
        InMemoryKv kv;
        WorkloadOptions o;
        o.clients = 20;
        o.keys = 1;
        o.duration = std::chrono::milliseconds(2000);
        o.max_ops_per_client = writes == Writes::appends ? 150 : 1000;
        o.writes = writes;
        History h = run_workload(o, kv.factory());
        auto r = check_linearizable(h);
        EXPECT_EQ(r.verdict, Verdict::ok) << (r.failures.empty() ? "" : r.failures[0].explanation);
        EXPECT_EQ(r.fast_keys, 1u);
        EXPECT_EQ(r.searched_keys, 0u);
        ASSERT_GE(plant_stale_read(h, 1), 0);
        EXPECT_EQ(check_linearizable(h).verdict, Verdict::illegal);
    }
}

TEST(SearchBudget, timeBudgetKept_includingFreeingMemory) {
    // Repeated append values on one key with many clients: the search cannot finish.
    History h = generate_history({.operations = 3000, .clients = 24, .keys = 1, .seed = 2, .writes = Writes::appends, .value_range = 2});
    CheckOptions o;
    o.time_budget = std::chrono::milliseconds(1000);
    o.max_memory_mb = 0;
    auto start = Clock::now();
    auto r = check_linearizable(h, o);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ASSERT_EQ(r.verdict, Verdict::unknown) << "the history must make the search explode";
    EXPECT_EQ(r.searched_keys, 1u);
    EXPECT_FALSE(r.memory_exhausted);
    EXPECT_LT(took.count(), 2000) << "returned (memory freed) " << took.count() << " ms after a 1000 ms budget";
}

TEST(SearchBudget, afterTheDeadline_theFastPathStillFindsAnIllegalKey) {
    History slow = generate_history({.operations = 3000, .clients = 24, .keys = 1, .seed = 2, .writes = Writes::appends, .value_range = 2});
    History stale = generate_history({.operations = 1000, .clients = 8, .keys = 1, .seed = 3, .writes = Writes::puts});
    ASSERT_GE(plant_stale_read(stale, 1), 0);
    History h;
    for (Operation op : slow) op.key = "a", h.push_back(op);  // checked first, and runs out of time
    for (Operation op : stale) op.key = "b", h.push_back(op);
    CheckOptions o;
    o.time_budget = std::chrono::milliseconds(300);
    auto r = check_linearizable(h, o);
    EXPECT_EQ(r.verdict, Verdict::illegal);
    EXPECT_EQ(r.unknown_keys, std::vector<std::string>{"a"});
    ASSERT_EQ(r.failures.size(), 1u);
    EXPECT_EQ(r.failures[0].key, "b");
}

TEST(SearchBudget, memoryBudget_answersUnknown) {
    History h = generate_history({.operations = 3000, .clients = 24, .keys = 1, .seed = 2, .writes = Writes::appends, .value_range = 2});
    CheckOptions o;
    o.time_budget = std::chrono::milliseconds(20000);
    o.max_memory_mb = 16;
    auto r = check_linearizable(h, o);
    EXPECT_EQ(r.verdict, Verdict::unknown);
    EXPECT_TRUE(r.memory_exhausted);
    EXPECT_LT(r.elapsed.count(), 10000);
}
