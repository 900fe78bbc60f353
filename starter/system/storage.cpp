// system/storage.cpp: your durable storage (lab 10). Read system/storage.h first: the
// file format, the torn-tail rule and every member's contract are there. Replace each
// raftlab::todo() with a real body (private helpers are yours to add or drop).
#include "system/storage.h"

#include "raftlab/todo.h"

namespace raftlab::kv {

Storage::Storage(const std::filesystem::path& data_dir) { todo("Storage::Storage (open and recover)"); }

Storage::~Storage() {}

void Storage::save_term_and_vote(Term current_term, NodeId voted_for) { todo("Storage::save_term_and_vote"); }

void Storage::save_log(Index first, const std::vector<LogEntry>& entries) { todo("Storage::save_log"); }

void Storage::sync() { todo("Storage::sync"); }

// Lab 11.
void Storage::save_snapshot(const Snapshot& snapshot) { todo("Storage::save_snapshot"); }

}  // namespace raftlab::kv
