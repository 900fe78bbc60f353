// Linearizability of a key/value history: Wing–Gong–Lowe search per key.
//
// The search walks a doubly linked list of call and return events in time order.
// At a call it tries to linearize that operation now (apply it to the model); at a
// return it has hit an operation that should already have been linearized, so it
// backtracks. Each configuration (set of linearized operations, model state) is
// tried at most once: the set is hashed incrementally (Zobrist, 128 bits) and the
// state is an interned id, so a repeat is one hash-set lookup.
#include "raftlab/history/checker.h"

#include <algorithm>
#include <random>
#include <unordered_map>

namespace raftlab::history {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kAbsent = 0;  // state id of "key absent"

/// An open-addressing hash set of 128-bit keys (the search's hot path: one lookup
/// per step, no allocation per entry). Key (0, 0) is reserved as "empty".
class ConfigSet {
public:
    ConfigSet() : slots_(1 << 8) {}

    /// Inserts; returns false if the key was already present.
    bool insert(std::uint64_t a, std::uint64_t b) {
        if (a == 0 && b == 0) a = 1;  // keep the empty marker free (a 2^-128 merge)
        if ((size_ + 1) * 2 > slots_.size()) grow();
        return place(a, b);
    }
    std::size_t size() const { return size_; }

private:
    bool place(std::uint64_t a, std::uint64_t b) {
        std::size_t mask = slots_.size() - 1;
        for (std::size_t i = (a ^ (b >> 7)) & mask;; i = (i + 1) & mask) {
            auto& slot = slots_[i];
            if (slot.first == 0 && slot.second == 0) {
                slot = {a, b};
                ++size_;
                return true;
            }
            if (slot.first == a && slot.second == b) return false;
        }
    }
    void grow() {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> old(slots_.size() * 2);
        old.swap(slots_);
        size_ = 0;
        for (const auto& [a, b] : old)
            if (a != 0 || b != 0) place(a, b);
    }

    std::vector<std::pair<std::uint64_t, std::uint64_t>> slots_;
    std::size_t size_ = 0;
};

/// The model's states for one key, interned, with a memo of transitions.
class KeyModel {
public:
    explicit KeyModel(const History& h) : history_(h) { states_.push_back(nullptr); }

    /// The state after applying op to state, or nullopt if op cannot happen there.
    std::optional<std::uint32_t> step(std::uint32_t state, std::size_t op_index) {
        const Operation& op = history_[op_index];
        if (op.kind == OpKind::get) {
            bool absent = state == kAbsent;
            if (!op.output) return absent ? std::optional(state) : std::nullopt;
            return !absent && *states_[state] == *op.output ? std::optional(state) : std::nullopt;
        }
        if (op.kind == OpKind::del) return kAbsent;
        std::uint64_t memo_key = (static_cast<std::uint64_t>(state) << 32) | op_index;
        if (auto it = memo_.find(memo_key); it != memo_.end()) return it->second;
        std::uint32_t next = op.kind == OpKind::put ? intern(op.value)
                                                    : intern((state == kAbsent ? std::string() : *states_[state]) + op.value);
        memo_.emplace(memo_key, next);
        return next;
    }

    std::string describe(std::uint32_t state) const { return state == kAbsent ? "absent" : "\"" + *states_[state] + "\""; }

private:
    std::uint32_t intern(const std::string& value) {
        auto it = ids_.find(value);
        if (it != ids_.end()) return it->second;
        auto id = static_cast<std::uint32_t>(states_.size());
        auto [pos, fresh] = ids_.emplace(value, id);
        states_.push_back(&pos->first);
        return id;
    }

    const History& history_;
    std::unordered_map<std::string, std::uint32_t> ids_;
    std::vector<const std::string*> states_;  // id -> value (nullptr for absent)
    std::unordered_map<std::uint64_t, std::uint32_t> memo_;
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

enum class KeyVerdict { ok, illegal, timeout };

/// The search for one key's operations.
class KeySearch {
public:
    KeySearch(const History& h, std::vector<std::size_t> ops) : history_(h), ops_(std::move(ops)), model_(h) {}

    KeyVerdict run(Clock::time_point deadline, KeyFailure& failure);

private:
    enum class Attempt { linearized, skip, doomed };

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
    ConfigSet seen_;
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
        if (history_[ops_[events_[top.call].op]].outcome == Outcome::ok) ++pending_ok_;
        state_ = top.state;
        h1_ = top.h1;
        h2_ = top.h2;
        if (!top.forced) return events_[top.call].next;
    }
    return -1;
}

KeyVerdict KeySearch::run(Clock::time_point deadline, KeyFailure& failure) {
    build();
    for (std::size_t op : ops_) pending_ok_ += history_[op].outcome == Outcome::ok;
    int entry = events_[0].next;
    for (std::uint64_t steps = 0; pending_ok_ > 0 && entry >= 0; ++steps) {
        if ((steps & 4095) == 0 && Clock::now() > deadline) return KeyVerdict::timeout;
        if (events_[entry].is_call) {
            Attempt a = try_linearize(entry);
            if (a == Attempt::linearized) entry = events_[0].next;
            else if (a == Attempt::skip) entry = events_[entry].next;
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

LinearizabilityResult check_linearizable(const History& history, const CheckOptions& options) {
    auto start = Clock::now();
    auto deadline = start + options.time_budget;
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
        KeyVerdict v = KeySearch(history, std::move(ops)).run(deadline, failure);
        if (v == KeyVerdict::illegal) {
            result.verdict = Verdict::illegal;
            if (result.failures.size() < options.max_failures) result.failures.push_back(std::move(failure));
            if (result.failures.size() >= options.max_failures) break;
        } else if (v == KeyVerdict::timeout) {
            result.unknown_keys.push_back(key);
            if (Clock::now() > deadline) break;
        }
    }
    if (result.verdict != Verdict::illegal && !result.unknown_keys.empty()) result.verdict = Verdict::unknown;
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return result;
}

}  // namespace raftlab::history
