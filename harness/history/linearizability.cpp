// Linearizability of a key/value history, one key at a time: keys whose writes are
// unique go to the exact fast path (unique_writes.cpp), the others to a
// Wing–Gong–Lowe search.
//
// The search walks a doubly linked list of call and return events in time order.
// At a call it tries to linearize that operation now (apply it to the model); at a
// return it has hit an operation that should already have been linearized, so it
// backtracks. Each configuration (set of linearized operations, model state) is
// tried at most once: the set is hashed incrementally (Zobrist, 128 bits) and the
// state is an interned id, so a repeat is one hash-set lookup.
//
// Budgets. The search checks the clock every few thousand steps. Its memory is in
// flat tables (search_tables.h) whose size it knows: before a table doubles it
// checks the memory budget (unknown if exceeded), and if the doubling would overrun
// the deadline the table stops growing and the search goes on remembering less.
// Freeing the tables is a handful of calls, so the budget is kept to well within 1 s.
#include "raftlab/history/checker.h"
#include "raftlab/history/unique_writes.h"
#include "search_tables.h"

#include <algorithm>
#include <random>

namespace raftlab::history {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kAbsent = 0;  // state id of "key absent"

/// The model's states for one key, interned, with a memo of transitions.
class KeyModel {
public:
    explicit KeyModel(const History& h) : history_(h) {}

    /// The state after applying op to state, or nullopt if op cannot happen there.
    std::optional<std::uint32_t> step(std::uint32_t state, std::size_t op_index) {
        const Operation& op = history_[op_index];
        if (op.kind == OpKind::get) {
            bool absent = state == kAbsent;
            if (!op.output) return absent ? std::optional(state) : std::nullopt;
            return !absent && states_.value(state) == *op.output ? std::optional(state) : std::nullopt;
        }
        if (op.kind == OpKind::del) return kAbsent;
        std::uint64_t memo_key = (static_cast<std::uint64_t>(state) << 32) | op_index;
        if (auto next = memo_.find(memo_key)) return next;
        std::uint32_t next;
        if (op.kind == OpKind::put) {
            next = states_.intern(op.value);
        } else {
            scratch_.assign(states_.value(state));  // absent counts as ""
            scratch_ += op.value;
            next = states_.intern(scratch_);
        }
        memo_.put(memo_key, next);
        return next;
    }

    std::string describe(std::uint32_t state) const {
        return state == kAbsent ? "absent" : "\"" + std::string(states_.value(state)) + "\"";
    }
    std::size_t bytes() const { return states_.bytes() + memo_.bytes() + scratch_.capacity(); }
    /// Bytes if the tables that double within `steps` more steps do so.
    std::size_t bytes_within(std::size_t steps) const {
        return bytes() + (states_.grows_within(steps) ? states_.growth_bytes() : 0) +
               (memo_.grows_within(steps) ? memo_.growth_bytes() : 0);
    }
    /// Keeps the tables from doubling past `deadline`. False if the states would have
    /// to (they cannot stop: every state needs an id).
    bool fit_before(Clock::time_point now, Clock::time_point deadline, std::size_t steps) {
        if (now + memo_.next_grow() > deadline) memo_.freeze();
        return !(states_.grows_within(steps) && now + states_.next_grow() > deadline);
    }

private:
    const History& history_;
    search::StateTable states_;
    search::TransitionMemo memo_;
    std::string scratch_;
};

struct Event {
    std::size_t op;    // index into the history
    bool is_call;
    int match = -1;    // call: its return event (or -1: may never return)
    int prev = -1, next = -1;
};

struct Frame {
    int call;
    std::uint32_t state;
    std::uint64_t h1, h2;
    bool forced;  // a read linearized as soon as it could be: not a choice point
};

enum class KeyVerdict { ok, illegal, timeout, out_of_memory };

struct Budget {
    Clock::time_point deadline;
    std::size_t max_bytes = 0;  // 0: no limit
};

/// The search for one key's operations.
class KeySearch {
public:
    KeySearch(const History& h, std::vector<std::size_t> ops, Budget budget)
        : history_(h), ops_(std::move(ops)), model_(h), budget_(budget) {}

    KeyVerdict run(KeyFailure& failure);

private:
    enum class Attempt { linearized, skip, doomed, stop };

    /// Checks the clock and the memory every so often; sets stop_ when one ran out.
    bool over_budget();
    /// Before the memo of configurations doubles: false (and stop_ set) if that
    /// exceeds the memory budget; if it would overrun the deadline, freezes it instead.
    bool make_room();
    std::size_t bytes() const;

    /// Tries to linearize the call at `entry` now.
    Attempt try_linearize(int entry);
    /// Undoes to the last choice point; returns where to continue (-1: none left).
    int backtrack();
    void describe_failure(KeyFailure& failure);
    void build();
    void lift(int call);
    void unlift(int call);
    void remember_best(int stuck);

    const History& history_;
    std::vector<std::size_t> ops_;
    KeyModel model_;
    std::vector<Event> events_;  // events_[0] is the head sentinel
    std::vector<std::uint64_t> z1_, z2_;
    std::vector<Frame> stack_;
    search::ConfigSet seen_;
    Budget budget_;
    KeyVerdict stop_ = KeyVerdict::ok;  // why the search stopped early
    std::uint64_t work_ = 0, next_check_ = 0;
    std::uint32_t state_ = kAbsent;
    std::uint64_t h1_ = 0, h2_ = 0;  // Zobrist hash of the linearized set
    std::size_t pending_ok_ = 0;     // ok operations not linearized yet
    std::vector<std::size_t> best_;
    std::size_t best_stuck_ = 0;
    bool have_best_ = false;
};

void KeySearch::build() {
    struct Raw {
        std::int64_t time;
        bool is_call;
        std::size_t local;
    };
    std::vector<Raw> raw;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
        const Operation& op = history_[ops_[i]];
        raw.push_back({op.invoke_us, true, i});
        if (op.outcome == Outcome::ok) raw.push_back({op.return_us, false, i});
    }
    // Calls before returns at equal times: touching operations count as concurrent.
    std::stable_sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
        return a.time != b.time ? a.time < b.time : (a.is_call && !b.is_call);
    });
    events_.assign(raw.size() + 1, Event{});
    std::vector<int> call_of(ops_.size(), -1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        Event& e = events_[i + 1];
        e.op = raw[i].local;
        e.is_call = raw[i].is_call;
        e.prev = static_cast<int>(i);
        e.next = i + 1 < raw.size() ? static_cast<int>(i + 2) : -1;
        if (e.is_call) call_of[e.op] = static_cast<int>(i + 1);
        else events_[call_of[e.op]].match = static_cast<int>(i + 1);
    }
    events_[0].next = raw.empty() ? -1 : 1;
    std::mt19937_64 rng(0x5eed);
    for (std::size_t i = 0; i < ops_.size(); ++i) z1_.push_back(rng()), z2_.push_back(rng());
}

void KeySearch::lift(int call) {
    for (int e : {call, events_[call].match}) {
        if (e < 0) continue;
        Event& x = events_[e];
        events_[x.prev].next = x.next;
        if (x.next >= 0) events_[x.next].prev = x.prev;
    }
}

void KeySearch::unlift(int call) {
    for (int e : {events_[call].match, call}) {  // reverse order of lift
        if (e < 0) continue;
        Event& x = events_[e];
        events_[x.prev].next = e;
        if (x.next >= 0) events_[x.next].prev = e;
    }
}

void KeySearch::remember_best(int stuck) {
    if (have_best_ && stack_.size() <= best_.size()) return;
    have_best_ = true;
    best_.clear();
    for (const Frame& f : stack_) best_.push_back(ops_[events_[f.call].op]);
    best_stuck_ = ops_[events_[stuck].op];
}

KeySearch::Attempt KeySearch::try_linearize(int entry) {
    const Event& e = events_[entry];
    // A read that fits the current state can be linearized right now without loss
    // of generality (moving a read earlier, within its interval, to a point with the
    // same state keeps any valid order valid). So it is not a choice: if that
    // configuration already failed, so does this one.
    const bool read = history_[ops_[e.op]].kind == OpKind::get;
    auto next = model_.step(state_, ops_[e.op]);
    if (!next) return Attempt::skip;
    // 128-bit hash of the linearized set, with the state mixed into one half.
    std::uint64_t n1 = h1_ ^ z1_[e.op], n2 = h2_ ^ z2_[e.op];
    std::uint64_t with_state = n2 ^ ((static_cast<std::uint64_t>(*next) + 1) * 0x9e3779b97f4a7c15ull);
    if (seen_.wants_room() && !make_room()) return Attempt::stop;
    if (!seen_.insert(n1, with_state)) return read ? Attempt::doomed : Attempt::skip;
    stack_.push_back({entry, state_, h1_, h2_, read});
    state_ = *next;
    h1_ = n1;
    h2_ = n2;
    if (history_[ops_[e.op]].outcome == Outcome::ok) --pending_ok_;
    lift(entry);
    return Attempt::linearized;
}

int KeySearch::backtrack() {
    // Undo down to the last real choice (a write), then try the next call after it.
    while (!stack_.empty()) {
        Frame top = stack_.back();
        stack_.pop_back();
        unlift(top.call);
        ++work_;
        if (history_[ops_[events_[top.call].op]].outcome == Outcome::ok) ++pending_ok_;
        state_ = top.state;
        h1_ = top.h1;
        h2_ = top.h2;
        if (!top.forced) return events_[top.call].next;
    }
    return -1;
}

std::size_t KeySearch::bytes() const {
    return seen_.bytes() + model_.bytes() + stack_.capacity() * sizeof(Frame) + events_.capacity() * sizeof(Event) +
           (z1_.capacity() + z2_.capacity() + best_.capacity() + ops_.capacity()) * sizeof(std::uint64_t);
}

bool KeySearch::over_budget() {
    // A step is cheap (one hash lookup, or one undo in backtrack), so a few thousand
    // of them take well under a millisecond. Each adds at most one entry per table.
    constexpr std::uint64_t kCheckEvery = 2048;
    if (++work_ < next_check_) return false;
    next_check_ = work_ + kCheckEvery;
    auto now = Clock::now();
    if (now > budget_.deadline || !model_.fit_before(now, budget_.deadline, kCheckEvery)) stop_ = KeyVerdict::timeout;
    else if (budget_.max_bytes > 0 && bytes() - model_.bytes() + model_.bytes_within(kCheckEvery) > budget_.max_bytes)
        stop_ = KeyVerdict::out_of_memory;
    return stop_ != KeyVerdict::ok;
}

bool KeySearch::make_room() {
    if (budget_.max_bytes > 0 && bytes() - seen_.bytes() + seen_.bytes_while_growing() > budget_.max_bytes) {
        stop_ = KeyVerdict::out_of_memory;
        return false;
    }
    // Rather than overrun the deadline rehashing, search on without remembering more.
    if (Clock::now() + seen_.next_grow() > budget_.deadline) seen_.freeze();
    else seen_.grow();
    return true;
}

KeyVerdict KeySearch::run(KeyFailure& failure) {
    build();
    for (std::size_t op : ops_) pending_ok_ += history_[op].outcome == Outcome::ok;
    int entry = events_[0].next;
    while (pending_ok_ > 0 && entry >= 0) {
        if (over_budget()) return stop_;
        if (events_[entry].is_call) {
            Attempt a = try_linearize(entry);
            if (a == Attempt::linearized) entry = events_[0].next;
            else if (a == Attempt::skip) entry = events_[entry].next;
            else if (a == Attempt::stop) return stop_;
            else entry = backtrack();
        } else {
            remember_best(entry);  // a return: its operation had to be linearized by now
            entry = backtrack();
        }
    }
    if (pending_ok_ == 0) return KeyVerdict::ok;
    describe_failure(failure);
    return KeyVerdict::illegal;
}

void KeySearch::describe_failure(KeyFailure& failure) {
    failure.ops = ops_;
    failure.linearized = best_;
    failure.stuck_op = best_stuck_;
    const Operation& stuck = history_[best_stuck_];
    std::uint32_t s = kAbsent;
    for (std::size_t op : best_) s = model_.step(s, op).value_or(s);
    std::string what = stuck.kind == OpKind::get ? " -> " + (stuck.output ? "\"" + *stuck.output + "\"" : std::string("absent"))
                                                 : " \"" + stuck.value + "\"";
    failure.explanation = "no order of the operations on key \"" + stuck.key + "\" explains " + stuck.client + " #" +
                          std::to_string(stuck.seq) + " " + std::string(to_string(stuck.kind)) + what +
                          " before it returned at " + std::to_string(stuck.return_us) + " us; the longest valid order has " +
                          std::to_string(best_.size()) + " operations and leaves the value " + model_.describe(s);
}

}  // namespace

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::ok: return "ok";
        case Verdict::illegal: return "illegal";
        case Verdict::unknown: return "unknown";
    }
    return "?";
}

namespace {

/// One key: the fast path if its writes are unique, else the search.
KeyVerdict check_key(const History& history, std::vector<std::size_t> ops, const CheckOptions& options, Budget budget,
                     KeyFailure& failure, LinearizabilityResult& result) {
    if (options.fast_path) {
        FastPathResult fast = check_unique_writes(history, ops);
        if (fast.outcome != FastPathOutcome::not_applicable) {
            ++result.fast_keys;
            if (fast.outcome == FastPathOutcome::ok) return KeyVerdict::ok;
            std::string key = std::move(failure.key);
            failure = std::move(fast.failure);
            failure.key = std::move(key);
            return KeyVerdict::illegal;
        }
    }
    ++result.searched_keys;
    // Past the deadline only the fast path runs: the other keys stay unknown, but an
    // illegal key among the rest is still found.
    if (Clock::now() > budget.deadline) return KeyVerdict::timeout;
    return KeySearch(history, std::move(ops), budget).run(failure);
}

}  // namespace

LinearizabilityResult check_linearizable(const History& history, const CheckOptions& options) {
    auto start = Clock::now();
    auto deadline = start + options.time_budget;
    const Budget budget{deadline, options.max_memory_mb * (std::size_t{1} << 20)};
    std::map<std::string, std::vector<std::size_t>> by_key;
    LinearizabilityResult result;
    for (std::size_t i = 0; i < history.size(); ++i) {
        const Operation& op = history[i];
        if (op.outcome == Outcome::failed) continue;                                  // never took effect
        if (op.outcome == Outcome::indeterminate && op.kind == OpKind::get) continue;  // constrains nothing
        by_key[op.key].push_back(i);
        ++result.operations;
    }
    result.keys = by_key.size();
    for (auto& [key, ops] : by_key) {
        KeyFailure failure;
        failure.key = key;
        KeyVerdict v = check_key(history, std::move(ops), options, budget, failure, result);
        if (v == KeyVerdict::illegal) {
            result.verdict = Verdict::illegal;
            if (result.failures.size() < options.max_failures) result.failures.push_back(std::move(failure));
            if (result.failures.size() >= options.max_failures) break;
        } else if (v == KeyVerdict::timeout || v == KeyVerdict::out_of_memory) {
            result.unknown_keys.push_back(key);
            result.memory_exhausted = result.memory_exhausted || v == KeyVerdict::out_of_memory;
        }
    }
    if (result.verdict != Verdict::illegal && !result.unknown_keys.empty()) result.verdict = Verdict::unknown;
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return result;
}

}  // namespace raftlab::history
