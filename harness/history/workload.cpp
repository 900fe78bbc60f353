// Concurrent client workloads and the in-memory reference store
// (see raftlab/history/workload.h).
#include "raftlab/history/workload.h"

#include <random>
#include <thread>

namespace raftlab::history {
namespace {

OpKind pick_kind(std::mt19937_64& rng, const WorkloadOptions& o) {
    double x = std::uniform_real_distribution<double>(0, 1)(rng);
    if (x < o.get_ratio) return OpKind::get;
    if (o.writes == Writes::appends) return OpKind::append;
    if (o.writes == Writes::puts) return OpKind::put;
    if (x < o.get_ratio + o.delete_ratio) return OpKind::del;
    double rest = 1.0 - o.get_ratio - o.delete_ratio;
    return x < o.get_ratio + o.delete_ratio + rest / 2 ? OpKind::put : OpKind::append;
}

void run_client(const WorkloadOptions& o, const KvClientFactory& factory, Recorder& recorder, int index,
                std::chrono::steady_clock::time_point deadline) {
    std::string id = o.client_prefix + std::to_string(index);
    std::mt19937_64 rng(o.seed * 1000003 + static_cast<std::uint64_t>(index));
    std::unique_ptr<KvClient> client = factory(id);
    for (std::uint64_t seq = 1; std::chrono::steady_clock::now() < deadline; ++seq) {
        if (o.max_ops_per_client > 0 && seq > o.max_ops_per_client) break;
        Request r;
        r.client = id;
        r.seq = seq;
        r.kind = pick_kind(rng, o);
        r.key = "k" + std::to_string(std::uniform_int_distribution<int>(0, std::max(0, o.keys - 1))(rng));
        if (r.kind == OpKind::put || r.kind == OpKind::append) r.value = "[" + id + ":" + std::to_string(seq) + "]";
        std::size_t token = recorder.invoke(id, seq, r.kind, r.key, r.value);
        Reply reply;
        try {
            reply = client->execute(r);
        } catch (const std::exception& e) {
            reply = {Outcome::indeterminate, std::nullopt, e.what()};
        }
        recorder.complete(token, reply.outcome, reply.outcome == Outcome::ok ? reply.output : std::nullopt);
        if (o.think_time.count() > 0) std::this_thread::sleep_for(o.think_time);
    }
}

}  // namespace

void run_workload(const WorkloadOptions& o, const KvClientFactory& factory, Recorder& recorder) {
    auto deadline = std::chrono::steady_clock::now() + o.duration;
    std::vector<std::thread> threads;
    for (int i = 0; i < o.clients; ++i)
        threads.emplace_back([&, i] { run_client(o, factory, recorder, i + 1, deadline); });
    for (auto& t : threads) t.join();
}

History run_workload(const WorkloadOptions& o, const KvClientFactory& factory) {
    Recorder recorder;
    run_workload(o, factory, recorder);
    return recorder.snapshot();
}

Reply InMemoryKv::apply(const Request& r) {
    std::lock_guard lock(mutex_);
    Reply reply{Outcome::ok, std::nullopt, {}};
    switch (r.kind) {
        case OpKind::get:
            if (auto it = data_.find(r.key); it != data_.end()) reply.output = it->second;
            break;
        case OpKind::put: data_[r.key] = r.value; break;
        case OpKind::append: data_[r.key] += r.value; break;
        case OpKind::del: data_.erase(r.key); break;
    }
    return reply;
}

KvClientFactory InMemoryKv::factory() {
    struct Direct : KvClient {
        InMemoryKv* kv;
        explicit Direct(InMemoryKv* k) : kv(k) {}
        Reply execute(const Request& r) override { return kv->apply(r); }
    };
    return [this](const std::string&) { return std::make_unique<Direct>(this); };
}

}  // namespace raftlab::history
