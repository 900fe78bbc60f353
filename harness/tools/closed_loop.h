// closed_loop.h: the load shape of `./raftlab bench kv`, the same for every system.
//
// N clients, one thread each, each sending a put, waiting for its answer and sending
// the next (closed loop: the offered load is whatever the system can absorb). Keys
// are drawn uniformly from a fixed key space with a per-client seed; values are a
// fixed size. The measured window starts after the warmup and lasts `measure`; a put
// counts (throughput and latency) when it completes inside the window.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace raftlab::tools {

/// One client's connection to the system under test. Not shared between threads.
class PutClient {
public:
    virtual ~PutClient() = default;
    /// One put, driven to an answer. False (with `error` set) when it failed.
    virtual bool put(const std::string& key, const std::string& value, std::string& error) = 0;
};

struct LoadShape {
    int clients = 64;
    std::chrono::duration<double> warmup{3.0};
    std::chrono::duration<double> measure{10.0};
    std::size_t value_bytes = 100;
    int key_space = 10000;
    std::uint64_t seed = 1;
    const std::atomic<bool>* stop = nullptr;  ///< when set and true, clients stop after their current put
};

struct LoadResult {
    std::uint64_t ops = 0;              ///< puts completed in the measured window
    std::uint64_t errors = 0;           ///< puts that failed in the measured window
    double seconds = 0;                 ///< length of the measured window
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
    std::string first_error;            ///< one example, for the report

    double ops_per_second() const { return seconds > 0 ? double(ops) / seconds : 0; }
};

/// Runs the load. make_client(i) is called on client i's own thread before the clock
/// starts; it may throw, which fails the run with that message (std::runtime_error).
LoadResult run_closed_loop(const LoadShape& shape, const std::function<std::unique_ptr<PutClient>(int)>& make_client);

}  // namespace raftlab::tools
