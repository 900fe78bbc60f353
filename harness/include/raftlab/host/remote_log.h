// raftlab/host/remote_log.h: the student's lab 4 Log, seen from the judge.
//
// The lab 4 checks use this class exactly as they would use the student's
// raftlab::Log (raft/log.h): same members, same results, same exceptions. Each call
// is answered by the lab 4 host, a process that runs the student's Log; the check
// binary itself holds no student code. Every Log of one check lives in the same host
// process, started on first use.
//
// Reads are fetched a whole log at a time: the first read after a change asks the
// host for last_index(), last_term(), term_at(0) and term_at(i), at(i) of every
// index, each computed by the student's own functions, and later reads are answered
// from that view until the next change (append, append_entries, truncate_from). A
// read the view does not hold (outside the log, or one the student's code threw on)
// goes to the host on its own, so its exception reaches the check as thrown. A change
// brings the new view back with its own reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "raftlab/raft/types.h"

namespace raftlab {
namespace host {
class Reader;
}

/// The outcome of Log::append_entries (the contract of raft/log.h).
enum class AppendResult {
    accepted,
    missing_prev,
    prev_term_mismatch,
};

class Log {
public:
    Log();
    ~Log();
    Log(Log&& other) noexcept;
    Log& operator=(Log&& other) noexcept;
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    Index last_index() const;
    Term last_term() const;
    Term term_at(Index index) const;
    /// Returned by value (the entry lives in another process).
    LogEntry at(Index index) const;
    std::vector<LogEntry> entries_from(Index first,
                                       std::size_t max_count = std::numeric_limits<std::size_t>::max()) const;
    Index append(LogEntry entry);
    AppendResult append_entries(Index prev_index, Term prev_term, const std::vector<LogEntry>& entries);
    void truncate_from(Index first);

private:
    struct View;
    static std::shared_ptr<View> read_view(host::Reader& r);
    const View* view() const;
    auto take_view();
    void changed() { view_.reset(); }

    std::uint32_t id_ = 0;  // 0: moved from
    mutable std::shared_ptr<View> view_;
};

}  // namespace raftlab
