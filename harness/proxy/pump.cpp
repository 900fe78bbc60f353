// One direction of a proxied connection: read, apply the faults, schedule, write.
//
// Fast path: with no fault, no cut and nothing queued, the reader writes each
// chunk straight to the sink (one read, one write, no copy). Otherwise chunks go
// into a queue ordered by due time, and the writer releases them: byte chunks keep
// their order (their due times never decrease); a delayed or reordered frame gets
// a later due time and is overtaken by frames read after it.
#include "proxy_state.h"

namespace raftlab::proxy {
namespace {

constexpr std::size_t kReadSize = 256 * 1024;
constexpr std::size_t kMaxQueued = 8 * 1024 * 1024;  // reader waits above this
constexpr std::size_t kSpliceSize = 1024 * 1024;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

}  // namespace

Pump::Pump(Connection& connection, Direction direction, tcp::socket& source, tcp::socket& sink, std::uint64_t seed)
    : connection_(connection),
      direction_(direction),
      source_(source),
      sink_(sink),
      rng_(seed),
      wake_writer_(source.get_executor()),
      wake_reader_(source.get_executor()),
      pace_(source.get_executor()) {}

const DirectionFaults& Pump::faults() const { return connection_.link.faults[static_cast<int>(direction_)]; }

bool Pump::cut() const { return connection_.link.cut[static_cast<int>(direction_)]; }

void Pump::stop() {
    stopped_ = true;
    wake_writer_.cancel();
    wake_reader_.cancel();
    pace_.cancel();
}

bool Pump::fast_path() const { return !connection_.link.spec.framed && !cut() && !faults().any() && queue_.empty() && !writing_; }

asio::awaitable<int> Pump::splice_once() {
    // Wait until readable, then move what is there through the pipe, untouched.
    auto [wait_error] = co_await source_.async_wait(tcp::socket::wait_read, tuple_awaitable);
    if (wait_error) co_return -1;
    if (!fast_path()) co_return 0;  // faults were set meanwhile: the copying path reads it
    long n = pipe_.fill(source_.native_handle(), kSpliceSize);
    if (n == 0) co_return -1;       // end of stream
    if (n == -1) co_return 0;       // spurious wake-up
    if (n < 0) co_return -1;
    writing_ = true;
    for (long left = n; left > 0;) {
        long m = pipe_.drain(sink_.native_handle(), static_cast<std::size_t>(left));
        if (m == -1) {
            auto [e] = co_await sink_.async_wait(tcp::socket::wait_write, tuple_awaitable);
            if (!e) continue;
        }
        if (m < 0) {
            writing_ = false;  // the writer loop must see the end, or it waits forever
            co_return -1;
        }
        left -= m;
    }
    writing_ = false;
    connection_.link.bytes[static_cast<int>(direction_)] += static_cast<std::uint64_t>(n);
    co_return 1;
}

asio::awaitable<void> Pump::read_loop() {
    std::vector<char> buffer(kReadSize);
    const bool framed = connection_.link.spec.framed;
    boost::system::error_code nb;
    bool zero_copy = pipe_.available() && !framed;
    if (zero_copy) {
        source_.native_non_blocking(true, nb);
        sink_.native_non_blocking(true, nb);
        zero_copy = !nb;
    }
    while (!stopped_) {
        if (zero_copy && fast_path()) {
            int r = co_await splice_once();
            if (r < 0) break;
            if (r > 0) continue;
        }
        auto [ec, n] = co_await source_.async_read_some(asio::buffer(buffer), tuple_awaitable);
        if (ec) break;  // end of stream, reset or closed by us: all end this direction
        if (faults().bytes.blackhole) continue;
        if (framed) {
            handle_frames(buffer.data(), n);
        } else if (cut()) {
            lost_bytes = true;
        } else if (!faults().any() && queue_.empty() && !writing_) {
            writing_ = true;
            auto [wec, written] = co_await asio::async_write(sink_, asio::buffer(buffer.data(), n), tuple_awaitable);
            writing_ = false;
            if (wec) break;
            connection_.link.bytes[static_cast<int>(direction_)] += written;
        } else {
            handle_bytes(buffer.data(), n);
        }
        while (queued_bytes_ > kMaxQueued && !stopped_) {
            wake_reader_.expires_at(Clock::time_point::max());
            co_await wake_reader_.async_wait(tuple_awaitable);
        }
    }
    source_done_ = true;
    wake_writer_.cancel();
}

Clock::time_point Pump::byte_due() {
    const ByteFaults& b = faults().bytes;
    auto delay = b.latency;
    if (b.jitter.count() > 0) {
        std::uniform_int_distribution<std::int64_t> jitter(-b.jitter.count(), b.jitter.count());
        delay += std::chrono::microseconds(jitter(rng_));
        if (delay.count() < 0) delay = std::chrono::microseconds(0);
    }
    return Clock::now() + delay;
}

void Pump::handle_bytes(const char* data, std::size_t n) {
    last_due_ = std::max(last_due_, byte_due());  // jitter never reorders bytes
    enqueue(std::string(data, n), last_due_, true);
}

void Pump::handle_frames(const char* data, std::size_t n) {
    decoder_.feed(std::string_view(data, n));
    for (auto r = decoder_.next(); r.status != wire::FrameDecoder::Status::need_more; r = decoder_.next()) {
        if (r.status == wire::FrameDecoder::Status::error) {
            connection_.link.journal_frame(direction_, r.error, "malformed");
            connection_.close(true);
            return;
        }
        Link& link = connection_.link;
        const FrameFaults& f = faults().frames;
        std::uniform_real_distribution<double> coin(0.0, 1.0);
        // Always draw all four, so one frame's faults do not shift the next's draws.
        bool drop = coin(rng_) < f.drop, duplicate = coin(rng_) < f.duplicate;
        bool delay = coin(rng_) < f.delay_probability && f.delay.count() > 0, reorder = coin(rng_) < f.reorder;
        link.frames[static_cast<int>(direction_)]++;
        if (cut() || drop) {
            if (drop && !cut()) link.frames_dropped++;
            link.journal_frame(direction_, r.payload, cut() ? "cut" : "dropped");
            continue;
        }
        std::string bytes = wire::encode_frame(r.payload);
        std::string_view fate = "delivered";
        if (delay || reorder) {
            fate = delay ? "delayed" : "reordered";
            enqueue(bytes, byte_due() + (delay ? f.delay : f.reorder_window), false);
        } else {
            last_due_ = std::max(last_due_, byte_due());
            enqueue(bytes, last_due_, true);
        }
        if (duplicate) {
            fate = "duplicated";
            link.frames_duplicated++;
            enqueue(std::move(bytes), last_due_, true);
        }
        link.journal_frame(direction_, r.payload, fate);
    }
}

void Pump::enqueue(std::string bytes, Clock::time_point due, bool keeps_order) {
    queued_bytes_ += bytes.size();
    queue_.push(Chunk{due, order_++, std::move(bytes)});
    wake_writer_.cancel();
}

asio::awaitable<void> Pump::sleep_until(Clock::time_point t) {
    pace_.expires_at(t);
    co_await pace_.async_wait(tuple_awaitable);
}

asio::awaitable<bool> Pump::write_chunk(const std::string& bytes) {
    std::size_t pos = 0;
    while (pos < bytes.size() && !stopped_) {
        const ByteFaults& b = faults().bytes;
        std::size_t n = bytes.size() - pos;
        if (b.slice_bytes > 0) n = std::min(n, b.slice_bytes);
        if (b.bandwidth > 0) {
            n = std::min<std::size_t>(n, std::max<std::uint64_t>(1, b.bandwidth / 100));  // ~10 ms per write
            auto start = std::max(Clock::now(), bandwidth_free_);
            if (start > Clock::now()) co_await sleep_until(start);
            bandwidth_free_ = start + std::chrono::microseconds(n * 1000000 / b.bandwidth);
        }
        auto [ec, written] = co_await asio::async_write(sink_, asio::buffer(bytes.data() + pos, n), tuple_awaitable);
        if (ec) co_return false;
        connection_.link.bytes[static_cast<int>(direction_)] += written;
        pos += n;
        if (b.slice_bytes > 0 && b.slice_delay.count() > 0 && pos < bytes.size())
            co_await sleep_until(Clock::now() + b.slice_delay);
    }
    co_return !stopped_;
}

asio::awaitable<void> Pump::write_loop() {
    while (!stopped_) {
        if (queue_.empty()) {
            if (source_done_ && !writing_) break;
            wake_writer_.expires_at(Clock::time_point::max());
            co_await wake_writer_.async_wait(tuple_awaitable);
            continue;
        }
        if (queue_.top().due > Clock::now()) {
            wake_writer_.expires_at(queue_.top().due);
            co_await wake_writer_.async_wait(tuple_awaitable);
            continue;
        }
        Chunk chunk = std::move(const_cast<Chunk&>(queue_.top()));
        queue_.pop();
        writing_ = true;
        bool ok = co_await write_chunk(chunk.bytes);
        writing_ = false;
        queued_bytes_ -= chunk.bytes.size();
        wake_reader_.cancel();
        if (!ok) {
            connection_.close(true);
            co_return;
        }
    }
    if (!stopped_) {
        boost::system::error_code ignored;
        sink_.shutdown(tcp::socket::shutdown_send, ignored);  // pass the end of stream on
    }
}

}  // namespace raftlab::proxy
