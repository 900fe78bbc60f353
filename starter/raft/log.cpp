// raft/log.cpp: your Raft log (lab 4). Read raft/log.h first: every function's
// contract is there. Replace each raftlab::todo() with a real body.
#include "raft/log.h"

#include <stdexcept>

#include "raftlab/todo.h"

namespace raftlab {

Index Log::last_index() const { todo("Log::last_index"); }

Term Log::last_term() const { todo("Log::last_term"); }

Term Log::term_at(Index index) const { todo("Log::term_at"); }

const LogEntry& Log::at(Index index) const { todo("Log::at"); }

std::vector<LogEntry> Log::entries_from(Index first, std::size_t max_count) const {
    todo("Log::entries_from");
}

Index Log::append(LogEntry entry) { todo("Log::append"); }

AppendResult Log::append_entries(Index prev_index, Term prev_term,
                                 const std::vector<LogEntry>& entries) {
    todo("Log::append_entries");
}

void Log::truncate_from(Index first) { todo("Log::truncate_from"); }

// Lab 11. Once you write it, every function above must count indexes from
// snapshot_index_: entries_[0] is then the entry with index snapshot_index_ + 1.
void Log::compact(Index index, Term term) { todo("Log::compact"); }

}  // namespace raftlab
