// closed_loop.cpp: the closed-loop put load (see closed_loop.h).
#include "closed_loop.h"

#include <algorithm>
#include <barrier>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

namespace raftlab::tools {
namespace {

using Clock = std::chrono::steady_clock;

struct ClientTally {
    std::vector<double> latencies_ms;  // measured window only
    std::uint64_t errors = 0;
    std::string first_error;
};

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    return sorted[static_cast<std::size_t>(p * double(sorted.size() - 1))];
}

void client_loop(PutClient& client, int index, const LoadShape& shape, Clock::time_point measure_from,
                 Clock::time_point measure_to, ClientTally& tally) {
    std::mt19937_64 rng(shape.seed * 1000003 + static_cast<std::uint64_t>(index));
    std::uniform_int_distribution<int> pick(0, shape.key_space - 1);
    const std::string value(shape.value_bytes, static_cast<char>('a' + index % 26));
    std::string error;
    while (Clock::now() < measure_to && !(shape.stop && shape.stop->load())) {
        std::string key = "bench-" + std::to_string(pick(rng));
        auto start = Clock::now();
        bool ok = client.put(key, value, error);
        auto end = Clock::now();
        if (end < measure_from || end > measure_to) continue;  // counted when it completes in the window
        if (ok) {
            tally.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
        } else {
            if (tally.errors++ == 0) tally.first_error = error;
        }
    }
}

}  // namespace

LoadResult run_closed_loop(const LoadShape& shape, const std::function<std::unique_ptr<PutClient>(int)>& make_client) {
    std::vector<ClientTally> tallies(static_cast<std::size_t>(shape.clients));
    std::mutex mutex;
    std::string setup_error;
    Clock::time_point measure_from, measure_to;
    // Every thread makes its client, then waits for the others; the last to arrive sets the clock.
    std::barrier ready(shape.clients, [&]() noexcept {
        auto start = Clock::now();
        measure_from = start + std::chrono::duration_cast<Clock::duration>(shape.warmup);
        measure_to = measure_from + std::chrono::duration_cast<Clock::duration>(shape.measure);
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < shape.clients; ++i)
        threads.emplace_back([&, i] {
            std::unique_ptr<PutClient> client;
            try {
                client = make_client(i);
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex);
                if (setup_error.empty()) setup_error = e.what();
            }
            ready.arrive_and_wait();
            if (client) client_loop(*client, i, shape, measure_from, measure_to, tallies[static_cast<std::size_t>(i)]);
        });
    for (auto& t : threads) t.join();
    if (!setup_error.empty()) throw std::runtime_error(setup_error);

    LoadResult result;
    result.seconds = shape.measure.count();
    std::vector<double> all;
    for (auto& t : tallies) {
        all.insert(all.end(), t.latencies_ms.begin(), t.latencies_ms.end());
        result.errors += t.errors;
        if (result.first_error.empty()) result.first_error = t.first_error;
    }
    std::sort(all.begin(), all.end());
    result.ops = all.size();
    result.p50_ms = percentile(all, 0.50);
    result.p99_ms = percentile(all, 0.99);
    result.max_ms = all.empty() ? 0 : all.back();
    return result;
}

}  // namespace raftlab::tools
