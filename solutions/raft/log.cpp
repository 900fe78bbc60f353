// raft/log.cpp: the reference Raft log (lab 4; compaction, lab 11).
#include "raft/log.h"

#include <stdexcept>
#include <string>

namespace raftlab {
namespace {

[[noreturn]] void out_of_range(const char* what, Index index, Index first, Index last) {
    throw std::out_of_range(std::string(what) + ": index " + std::to_string(index) +
                            " is outside the log (entries " + std::to_string(first) + " .. " +
                            std::to_string(last) + ")");
}

}  // namespace

Index Log::last_index() const { return snapshot_index_ + entries_.size(); }

Term Log::last_term() const { return entries_.empty() ? snapshot_term_ : entries_.back().term; }

Term Log::term_at(Index index) const {
    if (index == snapshot_index_) return snapshot_term_;  // 0 for index 0 without a snapshot
    return at(index).term;
}

const LogEntry& Log::at(Index index) const {
    if (index <= snapshot_index_ || index > last_index())
        out_of_range("Log::at", index, snapshot_index_ + 1, last_index());
    return entries_[index - snapshot_index_ - 1];
}

std::vector<LogEntry> Log::entries_from(Index first, std::size_t max_count) const {
    if (first <= snapshot_index_) out_of_range("Log::entries_from", first, snapshot_index_ + 1, last_index());
    if (first > last_index()) return {};
    auto begin = entries_.begin() + static_cast<std::ptrdiff_t>(first - snapshot_index_ - 1);
    std::size_t available = last_index() - (first - 1);
    std::size_t count = available < max_count ? available : max_count;
    return std::vector<LogEntry>(begin, begin + static_cast<std::ptrdiff_t>(count));
}

Index Log::append(LogEntry entry) {
    entries_.push_back(std::move(entry));
    return last_index();
}

AppendResult Log::append_entries(Index prev_index, Term prev_term,
                                 const std::vector<LogEntry>& entries) {
    // Lab 11: what the snapshot covers is committed, so it is ours already; start
    // comparing at the first entry after it.
    std::size_t skip = 0;
    if (prev_index < snapshot_index_) {
        skip = snapshot_index_ - prev_index;
        if (skip >= entries.size()) return AppendResult::accepted;
        prev_index = snapshot_index_;
        prev_term = entries[skip - 1].term;
    }
    if (prev_index > last_index()) return AppendResult::missing_prev;
    if (term_at(prev_index) != prev_term) return AppendResult::prev_term_mismatch;

    Index index = prev_index;
    for (std::size_t k = skip; k < entries.size(); ++k) {
        const LogEntry& entry = entries[k];
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
    if (first <= snapshot_index_) out_of_range("Log::truncate_from", first, snapshot_index_ + 1, last_index());
    if (first > last_index()) return;
    entries_.resize(first - snapshot_index_ - 1);
}

void Log::compact(Index index, Term term) {
    if (index <= snapshot_index_) return;
    if (index <= last_index() && term_at(index) == term)
        entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(index - snapshot_index_));
    else
        entries_.clear();
    snapshot_index_ = index;
    snapshot_term_ = term;
}

}  // namespace raftlab

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
