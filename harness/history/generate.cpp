// Synthetic histories (see raftlab/history/generate.h).
#include "raftlab/history/generate.h"

#include <map>
#include <queue>
#include <algorithm>
#include <random>

namespace raftlab::history {
namespace {

struct Event {
    std::int64_t time;
    int kind;  // 0 invoke, 1 take effect, 2 return
    std::size_t op;
    bool operator>(const Event& o) const { return time != o.time ? time > o.time : kind > o.kind; }
};

OpKind write_kind(Writes writes, double x, double get_ratio) {
    switch (writes) {
        case Writes::appends: return OpKind::append;
        case Writes::puts: return OpKind::put;
        case Writes::mixed: break;
    }
    return x < get_ratio + (1 - get_ratio) / 2 ? OpKind::put : OpKind::append;
}

}  // namespace

History generate_history(const GenerateOptions& o) {
    std::mt19937_64 rng(o.seed);
    auto uniform = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
    History h;
    h.reserve(o.operations);
    std::map<std::string, std::string> data;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
    std::vector<std::uint64_t> seq(o.clients, 0);
    std::vector<std::int64_t> effect_time;
    auto start_op = [&](int client, std::int64_t now) {
        if (h.size() >= o.operations) return;
        Operation op;
        op.client = "c" + std::to_string(client);
        op.seq = ++seq[client];
        double x = std::uniform_real_distribution<double>(0, 1)(rng);
        op.kind = x < o.get_ratio ? OpKind::get : write_kind(o.writes, x, o.get_ratio);
        op.key = "k" + std::to_string(uniform(0, o.keys - 1));
        if (op.kind != OpKind::get)
            op.value = o.value_range > 0 ? std::to_string(uniform(0, o.value_range - 1))
                                         : "[" + op.client + ":" + std::to_string(op.seq) + "]";
        op.invoke_us = now + uniform(1, 50);
        op.return_us = op.invoke_us + uniform(1, 100);
        std::int64_t effect = uniform(op.invoke_us, op.return_us);
        bool applies = true;
        if (op.kind != OpKind::get && (o.failed_ratio > 0 || o.indeterminate_ratio > 0)) {
            double y = std::uniform_real_distribution<double>(0, 1)(rng);
            if (y < o.failed_ratio) {
                op.outcome = Outcome::failed;
                applies = false;
            } else if (y < o.failed_ratio + o.indeterminate_ratio) {
                op.outcome = Outcome::indeterminate;  // the client gives up at return_us
                applies = uniform(0, 1) == 1;
                effect = uniform(op.invoke_us, op.return_us + 100);
            }
        }
        h.push_back(op);
        if (applies) events.push({effect, 1, h.size() - 1});
        events.push({op.return_us, 2, h.size() - 1});
    };
    for (int c = 0; c < o.clients; ++c) start_op(c, 0);
    while (!events.empty()) {
        Event e = events.top();
        events.pop();
        Operation& op = h[e.op];
        if (e.kind == 1) {
            auto it = data.find(op.key);
            if (op.kind == OpKind::get) op.output = it == data.end() ? std::nullopt : std::optional(it->second);
            else if (op.kind == OpKind::put) data[op.key] = op.value;
            else data[op.key] += op.value;
        } else if (e.kind == 2) {
            start_op(std::stoi(op.client.substr(1)), e.time);
        }
    }
    return h;
}

long plant_stale_read(History& h, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    // Replay each key's writes in return order is not enough (writes overlap), so use
    // the values gets observed: a value observed on a key before a write that returned
    // before this get's invocation, and different from what this get saw.
    std::vector<std::size_t> gets;
    for (std::size_t i = 0; i < h.size(); ++i)
        if (h[i].kind == OpKind::get && h[i].outcome == Outcome::ok) gets.push_back(i);
    std::shuffle(gets.begin(), gets.end(), rng);
    for (std::size_t g : gets) {
        for (std::size_t w = 0; w < h.size(); ++w) {
            const Operation& write = h[w];
            if (write.key != h[g].key || write.kind == OpKind::get || write.outcome != Outcome::ok) continue;
            if (write.return_us >= h[g].invoke_us) continue;
            // An earlier read that returned before the write was invoked saw a state
            // older than the write; with unique values and no deletes it never returns.
            for (std::size_t r = 0; r < h.size(); ++r) {
                const Operation& read = h[r];
                if (read.key != write.key || read.kind != OpKind::get || read.outcome != Outcome::ok || !read.output) continue;
                if (read.return_us >= write.invoke_us || read.output == h[g].output) continue;
                h[g].output = read.output;
                return static_cast<long>(g);
            }
        }
    }
    return -1;
}

}  // namespace raftlab::history
