// Lab 4 checks: the Raft log's contract, one rule per check. Each test's name says
// the rule it proves; the failure messages say what the log did instead.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "log_under_test.h"

namespace raftlab {
namespace {

LogEntry entry(Term term, const std::string& command = "") {
    return LogEntry{term, command.empty() ? "cmd@" + std::to_string(term) : command};
}

/// A log holding entries with the given terms at indexes 1, 2, ...
Log log_with_terms(const std::vector<Term>& terms) {
    Log log;
    for (std::size_t i = 0; i < terms.size(); ++i)
        log.append(LogEntry{terms[i], "e" + std::to_string(i + 1)});
    return log;
}

std::vector<Term> terms_of(const Log& log) {
    std::vector<Term> out;
    for (Index i = 1; i <= log.last_index(); ++i) out.push_back(log.term_at(i));
    return out;
}

const char* name(AppendResult r) {
    switch (r) {
        case AppendResult::accepted: return "accepted";
        case AppendResult::missing_prev: return "missing_prev";
        case AppendResult::prev_term_mismatch: return "prev_term_mismatch";
    }
    return "an invalid AppendResult";
}

// Calls append_entries once: a failure reports the result of that call, and the log is
// changed only as the check meant it to be.
#define EXPECT_RESULT(expected, call)                                                          \
    do {                                                                                       \
        const AppendResult raftlab_result = (call);                                            \
        if (raftlab_result != (expected))                                                      \
            ADD_FAILURE() << #call << " returned " << name(raftlab_result) << ", expected "    \
                          << name(expected);                                                   \
    } while (false)

TEST(Log, emptyLogHasIndexAndTermZero) {
    Log log;
    EXPECT_EQ(log.last_index(), 0u) << "an empty log must have last_index() == 0";
    EXPECT_EQ(log.last_term(), 0u) << "an empty log must have last_term() == 0";
    EXPECT_EQ(log.term_at(0), 0u) << "term_at(0) must be 0: index 0 is before the first entry";
}

TEST(Log, leaderAppendAssignsConsecutiveIndexes) {
    Log log;
    EXPECT_EQ(log.append(entry(1, "x=1")), 1u) << "the first append must get index 1";
    EXPECT_EQ(log.append(entry(1, "x=2")), 2u);
    EXPECT_EQ(log.append(entry(3, "x=3")), 3u);
    EXPECT_EQ(log.last_index(), 3u);
    EXPECT_EQ(log.last_term(), 3u);
    EXPECT_EQ(log.at(2).command, "x=2") << "at(2) must return the second appended entry";
    EXPECT_EQ(log.term_at(3), 3u);
}

TEST(Log, appendEntriesAtExactPosition) {
    Log log = log_with_terms({1, 1, 2});
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(3, 2, {entry(2, "a"), entry(3, "b")}));
    EXPECT_EQ(log.last_index(), 5u) << "two entries after prev_index 3 must end at index 5";
    EXPECT_EQ(log.at(4).command, "a") << "the first new entry belongs at prev_index + 1";
    EXPECT_EQ(log.at(5).command, "b");
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 2, 2, 3}));
}

TEST(Log, appendEntriesIntoEmptyLog) {
    Log log;
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(0, 0, {entry(1), entry(1)}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1}))
        << "prev_index 0 with prev_term 0 must always match, even on an empty log";
}

TEST(Log, heartbeatWithMatchingPrevChangesNothing) {
    Log log = log_with_terms({1, 2, 2});
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(2, 2, {}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 2, 2}))
        << "an empty AppendEntries (a heartbeat) must not remove entries after prev_index";
}

TEST(Log, rejectsGap) {
    Log log = log_with_terms({1, 1});
    EXPECT_RESULT(AppendResult::missing_prev, log.append_entries(4, 1, {entry(1)}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1}))
        << "a request whose prev_index is past the end must leave the log unchanged";
}

TEST(Log, rejectsPrevTermMismatch) {
    Log log = log_with_terms({1, 1, 2});
    EXPECT_RESULT(AppendResult::prev_term_mismatch, log.append_entries(3, 3, {entry(3)}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 2}))
        << "a request whose prev_term disagrees must leave the log unchanged";
}

TEST(Log, repeatedRequestIsIdempotent) {
    Log log = log_with_terms({1});
    std::vector<LogEntry> batch{entry(2, "a"), entry(2, "b")};
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(1, 1, batch));
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(1, 1, batch));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 2, 2}))
        << "the same AppendEntries received twice must leave the log as receiving it once";
    EXPECT_EQ(log.at(3).command, "b");
}

TEST(Log, staleShorterDuplicateKeepsLaterEntries) {
    Log log = log_with_terms({1});
    log.append_entries(1, 1, {entry(2, "a"), entry(2, "b"), entry(2, "c")});
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(1, 1, {entry(2, "a")}));
    EXPECT_EQ(log.last_index(), 4u)
        << "a late, shorter duplicate must not truncate entries that agree with it";
}

TEST(Log, conflictTruncatesSuffix) {
    Log log = log_with_terms({1, 1, 2, 2, 2});
    EXPECT_RESULT(AppendResult::accepted, log.append_entries(2, 1, {entry(3, "new")}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 3}))
        << "a conflicting entry at index 3 must remove index 3 and everything after it";
    EXPECT_EQ(log.at(3).command, "new");
}

TEST(Log, multiEntryAppendOverlappingExisting) {
    Log log = log_with_terms({1, 1, 1});
    // Entries 2 and 3 agree, 4 and 5 are new.
    EXPECT_RESULT(AppendResult::accepted,
                  log.append_entries(1, 1, {entry(1, "e2"), entry(1, "e3"), entry(2), entry(2)}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 1, 2, 2}));
    EXPECT_EQ(log.at(2).command, "e2") << "agreeing entries must be kept, not replaced";
    // A conflict in the middle of a batch: index 3 differs.
    EXPECT_RESULT(AppendResult::accepted,
                  log.append_entries(1, 1, {entry(1, "e2"), entry(4, "x"), entry(4, "y")}));
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 4, 4}))
        << "a conflict inside a batch must truncate there and append the rest of the batch";
}

TEST(Log, outOfRangeAccessThrows) {
    Log log = log_with_terms({1, 2});
    EXPECT_THROW(log.at(0), std::out_of_range) << "at(0) must throw: there is no entry 0";
    EXPECT_THROW(log.at(3), std::out_of_range) << "at(last_index()+1) must throw";
    EXPECT_THROW(log.term_at(3), std::out_of_range) << "term_at(last_index()+1) must throw";
    EXPECT_TRUE(log.entries_from(3).empty()) << "entries_from(last_index()+1) must be empty";
    EXPECT_THROW(log.entries_from(0), std::out_of_range);
}

TEST(Log, entriesFromRespectsMaxCount) {
    Log log = log_with_terms({1, 1, 2, 3, 3});
    auto all = log.entries_from(2);
    ASSERT_EQ(all.size(), 4u) << "entries_from(2) on a 5-entry log must return 4 entries";
    EXPECT_EQ(all[0].command, "e2");
    auto two = log.entries_from(3, 2);
    ASSERT_EQ(two.size(), 2u) << "entries_from(3, 2) must return at most 2 entries";
    EXPECT_EQ(two[1].term, 3u);
}

TEST(Log, truncateFromRemovesSuffix) {
    Log log = log_with_terms({1, 1, 2});
    log.truncate_from(2);
    EXPECT_EQ(terms_of(log), (std::vector<Term>{1}));
    log.truncate_from(5);
    EXPECT_EQ(log.last_index(), 1u) << "truncate_from past the end must change nothing";
    EXPECT_THROW(log.truncate_from(0), std::out_of_range);
}

}  // namespace
}  // namespace raftlab
