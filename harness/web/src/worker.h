// worker.h: one thread running queued jobs in order (the demo's control and client workers).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace raftlab::web {

class Worker {
public:
    explicit Worker(std::string name) : name_(std::move(name)) {}
    ~Worker() { stop(); }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start() {
        thread_ = std::thread([this] { run(); });
    }
    /// Queues a job; a job that throws is reported to `on_error` and the next one runs.
    void post(std::function<void()> job) {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        cv_.notify_one();
    }
    std::size_t pending() {
        std::lock_guard lock(mutex_);
        return jobs_.size();
    }
    /// Drops queued jobs, lets the running one finish, joins.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            jobs_.clear();
            cv_.notify_one();
        }
        if (thread_.joinable()) thread_.join();
    }
    std::function<void(const std::string&)> on_error;

private:
    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
                if (stopping_) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            try {
                job();
            } catch (const std::exception& e) {
                if (on_error) on_error(e.what());
            }
        }
    }

    std::string name_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace raftlab::web
