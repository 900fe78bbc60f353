// A long-lived thread that starts every child process of a Supervisor.
//
// Why: the parent-death signal (PR_SET_PDEATHSIG) fires when the *thread* that
// forked the child exits, not the process. A node restarted from a short-lived
// thread (a nemesis thread, a check's worker) would be killed when that thread
// ends. Forking from one thread that lives as long as the Supervisor keeps the
// guarantee "children die with the harness, and only then".
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace raftlab::proc {

class SpawnThread {
public:
    SpawnThread() : thread_([this] { loop(); }) {}

    ~SpawnThread() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }

    SpawnThread(const SpawnThread&) = delete;
    SpawnThread& operator=(const SpawnThread&) = delete;

    /// Runs f on the spawn thread and returns its result (or rethrows its exception).
    template <class F>
    auto run(F f) -> decltype(f()) {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        {
            std::lock_guard lock(mutex_);
            tasks_.emplace_back([&task] { task(); });
        }
        wake_.notify_one();
        return result.get();
    }

private:
    void loop() {
        std::unique_lock lock(mutex_);
        while (true) {
            wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            if (tasks_.empty()) return;  // stopping, and nothing left to do
            auto task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace raftlab::proc
