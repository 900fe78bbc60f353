// raft/log.cpp: the reference Raft log (lab 4).
#include "raft/log.h"

#include <stdexcept>
#include <string>

namespace raftlab {
namespace {

[[noreturn]] void out_of_range(const char* what, Index index, Index last) {
    throw std::out_of_range(std::string(what) + ": index " + std::to_string(index) +
                            " is outside the log (last index " + std::to_string(last) + ")");
}

}  // namespace

Index Log::last_index() const { return entries_.size(); }

Term Log::last_term() const { return entries_.empty() ? 0 : entries_.back().term; }

Term Log::term_at(Index index) const {
    if (index == 0) return 0;
    return at(index).term;
}

const LogEntry& Log::at(Index index) const {
    if (index == 0 || index > last_index()) out_of_range("Log::at", index, last_index());
    return entries_[index - 1];
}

std::vector<LogEntry> Log::entries_from(Index first, std::size_t max_count) const {
    if (first == 0) out_of_range("Log::entries_from", first, last_index());
    if (first > last_index()) return {};
    auto begin = entries_.begin() + static_cast<std::ptrdiff_t>(first - 1);
    std::size_t available = entries_.size() - (first - 1);
    std::size_t count = available < max_count ? available : max_count;
    return std::vector<LogEntry>(begin, begin + static_cast<std::ptrdiff_t>(count));
}

Index Log::append(LogEntry entry) {
    entries_.push_back(std::move(entry));
    return last_index();
}

AppendResult Log::append_entries(Index prev_index, Term prev_term,
                                 const std::vector<LogEntry>& entries) {
    if (prev_index > last_index()) return AppendResult::missing_prev;
    if (term_at(prev_index) != prev_term) return AppendResult::prev_term_mismatch;

    Index index = prev_index;
    for (const LogEntry& entry : entries) {
        ++index;
        if (index <= last_index()) {
            if (term_at(index) == entry.term) continue;  // already here: keep it
            truncate_from(index);                         // conflict: drop the suffix
        }
        entries_.push_back(entry);
    }
    return AppendResult::accepted;
}

void Log::truncate_from(Index first) {
    if (first == 0) out_of_range("Log::truncate_from", first, last_index());
    if (first > last_index()) return;
    entries_.resize(first - 1);
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
